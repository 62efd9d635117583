#include "net/trade_ws.h"

#include <algorithm>
#include <charconv>

#include "net/rest_encoder.h"

namespace mm {

std::string_view to_string(TradeError e) noexcept {
  switch (e) {
    case TradeError::kOk:
      return "ok";
    case TradeError::kNotReady:
      return "not_ready";
    case TradeError::kInFlightFull:
      return "in_flight_full";
    case TradeError::kEncode:
      return "encode";
    case TradeError::kSend:
      return "send";
  }
  return "?";
}

TradeWs::TradeWs(TradeWsConfig cfg, const InstrumentRegistry& registry, BybitCodec& codec,
                 const Signer& signer, RateLimiter* limiter)
    : cfg_(cfg),
      registry_(registry),
      codec_(codec),
      signer_(signer),
      limiter_(limiter),
      session_(cfg_.session),
      stream_(cfg.recv_window_ms),
      out_(kMaxBatchBodyLen + 512),
      rehearsal_out_(out_.size()) {}

template <class Encode>
bool TradeWs::rehearse_encode(int64_t now_ns, Encode&& encode) noexcept {
  if (!ready()) return false;
  // A copy of the request stream: the real one's reqId must not move (ids are spent only by sends).
  WsRequestStream s = stream_;
  s.next(now_ns / 1'000'000 + offset_ms_);
  const Encoded e = encode(s.meta(), std::span<char>(rehearsal_out_));
  if (!e.ok()) return false;
  rehearsal_len_ = e.size;
  session_.ws().rehearse_frame({rehearsal_out_.data(), e.size});
  ++rehearsals_;
  return true;
}

template <class Encode>
TradeError TradeWs::send(RequestKind kind, uint32_t tag, uint16_t items, const OrderLinkId* link,
                         int64_t now_ns, Encode&& encode) noexcept {
  if (!ready()) return TradeError::kNotReady;
  const uint64_t seq = seq_ + 1;
  const size_t slot = seq & (kMaxInFlight - 1);
  if (used_[slot]) return TradeError::kInFlightFull;  // the request 256 numbers back is still unanswered
  stream_.next(now_ns / 1'000'000 + offset_ms_);
  seq_ = seq;  // the reqId "r<seq>" is spent even if what follows fails: ids only move forward
  const Encoded e = encode(std::span<char>(out_));
  if (!e.ok()) {
    encode_error_ = e.error;
    return TradeError::kEncode;
  }
  if (session_.ws().send_text({out_.data(), e.size}) != WsError::kOk) return TradeError::kSend;
  InFlightRequest& r = slots_[slot];
  r.seq = seq;
  r.kind = kind;
  r.tag = tag;
  r.items = items;
  r.sent_ns = now_ns;
  r.deadline_ns = now_ns + cfg_.request_timeout_ms * 1'000'000;
  r.link_id = link != nullptr ? *link : OrderLinkId{};
  used_[slot] = true;
  ++in_flight_;
  next_deadline_ns_ = std::min(next_deadline_ns_, r.deadline_ns);
  ++counters_.sent;
  return TradeError::kOk;
}

namespace {
// Looks the instrument up; nullptr when the id is not in the registry.
const Instrument* instrument_of(const InstrumentRegistry& reg, InstrumentId id) noexcept {
  return id < reg.size() ? &reg.get(id) : nullptr;
}
}  // namespace

TradeError TradeWs::create(const OrderCreate& a, uint32_t tag, int64_t now_ns) noexcept {
  const Instrument* in = instrument_of(registry_, a.instrument);
  if (in == nullptr) {
    encode_error_ = EncodeError::kUnknownInstrument;
    return TradeError::kEncode;
  }
  return send(RequestKind::kCreate, tag, 1, &a.link_id, now_ns,
              [&](std::span<char> out) { return encode_ws_create(stream_.meta(), *in, a, out); });
}

TradeError TradeWs::amend(const OrderAmend& a, uint32_t tag, int64_t now_ns) noexcept {
  const Instrument* in = instrument_of(registry_, a.instrument);
  if (in == nullptr) {
    encode_error_ = EncodeError::kUnknownInstrument;
    return TradeError::kEncode;
  }
  return send(RequestKind::kAmend, tag, 1, &a.link_id, now_ns,
              [&](std::span<char> out) { return encode_ws_amend(stream_.meta(), *in, a, out); });
}

TradeError TradeWs::cancel(const OrderCancel& a, uint32_t tag, int64_t now_ns) noexcept {
  const Instrument* in = instrument_of(registry_, a.instrument);
  if (in == nullptr) {
    encode_error_ = EncodeError::kUnknownInstrument;
    return TradeError::kEncode;
  }
  return send(RequestKind::kCancel, tag, 1, &a.link_id, now_ns,
              [&](std::span<char> out) { return encode_ws_cancel(stream_.meta(), *in, a, out); });
}

bool TradeWs::rehearse(const OrderCreate& a, int64_t now_ns) noexcept {
  const Instrument* in = instrument_of(registry_, a.instrument);
  return in != nullptr && rehearse_encode(now_ns, [&](const WsRequestMeta& m, std::span<char> out) {
           return encode_ws_create(m, *in, a, out);
         });
}

bool TradeWs::rehearse(const OrderAmend& a, int64_t now_ns) noexcept {
  const Instrument* in = instrument_of(registry_, a.instrument);
  return in != nullptr && rehearse_encode(now_ns, [&](const WsRequestMeta& m, std::span<char> out) {
           return encode_ws_amend(m, *in, a, out);
         });
}

bool TradeWs::rehearse(const OrderCancel& a, int64_t now_ns) noexcept {
  const Instrument* in = instrument_of(registry_, a.instrument);
  return in != nullptr && rehearse_encode(now_ns, [&](const WsRequestMeta& m, std::span<char> out) {
           return encode_ws_cancel(m, *in, a, out);
         });
}

TradeError TradeWs::create_batch(std::span<const OrderCreate> items, uint32_t tag, int64_t now_ns) noexcept {
  return send(
      RequestKind::kCreate, tag, static_cast<uint16_t>(items.size()), nullptr, now_ns,
      [&](std::span<char> out) { return encode_ws_create_batch(stream_.meta(), registry_, items, out); });
}
TradeError TradeWs::amend_batch(std::span<const OrderAmend> items, uint32_t tag, int64_t now_ns) noexcept {
  return send(
      RequestKind::kAmend, tag, static_cast<uint16_t>(items.size()), nullptr, now_ns,
      [&](std::span<char> out) { return encode_ws_amend_batch(stream_.meta(), registry_, items, out); });
}
TradeError TradeWs::cancel_batch(std::span<const OrderCancel> items, uint32_t tag, int64_t now_ns) noexcept {
  return send(
      RequestKind::kCancel, tag, static_cast<uint16_t>(items.size()), nullptr, now_ns,
      [&](std::span<char> out) { return encode_ws_cancel_batch(stream_.meta(), registry_, items, out); });
}

void TradeWs::on_ack(const TradeAck& ack, int64_t recv_ns, TradeWsSink& sink) noexcept {
  const std::string_view id = ack.req_id.view();
  uint64_t seq = 0;
  const bool numbered =
      id.size() > 1 && id[0] == 'r' &&
      std::from_chars(id.data() + 1, id.data() + id.size(), seq).ptr == id.data() + id.size();
  const size_t slot = seq & (kMaxInFlight - 1);
  if (!numbered || !used_[slot] || slots_[slot].seq != seq) {
    ++counters_.unmatched;  // late (already timed out) or not ours
    return;
  }
  const InFlightRequest req = slots_[slot];
  used_[slot] = false;
  --in_flight_;
  ++counters_.acks;
  if (ack.ret_code != 0) ++counters_.rejects;
  if (limiter_ != nullptr && (ack.limit != 0 || ack.limit_reset_ms != 0)) {
    limiter_->update_from_exchange(rate_class(req.kind), ack.limit, ack.limit_status, ack.limit_reset_ms,
                                   recv_ns);
  }
  sink.on_trade_ack(req, ack, recv_ns);
}

void TradeWs::expire(int64_t now_ns, TradeWsSink& sink) noexcept {
  if (now_ns < next_deadline_ns_) return;
  int64_t next = INT64_MAX;
  for (size_t i = 0; i < kMaxInFlight; ++i) {
    if (!used_[i]) continue;
    if (slots_[i].deadline_ns <= now_ns) {
      used_[i] = false;
      --in_flight_;
      ++counters_.timeouts;
      sink.on_trade_timeout(slots_[i]);
    } else {
      next = std::min(next, slots_[i].deadline_ns);
    }
  }
  next_deadline_ns_ = next;
}

void TradeWs::abandon_all(TradeWsSink& sink) noexcept {
  for (size_t i = 0; i < kMaxInFlight; ++i) {
    if (!used_[i]) continue;
    used_[i] = false;
    ++counters_.abandoned;
    sink.on_trade_timeout(slots_[i]);
  }
  in_flight_ = 0;
  next_deadline_ns_ = INT64_MAX;
}

int TradeWs::do_work(int64_t now_ns, TradeWsSink& sink) noexcept {
  int work = 0;
  switch (session_.step(now_ns, work)) {
    case SessionEvent::kOpened: {
      authed_ = false;
      const int64_t expires = now_ns / 1'000'000 + offset_ms_ + cfg_.auth_expires_ms;
      const Encoded e = encode_ws_auth(signer_, expires, out_);
      if (e.ok()) (void)session_.ws().send_text({out_.data(), e.size});
      ++work;
      break;
    }
    case SessionEvent::kClosed:
      authed_ = false;
      // No answer can come on a new connection: every request in flight is of unknown outcome now.
      abandon_all(sink);
      sink.on_disconnected(session_.last_error());
      ++work;
      break;
    case SessionEvent::kNone:
      break;
  }
  WsClient& ws = session_.ws();
  std::string_view text;
  int64_t recv_ns = 0;
  while (ws.front(text, recv_ns)) {
    ++work;
    const ParseResult r = codec_.parse(text, Category::kLinear);
    ws.pop();
    if (r.error != CodecError::kOk) {
      ++counters_.parse_errors;
    } else if (r.kind == MsgKind::kTradeAck) {
      on_ack(codec_.trade_ack(), recv_ns, sink);
    } else if (r.kind == MsgKind::kAuthAck) {
      const ControlAck& c = codec_.control();
      if (c.success) {
        authed_ = true;
        session_.mark_healthy();
        sink.on_ready();
      } else {
        ++counters_.auth_failed;
        sink.on_auth_failed(c.ret_code, c.ret_msg.view());
        ws.close(1000);
      }
    }
    work += ws.poll(now_ns);
  }
  expire(now_ns, sink);
  return work;
}

}  // namespace mm
