#include "runtime/ops/live_page.h"

#include <cstdio>
#include <utility>

#include "runtime/ops/dotenv.h"

namespace mm {

namespace {

// Compares in time independent of where the strings differ (a timing side channel must not reveal a prefix
// of the token to a local process guessing it).
bool same_secret(std::string_view given, std::string_view token) noexcept {
  if (given.size() != token.size()) return false;  // the length is not the secret
  unsigned diff = 0;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |=
        static_cast<unsigned>(static_cast<unsigned char>(given[i]) ^ static_cast<unsigned char>(token[i]));
  }
  return diff == 0;
}

bool parse_action(std::string_view s, PageAction& out) noexcept {
  if (s == "pause")
    out = PageAction::kPause;
  else if (s == "resume")
    out = PageAction::kResume;
  else if (s == "cancel_all")
    out = PageAction::kCancelAll;
  else if (s == "kill")
    out = PageAction::kKill;
  else
    return false;
  return true;
}

// The value of `key` in a query string or form body ("a=1&action=pause"); "" when absent.
std::string_view form_value(std::string_view form, std::string_view key) noexcept {
  while (!form.empty()) {
    const size_t amp = form.find('&');
    const std::string_view pair = form.substr(0, amp);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == key) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    form.remove_prefix(amp + 1);
  }
  return {};
}

void append_money(std::string& out, int64_t units, int64_t scale) {
  char buf[48];
  const int n = std::snprintf(buf, sizeof buf, "%.6f",
                              static_cast<double>(units) / static_cast<double>(scale > 0 ? scale : 1));
  out.append(buf, static_cast<size_t>(n > 0 ? n : 0));
}

void append_int(std::string& out, int64_t v) {
  out += std::to_string(v);
}

// The upper bound (ns) of the bucket holding quantile q; 0 when empty; -1 above the last bound.
int64_t quantile_bound(const Histogram& h, double q) noexcept {
  uint64_t total = 0;
  for (size_t i = 0; i <= h.bound_count(); ++i) total += h.bucket_count(i);
  if (total == 0) return 0;
  const auto rank = static_cast<uint64_t>(q * static_cast<double>(total - 1)) + 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < h.bound_count(); ++i) {
    seen += h.bucket_count(i);
    if (seen >= rank) return h.bound_ns(i);
  }
  return -1;
}

void append_latency(std::string& out, const char* name, const Histogram& h) {
  uint64_t total = 0;
  for (size_t i = 0; i <= h.bound_count(); ++i) total += h.bucket_count(i);
  out += '"';
  out += name;
  out += "\":{\"count\":";
  out += std::to_string(total);
  // Bucket upper bounds in microseconds: "p99 <= 25 us" is what a fixed-bucket histogram can say.
  for (const auto& [key, q] : {std::pair{"p50", 0.50}, std::pair{"p90", 0.90}, std::pair{"p99", 0.99}}) {
    out += ",\"";
    out += key;
    out += "_us\":";
    const int64_t b = quantile_bound(h, q);
    if (b < 0) {
      out += "null";
    } else {
      char buf[32];
      const int n = std::snprintf(buf, sizeof buf, "%g", static_cast<double>(b) / 1000.0);
      out.append(buf, static_cast<size_t>(n));
    }
  }
  out += '}';
}

}  // namespace

std::string_view to_string(PageAction a) noexcept {
  switch (a) {
    case PageAction::kPause:
      return "pause";
    case PageAction::kResume:
      return "resume";
    case PageAction::kCancelAll:
      return "cancel_all";
    case PageAction::kKill:
      return "kill";
  }
  return "unknown";
}

std::string control_token(std::string& token, const std::string& dotenv_path) {
  return read_secret("MM_CONTROL_TOKEN", dotenv_path, token);
}

LivePage::LivePage(LivePageConfig cfg, const LiveMetrics& metrics, LogDrain* log)
    : cfg_(std::move(cfg)), metrics_(metrics), log_(log) {}

void LivePage::attach(HttpServer& server) {
  server.route("/", [](const HttpServerRequest& req, HttpServerResponse& res) {
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      res.body = "GET only\n";
      return;
    }
    res.content_type = "text/html; charset=utf-8";
    res.body = std::string(live_page_html());
  });
  server.route("/api/state", [this](const HttpServerRequest& req, HttpServerResponse& res) {
    if (req.method != "GET") {
      res.status = 405;
      res.body = "GET only\n";
      return;
    }
    res.content_type = "application/json";
    res.body = render_latest();
    if (res.body.empty()) {
      res.status = 503;
      res.content_type = "text/plain; charset=utf-8";
      res.body = "no state published yet\n";
    }
  });
  server.route("/api/control",
               [this](const HttpServerRequest& req, HttpServerResponse& res) { handle_control(req, res); });
  server.websocket("/ws", [this] { return render_latest(); });
  server.every(cfg_.push_ms, [this, &server] { push(server); });
}

void LivePage::push(HttpServer& server) {
  if (server.websocket_clients() == 0) return;
  const std::string json = render_latest();
  if (!json.empty()) server.broadcast("/ws", json);
}

void LivePage::publish() noexcept {
  PageSnapshot& s = snaps_.write_slot();
  s.seq = ++seq_;
  s.paused = paused_.load(std::memory_order_relaxed);
  s.killed = s.killed || killed_.load(std::memory_order_relaxed);
  snaps_.publish();
}

PageControl LivePage::take_control() noexcept {
  PageControl c;
  c.paused = paused_.load(std::memory_order_relaxed);
  const uint32_t bits = requests_.exchange(0, std::memory_order_acq_rel);
  c.cancel_all = (bits & kCancelAllBit) != 0;
  c.kill = (bits & kKillBit) != 0;
  return c;
}

void LivePage::apply(PageAction a) noexcept {
  switch (a) {
    case PageAction::kPause:
      paused_.store(true, std::memory_order_relaxed);
      break;
    case PageAction::kResume:
      paused_.store(false, std::memory_order_relaxed);
      break;
    case PageAction::kCancelAll:
      requests_.fetch_or(kCancelAllBit, std::memory_order_acq_rel);
      break;
    case PageAction::kKill:
      killed_.store(true, std::memory_order_relaxed);
      requests_.fetch_or(kKillBit, std::memory_order_acq_rel);
      break;
  }
}

void LivePage::handle_control(const HttpServerRequest& req, HttpServerResponse& res) {
  if (req.method != "POST") {
    res.status = 405;
    res.body = "POST only\n";
    return;
  }
  const size_t query = req.target.find('?');
  std::string_view action_text = query == std::string_view::npos
                                     ? std::string_view{}
                                     : form_value(req.target.substr(query + 1), "action");
  if (action_text.empty()) action_text = form_value(trim_blanks(req.body), "action");
  PageAction action{};
  const bool known = parse_action(action_text, action);
  std::string_view auth = req.header("Authorization");
  const bool bearer = auth.substr(0, 7) == "Bearer ";
  const std::string_view given = bearer ? trim_blanks(auth.substr(7)) : std::string_view{};
  std::string_view refusal;
  if (!control_enabled()) {
    refusal = "control is disabled: no MM_CONTROL_TOKEN is set (environment or .env)";
  } else if (given.empty()) {
    refusal = "no token: send \"Authorization: Bearer <MM_CONTROL_TOKEN>\"";
  } else if (!same_secret(given, cfg_.control_token)) {
    refusal = "wrong token";
  }
  const std::string action_name =
      known ? std::string(to_string(action)) : std::string(action_text.substr(0, 32));
  if (!refusal.empty()) {
    res.status = 403;
    res.body = "refused: " + std::string(refusal) + "\n";
  } else if (!known) {
    res.status = 400;
    res.body = "unknown action \"" + action_name + "\": pause, resume, cancel_all or kill\n";
  } else {
    apply(action);
    res.body = "accepted: " + action_name + "\n";
  }
  if (log_ != nullptr) {
    log_->log(res.status == 200 ? LogLevel::kWarn : LogLevel::kError, "page", "control",
              {{"action", action_name},
               {"accepted", res.status == 200},
               {"status", static_cast<int64_t>(res.status)},
               {"reason", refusal}});
  }
}

std::string LivePage::render_latest() {
  (void)snaps_.read(latest_);
  return latest_.seq == 0 ? std::string() : render(latest_);
}

std::string LivePage::render(const PageSnapshot& s) const {
  const Instrument& in = cfg_.instrument;
  char buf[48];
  std::string out;
  out.reserve(4096);
  auto price = [&](int64_t ticks) {
    out += '"';
    out.append(buf, format_price(in, Price{ticks}, buf));
    out += '"';
  };
  auto qty = [&](int64_t lots) {
    out += '"';
    if (lots < 0) out += '-';
    out.append(buf, format_qty(in, Qty{lots < 0 ? -lots : lots}, buf));
    out += '"';
  };
  // Our resting quantity at a price on one side (shown beside the book level it joins).
  auto ours = [&](Side side, int64_t ticks) {
    int64_t lots = 0;
    for (uint32_t i = 0; i < s.order_count; ++i) {
      if (s.orders[i].side == side && s.orders[i].price_ticks == ticks) lots += s.orders[i].leaves_lots;
    }
    return lots;
  };
  auto levels = [&](const char* name, Side side, const auto& lv, uint32_t n) {
    out += '"';
    out += name;
    out += "\":[";
    for (uint32_t i = 0; i < n; ++i) {
      if (i != 0) out += ',';
      out += "{\"px\":";
      price(lv[i].price_ticks);
      out += ",\"qty\":";
      qty(lv[i].lots);
      const int64_t mine = ours(side, lv[i].price_ticks);
      out += ",\"ours\":";
      if (mine > 0) {
        qty(mine);
      } else {
        out += "null";
      }
      out += '}';
    }
    out += "],";
  };
  out += "{\"symbol\":\"";
  append_json_escaped(out, in.name());
  out += "\",\"seq\":";
  out += std::to_string(s.seq);
  out += ",\"ts_ns\":";
  append_int(out, s.now_ns);
  out += ",\"state\":\"";
  out += to_string(s.state);
  out += "\",\"killed\":";
  out += s.killed ? "true" : "false";
  out += ",\"paused\":";
  out += s.paused ? "true" : "false";
  out += ",\"quoting\":";
  out += s.quoting ? "true" : "false";
  out += ",\"control\":";
  out += control_enabled() ? "true" : "false";
  out += ',';
  levels("bids", Side::kBuy, s.bids, s.bid_count);
  levels("asks", Side::kSell, s.asks, s.ask_count);
  out += "\"orders\":[";
  for (uint32_t i = 0; i < s.order_count; ++i) {
    if (i != 0) out += ',';
    out += s.orders[i].side == Side::kBuy ? "{\"side\":\"Buy\",\"px\":" : "{\"side\":\"Sell\",\"px\":";
    price(s.orders[i].price_ticks);
    out += ",\"qty\":";
    qty(s.orders[i].leaves_lots);
    out += '}';
  }
  out += "],\"fills\":[";
  for (uint32_t i = 0; i < s.fill_count; ++i) {
    const PageFill& f = s.fills[i];
    if (i != 0) out += ',';
    out += "{\"ts_ns\":";
    append_int(out, f.ts_ns);
    out += f.side == Side::kBuy ? ",\"side\":\"Buy\"" : ",\"side\":\"Sell\"";
    out += f.maker ? ",\"maker\":true,\"px\":" : ",\"maker\":false,\"px\":";
    price(f.price_ticks);
    out += ",\"qty\":";
    qty(f.lots);
    out += ",\"fee\":";
    append_money(out, f.fee, cfg_.money_scale);
    out += '}';
  }
  out += "],\"fills_total\":";
  out += std::to_string(s.fills_total);
  out += ",\"position\":";
  qty(s.position_lots);
  out += ",\"realized\":";
  append_money(out, s.realized, cfg_.money_scale);
  out += ",\"unrealized\":";
  append_money(out, s.unrealized, cfg_.money_scale);
  out += ",\"fees\":";
  append_money(out, s.fees, cfg_.money_scale);
  out += ",\"net\":";
  append_money(out, s.realized + s.unrealized - s.fees, cfg_.money_scale);
  out += ",\"latency\":{";
  append_latency(out, "tick_to_quote", metrics_.tick_to_quote());
  out += ',';
  append_latency(out, "order_ack", metrics_.order_ack());
  out += "}}";
  return out;
}

}  // namespace mm
