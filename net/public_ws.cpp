#include "net/public_ws.h"

#include <algorithm>

#include "net/ws_trade_encoder.h"

namespace mm {

PublicWs::PublicWs(PublicWsConfig cfg, BybitCodec& codec)
    : cfg_(std::move(cfg)), codec_(codec), session_(cfg_.session) {
  size_t bytes = 64;
  for (const auto& t : cfg_.topics) {
    topic_views_.emplace_back(t);
    bytes += t.size() + 4;
  }
  out_.resize(bytes);
}

bool PublicWs::send_op(bool subscribe, const std::string_view* topics, size_t n) noexcept {
  const std::span<const std::string_view> args(topics, n);
  const Encoded e = subscribe ? encode_ws_subscribe(args, "", out_) : encode_ws_unsubscribe(args, "", out_);
  if (!e.ok()) return false;
  return session_.ws().send_text({out_.data(), e.size}) == WsError::kOk;
}

void PublicWs::subscribe_all() noexcept {
  const size_t step = std::max<size_t>(1, cfg_.topics_per_request);
  for (size_t i = 0; i < topic_views_.size(); i += step) {
    const size_t n = std::min(step, topic_views_.size() - i);
    if (send_op(true, topic_views_.data() + i, n)) ++counters_.subscribe_requests;
  }
}

bool PublicWs::resubscribe(std::string_view topic) noexcept {
  if (!session_.open()) return false;
  const auto it = std::find(topic_views_.begin(), topic_views_.end(), topic);
  if (it == topic_views_.end()) return false;
  if (!send_op(false, &*it, 1) || !send_op(true, &*it, 1)) return false;
  ++counters_.resubscribes;
  return true;
}

int PublicWs::step_session(int64_t now_ns, PublicWsSink& sink) noexcept {
  int work = 0;
  switch (session_.step(now_ns, work)) {
    case SessionEvent::kOpened:
      subscribe_all();
      sink.on_connected();
      ++work;
      break;
    case SessionEvent::kClosed:
      sink.on_disconnected(session_.last_error());
      ++work;
      break;
    case SessionEvent::kNone:
      break;
  }
  return work;
}

int PublicWs::do_work(int64_t now_ns, PublicWsSink& sink) noexcept {
  int work = step_session(now_ns, sink);
  WsClient& ws = session_.ws();
  std::string_view text;
  int64_t recv_ns = 0;
  // Everything already read is handed over; the next read starts as each message is released.
  while (ws.front(text, recv_ns)) {
    ++counters_.frames;
    ++work;
    sink.on_frame(text, recv_ns);
    const ParseResult r = codec_.parse(text, cfg_.category);
    if (r.error != CodecError::kOk) {
      ++counters_.parse_errors;
      sink.on_public_error(r.error, recv_ns);
    } else if (r.kind == MsgKind::kSubscribeAck) {
      ++counters_.subscribe_acks;
      if (!codec_.control().success)
        ++counters_.subscribe_failures;
      else
        session_.mark_healthy();
    } else if (r.kind == MsgKind::kPong) {
      ++counters_.pongs;
    } else {
      ++counters_.data_frames;
      sink.on_public(codec_, r.kind, recv_ns);
    }
    // Released after the sink's turn (the codec holds what it parsed, not views of the frame): releasing
    // submits the next read, a system call that would otherwise sit between a book frame and its quote.
    ws.pop();
    work += ws.poll(now_ns);
  }
  return work;
}

}  // namespace mm
