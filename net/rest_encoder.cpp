#include "net/rest_encoder.h"

#include "net/detail/bounded_writer.h"
#include "net/detail/order_json.h"

namespace mm {

using detail::BoundedWriter;
using detail::finish;

namespace {

template <class Fn>
Encoded object(std::span<char> out, Fn&& fields) noexcept {
  BoundedWriter w(out);
  w.put('{');
  const EncodeError e = fields(w);
  w.put('}');
  return finish(w, e);
}

bool valid_coin(std::string_view s) noexcept {
  if (s.empty() || s.size() > kMaxCoinLen) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// Header-injection guard: nothing that could end a header line or the request line.
bool valid_target_part(std::string_view s, bool allow_question) noexcept {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == '#' || (c == '?' && !allow_question))
      return false;
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  }
  return true;
}

void write_trading_value(BoundedWriter& w, const Instrument& in, Price p) noexcept {
  w.put('"');
  if (p.ticks == 0) {
    w.put('0');
  } else {
    w.put_formatted(24, [&](char* d) { return format_price(in, p, d); });
  }
  w.put('"');
}

Encoded write_request(const Signer& signer, std::string_view method, std::string_view host,
                      std::string_view path, std::string_view query, int64_t timestamp_ms,
                      int64_t recv_window_ms, std::string_view body, bool is_post,
                      std::span<char> out) noexcept {
  if (host.empty() || path.empty() || path[0] != '/' || !valid_target_part(host, false) ||
      !valid_target_part(path, false) || !valid_target_part(query, true)) {
    return {EncodeError::kBadTarget, 0};
  }
  RestAuthHeaders auth;
  const EncodeError se =
      sign_rest_headers(signer, timestamp_ms, recv_window_ms, is_post ? body : query, auth);
  if (se != EncodeError::kOk) return {se, 0};
  BoundedWriter w(out);
  w.put(method);
  w.put(' ');
  w.put(path);
  if (!query.empty()) {
    w.put('?');
    w.put(query);
  }
  w.lit(" HTTP/1.1\r\nHost: ");
  w.put(host);
  if (is_post) w.lit("\r\nContent-Type: application/json");
  w.lit("\r\nX-BAPI-API-KEY: ");
  w.put(auth.api_key);
  w.lit("\r\nX-BAPI-TIMESTAMP: ");
  w.put(auth.timestamp_view());
  w.lit("\r\nX-BAPI-RECV-WINDOW: ");
  w.put(auth.recv_window_view());
  w.lit("\r\nX-BAPI-SIGN: ");
  w.put(auth.sign_view());
  if (is_post) {
    w.lit("\r\nContent-Length: ");
    w.put_u64(body.size());
  }
  w.lit("\r\n\r\n");
  if (is_post) w.put(body);
  return finish(w, EncodeError::kOk);
}

}  // namespace

Encoded encode_rest_create(const Instrument& in, const OrderCreate& a, std::span<char> out) noexcept {
  return object(out, [&](BoundedWriter& w) { return detail::write_create(w, in, a, true); });
}

Encoded encode_rest_amend(const Instrument& in, const OrderAmend& a, std::span<char> out) noexcept {
  return object(out, [&](BoundedWriter& w) { return detail::write_amend(w, in, a, true); });
}

Encoded encode_rest_cancel(const Instrument& in, const OrderCancel& a, std::span<char> out) noexcept {
  return object(out, [&](BoundedWriter& w) { return detail::write_cancel(w, in, a, true); });
}

Encoded encode_rest_create_batch(const InstrumentRegistry& reg, std::span<const OrderCreate> items,
                                 std::span<char> out) noexcept {
  return object(out, [&](BoundedWriter& w) { return detail::write_batch(w, reg, items); });
}

Encoded encode_rest_amend_batch(const InstrumentRegistry& reg, std::span<const OrderAmend> items,
                                std::span<char> out) noexcept {
  return object(out, [&](BoundedWriter& w) { return detail::write_batch(w, reg, items); });
}

Encoded encode_rest_cancel_batch(const InstrumentRegistry& reg, std::span<const OrderCancel> items,
                                 std::span<char> out) noexcept {
  return object(out, [&](BoundedWriter& w) { return detail::write_batch(w, reg, items); });
}

Encoded encode_rest_cancel_all(const Instrument& in, std::span<char> out) noexcept {
  return object(out, [&](BoundedWriter& w) {
    w.lit(R"("category":")");
    w.put(to_string(in.category));
    w.lit(R"(","symbol":")");
    w.put(in.name());
    w.put('"');
    return EncodeError::kOk;
  });
}

Encoded encode_rest_cancel_all(Category c, std::string_view settle_coin, std::span<char> out) noexcept {
  const bool contract = c == Category::kLinear || c == Category::kInverse;
  if (contract && !valid_coin(settle_coin)) return {EncodeError::kBadCoin, 0};
  if (!contract && !settle_coin.empty()) return {EncodeError::kUnsupportedForCategory, 0};
  return object(out, [&](BoundedWriter& w) {
    w.lit(R"("category":")");
    w.put(to_string(c));
    w.put('"');
    if (contract) {
      w.lit(R"(,"settleCoin":")");
      w.put(settle_coin);
      w.put('"');
    }
    return EncodeError::kOk;
  });
}

Encoded encode_rest_cancel_all(const InstrumentRegistry& reg, const CancelAll& a,
                               std::span<char> out) noexcept {
  if (a.instrument == kNoInstrument) return encode_rest_cancel_all(a.category, a.settle_coin_view(), out);
  if (a.instrument >= reg.size()) return {EncodeError::kUnknownInstrument, 0};
  return encode_rest_cancel_all(reg.get(a.instrument), out);
}

Encoded encode_rest_trading_stop(const Instrument& in, const TradingStop& a, std::span<char> out) noexcept {
  if (in.category != Category::kLinear && in.category != Category::kInverse) {
    return {EncodeError::kUnsupportedForCategory, 0};
  }
  if (!a.take_profit && !a.stop_loss && !a.trailing_stop) return {EncodeError::kNothingToChange, 0};
  if ((a.take_profit && a.take_profit->ticks < 0) || (a.stop_loss && a.stop_loss->ticks < 0) ||
      (a.trailing_stop && a.trailing_stop->ticks < 0)) {
    return {EncodeError::kBadPrice, 0};
  }
  if (a.position_idx > 2) return {EncodeError::kBadPositionIdx, 0};
  return object(out, [&](BoundedWriter& w) {
    w.lit(R"("category":")");
    w.put(to_string(in.category));
    w.lit(R"(","symbol":")");
    w.put(in.name());
    w.lit(R"(","tpslMode":")");
    w.put(to_string(a.mode));
    w.lit(R"(","positionIdx":)");
    w.put(static_cast<char>('0' + a.position_idx));
    if (a.take_profit) {
      w.lit(",\"takeProfit\":");
      write_trading_value(w, in, *a.take_profit);
      w.lit(R"(,"tpTriggerBy":")");
      w.put(to_string(a.tp_trigger_by));
      w.put('"');
    }
    if (a.stop_loss) {
      w.lit(",\"stopLoss\":");
      write_trading_value(w, in, *a.stop_loss);
      w.lit(R"(,"slTriggerBy":")");
      w.put(to_string(a.sl_trigger_by));
      w.put('"');
    }
    if (a.trailing_stop) {
      w.lit(",\"trailingStop\":");
      write_trading_value(w, in, *a.trailing_stop);
    }
    return EncodeError::kOk;
  });
}

EncodeError sign_rest_headers(const Signer& signer, int64_t timestamp_ms, int64_t recv_window_ms,
                              std::string_view payload, RestAuthHeaders& out) noexcept {
  if (!signer.ready()) return EncodeError::kSignerNotReady;
  out.api_key = signer.api_key();
  out.timestamp_len =
      static_cast<uint8_t>(detail::write_u64(static_cast<uint64_t>(timestamp_ms), out.timestamp));
  out.recv_window_len =
      static_cast<uint8_t>(detail::write_u64(static_cast<uint64_t>(recv_window_ms), out.recv_window));
  // Sign the very digits that go into the headers.
  const SignerError e =
      signer.sign({out.timestamp_view(), out.api_key, out.recv_window_view(), payload}, out.sign);
  return e == SignerError::kOk ? EncodeError::kOk : EncodeError::kSignerNotReady;
}

Encoded encode_http_post(const Signer& signer, std::string_view host, std::string_view path,
                         int64_t timestamp_ms, int64_t recv_window_ms, std::string_view body,
                         std::span<char> out) noexcept {
  return write_request(signer, "POST", host, path, {}, timestamp_ms, recv_window_ms, body, true, out);
}

Encoded encode_http_get(const Signer& signer, std::string_view host, std::string_view path,
                        std::string_view query, int64_t timestamp_ms, int64_t recv_window_ms,
                        std::span<char> out) noexcept {
  return write_request(signer, "GET", host, path, query, timestamp_ms, recv_window_ms, {}, false, out);
}

}  // namespace mm
