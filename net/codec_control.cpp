// Frames without a topic: subscribe / auth acks, pongs and trade-WebSocket answers; and the REST
// envelope (cold path).
#include <string>

#include "net/detail/codec_impl.h"

namespace mm {

namespace detail {

namespace {

CodecError item_slot(BybitCodec& c, uint32_t i, uint32_t other_n, TradeAckItem*& out, const CodecLimits& lim,
                     TradeAckItem* items) noexcept {
  (void)c;
  if (i >= lim.max_items) return CodecError::kTooManyItems;
  // The slot is fresh unless the other list (data.list / retExtInfo.list) already filled it.
  if (i >= other_n) items[i] = TradeAckItem{};
  out = &items[i];
  return CodecError::kOk;
}

TradeOp trade_op(std::string_view op) noexcept {
  if (op == "order.create") return TradeOp::kCreate;
  if (op == "order.amend") return TradeOp::kAmend;
  if (op == "order.cancel") return TradeOp::kCancel;
  if (op == "order.create-batch") return TradeOp::kCreateBatch;
  if (op == "order.amend-batch") return TradeOp::kAmendBatch;
  if (op == "order.cancel-batch") return TradeOp::kCancelBatch;
  return TradeOp::kUnknown;
}

CodecError count_items(od::value v, uint32_t& n) noexcept {
  n = 0;
  return for_items(v, [&](od::value) noexcept {
    ++n;
    return CodecError::kOk;
  });
}

bool all_digits(std::string_view s) noexcept {
  if (s.empty() || s.size() > 18) return false;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

}  // namespace

void CodecImpl::begin_ack(BybitCodec& c, Frame& f) noexcept {
  if (f.ack_started) return;
  f.ack_started = true;
  c.control_ = ControlAck{};
  c.trade_ack_ = TradeAck{};
  c.trade_ack_.items = c.ack_items_.data();
}

CodecError CodecImpl::ack_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  begin_ack(c, f);
  std::string_view tok;
  if (auto e = raw_token(data, f.input_end, tok); e != CodecError::kOk) return e;
  if (tok == "null") return CodecError::kOk;
  TradeAck& a = c.trade_ack_;
  return for_fields(data, [&](std::string_view key, od::value v) noexcept {
    if (key == "orderId" || key == "orderLinkId") {
      std::string_view t;
      if (auto e = raw_token(v, f.input_end, t); e != CodecError::kOk) return e;
      return key == "orderId" ? token_id(t, a.order_id) : token_id(t, a.order_link_id);
    }
    if (key == "successTopics") return count_items(v, c.control_.success_topics);
    if (key == "failTopics") return count_items(v, c.control_.fail_topics);
    if (key != "list") return CodecError::kOk;
    uint32_t i = 0;
    return for_items(v, [&](od::value item) noexcept {
      TradeAckItem* it = nullptr;
      if (auto e = item_slot(c, i, f.ack_ext_n, it, c.limits_, c.ack_items_.data()); e != CodecError::kOk) return e;
      std::string_view cat, sym, oid, link;
      const CodecError e = for_fields(item, [&](std::string_view k, od::value x) noexcept {
        if (k == "category") return raw_token(x, f.input_end, cat);
        if (k == "symbol") return raw_token(x, f.input_end, sym);
        if (k == "orderId") return raw_token(x, f.input_end, oid);
        if (k == "orderLinkId") return raw_token(x, f.input_end, link);
        return CodecError::kOk;
      });
      if (e != CodecError::kOk) return e;
      if (!oid.empty()) {
        if (auto err = token_id(oid, it->order_id); err != CodecError::kOk) return err;
      }
      if (!link.empty()) {
        if (auto err = token_id(link, it->order_link_id); err != CodecError::kOk) return err;
      }
      std::string_view cs;
      if (!cat.empty() && token_string(cat, cs) == CodecError::kOk && parse_category(cs, it->category) &&
          !sym.empty()) {
        it->instrument = find_symbol(c.registry_, it->category, sym);
      }
      ++i;
      if (i > f.ack_list_n) f.ack_list_n = i;
      return CodecError::kOk;
    });
  });
}

CodecError CodecImpl::ack_header(BybitCodec& c, Frame& f, od::value v) noexcept {
  begin_ack(c, f);
  TradeAck& a = c.trade_ack_;
  return for_fields(v, [&](std::string_view key, od::value x) noexcept {
    int64_t n = 0;
    std::string_view tok;
    const bool limit = key == "X-Bapi-Limit";
    const bool status = key == "X-Bapi-Limit-Status";
    const bool reset = key == "X-Bapi-Limit-Reset-Timestamp";
    const bool now = key == "Timenow";
    if (!limit && !status && !reset && !now) return CodecError::kOk;
    if (auto e = raw_token(x, f.input_end, tok); e != CodecError::kOk) return e;
    if (auto e = token_i64(tok, n); e != CodecError::kOk) return e;
    if ((limit || status) && (n < INT32_MIN || n > INT32_MAX)) return CodecError::kBadNumber;
    if (limit) a.limit = static_cast<int32_t>(n);
    if (status) a.limit_status = static_cast<int32_t>(n);
    if (reset) a.limit_reset_ms = n;
    if (now) a.time_now_ms = n;
    return CodecError::kOk;
  });
}

CodecError CodecImpl::ack_ext_info(BybitCodec& c, Frame& f, od::value v) noexcept {
  begin_ack(c, f);
  return for_fields(v, [&](std::string_view key, od::value x) noexcept {
    if (key != "list") return CodecError::kOk;
    uint32_t i = 0;
    return for_items(x, [&](od::value item) noexcept {
      TradeAckItem* it = nullptr;
      if (auto e = item_slot(c, i, f.ack_list_n, it, c.limits_, c.ack_items_.data()); e != CodecError::kOk) return e;
      const CodecError e = for_fields(item, [&](std::string_view k, od::value y) noexcept {
        std::string_view tok;
        if (k == "code") {
          int64_t code = 0;
          if (auto err = raw_token(y, f.input_end, tok); err != CodecError::kOk) return err;
          if (auto err = token_i64(tok, code); err != CodecError::kOk) return err;
          if (code < INT32_MIN || code > INT32_MAX) return CodecError::kBadNumber;
          it->code = static_cast<int32_t>(code);
        } else if (k == "msg") {
          if (auto err = raw_token(y, f.input_end, tok); err != CodecError::kOk) return err;
          return token_text(tok, it->msg);
        }
        return CodecError::kOk;
      });
      if (e != CodecError::kOk) return e;
      ++i;
      if (i > f.ack_ext_n) f.ack_ext_n = i;
      return CodecError::kOk;
    });
  });
}

CodecError CodecImpl::ack_args(BybitCodec& c, Frame& f, od::value v) noexcept {
  (void)c;
  bool first = true;
  return for_items(v, [&](od::value x) noexcept {
    if (!first) return CodecError::kOk;
    first = false;
    std::string_view tok;
    if (auto e = raw_token(x, f.input_end, tok); e != CodecError::kOk) return e;
    std::string_view s;
    if (token_string(tok, s) == CodecError::kOk) f.pong_arg = s;
    return CodecError::kOk;
  });
}

CodecError CodecImpl::finish_ack(BybitCodec& c, Frame& f, MsgKind& kind) noexcept {
  begin_ack(c, f);
  const std::string_view op = f.op;
  if (op.size() > 6 && op.substr(0, 6) == "order.") {
    if (!f.has_ret_code) return CodecError::kMissingField;
    TradeAck& a = c.trade_ack_;
    a.op = trade_op(op);
    if (f.ret_code < INT32_MIN || f.ret_code > INT32_MAX) return CodecError::kBadNumber;
    a.ret_code = static_cast<int32_t>(f.ret_code);
    const std::string_view msg = f.ret_msg;
    a.ret_msg_cut = msg.size() > 64;
    (void)a.ret_msg.set(a.ret_msg_cut ? msg.substr(0, 64) : msg);
    if (!a.req_id.set(f.req_id)) return CodecError::kBadValue;
    a.item_count = f.ack_list_n > f.ack_ext_n ? f.ack_list_n : f.ack_ext_n;
    kind = MsgKind::kTradeAck;
    return CodecError::kOk;
  }
  ControlAck& a = c.control_;
  if (op == "pong" || op == "ping" || (op.empty() && f.ret_msg == "pong")) {
    kind = MsgKind::kPong;
  } else if (op == "subscribe" || op == "unsubscribe") {
    kind = MsgKind::kSubscribeAck;
    a.unsubscribe = op == "unsubscribe";
  } else if (op == "auth") {
    kind = MsgKind::kAuthAck;
  } else if (op.empty() && f.command_resp) {
    kind = MsgKind::kSubscribeAck;
  } else if (!op.empty()) {
    kind = MsgKind::kUnknownTopic;
    return CodecError::kOk;
  } else {
    return CodecError::kMissingField;
  }
  if (f.has_success) {
    a.success = f.success;
  } else if (f.has_ret_code) {
    a.success = f.ret_code == 0;
  } else if (kind == MsgKind::kPong) {
    a.success = true;
  } else {
    return CodecError::kMissingField;
  }
  if (f.has_ret_code) {
    if (f.ret_code < INT32_MIN || f.ret_code > INT32_MAX) return CodecError::kBadNumber;
    a.ret_code = static_cast<int32_t>(f.ret_code);
  }
  (void)a.ret_msg.set(f.ret_msg.size() > 64 ? f.ret_msg.substr(0, 64) : f.ret_msg);
  if (!a.conn_id.set(f.conn_id) || !a.req_id.set(f.req_id)) return CodecError::kBadValue;
  if (kind == MsgKind::kPong && all_digits(f.pong_arg)) {
    int64_t ts = 0;
    if (parse_fixed(f.pong_arg, 0, ts) == DecimalError::kOk) a.pong_ts_ms = ts;
  }
  return CodecError::kOk;
}

}  // namespace detail

CodecError parse_rest_envelope(std::string_view body, RestEnvelope& out) {
  using detail::from_json;
  namespace od = simdjson::ondemand;
  out = RestEnvelope{};
  const simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object top;
  if (auto e = parser.iterate(padded).get(doc)) return from_json(e);
  if (auto e = doc.get_object().get(top)) return e == simdjson::INCORRECT_TYPE ? CodecError::kJson : from_json(e);
  // Maps a view into the padded copy back onto `body`.
  auto in_body = [&](std::string_view v) {
    return body.substr(static_cast<size_t>(v.data() - padded.data()), v.size());
  };
  auto raw_value = [&](od::value v, std::string_view& dst) -> CodecError {
    od::json_type t;
    if (auto e = v.type().get(t)) return from_json(e);
    std::string_view raw;
    if (t == od::json_type::object) {
      od::object o;
      if (auto e = v.get_object().get(o)) return from_json(e);
      if (auto e = o.raw_json().get(raw)) return from_json(e);
    } else if (t == od::json_type::array) {
      od::array a;
      if (auto e = v.get_array().get(a)) return from_json(e);
      if (auto e = a.raw_json().get(raw)) return from_json(e);
    } else if (t == od::json_type::null) {
      return CodecError::kOk;
    } else {
      return CodecError::kWrongType;
    }
    dst = in_body(raw);
    return CodecError::kOk;
  };
  bool has_code = false;
  for (auto field_r : top) {
    od::field field;
    if (auto e = std::move(field_r).get(field)) return from_json(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return from_json(e);
    od::value v = field.value();
    if (key == "retCode") {
      int64_t code = 0;
      if (auto e = v.get_int64().get(code)) return from_json(e);
      if (code < INT32_MIN || code > INT32_MAX) return CodecError::kBadNumber;
      out.ret_code = static_cast<int32_t>(code);
      has_code = true;
    } else if (key == "retMsg") {
      std::string_view msg;
      if (auto e = v.get_string().get(msg)) return from_json(e);
      (void)out.ret_msg.set(msg.size() > 64 ? msg.substr(0, 64) : msg);
    } else if (key == "time") {
      if (auto e = v.get_int64().get(out.time_ms)) return from_json(e);
    } else if (key == "result") {
      if (auto e = raw_value(v, out.result); e != CodecError::kOk) return e;
    } else if (key == "retExtInfo") {
      if (auto e = raw_value(v, out.ret_ext_info); e != CodecError::kOk) return e;
    }
  }
  return has_code ? CodecError::kOk : CodecError::kMissingField;
}

}  // namespace mm
