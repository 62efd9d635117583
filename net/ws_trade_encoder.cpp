#include "net/ws_trade_encoder.h"

#include <array>
#include <cstdint>

#include "net/detail/bounded_writer.h"
#include "net/detail/order_json.h"

namespace mm {

using detail::BoundedWriter;
using detail::finish;

namespace {

bool valid_topic(std::string_view t) noexcept {
  if (t.empty()) return false;
  for (char c : t) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '"' || c == '\\') return false;
  }
  return true;
}

// Decimal digits of v into out (no terminator), two digits per division; returns the length. Why not
// write_u64: every order frame prints a 13-digit millisecond timestamp, and one division per digit was a
// visible share of the encode stage. Precondition: out has >= 20 bytes.
size_t write_u64_pairs(uint64_t v, char* out) noexcept {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  static constexpr auto kPow10 = [] {
    std::array<uint64_t, 20> t{};
    uint64_t x = 1;
    for (auto& e : t) {
      e = x;
      x *= 10;  // wraps after 10^19, never stored
    }
    return t;
  }();
  // Digit count: floor(log10(2^bits)) from the bit length (1233 / 4096 ~ log10 2), plus one if v reaches
  // the next power of ten.
  const auto bits = static_cast<size_t>(64 - __builtin_clzll(v | 1));
  const size_t t = (bits * 1233) >> 12;  // 0..19
  const size_t n = v == 0 ? 1 : t + (v >= kPow10[t] ? 1 : 0);
  char* p = out + n;
  while (v >= 100) {
    const uint64_t q = v / 100;
    const auto r = static_cast<size_t>(v - q * 100);
    p -= 2;
    p[0] = kPairs[2 * r];
    p[1] = kPairs[2 * r + 1];
    v = q;
  }
  if (v >= 10) {
    p[-2] = kPairs[2 * v];
    p[-1] = kPairs[2 * v + 1];
  } else {
    p[-1] = static_cast<char>('0' + v);
  }
  return n;
}

// Writes the envelope around `args_body`, which writes the inside of the args array.
template <class Fn>
Encoded envelope(const WsRequestMeta& m, std::string_view op, std::span<char> out, Fn&& args_body) noexcept {
  if (!detail::valid_req_id(m.req_id)) return {EncodeError::kBadReqId, 0};
  BoundedWriter w(out);
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
  w.put(op);
  w.lit(R"(","args":[{)");
  const EncodeError e = args_body(w);
  w.lit("}]}");
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
  return envelope(m, "order.create", out,
                  [&](BoundedWriter& w) { return detail::write_create(w, in, a, true); });
}

Encoded encode_ws_amend(const WsRequestMeta& m, const Instrument& in, const OrderAmend& a,
                        std::span<char> out) noexcept {
  return envelope(m, "order.amend", out,
                  [&](BoundedWriter& w) { return detail::write_amend(w, in, a, true); });
}

Encoded encode_ws_cancel(const WsRequestMeta& m, const Instrument& in, const OrderCancel& a,
                         std::span<char> out) noexcept {
  return envelope(m, "order.cancel", out,
                  [&](BoundedWriter& w) { return detail::write_cancel(w, in, a, true); });
}

Encoded encode_ws_create_batch(const WsRequestMeta& m, const InstrumentRegistry& reg,
                               std::span<const OrderCreate> items, std::span<char> out) noexcept {
  return envelope(m, "order.create-batch", out,
                  [&](BoundedWriter& w) { return detail::write_batch(w, reg, items); });
}

Encoded encode_ws_amend_batch(const WsRequestMeta& m, const InstrumentRegistry& reg,
                              std::span<const OrderAmend> items, std::span<char> out) noexcept {
  return envelope(m, "order.amend-batch", out,
                  [&](BoundedWriter& w) { return detail::write_batch(w, reg, items); });
}

Encoded encode_ws_cancel_batch(const WsRequestMeta& m, const InstrumentRegistry& reg,
                               std::span<const OrderCancel> items, std::span<char> out) noexcept {
  return envelope(m, "order.cancel-batch", out,
                  [&](BoundedWriter& w) { return detail::write_batch(w, reg, items); });
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

}  // namespace mm
