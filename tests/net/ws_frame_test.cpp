#include "net/ws_frame.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xFF);
  return s;
}

uint8_t byte(const std::string& s, size_t i) {
  return static_cast<uint8_t>(s[i]);
}

// An unmasked server frame. len_form: 0 = minimal, 16 / 64 = force that extended length form.
std::string server_frame(uint8_t b0, std::string_view payload, int len_form = 0) {
  std::string f;
  f.push_back(static_cast<char>(b0));
  const uint64_t n = payload.size();
  if (len_form == 0 && n < 126) {
    f.push_back(static_cast<char>(n));
  } else if (len_form == 16 || (len_form == 0 && n <= 0xFFFF)) {
    f.push_back(126);
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n));
  } else {
    f.push_back(127);
    for (int k = 7; k >= 0; --k) f.push_back(static_cast<char>(n >> (8 * k)));
  }
  f.append(payload);
  return f;
}

// Decodes a client frame written by the encoder: checks the header and returns the unmasked payload.
std::string decode_client_frame(const char* frame, size_t size, uint8_t expect_b0, uint32_t mask_key) {
  const std::string f(frame, size);
  EXPECT_EQ(byte(f, 0), expect_b0);
  EXPECT_TRUE(byte(f, 1) & 0x80) << "client frames must be masked";
  uint64_t len = byte(f, 1) & 0x7F;
  size_t h = 2;
  if (len == 126) {
    len = (uint64_t{byte(f, 2)} << 8) | byte(f, 3);
    EXPECT_GE(len, 126u);
    h = 4;
  } else if (len == 127) {
    len = 0;
    for (int k = 0; k < 8; ++k) len = (len << 8) | byte(f, 2 + static_cast<size_t>(k));
    EXPECT_GT(len, 0xFFFFu);
    h = 10;
  }
  uint8_t key[4];
  std::memcpy(key, f.data() + h, 4);
  uint8_t expect_key[4];
  std::memcpy(expect_key, &mask_key, 4);
  EXPECT_EQ(std::memcmp(key, expect_key, 4), 0);
  h += 4;
  EXPECT_EQ(h + len, size);
  std::string payload = f.substr(h);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(byte(payload, i) ^ key[i % 4]);
  return payload;
}

TEST(WsFrame, HeaderLengths) {
  EXPECT_EQ(client_header_len(0), 6u);
  EXPECT_EQ(client_header_len(125), 6u);
  EXPECT_EQ(client_header_len(126), 8u);
  EXPECT_EQ(client_header_len(65535), 8u);
  EXPECT_EQ(client_header_len(65536), 14u);
}

TEST(WsFrame, ClientFrameRoundTripAtLengthBoundaries) {
  const uint32_t key = 0xA1B2C3D4;
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{125}, size_t{126}, size_t{65535}, size_t{65536}, size_t{70001}}) {
    SCOPED_TRACE(n);
    const std::string payload = pattern(n);
    std::vector<char> out(n + kMaxClientHeaderLen);
    const WsFrameSpan f = encode_client_frame(WsOpcode::kText, true, payload, key, out);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f.offset, 0u);
    EXPECT_EQ(f.size, client_header_len(n) + n);
    EXPECT_EQ(decode_client_frame(out.data(), f.size, 0x81, key), payload);
  }
}

TEST(WsFrame, FinishInPlaceMatchesCopyingEncoder) {
  const uint32_t key = 0x01020304;
  for (size_t n : {size_t{0}, size_t{125}, size_t{126}, size_t{65535}, size_t{65536}}) {
    SCOPED_TRACE(n);
    const std::string payload = pattern(n);
    std::vector<char> in_place(kMaxClientHeaderLen + n);
    std::memcpy(in_place.data() + kMaxClientHeaderLen, payload.data(), n);
    const WsFrameSpan a = finish_client_frame(in_place, n, WsOpcode::kBinary, key);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a.offset, kMaxClientHeaderLen - client_header_len(n));
    std::vector<char> copied(kMaxClientHeaderLen + n);
    const WsFrameSpan b = encode_client_frame(WsOpcode::kBinary, true, payload, key, copied);
    ASSERT_TRUE(b.ok());
    ASSERT_EQ(a.size, b.size);
    EXPECT_EQ(std::memcmp(in_place.data() + a.offset, copied.data(), a.size), 0);
    EXPECT_EQ(decode_client_frame(in_place.data() + a.offset, a.size, 0x82, key), payload);
  }
}

TEST(WsFrame, FinFlagAndOpcodes) {
  std::vector<char> out(64);
  ASSERT_TRUE(encode_client_frame(WsOpcode::kText, false, "ab", 7, out).ok());
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x01);
  ASSERT_TRUE(encode_client_frame(WsOpcode::kContinuation, true, "ab", 7, out).ok());
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x80);
  ASSERT_TRUE(encode_client_frame(WsOpcode::kPing, true, "ab", 7, out).ok());
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x89);
  ASSERT_TRUE(encode_client_frame(WsOpcode::kPong, true, "ab", 7, out).ok());
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x8A);
}

TEST(WsFrame, MaskMatchesBytewiseDefinitionAtEveryLengthAndAlignment) {
  const uint32_t key = 0xDEADBEEF;
  uint8_t k[4];
  std::memcpy(k, &key, 4);
  for (size_t align = 0; align < 8; ++align) {
    for (size_t n = 0; n <= 100; ++n) {
      std::string buf = pattern(n + align);
      const std::string orig = buf;
      mask_payload(buf.data() + align, n, key);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(byte(buf, align + i), static_cast<uint8_t>(byte(orig, align + i) ^ k[i % 4]))
            << n << " " << i;
      }
      ASSERT_EQ(buf.substr(0, align), orig.substr(0, align));
      mask_payload(buf.data() + align, n, key);
      ASSERT_EQ(buf, orig);
    }
  }
}

TEST(WsFrame, TooSmallBufferFailsWithoutWritingPastIt) {
  for (size_t n : {size_t{10}, size_t{200}, size_t{70000}}) {
    const std::string payload = pattern(n);
    const size_t need = client_header_len(n) + n;
    std::vector<char> out(need + 16, '#');
    const WsFrameSpan f =
        encode_client_frame(WsOpcode::kText, true, payload, 1, std::span<char>(out.data(), need - 1));
    EXPECT_EQ(f.error, WsFrameError::kBufferTooSmall);
    for (size_t i = need - 1; i < out.size(); ++i) ASSERT_EQ(out[i], '#');
    std::vector<char> room(kMaxClientHeaderLen + n + 16, '#');
    EXPECT_EQ(
        finish_client_frame(std::span<char>(room.data(), kMaxClientHeaderLen + n - 1), n, WsOpcode::kText, 1)
            .error,
        WsFrameError::kBufferTooSmall);
    for (char c : room) ASSERT_EQ(c, '#');
  }
}

TEST(WsFrame, ControlFramesAreLimited) {
  std::vector<char> out(512);
  EXPECT_EQ(encode_client_frame(WsOpcode::kPing, true, std::string(126, 'p'), 1, out).error,
            WsFrameError::kControlTooLong);
  EXPECT_EQ(encode_client_frame(WsOpcode::kPing, false, "p", 1, out).error, WsFrameError::kControlTooLong);
  EXPECT_TRUE(encode_client_frame(WsOpcode::kPing, true, std::string(125, 'p'), 1, out).ok());
  EXPECT_EQ(encode_close_frame(1000, std::string(124, 'r'), 1, out).error, WsFrameError::kControlTooLong);
}

TEST(WsFrame, CloseFrameCarriesCodeAndReason) {
  std::vector<char> out(64);
  const WsFrameSpan f = encode_close_frame(1001, "bye", 0x55667788, out);
  ASSERT_TRUE(f.ok());
  const std::string p = decode_client_frame(out.data(), f.size, 0x88, 0x55667788);
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ((byte(p, 0) << 8) | byte(p, 1), 1001);
  EXPECT_EQ(p.substr(2), "bye");
}

TEST(WsFrame, MaskKeySourceIsDeterministicAndVaried) {
  MaskKeySource a(42);
  MaskKeySource b(42);
  std::set<uint32_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const uint32_t x = a.next();
    ASSERT_EQ(x, b.next());
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_NE(MaskKeySource(1).next(), MaskKeySource(2).next());
}

TEST(WsFrame, EncodingAllocatesNothing) {
  std::vector<char> out(70000);
  const std::string payload = pattern(1000);
  test::AllocScope scope;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(encode_client_frame(WsOpcode::kText, true, payload, static_cast<uint32_t>(i), out).ok());
    ASSERT_TRUE(finish_client_frame(out, 1000, WsOpcode::kText, 3).ok());
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

// ---------------------------------------------------------------------------------------------------------------
// Server side.

TEST(WsParse, EverySplitPointNeedsMoreThenParses) {
  for (size_t n :
       {size_t{0}, size_t{5}, size_t{125}, size_t{126}, size_t{300}, size_t{65535}, size_t{65536}}) {
    SCOPED_TRACE(n);
    const std::string payload = pattern(n);
    const std::string frame = server_frame(0x81, payload);
    for (size_t k = 0; k < frame.size(); ++k) {
      WsFrame f;
      const WsParseResult r = parse_server_frame(std::string_view(frame).substr(0, k), 1 << 20, f);
      ASSERT_EQ(r.status, WsParseStatus::kNeedMore) << k;
      ASSERT_GT(r.need, k);
      ASSERT_LE(r.need, frame.size());
    }
    WsFrame f;
    const std::string with_tail = frame + "\x81\x01X";  // a following frame must not be swallowed
    ASSERT_EQ(parse_server_frame(with_tail, 1 << 20, f).status, WsParseStatus::kFrame);
    EXPECT_EQ(f.opcode, WsOpcode::kText);
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.frame_len, frame.size());
    EXPECT_EQ(f.payload, payload);
  }
}

WsParseError parse_error(const std::string& bytes, size_t max_payload = 1 << 20) {
  WsFrame f;
  const WsParseResult r = parse_server_frame(bytes, max_payload, f);
  return r.status == WsParseStatus::kError ? r.error : WsParseError::kNone;
}

TEST(WsParse, HeaderErrors) {
  EXPECT_EQ(parse_error(server_frame(0x81 | 0x40, "x")), WsParseError::kReservedBits);
  EXPECT_EQ(parse_error(server_frame(0x81 | 0x10, "x")), WsParseError::kReservedBits);
  EXPECT_EQ(parse_error(server_frame(0x83, "x")), WsParseError::kBadOpcode);
  EXPECT_EQ(parse_error(server_frame(0x8B, "x")), WsParseError::kBadOpcode);
  std::string masked = server_frame(0x81, "abcd");
  masked[1] = static_cast<char>(masked[1] | 0x80);
  EXPECT_EQ(parse_error(masked), WsParseError::kMaskedFrame);
  EXPECT_EQ(parse_error(server_frame(0x09, "x")), WsParseError::kControlFragmented);
  EXPECT_EQ(parse_error(server_frame(0x89, std::string(126, 'p'))), WsParseError::kControlTooLong);
  EXPECT_EQ(parse_error(server_frame(0x81, "short", 16)), WsParseError::kNonMinimalLength);
  EXPECT_EQ(parse_error(server_frame(0x81, std::string(300, 'a'), 64)), WsParseError::kNonMinimalLength);
  std::string high = server_frame(0x82, std::string(70000, 'a'));
  high[2] = static_cast<char>(0x80);
  EXPECT_EQ(parse_error(high), WsParseError::kLengthHighBit);
}

TEST(WsParse, OversizedFrameIsRejectedFromTheHeaderAlone) {
  const std::string frame = server_frame(0x81, std::string(5000, 'a'));
  WsFrame f;
  const WsParseResult r = parse_server_frame(std::string_view(frame).substr(0, 4), 4096, f);
  EXPECT_EQ(r.status, WsParseStatus::kError);
  EXPECT_EQ(r.error, WsParseError::kFrameTooLarge);
  EXPECT_EQ(parse_error(server_frame(0x81, std::string(4096, 'a')), 4096), WsParseError::kNone);
}

// Simulates a transport: bytes arrive in chunks of `chunk`, the caller drops `consumed` after each call.
std::vector<WsEvent> feed(WsFrameReader& r, const std::string& stream, size_t chunk,
                          std::vector<std::string>& payloads) {
  std::vector<WsEvent> events;
  std::string buf;
  size_t sent = 0;
  for (;;) {
    const WsEvent ev = r.next(buf);
    if (ev.kind != WsEventKind::kNeedMore) {
      events.push_back(ev);
      payloads.emplace_back(ev.payload);
    }
    buf.erase(0, ev.consumed);
    if (ev.kind == WsEventKind::kError) break;
    if (ev.kind == WsEventKind::kNeedMore) {
      if (sent == stream.size()) break;
      const size_t n = std::min(chunk, stream.size() - sent);
      buf.append(stream, sent, n);
      sent += n;
    }
  }
  EXPECT_TRUE(buf.empty() || events.back().kind == WsEventKind::kError);
  return events;
}

TEST(WsReader, FragmentedMessageWithInterleavedControlFramesAtAnyChunking) {
  const std::string stream = server_frame(0x81, "{\"op\":\"pong\"}") +  // whole message
                             server_frame(0x01, "frag-one;") +          // text, not final
                             server_frame(0x89, "are-you-there") +      // ping in the middle
                             server_frame(0x00, "") +                   // empty continuation
                             server_frame(0x80, "frag-two") +           // final continuation
                             server_frame(0x8A, "") +                   // pong
                             server_frame(0x82, std::string(300, 'b')) +
                             server_frame(0x88, std::string("\x03\xE8normal", 8));
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64}, stream.size()}) {
    SCOPED_TRACE(chunk);
    WsFrameReader r(1 << 16, 1 << 16);
    std::vector<std::string> p;
    const std::vector<WsEvent> ev = feed(r, stream, chunk, p);
    ASSERT_EQ(ev.size(), 6u);
    EXPECT_EQ(ev[0].kind, WsEventKind::kMessage);
    EXPECT_EQ(ev[0].opcode, WsOpcode::kText);
    EXPECT_EQ(p[0], "{\"op\":\"pong\"}");
    EXPECT_EQ(ev[1].kind, WsEventKind::kPing);
    EXPECT_EQ(p[1], "are-you-there");
    EXPECT_EQ(ev[2].kind, WsEventKind::kMessage);
    EXPECT_EQ(ev[2].opcode, WsOpcode::kText);
    EXPECT_EQ(p[2], "frag-one;frag-two");
    EXPECT_EQ(ev[3].kind, WsEventKind::kPong);
    EXPECT_EQ(ev[4].kind, WsEventKind::kMessage);
    EXPECT_EQ(ev[4].opcode, WsOpcode::kBinary);
    EXPECT_EQ(p[4], std::string(300, 'b'));
    EXPECT_EQ(ev[5].kind, WsEventKind::kClose);
    EXPECT_EQ(ev[5].close_code, 1000);
    EXPECT_EQ(p[5], "normal");
  }
}

WsParseError reader_error(const std::string& stream, size_t max_frame = 1 << 16,
                          size_t max_message = 1 << 16) {
  WsFrameReader r(max_frame, max_message);
  std::vector<std::string> p;
  const std::vector<WsEvent> ev = feed(r, stream, stream.size(), p);
  if (ev.empty() || ev.back().kind != WsEventKind::kError) return WsParseError::kNone;
  EXPECT_TRUE(r.failed());
  return ev.back().error;
}

TEST(WsReader, FragmentationErrors) {
  EXPECT_EQ(reader_error(server_frame(0x80, "orphan")), WsParseError::kUnexpectedContinuation);
  EXPECT_EQ(reader_error(server_frame(0x01, "a") + server_frame(0x81, "b")),
            WsParseError::kExpectedContinuation);
  EXPECT_EQ(reader_error(server_frame(0x01, std::string(60, 'a')) + server_frame(0x80, std::string(60, 'a')),
                         1 << 16, 100),
            WsParseError::kMessageTooLarge);
  EXPECT_EQ(reader_error(server_frame(0x81, std::string(101, 'a')), 1 << 16, 100),
            WsParseError::kMessageTooLarge);
  EXPECT_EQ(reader_error(server_frame(0x81, std::string(200, 'a')), 150, 1 << 16),
            WsParseError::kFrameTooLarge);
}

TEST(WsReader, ClosePayloads) {
  EXPECT_EQ(reader_error(server_frame(0x88, "x")), WsParseError::kBadClosePayload);
  EXPECT_EQ(reader_error(server_frame(0x88, std::string("\x03\xED", 2))),
            WsParseError::kBadClosePayload);  // 1005
  EXPECT_EQ(reader_error(server_frame(0x88, std::string("\x00\x10", 2))), WsParseError::kBadClosePayload);
  WsFrameReader r(1 << 10, 1 << 10);
  const std::string empty_close = server_frame(0x88, "");
  const WsEvent ev = r.next(empty_close);
  EXPECT_EQ(ev.kind, WsEventKind::kClose);
  EXPECT_EQ(ev.close_code, 1005);
  EXPECT_EQ(ev.consumed, 2u);
}

TEST(WsReader, StaysFailedUntilReset) {
  WsFrameReader r(1 << 10, 1 << 10);
  const std::string bad = server_frame(0xC1, "x");
  EXPECT_EQ(r.next(bad).kind, WsEventKind::kError);
  const std::string good = server_frame(0x81, "ok");
  EXPECT_EQ(r.next(good).kind, WsEventKind::kError);
  r.reset();
  const WsEvent ev = r.next(good);
  EXPECT_EQ(ev.kind, WsEventKind::kMessage);
  EXPECT_EQ(ev.payload, "ok");
}

TEST(WsReader, ReadingAllocatesNothing) {
  WsFrameReader r(1 << 16, 1 << 16);
  const std::string stream =
      server_frame(0x01, "part1") + server_frame(0x80, "part2") + server_frame(0x81, "x");
  test::AllocScope scope;
  std::string_view in = stream;
  int messages = 0;
  while (!in.empty()) {
    const WsEvent ev = r.next(in);
    ASSERT_NE(ev.kind, WsEventKind::kError);
    in.remove_prefix(ev.consumed);
    messages += ev.kind == WsEventKind::kMessage ? 1 : 0;
  }
  EXPECT_EQ(messages, 2);
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace
}  // namespace mm
