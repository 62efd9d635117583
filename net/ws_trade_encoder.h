#pragma once
// Bybit V5 WebSocket messages: trade-stream envelopes (order.create|amend|cancel and their -batch forms),
// auth, ping and subscribe, as JSON text or straight as a masked client frame in one buffer.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/instrument.h"
#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "net/order_encoder.h"
#include "net/signer.h"
#include "net/ws_frame.h"

namespace mm {

// Per-request envelope data of the trade stream. reqId is echoed in the answer (empty: omitted); Bybit
// rejects a reqId it has seen recently (20006), so derive it from a sequence.
struct WsRequestMeta {
  std::string_view req_id;   // "" or 1..36 chars of [A-Za-z0-9-_]
  int64_t timestamp_ms = 0;  // X-BAPI-TIMESTAMP, from the injected wall clock; >= 0
  int64_t recv_window_ms = 5000;
};

// {"reqId":"..","header":{"X-BAPI-TIMESTAMP":"..","X-BAPI-RECV-WINDOW":".."},"op":"order.create",
//  "args":[{<the REST create body fields>}]}
// Preconditions: as the REST encoders (instrument from make_instrument). Errors: kBadReqId and those of
// encode_rest_create / _amend / _cancel.
Encoded encode_ws_create(const WsRequestMeta& m, const Instrument& in, const OrderCreate& a,
                         std::span<char> out) noexcept;
Encoded encode_ws_amend(const WsRequestMeta& m, const Instrument& in, const OrderAmend& a,
                        std::span<char> out) noexcept;
Encoded encode_ws_cancel(const WsRequestMeta& m, const Instrument& in, const OrderCancel& a,
                         std::span<char> out) noexcept;

// The envelope state of one trade-stream sender that numbers its own requests: reqId "r1", "r2", ... (unique
// per stream, as Bybit requires within its dedup window), a fixed recv window, and the timestamp of the
// current request. Why a class: the WsRequestMeta encoders validate the reqId and print both numbers on every
// frame; this keeps them as text (the reqId incremented in place, the timestamp re-rendered only when the
// millisecond leaves the ten-second window of the text, else four digits patched), so a frame's envelope is
// a few fixed-size copies. The stream encoders below write exactly what the WsRequestMeta encoders write for
// meta().
class WsRequestStream {
 public:
  // Preconditions: recv_window_ms >= 0.
  explicit WsRequestStream(int64_t recv_window_ms = 5000) noexcept;

  // Starts the next request: the next reqId, stamped with timestamp_ms (>= 0).
  void next(int64_t timestamp_ms) noexcept {
    advance_req_id();
    if (timestamp_ms != timestamp_ms_) stamp(timestamp_ms);
  }
  // Preconditions: recv_window_ms >= 0.
  void set_recv_window(int64_t recv_window_ms) noexcept;

  std::string_view req_id() const noexcept { return {req_id_, req_id_len_}; }  // "r" before the first next()
  int64_t timestamp_ms() const noexcept { return timestamp_ms_; }
  int64_t recv_window_ms() const noexcept { return recv_window_ms_; }
  WsRequestMeta meta() const noexcept { return {req_id(), timestamp_ms_, recv_window_ms_}; }

 private:
  friend struct WsRequestStreamAccess;
  void advance_req_id() noexcept {
    // Decimal increment in place: no division per digit. 20 digits cover any uint64_t sequence.
    size_t i = req_id_len_;
    while (i > 1 && req_id_[i - 1] == '9') req_id_[--i] = '0';
    if (i > 1) {
      ++req_id_[i - 1];
    } else {  // all nines (or the first id): one digit more, "1" followed by the zeros just written
      req_id_[1] = '1';
      if (req_id_len_ > 1) req_id_[req_id_len_] = '0';
      ++req_id_len_;
    }
  }
  void stamp(int64_t timestamp_ms) noexcept;
  void render() noexcept;

  // Fixed-size arrays: the encoders copy them whole and keep the used length.
  char req_id_[24] = {'r'};
  size_t req_id_len_ = 1;
  int64_t timestamp_ms_ = 0;
  int64_t recv_window_ms_;
  // `","header":{"X-BAPI-TIMESTAMP":"<ts>","X-BAPI-RECV-WINDOW":"<rw>"},"op":"` for the current values.
  char head_[128] = {};
  size_t head_len_ = 0;
  size_t ts_end_ = 0;     // head_ offset just past the timestamp digits
  uint64_t ts_base_ = 0;  // the rendered timestamp with its last four digits zeroed; 0: no window (< 10000)
};

// "op":"order.create-batch" etc., "args":[{"category":"..","request":[{..},..]}].
// Errors: kBadReqId and those of the REST batch encoders.
Encoded encode_ws_create_batch(const WsRequestMeta& m, const InstrumentRegistry& reg,
                               std::span<const OrderCreate> items, std::span<char> out) noexcept;
Encoded encode_ws_amend_batch(const WsRequestMeta& m, const InstrumentRegistry& reg,
                              std::span<const OrderAmend> items, std::span<char> out) noexcept;
Encoded encode_ws_cancel_batch(const WsRequestMeta& m, const InstrumentRegistry& reg,
                               std::span<const OrderCancel> items, std::span<char> out) noexcept;

// {"op":"auth","args":["<api key>",<expires>,"<HMAC of GET/realtime{expires}>"]}; expires is a number (ms).
// Preconditions: expires_ms >= 0. Errors: kBufferTooSmall, kSignerNotReady.
Encoded encode_ws_auth(const Signer& signer, int64_t expires_ms, std::span<char> out) noexcept;

// {"op":"ping"} (Bybit: every 20 s). Errors: kBufferTooSmall.
Encoded encode_ws_ping(std::span<char> out) noexcept;

// {["req_id":"..",]"op":"subscribe","args":["orderbook.50.BTCUSDT",..]} (public and private streams use
// "req_id"). Errors: kBufferTooSmall, kBadReqId, kBadTopic, kEmptyBatch (no topic).
Encoded encode_ws_subscribe(std::span<const std::string_view> topics, std::string_view req_id,
                            std::span<char> out) noexcept;
Encoded encode_ws_unsubscribe(std::span<const std::string_view> topics, std::string_view req_id,
                              std::span<char> out) noexcept;

// ---------------------------------------------------------------------------------------------------------------
// Framed: the message is encoded at out[kMaxClientHeaderLen..), then the frame header is written right before
// it and the payload masked in place, so the frame is contiguous with no copy.

struct [[nodiscard]] EncodedFrame {
  EncodeError error = EncodeError::kOk;
  size_t offset = 0;  // the frame is out[offset, offset + size)
  size_t size = 0;
  bool ok() const noexcept { return error == EncodeError::kOk; }
};

// Calls encode(std::span<char> payload_room) -> Encoded and frames the result as one masked text frame.
// Errors: kBufferTooSmall (out smaller than a frame header), and those of `encode`.
template <class EncodeFn>
EncodedFrame encode_ws_text_frame(std::span<char> out, uint32_t mask_key, EncodeFn&& encode) noexcept {
  if (out.size() < kMaxClientHeaderLen) return {EncodeError::kBufferTooSmall, 0, 0};
  const Encoded e = encode(out.subspan(kMaxClientHeaderLen));
  if (!e.ok()) return {e.error, 0, 0};
  const WsFrameSpan f = finish_client_frame(out, e.size, WsOpcode::kText, mask_key);
  // A text frame has no control-frame limit, and the payload fit, so finishing cannot fail.
  return {f.ok() ? EncodeError::kOk : EncodeError::kBufferTooSmall, f.offset, f.size};
}

// The hot-path trio, framed. Errors: as the unframed encoders.
EncodedFrame encode_ws_create_frame(const WsRequestMeta& m, const Instrument& in, const OrderCreate& a,
                                    uint32_t mask_key, std::span<char> out) noexcept;
EncodedFrame encode_ws_amend_frame(const WsRequestMeta& m, const Instrument& in, const OrderAmend& a,
                                   uint32_t mask_key, std::span<char> out) noexcept;
EncodedFrame encode_ws_cancel_frame(const WsRequestMeta& m, const Instrument& in, const OrderCancel& a,
                                    uint32_t mask_key, std::span<char> out) noexcept;

// The same frames for a WsRequestStream's current request (call next() first): byte-identical to the
// functions above with meta(), with the same errors (the stream's reqId is valid by construction).
EncodedFrame encode_ws_frame(const WsRequestStream& s, const Instrument& in, const OrderCreate& a,
                             uint32_t mask_key, std::span<char> out) noexcept;
EncodedFrame encode_ws_frame(const WsRequestStream& s, const Instrument& in, const OrderAmend& a,
                             uint32_t mask_key, std::span<char> out) noexcept;
EncodedFrame encode_ws_frame(const WsRequestStream& s, const Instrument& in, const OrderCancel& a,
                             uint32_t mask_key, std::span<char> out) noexcept;
// As encode_ws_text_frame(out, mask_key, encode_ws_*_batch(s.meta(), reg, items, payload)).
EncodedFrame encode_ws_batch_frame(const WsRequestStream& s, const InstrumentRegistry& reg,
                                   std::span<const OrderCreate> items, uint32_t mask_key,
                                   std::span<char> out) noexcept;
EncodedFrame encode_ws_batch_frame(const WsRequestStream& s, const InstrumentRegistry& reg,
                                   std::span<const OrderAmend> items, uint32_t mask_key,
                                   std::span<char> out) noexcept;
EncodedFrame encode_ws_batch_frame(const WsRequestStream& s, const InstrumentRegistry& reg,
                                   std::span<const OrderCancel> items, uint32_t mask_key,
                                   std::span<char> out) noexcept;

}  // namespace mm
