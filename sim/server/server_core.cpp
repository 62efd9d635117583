#include "sim/server/server_core.h"

#include <algorithm>
#include <chrono>

#include "core/cpu_affinity.h"
#include "sim/server/json_out.h"

namespace mm::simx {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr size_t kMaxRequestKeys = 256;               // distinct request counters (then "other")
constexpr size_t kPublicHighWater = size_t{1} << 20;  // --speed max waits while a subscriber has more queued
constexpr int64_t kMaxIdleWaitNs = 100'000'000;       // the exchange's timer runs at least every 100 ms

// The "op" of a WebSocket request, found without parsing the whole message ("?" when there is none).
std::string_view find_op(std::string_view text) noexcept {
  const size_t k = text.find("\"op\"");
  if (k == std::string_view::npos) return "?";
  size_t i = k + 4;
  while (i < text.size() && (text[i] == ' ' || text[i] == ':')) ++i;
  if (i >= text.size() || text[i] != '"') return "?";
  const size_t end = text.find('"', i + 1);
  if (end == std::string_view::npos || end - i - 1 > 40) return "?";
  return text.substr(i + 1, end - i - 1);
}
}  // namespace

ServerCore::ServerCore(SimServerOptions options, const EventData& data, ExchangeHandler* exchange)
    : options_(std::move(options)),
      data_(data),
      exchange_(exchange),
      feed_(data, MarketFeedOptions{options_.speed, options_.max_speed, options_.loop}),
      market_(data.instruments(), feed_.instruments_with_data()) {
  schedule_ = options_.faults;
  std::stable_sort(schedule_.begin(), schedule_.end(),
                   [](const Fault& a, const Fault& b) { return a.at_ns < b.at_ns; });
  prints_.reserve(MarketFeed::kMaxPrintsPerMessage);
  dirty_.reserve(1024);
  flushing_.reserve(1024);
}

ServerCore::~ServerCore() {
  for (auto& [id, c] : conns_) c->drop(false);
  conns_.clear();
  closed_.clear();
}

int64_t ServerCore::now_ns() const noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         skew_ns_.load(std::memory_order_relaxed);
}

int64_t ServerCore::mono_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string ServerCore::start() {
  boost::system::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(options_.host, ec);
  if (ec) return "mm sim: --host '" + options_.host + "' is not an IP address";
  if (options_.tls) {
    ssl_.emplace(asio::ssl::context::tls_server);
    ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
    ssl_->use_certificate_chain_file(options_.cert_file, ec);
    if (ec) return "mm sim: cannot load the certificate " + options_.cert_file + ": " + ec.message();
    ssl_->use_private_key_file(options_.key_file, asio::ssl::context::pem, ec);
    if (ec) return "mm sim: cannot load the private key " + options_.key_file + ": " + ec.message();
  }
  const tcp::endpoint ep(addr, options_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return "mm sim: cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
           ec.message();
  }
  port_ = acceptor_.local_endpoint().port();
  return "";
}

void ServerCore::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted && acceptor_.is_open()) accept_next();
      return;
    }
    on_accept(std::move(socket));
    accept_next();
  });
}

void ServerCore::on_accept(tcp::socket socket) {
  if (conns_.size() >= options_.max_connections || stop_requested_.load(std::memory_order_relaxed)) {
    ++stats_.refused_connections;
    boost::system::error_code ec;
    socket.close(ec);
    return;
  }
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const auto remote = socket.remote_endpoint(ec);
  std::string ip = ec ? std::string("127.0.0.1") : remote.address().to_string();
  const ConnId id = next_id_++;
  std::shared_ptr<Connection> c;
  if (ssl_) {
    c = std::make_shared<ConnectionT<asio::ssl::stream<tcp::socket>>>(*this, id, std::move(ip),
                                                                      std::move(socket), *ssl_);
  } else {
    c = std::make_shared<ConnectionT<tcp::socket>>(*this, id, std::move(ip), std::move(socket));
  }
  conns_.emplace(id, c);
  ++stats_.connections;
  stats_.peak_connections = std::max<uint64_t>(stats_.peak_connections, conns_.size());
  c->start();
}

void ServerCore::mark_dirty(Connection& c) {
  dirty_.push_back(c.shared_from_this());
}

void ServerCore::flush_dirty() {
  // Swap first: a flush can complete synchronously and mark the connection dirty again.
  flushing_.swap(dirty_);
  for (auto& c : flushing_) c->flush();
  flushing_.clear();
}

void ServerCore::on_closed(Connection& c) {
  closed_.push_back(c.shared_from_this());
}

void ServerCore::reap() {
  while (!closed_.empty()) {
    std::shared_ptr<Connection> c = std::move(closed_.back());
    closed_.pop_back();
    if (conns_.erase(c->id()) == 0) continue;
    const int64_t now = now_ns();
    if (c->role() == WsRole::kPublic) {
      market_.on_close(*c);
      public_conns_.erase(std::remove(public_conns_.begin(), public_conns_.end(), c.get()),
                          public_conns_.end());
    } else if ((c->role() == WsRole::kPrivate || c->role() == WsRole::kTrade) && exchange_ != nullptr) {
      exchange_->on_ws_close(c->id(), now);
    }
  }
}

void ServerCore::count(std::string_view key) {
  auto it = stats_.requests.find(key);
  if (it == stats_.requests.end()) {
    if (stats_.requests.size() >= kMaxRequestKeys) {
      ++stats_.requests["other"];
      return;
    }
    it = stats_.requests.emplace(std::string(key), 0).first;
  }
  ++it->second;
}

// ------------------------------------------------------------------------------------------------------------
// Connections' events.

void ServerCore::on_ws_open(Connection& c, WsRole role, Category category, std::string_view peer_ip) {
  count(c.path());
  if (role == WsRole::kPublic) {
    market_.on_open(c, category);
    public_conns_.push_back(&c);
    return;
  }
  if (exchange_ == nullptr) {
    c.close_gracefully(1011, "no exchange behind this simulator");
    return;
  }
  exchange_->on_ws_open(c.id(), role == WsRole::kPrivate ? WsChannel::kPrivate : WsChannel::kTrade, peer_ip,
                        now_ns());
}

void ServerCore::on_ws_text(Connection& c, std::string_view text, int64_t read_mono) {
  const int64_t now = now_ns();
  const std::string_view op = find_op(text);
  char key[96];
  const std::string_view path = c.path();
  const size_t n = std::min(path.size(), size_t{48});
  std::memcpy(key, path.data(), n);
  key[n] = ' ';
  const size_t m = std::min(op.size(), sizeof key - n - 1);
  std::memcpy(key + n + 1, op.data(), m);
  count(std::string_view(key, n + 1 + m));
  if (c.role() == WsRole::kPublic) {
    market_.on_text(c, text, now);
    return;
  }
  if (exchange_ == nullptr) return;
  if (c.role() == WsRole::kTrade && op.substr(0, 6) == "order.") record_order_request(read_mono);
  exchange_->on_ws_text(c.id(), text, now);
}

void ServerCore::on_http(Connection& c, const HttpRequest& req, std::string_view peer_ip, int64_t read_mono) {
  const int64_t now = now_ns();
  const bool keep = req.keep_alive;
  if (req.path == "/admin/fault") {
    count(req.path);
    admin(c, req);
    return;
  }
  if (PublicMarket::handles_rest(req.path)) {
    count(req.path);
    if (req.method != "GET") {
      (void)c.queue_http(405, "{\"retCode\":10001,\"retMsg\":\"method not allowed\"}", {}, keep);
      return;
    }
    market_.on_rest(req.path, req.query, now, answer_);
    (void)c.queue_http(answer_.http_status, answer_.body, {}, keep);
    return;
  }
  if (exchange_ != nullptr && exchange_->handles_rest(req.path)) {
    count(req.path);
    if (req.method == "POST" && req.path.substr(0, 10) == "/v5/order/") record_order_request(read_mono);
    RestRequest r;
    r.method = req.method;
    r.path = req.path;
    r.query = req.query;
    r.body = req.body;
    r.api_key = req.header("X-BAPI-API-KEY");
    r.sign = req.header("X-BAPI-SIGN");
    r.timestamp = req.header("X-BAPI-TIMESTAMP");
    r.recv_window = req.header("X-BAPI-RECV-WINDOW");
    r.peer_ip = peer_ip;
    r.conn = c.id();
    exchange_->on_rest(r, now, rest_reply_);
    (void)c.queue_http(rest_reply_.http_status, rest_reply_.body, rest_reply_.headers, keep);
    return;
  }
  count("other");
  (void)c.queue_http(404, "{\"retCode\":404,\"retMsg\":\"Not Found\"}", {}, keep);
}

void ServerCore::admin(Connection& c, const HttpRequest& req) {
  if (!options_.admin) {
    (void)c.queue_http(403,
                       "{\"ok\":false,\"error\":\"the admin endpoint is off (start mm sim with --admin)\"}",
                       {}, req.keep_alive);
    return;
  }
  if (req.method != "POST") {
    (void)c.queue_http(405, "{\"ok\":false,\"error\":\"POST a fault as JSON\"}", {}, req.keep_alive);
    return;
  }
  Fault f;
  const std::string err = parse_fault_json(req.body, f, false);
  if (!err.empty()) {
    std::string body = "{\"ok\":false,\"error\":";
    append_json_string(body, err);
    body.push_back('}');
    (void)c.queue_http(400, body, {}, req.keep_alive);
    return;
  }
  const std::string result = apply_fault(f);
  (void)c.queue_http(result.find("\"ok\":true") != std::string::npos ? 200 : 400, result, {}, req.keep_alive);
}

void ServerCore::on_book_written(int64_t mono) noexcept {
  last_book_written_ = mono;
  reaction_armed_ = true;
}

void ServerCore::record_order_request(int64_t read_mono) noexcept {
  if (!reaction_armed_) return;
  reaction_armed_ = false;
  if (read_mono >= last_book_written_) stats_.reaction_ns.record(read_mono - last_book_written_);
}

int64_t ServerCore::answer_hold_until() const noexcept {
  const int64_t mono = mono_ns();
  return mono < delay_until_mono_ ? mono + delay_ns_ : 0;
}

// ------------------------------------------------------------------------------------------------------------
// The exchange's output.

void ServerCore::send_text(ConnId conn, std::string_view text) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  (void)it->second->queue_text(text, true);
}

void ServerCore::close(ConnId conn, uint16_t code, std::string_view reason) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  it->second->close_gracefully(code, reason);
}

// ------------------------------------------------------------------------------------------------------------
// The market.

void ServerCore::on_market_book(BookUpdate& update) {
  const int64_t now = now_ns();
  update.ts_ms = now / 1'000'000;
  update.cts_ms = update.ts_ms;
  if (exchange_ != nullptr)
    exchange_->on_book(update, now);  // the exchange first: fills before the public see it
  market_.on_book(update, now);
}

void ServerCore::on_market_trades(std::span<const TradeEvent> prints) {
  const int64_t now = now_ns();
  prints_.assign(prints.begin(), prints.end());
  for (TradeEvent& t : prints_) t.trade_ts_ms = t.ts_ms = now / 1'000'000;
  if (exchange_ != nullptr) {
    for (const TradeEvent& t : prints_) exchange_->on_trade(t, now);
  }
  market_.on_trades(prints_, now);
}

bool ServerCore::public_backpressured() const noexcept {
  for (const Connection* c : public_conns_) {
    if (c->queued_bytes() > kPublicHighWater) return true;
  }
  return false;
}

// ------------------------------------------------------------------------------------------------------------
// The loop.

void ServerCore::run_timers(int64_t mono) {
  const int64_t now = now_ns();
  if (exchange_ != nullptr && now >= next_exchange_timer_) {
    exchange_->on_timer(now);
    next_exchange_timer_ = std::min(exchange_->next_deadline_ns(), now + kMaxIdleWaitNs);
  }
  if (now >= market_.next_deadline_ns()) market_.on_timer(now);
  while (next_fault_ < schedule_.size() && mono - run_start_mono_ >= schedule_[next_fault_].at_ns) {
    (void)apply_fault(schedule_[next_fault_++]);
  }
  if (mono >= next_sweep_mono_) {
    next_sweep_mono_ = mono + 5'000'000;
    for (auto& [id, c] : conns_) {
      if (c->closing() && mono >= c->close_deadline()) {
        c->drop(false);
      } else if (c->held_until() != 0 && mono >= c->held_until()) {
        c->flush();
      }
    }
  }
}

std::string ServerCore::run() {
  if (options_.cpu >= 0) {
    const ThreadSetupError e = pin_current_thread(options_.cpu);
    if (e != ThreadSetupError::kOk) {
      return "mm sim: cannot pin the event loop to CPU " + std::to_string(options_.cpu) + ": " +
             std::string(to_string(e));
    }
  }
  (void)name_current_thread("mm-sim");
  auto guard = asio::make_work_guard(ioc_);
  std::optional<asio::signal_set> signals;
  if (options_.handle_signals) {
    signals.emplace(ioc_, SIGINT, SIGTERM);
    signals->async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) stop_requested_.store(true);
    });
  }
  run_start_mono_ = mono_ns();
  accept_next();
  while (!stop_requested_.load(std::memory_order_relaxed)) {
    size_t work = ioc_.poll();
    // A request just read may have scheduled an engine action (the matching latency) earlier than the
    // exchange timer computed before it (up to kMaxIdleWaitNs away): the action must run when it is due, not
    // at the next timer or request.
    if (exchange_ != nullptr)
      next_exchange_timer_ = std::min(next_exchange_timer_, exchange_->next_deadline_ns());
    int64_t mono = mono_ns();
    // At max speed the market waits for its first subscriber (else it would be over before anyone could see
    // it) and for slow readers.
    const bool subscribed = !public_conns_.empty() && market_.subscriber_count() > 0;
    // start_on_subscribe: once started (a message out), the clock runs on whoever listens.
    const bool waiting = options_.start_on_subscribe && !subscribed && feed_.messages() == 0;
    if (!feed_.finished() && (options_.max_speed ? subscribed && !public_backpressured() : !waiting)) {
      work += feed_.pump(mono, options_.max_speed ? 64 : 4096, *this);
      if (stats_.market_start_ns == 0)
        stats_.market_start_ns = now_ns() - (mono_ns() - feed_.start_mono_ns());
    }
    run_timers(mono);
    reap();
    flush_dirty();
    if (options_.duration_ns > 0 && mono - run_start_mono_ >= options_.duration_ns) break;
    if (work != 0 || options_.busy_poll) continue;
    // Sleep in epoll until I/O or the next deadline.
    int64_t wait = kMaxIdleWaitNs;
    const int64_t now = now_ns();
    const int64_t due =
        feed_.finished() || waiting
            ? INT64_MAX
            : (options_.max_speed ? (market_.subscriber_count() == 0 ? INT64_MAX : mono + 1'000'000)
                                  : feed_.next_due_ns());
    wait = std::min(wait, due - mono);
    wait = std::min(wait, next_exchange_timer_ - now);
    wait = std::min(wait, market_.next_deadline_ns() - now);
    wait = std::min(wait, next_sweep_mono_ - mono);
    if (next_fault_ < schedule_.size())
      wait = std::min(wait, run_start_mono_ + schedule_[next_fault_].at_ns - mono);
    if (options_.duration_ns > 0) wait = std::min(wait, run_start_mono_ + options_.duration_ns - mono);
    if (wait > 0) {
      ioc_.run_one_for(std::chrono::nanoseconds(wait));
      flush_dirty();  // what the woken handler queued (an order's ack) leaves before anything else runs
    }
  }
  shutdown_all();
  guard.reset();
  stats_.market_messages = feed_.messages();
  stats_.market_loops = feed_.loops();
  stats_.public_messages = market_.messages_published();
  return "";
}

void ServerCore::shutdown_all() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& [id, c] : conns_) {
    if (c->role() != WsRole::kNone) {
      c->close_gracefully(1001, "server shutting down");
    } else {
      c->close_gracefully(1000, "");
    }
  }
  flush_dirty();
  const int64_t deadline = mono_ns() + 1'000'000'000;
  while (!conns_.empty() && mono_ns() < deadline) {
    ioc_.run_one_for(std::chrono::milliseconds(10));
    ioc_.poll();
    reap();
    flush_dirty();
  }
  for (auto& [id, c] : conns_) c->drop(false);
  reap();
  ioc_.poll();
}

void ServerCore::stop() noexcept {
  stop_requested_.store(true);
  asio::post(ioc_, [] {});  // wakes a loop sleeping in epoll
}

// ------------------------------------------------------------------------------------------------------------
// Faults.

std::vector<Connection*> ServerCore::select(const Fault& f) {
  std::vector<Connection*> out;
  Connection* newest = nullptr;
  for (auto& [id, c] : conns_) {
    if (!c->alive()) continue;
    if (!f.path.empty() && c->path() != f.path) continue;
    if (f.target == "all") {
      out.push_back(c.get());
    } else if (f.target == "one") {
      if (newest == nullptr || c->id() > newest->id()) newest = c.get();
    } else if (std::to_string(id) == f.target) {
      out.push_back(c.get());
    }
  }
  if (newest != nullptr) out.push_back(newest);
  return out;
}

std::string ServerCore::apply_fault(const Fault& f) {
  const int64_t mono = mono_ns();
  const int64_t now = now_ns();
  std::string out = "{\"ok\":true,\"kind\":\"";
  out.append(to_string(f.kind));
  out.append("\"");
  auto affected = [&](size_t n, std::string_view what) {
    out.append(",\"");
    out.append(what);
    out.append("\":");
    append_int(out, static_cast<int64_t>(n));
  };
  switch (f.kind) {
    case FaultKind::kClose:
    case FaultKind::kReset:
    case FaultKind::kStall: {
      const std::vector<Connection*> sel = select(f);
      for (Connection* c : sel) {
        if (f.kind == FaultKind::kClose) c->close_gracefully(static_cast<uint16_t>(f.code), f.reason);
        if (f.kind == FaultKind::kReset) c->drop(true);
        if (f.kind == FaultKind::kStall) c->hold_until(mono + f.ms * 1'000'000);
      }
      affected(sel.size(), "connections");
      break;
    }
    case FaultKind::kDelay:
      delay_ns_ = f.ms * 1'000'000;
      delay_until_mono_ = mono + (f.for_ms > 0 ? f.for_ms : 1000) * 1'000'000;
      break;
    case FaultKind::kSkew:
      skew_ns_.store(f.ms * 1'000'000);
      break;
    case FaultKind::kDropDelta:
      affected(market_.drop_next_delta(f.symbol), "topics");
      break;
    case FaultKind::kRestartSnapshot:
      affected(market_.restart_snapshot(f.symbol, now), "topics");
      break;
    default: {
      if (!options_.exchange_fault) {
        return "{\"ok\":false,\"error\":\"order-side faults need the exchange's fault API, which this "
               "simulator lacks\"}";
      }
      const std::string err = options_.exchange_fault(f, now);
      if (!err.empty()) {
        std::string e = "{\"ok\":false,\"error\":";
        append_json_string(e, err);
        e.push_back('}');
        return e;
      }
      break;
    }
  }
  ++stats_.faults_applied;
  out.push_back('}');
  return out;
}

}  // namespace mm::simx
