#include "net/ws_trade_encoder.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "net/detail/bounded_writer.h"
#include "net/detail/order_json.h"

namespace mm {

using detail::BoundedWriter;
using detail::finish;
using detail::UncheckedWriter;

namespace {

bool valid_topic(std::string_view t) noexcept {
  if (t.empty()) return false;
  for (char c : t) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '"' || c == '\\') return false;
  }
  return true;
}

using detail::kDigitPairs;

// Decimal digits of v into out (no terminator), two digits per division; returns the length. Why not
// write_u64: every order frame prints a 13-digit millisecond timestamp, and one division per digit was a
// visible share of the encode stage. Precondition: out has >= 20 bytes.
size_t write_u64_pairs(uint64_t v, char* out) noexcept {
  const size_t n = detail::decimal_length(v);
  char* p = out + n;
  while (v >= 100) {
    const uint64_t q = v / 100;
    const auto r = static_cast<size_t>(v - q * 100);
    p -= 2;
    p[0] = kDigitPairs[2 * r];
    p[1] = kDigitPairs[2 * r + 1];
    v = q;
  }
  if (v >= 10) {
    p[-2] = kDigitPairs[2 * v];
    p[-1] = kDigitPairs[2 * v + 1];
  } else {
    p[-1] = static_cast<char>('0' + v);
  }
  return n;
}

using detail::kMaxEnvelopeBytes;

// Writes the envelope around `args_body`, which writes the inside of the args array. Precondition: the reqId
// was validated.
template <class W, size_t N, class Fn>
EncodeError write_envelope(W& w, const WsRequestMeta& m, const char (&op)[N], Fn&& args_body) noexcept {
  w.put('{');
  if (!m.req_id.empty()) {
    w.lit(R"("reqId":")");
    w.put(m.req_id);
    w.lit("\",");
  }
  w.lit(R"("header":{"X-BAPI-TIMESTAMP":")");
  w.put_formatted(20, [&](char* dst) { return write_u64_pairs(static_cast<uint64_t>(m.timestamp_ms), dst); });
  w.lit(R"(","X-BAPI-RECV-WINDOW":")");
  w.put_formatted(20, [&](char* dst) { return write_u64_pairs(static_cast<uint64_t>(m.recv_window_ms), dst); });
  w.lit(R"("},"op":")");
  w.lit(op);
  w.lit(R"(","args":[{)");
  const EncodeError e = args_body(w);
  w.lit("}]}");
  return e;
}

// The envelope with the args written by args_body(writer), either writer; body_max bounds what it touches.
// When the largest envelope fits, everything is written unchecked.
template <size_t N, class Fn>
Encoded envelope(const WsRequestMeta& m, const char (&op)[N], size_t body_max, std::span<char> out,
                 Fn&& args_body) noexcept {
  if (!detail::valid_req_id(m.req_id)) return {EncodeError::kBadReqId, 0};
  BoundedWriter w(out);
  if (char* room = w.reserve(kMaxEnvelopeBytes + body_max)) {
    UncheckedWriter u(room);
    const EncodeError e = write_envelope(u, m, op, args_body);
    return finish(u, e);
  }
  const EncodeError e = write_envelope(w, m, op, args_body);
  return finish(w, e);
}

Encoded subscription(std::string_view op, std::span<const std::string_view> topics, std::string_view req_id,
                     std::span<char> out) noexcept {
  if (!detail::valid_req_id(req_id)) return {EncodeError::kBadReqId, 0};
  if (topics.empty()) return {EncodeError::kEmptyBatch, 0};
  for (std::string_view t : topics) {
    if (!valid_topic(t)) return {EncodeError::kBadTopic, 0};
  }
  BoundedWriter w(out);
  w.put('{');
  if (!req_id.empty()) {
    w.lit(R"("req_id":")");
    w.put(req_id);
    w.lit("\",");
  }
  w.lit(R"("op":")");
  w.put(op);
  w.lit(R"(","args":[)");
  for (size_t i = 0; i < topics.size(); ++i) {
    if (i != 0) w.put(',');
    w.put('"');
    w.put(topics[i]);
    w.put('"');
  }
  w.lit("]}");
  return finish(w, EncodeError::kOk);
}

}  // namespace

Encoded encode_ws_create(const WsRequestMeta& m, const Instrument& in, const OrderCreate& a,
                         std::span<char> out) noexcept {
  return envelope(m, "order.create", detail::kMaxCreateBytes, out,
                  [&](auto& w) { return detail::write_create(w, in, a, true); });
}

Encoded encode_ws_amend(const WsRequestMeta& m, const Instrument& in, const OrderAmend& a,
                        std::span<char> out) noexcept {
  return envelope(m, "order.amend", detail::kMaxAmendBytes, out,
                  [&](auto& w) { return detail::write_amend(w, in, a, true); });
}

Encoded encode_ws_cancel(const WsRequestMeta& m, const Instrument& in, const OrderCancel& a,
                         std::span<char> out) noexcept {
  return envelope(m, "order.cancel", detail::kMaxCancelBytes, out,
                  [&](auto& w) { return detail::write_cancel(w, in, a, true); });
}

Encoded encode_ws_create_batch(const WsRequestMeta& m, const InstrumentRegistry& reg,
                               std::span<const OrderCreate> items, std::span<char> out) noexcept {
  return envelope(m, "order.create-batch", detail::max_batch_bytes<OrderCreate>(items.size()), out,
                  [&](auto& w) { return detail::write_batch(w, reg, items); });
}

Encoded encode_ws_amend_batch(const WsRequestMeta& m, const InstrumentRegistry& reg,
                              std::span<const OrderAmend> items, std::span<char> out) noexcept {
  return envelope(m, "order.amend-batch", detail::max_batch_bytes<OrderAmend>(items.size()), out,
                  [&](auto& w) { return detail::write_batch(w, reg, items); });
}

Encoded encode_ws_cancel_batch(const WsRequestMeta& m, const InstrumentRegistry& reg,
                               std::span<const OrderCancel> items, std::span<char> out) noexcept {
  return envelope(m, "order.cancel-batch", detail::max_batch_bytes<OrderCancel>(items.size()), out,
                  [&](auto& w) { return detail::write_batch(w, reg, items); });
}

Encoded encode_ws_auth(const Signer& signer, int64_t expires_ms, std::span<char> out) noexcept {
  char sig[kSignatureHexLen];
  if (signer.sign_ws_auth(expires_ms, sig) != SignerError::kOk) return {EncodeError::kSignerNotReady, 0};
  BoundedWriter w(out);
  w.lit(R"({"op":"auth","args":[")");
  w.put(signer.api_key());
  w.lit("\",");
  w.put_u64(static_cast<uint64_t>(expires_ms));
  w.lit(",\"");
  w.put(std::string_view(sig, kSignatureHexLen));
  w.lit("\"]}");
  return finish(w, EncodeError::kOk);
}

Encoded encode_ws_ping(std::span<char> out) noexcept {
  BoundedWriter w(out);
  w.lit(R"({"op":"ping"})");
  return finish(w, EncodeError::kOk);
}

Encoded encode_ws_subscribe(std::span<const std::string_view> topics, std::string_view req_id,
                            std::span<char> out) noexcept {
  return subscription("subscribe", topics, req_id, out);
}

Encoded encode_ws_unsubscribe(std::span<const std::string_view> topics, std::string_view req_id,
                              std::span<char> out) noexcept {
  return subscription("unsubscribe", topics, req_id, out);
}

EncodedFrame encode_ws_create_frame(const WsRequestMeta& m, const Instrument& in, const OrderCreate& a,
                                    uint32_t mask_key, std::span<char> out) noexcept {
  return encode_ws_text_frame(out, mask_key,
                              [&](std::span<char> room) { return encode_ws_create(m, in, a, room); });
}

EncodedFrame encode_ws_amend_frame(const WsRequestMeta& m, const Instrument& in, const OrderAmend& a,
                                   uint32_t mask_key, std::span<char> out) noexcept {
  return encode_ws_text_frame(out, mask_key,
                              [&](std::span<char> room) { return encode_ws_amend(m, in, a, room); });
}

EncodedFrame encode_ws_cancel_frame(const WsRequestMeta& m, const Instrument& in, const OrderCancel& a,
                                    uint32_t mask_key, std::span<char> out) noexcept {
  return encode_ws_text_frame(out, mask_key,
                              [&](std::span<char> room) { return encode_ws_cancel(m, in, a, room); });
}

// ---------------------------------------------------------------------------------------------------------------
// WsRequestStream.

WsRequestStream::WsRequestStream(int64_t recv_window_ms) noexcept : recv_window_ms_(recv_window_ms) {
  render();
}

void WsRequestStream::set_recv_window(int64_t recv_window_ms) noexcept {
  recv_window_ms_ = recv_window_ms;
  render();
}

void WsRequestStream::stamp(int64_t timestamp_ms) noexcept {
  timestamp_ms_ = timestamp_ms;
  const auto v = static_cast<uint64_t>(timestamp_ms);
  // Within the window the text has the same digit count and the same leading digits: only the last four
  // change (v - ts_base_ wraps to a large value when v is below the window).
  if (ts_base_ != 0 && v - ts_base_ < 10000) {
    const auto low = static_cast<size_t>(v - ts_base_);
    const size_t hi = low / 100;
    const size_t lo = low - hi * 100;
    char* d = head_ + ts_end_ - 4;
    std::memcpy(d, kDigitPairs + 2 * hi, 2);
    std::memcpy(d + 2, kDigitPairs + 2 * lo, 2);
    return;
  }
  render();
}

void WsRequestStream::render() noexcept {
  // The same text write_envelope prints between the reqId and the op (both numbers <= 20 digits: the head
  // holds at most 33 + 20 + 24 + 20 + 9 = 106 bytes).
  UncheckedWriter w(head_);
  w.lit(R"(","header":{"X-BAPI-TIMESTAMP":")");
  const auto v = static_cast<uint64_t>(timestamp_ms_);
  w.put_formatted(20, [&](char* dst) { return write_u64_pairs(v, dst); });
  ts_end_ = w.size();
  w.lit(R"(","X-BAPI-RECV-WINDOW":")");
  w.put_formatted(20,
                  [&](char* dst) { return write_u64_pairs(static_cast<uint64_t>(recv_window_ms_), dst); });
  w.lit(R"("},"op":")");
  head_len_ = w.size();
  ts_base_ = v >= 10000 ? v - v % 10000 : 0;
}

// Reads the stream's texts for the encoders below.
struct WsRequestStreamAccess {
  // The envelope of write_envelope for s.meta(), from the cached texts. Precondition: w has
  // kMaxEnvelopeBytes + what args_body touches.
  template <size_t N, class Fn>
  static EncodeError write(UncheckedWriter& w, const WsRequestStream& s, const char (&op)[N],
                           Fn&& args_body) noexcept {
    static_assert(sizeof s.head_ + sizeof s.req_id_ + N + 32 <= kMaxEnvelopeBytes);
    w.lit(R"({"reqId":")");
    w.put_padded(s.req_id_, s.req_id_len_);
    w.put_padded(s.head_, s.head_len_);
    w.lit(op);
    w.lit(R"(","args":[{)");
    const EncodeError e = args_body(w);
    w.lit("}]}");
    return e;
  }
};

namespace {

template <size_t N, class Fn>
EncodedFrame stream_frame(const WsRequestStream& s, const char (&op)[N], size_t body_max, uint32_t mask_key,
                          std::span<char> out, Fn&& args_body) noexcept {
  return encode_ws_text_frame(out, mask_key, [&](std::span<char> payload) {
    BoundedWriter w(payload);
    if (char* room = w.reserve(kMaxEnvelopeBytes + body_max)) {
      UncheckedWriter u(room);
      const EncodeError e = WsRequestStreamAccess::write(u, s, op, args_body);
      return finish(u, e);
    }
    // Little room: the checked encoder, which finds the same errors (or kBufferTooSmall).
    return envelope(s.meta(), op, body_max, payload, args_body);
  });
}

}  // namespace

EncodedFrame encode_ws_frame(const WsRequestStream& s, const Instrument& in, const OrderCreate& a,
                             uint32_t mask_key, std::span<char> out) noexcept {
  return stream_frame(s, "order.create", detail::kMaxCreateBytes, mask_key, out,
                      [&](auto& w) { return detail::write_create(w, in, a, true); });
}

EncodedFrame encode_ws_frame(const WsRequestStream& s, const Instrument& in, const OrderAmend& a,
                             uint32_t mask_key, std::span<char> out) noexcept {
  return stream_frame(s, "order.amend", detail::kMaxAmendBytes, mask_key, out,
                      [&](auto& w) { return detail::write_amend(w, in, a, true); });
}

EncodedFrame encode_ws_frame(const WsRequestStream& s, const Instrument& in, const OrderCancel& a,
                             uint32_t mask_key, std::span<char> out) noexcept {
  return stream_frame(s, "order.cancel", detail::kMaxCancelBytes, mask_key, out,
                      [&](auto& w) { return detail::write_cancel(w, in, a, true); });
}

EncodedFrame encode_ws_batch_frame(const WsRequestStream& s, const InstrumentRegistry& reg,
                                   std::span<const OrderCreate> items, uint32_t mask_key,
                                   std::span<char> out) noexcept {
  return stream_frame(s, "order.create-batch", detail::max_batch_bytes<OrderCreate>(items.size()), mask_key,
                      out, [&](auto& w) { return detail::write_batch(w, reg, items); });
}

EncodedFrame encode_ws_batch_frame(const WsRequestStream& s, const InstrumentRegistry& reg,
                                   std::span<const OrderAmend> items, uint32_t mask_key,
                                   std::span<char> out) noexcept {
  return stream_frame(s, "order.amend-batch", detail::max_batch_bytes<OrderAmend>(items.size()), mask_key,
                      out, [&](auto& w) { return detail::write_batch(w, reg, items); });
}

EncodedFrame encode_ws_batch_frame(const WsRequestStream& s, const InstrumentRegistry& reg,
                                   std::span<const OrderCancel> items, uint32_t mask_key,
                                   std::span<char> out) noexcept {
  return stream_frame(s, "order.cancel-batch", detail::max_batch_bytes<OrderCancel>(items.size()), mask_key,
                      out, [&](auto& w) { return detail::write_batch(w, reg, items); });
}

}  // namespace mm
