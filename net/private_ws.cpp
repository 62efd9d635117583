#include "net/private_ws.h"

#include "net/ws_trade_encoder.h"

namespace mm {

PrivateWs::PrivateWs(PrivateWsConfig cfg, BybitCodec& codec, const Signer& signer)
    : cfg_(std::move(cfg)), codec_(codec), signer_(signer), session_(cfg_.session) {
  size_t bytes = 256;
  for (const auto& t : cfg_.topics) {
    topic_views_.emplace_back(t);
    bytes += t.size() + 4;
  }
  out_.resize(bytes);
}

void PrivateWs::on_control(MsgKind kind, PrivateWsSink& sink) noexcept {
  const ControlAck& c = codec_.control();
  if (kind == MsgKind::kPong) {
    ++counters_.pongs;
  } else if (kind == MsgKind::kAuthAck) {
    if (!c.success) {
      ++counters_.auth_failed;
      sink.on_auth_failed(c.ret_code, c.ret_msg.view());
      session_.ws().close(1000);
      return;
    }
    ++counters_.auth_ok;
    authed_ = true;
    const Encoded e = encode_ws_subscribe(topic_views_, "", out_);
    if (e.ok() && session_.ws().send_text({out_.data(), e.size}) == WsError::kOk) {
      session_.mark_healthy();
      sink.on_ready();
    }
  } else if (kind == MsgKind::kSubscribeAck && !c.success) {
    ++counters_.subscribe_failures;
  }
}

int PrivateWs::do_work(int64_t now_ns, PrivateWsSink& sink) noexcept {
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
    ++counters_.frames;
    ++work;
    const ParseResult r = codec_.parse(text, Category::kLinear);
    ws.pop();
    if (r.error != CodecError::kOk) {
      ++counters_.parse_errors;
      sink.on_private_error(r.error, recv_ns);
    } else if (r.kind == MsgKind::kOrder || r.kind == MsgKind::kExecution || r.kind == MsgKind::kPosition ||
               r.kind == MsgKind::kWallet) {
      ++counters_.data_frames;
      sink.on_private(codec_, r.kind, recv_ns);
    } else {
      on_control(r.kind, sink);
    }
    work += ws.poll(now_ns);
  }
  return work;
}

}  // namespace mm
