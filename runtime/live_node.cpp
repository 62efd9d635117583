#include "runtime/live_node.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "core/clock.h"
#include "core/cpu_affinity.h"
#include "core/instrument_registry.h"
#include "core/order_state.h"
#include "core/rate_limiter.h"
#include "net/bybit_codec.h"
#include "net/private_ws.h"
#include "net/public_ws.h"
#include "net/rest_client.h"
#include "net/ret_codes.h"
#include "net/signer.h"
#include "net/tcp_warmer.h"
#include "net/trade_ws.h"
#include "runtime/journal.h"
#include "runtime/live_control.h"
#include "runtime/live_orders.h"
#include "runtime/live_pipeline.h"
#include "runtime/live_trader.h"
#include "runtime/live_venue.h"
#include "runtime/ops/node_ops.h"
#include "runtime/public_feed.h"

namespace mm {

namespace {

// The clocks of core/clock.h.
int64_t wall_ns() noexcept {
  return WallClock{}.now_ns();
}
int64_t mono_ns() noexcept {
  return MonotonicClock{}.now_ns();
}

// The simulator's built-in test key (docs/sim.md); used with endpoint = "sim" unless the caller gave keys.
constexpr std::string_view kSimKey = "mmsim-test-key";
constexpr std::string_view kSimSecret = "mmsim-test-secret";

constexpr int32_t kTooManyVisits = 10006;
constexpr int32_t kTimestampOutOfWindow = 10002;

// An order that shutdown could not confirm, for its message: state, what the venue said of it (the flags of
// core/order_state.h) and its fills, e.g. "PendingCancel; acked, stream seen, cancel in flight; 0/2 lots".
std::string describe(const OwnOrder& o) {
  const OrderFsm& f = o.fsm;
  std::string s(to_string(f.state));
  if (f.base != f.state) s += " over " + std::string(to_string(f.base));
  const std::pair<uint8_t, const char*> flags[] = {{OrderFsm::kAcked, "acked"},
                                                   {OrderFsm::kStreamSeen, "stream seen"},
                                                   {OrderFsm::kFinal, "final"},
                                                   {OrderFsm::kAmendInFlight, "amend in flight"},
                                                   {OrderFsm::kCancelInFlight, "cancel in flight"},
                                                   {OrderFsm::kCancelAcked, "cancel acked"}};
  const char* sep = "; ";
  for (const auto& [bit, name] : flags) {
    if (!f.has(bit)) continue;
    s += sep;
    s += name;
    sep = ", ";
  }
  s += "; " + std::to_string(f.filled().lots) + "/" + std::to_string(f.qty.lots) + " lots";
  return s;
}

// Link ids reserved per run: far more than any session sends, so the hot path never waits for the journal.
constexpr uint64_t kLinkBlock = uint64_t{1} << 32;

// Execution ids already counted: Bybit may deliver an execution twice (a reconnect, a REST catch-up); each
// fill is counted once. Open addressing over a power-of-two table of hashes, oldest overwritten in order.
class ExecIdSet {
 public:
  // True when `id` was not seen yet (and remembers it).
  bool insert(std::string_view id) noexcept {
    const uint64_t h = hash(id);
    for (uint64_t k : recent_) {
      if (k == h) return false;
    }
    recent_[next_++ & (kSize - 1)] = h;
    return true;
  }

 private:
  static uint64_t hash(std::string_view s) noexcept {
    uint64_t h = 1469598103934665603ull;
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h | 1;  // never 0, the empty slot
  }
  static constexpr size_t kSize = 1024;
  std::array<uint64_t, kSize> recent_{};
  uint64_t next_ = 0;
};

// Bybit's entryPrice at its own scale, re-expressed at the position's ref scale (truncated).
int64_t rescale(int64_t v, int from, int to) noexcept {
  while (from < to) {
    v *= 10;
    ++from;
  }
  while (from > to) {
    v /= 10;
    --from;
  }
  return v;
}

}  // namespace

struct LiveNode::Impl final : PublicWsSink, PrivateWsSink, TradeWsSink, TradeAnswerSink {
  explicit Impl(LiveOptions o) : opt(std::move(o)) {
    opt.config.trader.quoter.link_id_prefix = opt.config.link_id_prefix;
  }

  LiveOptions opt;
  LiveSummary sum;
  Signer signer;
  RateLimiter limiter;
  // The simulator, URLs, TLS context, REST client and instruments, opened as for paper and record
  // (runtime/public_feed.h); the node names its parts as below. Declared after the signer and limiter that
  // its REST client points to, so that it goes first.
  PublicVenue pv;
  EmbeddedSim& sim = pv.sim;
  VenueUrls& urls = pv.urls;
  std::unique_ptr<RestClient>& rest = pv.rest;
  InstrumentRegistry& registry = pv.registry;
  InstrumentId id = kNoInstrument;  // the node's own copy: the hot loop compares it per event
  Journal journal;
  std::unique_ptr<LiveControl> control;
  std::unique_ptr<BybitCodec> pub_codec, priv_codec, trade_codec;
  std::unique_ptr<PublicWs> pub;
  std::unique_ptr<PrivateWs> priv;
  std::unique_ptr<TradeWs> trade;
  std::unique_ptr<LiveVenue> venue;
  std::unique_ptr<LiveTrader> trader;
  std::unique_ptr<NodeOps> ops;  // [ops]: metrics, page, logs, alerts (runtime/ops/node_ops.h)
  // --layout pipeline: the network and dispatch threads; pub and trade are theirs between start and stop
  // (runtime/live_pipeline.h), and this thread reads their state through it (the *_state() helpers below).
  std::unique_ptr<LivePipeline> pipe;
  LivePipelineCpus pipe_cpus;
  ExecIdSet execs;
  int64_t tick_start = 0;
  int64_t private_down_since = 0;
  bool pulled = false;
  // Start-up: no quote before the private stream is authenticated (a fill must never go unseen) and, for up
  // to kTradeWaitNs, before the trade WebSocket is (else the first ladder goes out over REST, slower and
  // counted against the REST budget). Each latches the first time its socket is ready.
  bool private_was_ready = false, trade_was_ready = false;
  int64_t run_start = 0;
  TcpWarmer warmer;
  bool resync_pending = false;     // a kSyncTime is with the control thread
  int64_t next_unknown_query = 0;  // when orders still Unknown are asked for again (timers)
  // Orders of an earlier run whose cancel the venue refused (10006 from a window the killed run filled,
  // a transport error): asked for again with the Unknown ones; an answer that finds one open cancels it.
  std::array<OrderLinkId, 64> leftovers{};
  uint32_t leftover_count = 0;
  int64_t pulled_since = 0;
  // Orders whose final report (stream, or a query's answer) came with more filled than their executions had
  // brought: the report releases the order from the table, and the executions still owed are waited for
  // here, so that shutdown does not end with a fill missing from the count and the position (a query can
  // settle an order Filled while its private stream is stalled). Full: not tracked (the shutdown's warning
  // then says nothing of it).
  struct FillsDue {
    OrderLinkId link;
    int64_t lots = 0;
  };
  std::array<FillsDue, 32> fills_due{};
  uint32_t fills_due_count = 0;
  int64_t fills_due_since = 0;  // when fills_due_count last went from 0 to 1
  uint64_t run_first_seq = 0;   // this run's block of link-id sequences: [run_first_seq, + kLinkBlock)
  std::string book_topic;
  // LiveNode::probe's hand-over: 0 idle, 1 asked, 2 the hot thread writing probe_buf, 3 written.
  std::atomic<int> probe_state{0};
  LiveProbe probe_buf;

  // --- start-up -------------------------------------------------------------------------------------------
  LiveError prepare();
  LiveError start_venue();
  LiveError check_key();
  LiveError load_instrument();
  LiveError open_streams();
  LiveError check_threads();

  // --- hot loop
  // ---------------------------------------------------------------------------------------------
  LiveError run(LiveSummary& out);
  LiveError start_run();
  void quote(int64_t start, int64_t end);
  LiveError finish_run(int64_t start, LiveSummary& out);
  int poll(int64_t now) noexcept;
  int poll_pipeline(int64_t now) noexcept;
  int step(int64_t now) noexcept { return pipe ? poll_pipeline(now) : poll(now); }
  bool stopping() const noexcept { return opt.stop != nullptr && opt.stop->load(std::memory_order_relaxed); }
  // The sockets' state, wherever they live (this thread, or the pipeline's network / dispatch threads).
  int64_t public_silence_ns(int64_t now) const noexcept {
    return pipe ? pipe->public_silence_ns(now) : pub->silence_ns(now);
  }
  uint64_t public_reconnects() const noexcept {
    return pipe ? pipe->public_reconnects() : pub->session().reconnects();
  }
  bool trade_ready() const noexcept {
    return pipe ? pipe->trade_ready() : trade != nullptr && trade->ready();
  }
  uint64_t trade_reconnects() const noexcept {
    if (trade == nullptr) return 0;
    return pipe ? pipe->trade_reconnects() : trade->session().reconnects();
  }
  void timers(int64_t now) noexcept;
  void requery_unsettled(int64_t now) noexcept;
  void drain_control() noexcept;
  void on_control(const ControlResult& r) noexcept;
  LiveError shutdown(int64_t deadline);
  void answer_probe() noexcept;
  bool probe(LiveProbe& out, int64_t timeout_ms);
  void fill_summary(double seconds);
  NodeState node_state() noexcept;

  // PublicWsSink
  void on_public(const BybitCodec& codec, MsgKind kind, int64_t recv_ns) noexcept override;
  void on_connected() noexcept override { trader->reset_book(); }
  // Parse errors count in mm_message_errors_total by topic (NodeOps keeps the frame's first bytes).
  void on_frame(std::string_view text, int64_t) noexcept override { ops->on_public_frame(text); }
  void on_public_error(CodecError, int64_t) noexcept override { ops->on_public_error(); }
  // PrivateWsSink
  void on_private_error(CodecError, int64_t) noexcept override { ops->on_private_error(); }
  void on_private(const BybitCodec& codec, MsgKind kind, int64_t recv_ns) noexcept override;
  void on_ready() noexcept override;
  void on_execution(const Execution& e) noexcept;
  // Before an order report of a tracked order is applied: notes the executions it owes (fills_due).
  void expect_fills(const OrderUpdate& u) noexcept;
  // TradeWsSink
  void on_trade_ack(const InFlightRequest& req, const TradeAck& ack, int64_t recv_ns) noexcept override;
  void on_trade_timeout(const InFlightRequest& req) noexcept override;
  // Both layouts: `batch` holds the link ids of a batch request's items (req.items > 1).
  void apply_trade_ack(const InFlightRequest& req, const TradeAck& ack, int64_t ack_now,
                       std::span<const OrderLinkId> batch) noexcept;
  void apply_trade_timeout(const InFlightRequest& req, std::span<const OrderLinkId> batch) noexcept;
  // An order whose request's outcome is unknown (no answer, or an answer that leaves it open): Unknown in the
  // Trader, and asked for once now (requery_unsettled asks again until an answer settles it).
  void settle_unknown(std::string_view link) noexcept;
  // TradeAnswerSink (pipeline): the dispatch thread's answers.
  void on_trade_answer(const TradeAnswer& a) noexcept override;
};

// ---------------------------------------------------------------------------------------------------------
// Start-up

LiveError LiveNode::Impl::start_venue() {
  const MmConfig& c = opt.config;
  if (PublicVenueError e = open_venue_endpoints(c, opt.sim, pv); e.code != 0) {
    return {e.code, std::move(e.message)};
  }
  std::string key = opt.api_key, secret = opt.api_secret;
  if (c.venue.endpoint == VenueEndpoint::kSim && key.empty()) {
    key = std::string(kSimKey);
    secret = std::string(kSimSecret);
  }
  if (key.empty() || secret.empty()) {
    return {2, "no API key: set BYBIT_API_KEY and BYBIT_API_SECRET in the environment or a .env file"};
  }
  if (const SignerError se = signer.init(key, secret); se != SignerError::kOk) {
    return {2, "BYBIT_API_KEY/BYBIT_API_SECRET refused: " + std::string(to_string(se))};
  }
  // The copies of the secret are no longer needed; the Signer keeps only key-derived state.
  std::fill(secret.begin(), secret.end(), '\0');
  std::fill(opt.api_secret.begin(), opt.api_secret.end(), '\0');
  if (PublicVenueError e = open_venue_rest(c, &signer, &limiter, pv); e.code != 0) {
    return {e.code, std::move(e.message)};
  }
  const RestResult t = rest->sync_time();
  if (!t.ok())
    return {1, "cannot reach " + urls.rest + ": " + std::string(to_string(t.status)) + " " + t.detail};
  sum.venue = std::string(to_string(c.venue.endpoint)) + " " + urls.rest;
  return {};
}

LiveError LiveNode::Impl::check_key() {
  ApiKeyInfo info;
  const RestResult r = rest->query_api(info);
  if (!r.ok()) {
    const bool refused = r.status == RestStatus::kRetCode || r.status == RestStatus::kHttpStatus;
    return {refused ? 2 : 1, "the API key was refused by " + urls.rest +
                                 " (GET /v5/user/query-api: " + std::string(to_string(r.status)) + " " +
                                 std::to_string(r.ret_code) + " " + r.ret_msg + ")"};
  }
  std::string why;
  switch (check_api_key(info, why)) {
    case ApiKeyVerdict::kRefuse:
      return {2, "refusing to trade with this API key: " + why +
                     " (a market maker's key must not be able to move funds out; make a key without it)"};
    case ApiKeyVerdict::kWarnNoIpWhitelist:
      sum.warnings.push_back(why);
      break;
    case ApiKeyVerdict::kAccept:
      break;
  }
  return {};
}

LiveError LiveNode::Impl::load_instrument() {
  const MmConfig& c = opt.config;
  size_t loaded = 0;
  const RestResult r = rest->instruments(c.category, c.symbol, registry, loaded);
  if (!r.ok())
    return {1, "instruments-info for " + c.symbol + ": " + std::string(to_string(r.status)) + " " + r.detail};
  id = registry.find(c.category, c.symbol);
  if (id == kNoInstrument) {
    return {2, "market.symbol: " + c.symbol + " (" + std::string(to_string(c.category)) +
                   ") is not listed by " + urls.rest};
  }
  const Instrument& in = registry.get(id);
  // The coins, for the summary's units (the instrument keeps only its grid): BTCUSDT -> BTC, USDT.
  const std::string_view name = in.name();
  for (const std::string_view quote : {"USDT", "USDC", "USD", "PERP"}) {
    if (name.size() > quote.size() && name.substr(name.size() - quote.size()) == quote) {
      sum.base_coin = std::string(name.substr(0, name.size() - quote.size()));
      sum.settle_coin = quote == "PERP" ? "USDC" : std::string(quote);
      break;
    }
  }
  return {};
}

LiveError LiveNode::Impl::open_streams() {
  const MmConfig& c = opt.config;
  const Instrument& in = registry.get(id);
  PublicWsConfig pc;
  book_topic = mm::book_topic(in.name());
  if (std::string e =
          public_ws_config(pv, c.category, {book_topic, "publicTrade." + std::string(in.name())}, 1, pc);
      !e.empty()) {
    return {2, e};
  }
  pub_codec = std::make_unique<BybitCodec>(registry);
  pub = std::make_unique<PublicWs>(pc, *pub_codec);

  PrivateWsConfig vc;
  // Every stream on [venue] ws_transport, the private one too: it is polled on the hot thread, and Beast's
  // completions allocate there (asio recycles one block per purpose per thread; a read and a write
  // completing together take a second), about 36 allocations a second while quoting (LiveHotPath tests).
  if (std::string e = ws_session_config(pv, urls.private_ws, "private_ws_url", 2, vc.session); !e.empty())
    return {2, e};
  if (c.live.dcp_window_s > 0) vc.topics.push_back("dcp.future");
  priv_codec = std::make_unique<BybitCodec>(registry);
  priv = std::make_unique<PrivateWs>(vc, *priv_codec, signer);

  if (!urls.trade_ws.empty()) {
    TradeWsConfig tc;
    if (std::string e = ws_session_config(pv, urls.trade_ws, "trade_ws_url", 3, tc.session); !e.empty())
      return {2, e};
    tc.recv_window_ms = c.venue.recv_window_ms;
    tc.request_timeout_ms = c.live.request_timeout_ms;
    trade_codec = std::make_unique<BybitCodec>(registry);
    // No limiter for TradeWs: the node applies the answers' X-Bapi-Limit headers itself (apply_trade_ack),
    // to the bucket of the endpoint that answered (a batch answer to the batch endpoint's, which TradeWs
    // cannot tell apart), and in the pipeline the limiter stays on the decision thread.
    trade = std::make_unique<TradeWs>(tc, registry, *trade_codec, signer, nullptr);
  }
  for (const WsSession* ws : {&pub->session(), &priv->session(), trade ? &trade->session() : nullptr}) {
    if (ws != nullptr && !ws->ws().transport_fallback().empty()) {
      sum.warnings.push_back("venue.ws_transport: io_uring is not available (" +
                             ws->ws().transport_fallback() + "): this stream uses beast");
    }
  }
  control = std::make_unique<LiveControl>(*rest, journal, registry, id);
  // Bybit's per-UID rates (the config's [trader] ones); the trade WebSocket's answers tighten them.
  const TraderConfig& t = c.trader;
  // The batch endpoints have windows of their own at the single endpoint's limit (as Bybit and mm sim).
  for (const bool batch : {false, true}) {
    if (limiter.configure(endpoint_class(RateClass::kCreate, batch), t.create_per_second, t.create_burst,
                          wall_ns()) != RateError::kOk ||
        limiter.configure(endpoint_class(RateClass::kAmend, batch), t.amend_per_second, t.amend_burst,
                          wall_ns()) != RateError::kOk ||
        limiter.configure(endpoint_class(RateClass::kCancel, batch), t.cancel_per_second, t.cancel_burst,
                          wall_ns()) != RateError::kOk) {
      return {2, "trader: rate limits must be in 1..1e9 per second and burst"};
    }
  }
  // The WebSockets sign with the server's clock too (auth expires, order timestamps), not only REST.
  priv->set_clock_offset_ms(rest->clock().offset_ms);
  if (trade) trade->set_clock_offset_ms(rest->clock().offset_ms);
  if (opt.layout == LiveLayout::kPipeline) {
    pipe = std::make_unique<LivePipeline>(*pub, *pub_codec, c.category, book_topic, trade.get(), opt.idle);
    venue =
        std::make_unique<LiveVenue>(pipe->actions(), pipe->trade_ready_flag(), control->requests(), &limiter);
  } else {
    venue = std::make_unique<LiveVenue>(trade.get(), control->requests(), &limiter);
  }
  venue->set_time(wall_ns());
  return {};
}

LiveError LiveNode::Impl::prepare() {
  MmConfig& c = opt.config;
  // The keys for the log drain's redaction list (start_venue wipes the options' copy of the secret).
  std::vector<std::string> secrets{opt.api_key, opt.api_secret};
  if (LiveError e = check_threads(); e.code != 0) return e;
  if (LiveError e = start_venue(); e.code != 0) return e;
  if (LiveError e = check_key(); e.code != 0) {
    if (e.code == 2) NodeOps::alert_once(c, AlertKind::kKeyRefused, e.message);
    return e;
  }
  if (LiveError e = load_instrument(); e.code != 0) return e;
  const std::string ops_error = NodeOps::start(c, registry.get(id), secrets, ops);
  for (std::string& s : secrets) std::fill(s.begin(), s.end(), '\0');
  if (!ops_error.empty()) return {2, ops_error};
  std::string warning;
  if (std::string e = journal.open(c.live.journal, warning); !e.empty()) return {2, "live.journal: " + e};
  if (!warning.empty()) sum.warnings.push_back(warning);
  uint64_t first = 0;
  if (std::string e = journal.reserve(c.link_id_prefix, kLinkBlock, wall_ns() / 1'000'000, first);
      !e.empty()) {
    return {1, e};
  }
  c.trader.first_link_sequence = first;
  run_first_seq = first;
  if (LiveError e = open_streams(); e.code != 0) return e;
  std::string error;
  trader = make_live_trader(c, registry, id, *venue, error);
  if (!trader) return {2, error};
  if (c.live.dcp_window_s > 0) {
    const RestResult r =
        rest->set_dcp_window(DcpProduct::kDerivatives, static_cast<int>(c.live.dcp_window_s));
    if (!r.ok())
      sum.warnings.push_back("live.dcp_window_s: the venue refused the DCP window (" + r.ret_msg + ")");
  }
  // Reconciliation before the first quote: the account's position is adopted, and every open order of an
  // earlier run of ours comes back as a kOrder result that the hot loop cancels (the table does not know it).
  control->handle(ControlRequest{ControlOp::kReconcile, {}});
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// Hot loop

void LiveNode::Impl::on_public(const BybitCodec& codec, MsgKind kind, int64_t recv_ns) noexcept {
  LiveTrader& tr = *trader;
  if (kind == MsgKind::kTrade) {
    ops->on_message(MsgTopic::kPublicTrade);
    for (const TradeEvent& t : codec.trades()) {
      if (t.instrument == id) tr.on_trade(t);
    }
    return;
  }
  if (kind != MsgKind::kBook) return;
  ops->on_message(MsgTopic::kOrderbook);
  const BookUpdate& u = codec.book();
  if (u.instrument != id) return;
  const int64_t t0 = mono_ns();
  (void)tr.on_book(u, recv_ns);
  if (tr.last_action_count() > 0) {
    const int64_t ttq = mono_ns() - t0;
    sum.tick_to_quote.record(ttq);
    ops->on_quoted(ttq);
  }
  if (tr.take_resubscribe()) {
    ops->on_book_gap(recv_ns);
    if (pipe) {
      pipe->request_resubscribe();
    } else {
      (void)pub->resubscribe(book_topic);
    }
  }
}

void LiveNode::Impl::on_private(const BybitCodec& codec, MsgKind kind, int64_t) noexcept {
  LiveTrader& tr = *trader;
  ops->on_message(private_topic(kind));
  switch (kind) {
    case MsgKind::kOrder:
      for (const OrderUpdate& u : codec.orders()) {
        if (u.instrument != id) continue;
        if (!journal.owns(u.order_link_id.view())) continue;  // not ours
        if (!tr.orders().find(u.order_link_id.view()).valid()) {
          // Ours from an earlier run (or released): cancel it unless it is already done. One of this run's,
          // released once settled, is asked for instead (an open answer is cancelled, on_control kOrder): a
          // stream stalled or reconnected replays its New/PartiallyFilled after its final state was settled
          // by a query, and a blind cancel of each was refused 110001 (LiveOrders.ACancelAnsweredOrderGone...
          // counted 8 to 10 such refusals now and then). A query also catches one settled "not found" that
          // the venue does hold.
          if (u.status == OrderStatus::kNew || u.status == OrderStatus::kPartiallyFilled) {
            ControlRequest r;
            uint64_t seq = 0;
            if (parse_link_id(u.order_link_id.view(), opt.config.link_id_prefix, seq) == LinkIdError::kOk &&
                seq >= run_first_seq && seq - run_first_seq < kLinkBlock) {
              r.op = ControlOp::kQueryOrder;
              (void)make_link_id(u.order_link_id.view(), r.u.query);
            } else {
              r.op = ControlOp::kCancel;
              r.u.cancel.instrument = id;
              (void)make_link_id(u.order_link_id.view(), r.u.cancel.link_id);
            }
            (void)control->requests().try_push(r);
          }
          continue;
        }
        if (u.status == OrderStatus::kCancelled || u.status == OrderStatus::kPartiallyFilledCanceled)
          ++sum.cancelled;
        if (u.status == OrderStatus::kFilled) ++sum.filled;
        if (u.status == OrderStatus::kRejected) ++sum.rejected;
        expect_fills(u);
        tr.on_order(u);
      }
      return;
    case MsgKind::kExecution:
      for (const Execution& e : codec.executions()) on_execution(e);
      return;
    default:
      return;
  }
}

void LiveNode::Impl::expect_fills(const OrderUpdate& u) noexcept {
  const StreamStatus st = classify(u.status);
  if (st != StreamStatus::kFilled && st != StreamStatus::kCancelled) return;  // only a final report releases
  const OrderHandle h = trader->orders().find(u.order_link_id.view());
  if (!h.valid()) return;
  const int64_t owed = u.cum_exec_qty.lots - trader->orders().get(h).fsm.exec_filled.lots;
  if (owed <= 0) return;
  for (uint32_t i = 0; i < fills_due_count; ++i) {
    if (fills_due[i].link.view() != u.order_link_id.view()) continue;
    fills_due[i].lots = owed;  // a repeated final report: the same fills
    return;
  }
  if (fills_due_count == fills_due.size()) return;
  FillsDue& d = fills_due[fills_due_count];
  if (make_link_id(u.order_link_id.view(), d.link) != LinkIdError::kOk) return;
  d.lots = owed;
  if (fills_due_count++ == 0) fills_due_since = wall_ns();
}

void LiveNode::Impl::on_execution(const Execution& e) noexcept {
  if (e.instrument != id || e.exec_type != ExecType::kTrade) return;
  if (!execs.insert(e.exec_id.view())) return;  // counted once, by execId (stream and reconciliation)
  for (uint32_t i = 0; i < fills_due_count; ++i) {
    FillsDue& d = fills_due[i];
    if (d.link.view() != e.order_link_id.view()) continue;
    d.lots -= e.exec_qty.lots;
    if (d.lots <= 0) d = fills_due[--fills_due_count];
    break;
  }
  ++sum.fills;
  ops->on_fill(e, wall_ns());
  trader->on_execution(e);
}

void LiveNode::Impl::on_ready() noexcept {
  // Every (re)connect of the private stream: events may have been missed while it was down.
  if (priv->session().reconnects() > 0) {
    ControlRequest r;
    r.op = ControlOp::kReconcile;
    (void)control->requests().try_push(r);
  }
}

void LiveNode::Impl::on_trade_ack(const InFlightRequest& req, const TradeAck& ack, int64_t recv_ns) noexcept {
  // recv_ns is the loop iteration's clock (taken before the socket was read): the ack's own time is now.
  (void)recv_ns;
  apply_trade_ack(req, ack, wall_ns(), venue->batch_links(req.tag));
}

void LiveNode::Impl::apply_trade_ack(const InFlightRequest& req, const TradeAck& ack, int64_t ack_now,
                                     std::span<const OrderLinkId> batch) noexcept {
  LiveTrader& tr = *trader;
  sum.order_ack.record(ack_now - req.sent_ns);
  ops->on_ack(req.link_id.view(), ack.ret_code, ack_now - req.sent_ns, ack_now);
  // The answer's X-Bapi-Limit* headers tighten the bucket of the endpoint that answered: a batch request's
  // (more than one item) the batch endpoint's, which the venue counts apart from the single one's.
  const RateClass endpoint = endpoint_class(rate_class(req.kind), req.items > 1);
  if (ack.limit != 0 || ack.limit_reset_ms != 0)
    limiter.update_from_exchange(endpoint, ack.limit, ack.limit_status, ack.limit_reset_ms, ack_now);
  // 10006 (too many visits) without the reset header: hold the endpoint for Bybit's one-second window (with
  // the header, the update above held it until X-Bapi-Limit-Reset-Timestamp).
  if (ack.ret_code == kTooManyVisits && ack.limit_reset_ms == 0 && req.kind != RequestKind::kCancel) {
    const int64_t now = wall_ns();
    limiter.update_from_exchange(endpoint, 0, 0, now / 1'000'000 + 1000, now);
  }
  // 10002: our timestamp left the venue's recv window (its clock moved): re-measure the offset (control
  // thread), never widen the window; one measurement at a time.
  if (ack.ret_code == kTimestampOutOfWindow && !resync_pending) {
    ControlRequest q;
    q.op = ControlOp::kSyncTime;
    resync_pending = control->requests().try_push(q);
  }
  // Classified as the order state machine reads it (runtime/live_orders.h): accepted, refused, or Unknown.
  auto one = [&](std::string_view link, int32_t code, std::string_view order_id) {
    if (code != 0) ops->on_reject(link, code, ack_now);
    const AnswerVerdict v = classify_answer(req.kind, code);
    switch (v.action) {
      case AnswerAction::kAcked:
        if (req.kind == RequestKind::kCreate) ++sum.created;
        if (req.kind == RequestKind::kAmend) ++sum.amended;
        tr.on_acked(link, v.event, order_id);
        return;
      case AnswerAction::kUnknown:
        // 10016/10000 on any request: the venue may hold the order (or have applied the request); asked
        // for, never sent again under a new link id. 110001/110008 on an amend or cancel: the venue holds no
        // live order under the link id (ended, its final report on the way, or not there yet); as a plain
        // refusal the order would read as live and be cancelled again at every tick until the stream's final
        // report came, a loop that spends the cancel budget the other orders need.
        settle_unknown(link);
        return;
      case AnswerAction::kRejected:
        if (req.kind == RequestKind::kCreate) {
          ++sum.rejected;
          tr.on_create_rejected(link, v.venue_unavailable);
        } else {
          tr.on_rejected(link, v.event);
        }
        return;
    }
  };
  if (req.items <= 1) {
    one(req.link_id.view(), ack.ret_code, ack.order_id.view());
    return;
  }
  if (ack.ret_code != 0) {
    // The whole batch was refused: every item of it.
    for (const OrderLinkId& l : batch) one(l.view(), ack.ret_code, {});
    return;
  }
  // Accepted: each item's answer is in data.list[i] / retExtInfo.list[i], in the request's order. An item
  // answered without its orderLinkId is the batch's i-th; an order of the batch that no item answers (an
  // answer with fewer items than the request, or none) would wait for an answer that never comes, so it is
  // asked for, as if unanswered.
  std::array<bool, kQuoterMaxBatchItems> answered{};
  const size_t n = std::min(batch.size(), answered.size());
  for (uint32_t i = 0; i < ack.item_count; ++i) {
    const TradeAckItem& it = ack.items[i];
    std::string_view link = it.order_link_id.view();
    if (link.empty() && i < n) link = batch[i].view();
    for (size_t j = 0; j < n; ++j) answered[j] = answered[j] || batch[j].view() == link;
    one(link, it.code, it.order_id.view());
  }
  for (size_t j = 0; j < n; ++j) {
    if (!answered[j]) settle_unknown(batch[j].view());
  }
}

void LiveNode::Impl::settle_unknown(std::string_view link) noexcept {
  trader->on_request_timeout(link);
  ControlRequest r;
  r.op = ControlOp::kQueryOrder;
  (void)make_link_id(link, r.u.query);
  (void)control->requests().try_push(r);
}

void LiveNode::Impl::on_trade_timeout(const InFlightRequest& req) noexcept {
  apply_trade_timeout(req, venue->batch_links(req.tag));
}

void LiveNode::Impl::apply_trade_timeout(const InFlightRequest& req,
                                         std::span<const OrderLinkId> batch) noexcept {
  if (req.items <= 1) {
    settle_unknown(req.link_id.view());
    return;
  }
  for (const OrderLinkId& l : batch) settle_unknown(l.view());
}

void LiveNode::Impl::on_trade_answer(const TradeAnswer& a) noexcept {
  switch (a.kind) {
    case TradeAnswerKind::kAck:
      apply_trade_ack(a.req, a.ack, a.at_ns, a.batch_links());
      return;
    case TradeAnswerKind::kTimeout:
      apply_trade_timeout(a.req, a.batch_links());
      return;
    case TradeAnswerKind::kReady:
      on_ready();
      return;
    case TradeAnswerKind::kRefused:
      // Nothing of the span left this process: each order goes back as a local reject (a create is
      // released, an amend or cancel leaves the order as it was), and the quoter tries again. The venue
      // refused nothing, so the reject-rate breaker does not count it (as a refused send in one-thread).
      for (const OrderLinkId& l : a.batch_links()) {
        if (a.req.kind == RequestKind::kCreate)
          trader->on_create_rejected(l.view(), /*venue_unavailable=*/true);
        if (a.req.kind == RequestKind::kAmend) trader->on_rejected(l.view(), OrderEventKind::kAmendRejected);
        if (a.req.kind == RequestKind::kCancel)
          trader->on_rejected(l.view(), OrderEventKind::kCancelRejected);
      }
      return;
  }
}

void LiveNode::Impl::on_control(const ControlResult& r) noexcept {
  LiveTrader& tr = *trader;
  // A REST order answer's X-Bapi-Limit* headers (the control thread hands them over; the limiter is ours).
  if (r.limit != 0 || r.limit_reset_ms != 0) {
    limiter.update_from_exchange(r.limit_class, r.limit, r.limit_status, r.limit_reset_ms, wall_ns());
  }
  switch (r.kind) {
    case ControlResultKind::kAcked:
      if (r.ack_kind == OrderEventKind::kCreateAcked) ++sum.created;
      if (r.ack_kind == OrderEventKind::kAmendAcked) ++sum.amended;
      tr.on_acked(r.link_id.view(), r.ack_kind, r.order_id.view());
      return;
    case ControlResultKind::kRejected: {
      ops->on_reject(r.link_id.view(), r.ret_code, wall_ns());
      if (r.ack_kind == OrderEventKind::kCancelRejected && !tr.orders().find(r.link_id.view()).valid()) {
        // The cancel of an earlier run's order (the table does not know it): unless the venue said it is
        // gone (a final code such as 110001), it may still rest, so it is asked for again.
        ++sum.rejected;
        const bool gone = r.ret_code > 0 && classify_ret_code(r.ret_code).cls == RetClass::kFinal;
        if (!gone && leftover_count < leftovers.size())
          (void)make_link_id(r.link_id.view(), leftovers[leftover_count++]);
        return;
      }
      // As on the trade WebSocket (apply_trade_ack): a REST answer is classified the same way.
      const RequestKind kind = r.ack_kind == OrderEventKind::kCreateRejected  ? RequestKind::kCreate
                               : r.ack_kind == OrderEventKind::kAmendRejected ? RequestKind::kAmend
                                                                              : RequestKind::kCancel;
      const AnswerVerdict v = classify_answer(kind, r.ret_code);
      if (v.action == AnswerAction::kUnknown) {
        settle_unknown(r.link_id.view());
        return;
      }
      ++sum.rejected;
      if (kind == RequestKind::kCreate) {
        tr.on_create_rejected(r.link_id.view(), v.venue_unavailable);
      } else {
        tr.on_rejected(r.link_id.view(), r.ack_kind);
      }
      return;
    }
    case ControlResultKind::kUnknown:
      settle_unknown(r.link_id.view());
      return;
    case ControlResultKind::kOrder:
      if (tr.orders().find(r.order.order_link_id.view()).valid()) {
        expect_fills(r.order);
        tr.on_order(r.order);
      } else if (r.order.status == OrderStatus::kNew || r.order.status == OrderStatus::kPartiallyFilled ||
                 r.order.status == OrderStatus::kUntriggered) {
        // An open order of ours that this run does not track (an earlier run's): cancel it.
        ControlRequest c;
        c.op = ControlOp::kCancel;
        c.u.cancel.instrument = id;
        (void)make_link_id(r.order.order_link_id.view(), c.u.cancel.link_id);
        (void)control->requests().try_push(c);
      }
      return;
    case ControlResultKind::kNotFound:
      tr.on_not_found(r.link_id.view());
      return;
    case ControlResultKind::kPosition: {
      const PositionUpdate& p = r.position;
      int64_t lots = 0;
      const Instrument& in = registry.get(id);
      if (p.size.lots != 0) lots = p.side == PositionSide::kSell ? -p.size.lots : p.size.lots;
      if (lots != tr.position().lots()) {
        const int64_t entry = rescale(p.entry_price, p.ref_scale, tr.position().ref_scale());
        (void)tr.restore_position(lots, entry);
      }
      (void)in;
      return;
    }
    case ControlResultKind::kExecution:
      on_execution(r.execution);
      return;
    case ControlResultKind::kClockOffset:
      resync_pending = false;
      priv->set_clock_offset_ms(r.offset_ms);
      if (pipe) {
        pipe->set_trade_clock_offset_ms(r.offset_ms);
      } else if (trade) {
        trade->set_clock_offset_ms(r.offset_ms);
      }
      return;
    case ControlResultKind::kCancelAllDone:
    case ControlResultKind::kCancelAllFailed:
    case ControlResultKind::kForeignOrderCancelled:
      return;
  }
}

void LiveNode::Impl::drain_control() noexcept {
  // Checked first: a ControlResult is 816 bytes that its initialisers zero, and this runs on
  // every turn of the hot loop, nearly always with nothing to drain.
  if (control->results().empty()) return;
  ControlResult r;
  while (control->results().try_pop(r)) on_control(r);
}

int LiveNode::Impl::poll(int64_t now) noexcept {
  venue->set_time(now);
  int work = pub->do_work(now, *this);
  work += priv->do_work(now, *this);
  if (trade) work += trade->do_work(now, *this);
  drain_control();
  return work;
}

// The decision thread's share of the pipeline: the book frames the network thread read, the private stream
// (its socket stays here, beside the order table), the dispatch thread's answers, the control results.
int LiveNode::Impl::poll_pipeline(int64_t now) noexcept {
  constexpr int kBatch = 64;  // frames or answers per call: the timers and the probe are never held back long
  venue->set_time(now);
  int work = pipe->drain_frames(*this, kBatch);
  work += priv->do_work(now, *this);
  work += pipe->drain_answers(*this, kBatch);
  drain_control();
  return work;
}

NodeState LiveNode::Impl::node_state() noexcept {
  NodeState s;
  s.limiter = &limiter;
  s.book = &trader->book();
  s.orders = &trader->orders();
  s.position = &trader->position();
  s.risk = &trader->risk();
  s.counters = &trader->counters();
  s.mid_ticks = mid_ticks(trader->book());
  s.reconnects_public = public_reconnects();
  s.reconnects_private = priv->session().reconnects();
  s.reconnects_trade = trade_reconnects();
  return s;
}

// A request timeout asks the venue for the order once (on_trade_timeout); when that query fails too (the
// venue refusing or unreachable: the control thread drops a failed query), the order would stay Unknown for
// good and its level never be quoted again. Likewise an earlier run's order whose cancel was refused would
// rest unseen. Every 500 ms each order still Unknown, and each such leftover, is asked for again, until an
// answer settles it (found: adopted, or cancelled when it is not this run's; not found: gone).
void LiveNode::Impl::requery_unsettled(int64_t now) noexcept {
  if (now < next_unknown_query) return;
  next_unknown_query = now + 500'000'000;
  auto query = [&](const OrderLinkId& link) noexcept {
    ControlRequest q;
    q.op = ControlOp::kQueryOrder;
    q.u.query = link;
    (void)control->requests().try_push(q);
  };
  trader->orders().for_each([&](OrderHandle, const OwnOrder& o) noexcept {
    if (o.state() == OrderState::kUnknown) query(o.link_id);
  });
  for (uint32_t i = 0; i < leftover_count; ++i) query(leftovers[i]);
  leftover_count = 0;
}

void LiveNode::Impl::timers(int64_t now) noexcept {
  LiveTrader& tr = *trader;
  const LiveSettings& l = opt.config.live;
  // Dead-man switch of our own: no quotes on a silent feed or without the private stream (fills unseen).
  if (priv->ready()) {
    private_down_since = 0;
  } else if (private_down_since == 0) {
    private_down_since = now;
  }
  const bool feed_quiet = public_silence_ns(now) > l.feed_quiet_ms * 1'000'000;
  const bool private_quiet =
      private_down_since != 0 && now - private_down_since > l.private_quiet_ms * 1'000'000;
  private_was_ready = private_was_ready || priv->ready();
  trade_was_ready = trade_was_ready || trade_ready();
  constexpr int64_t kTradeWaitNs = 2'000'000'000;
  const bool starting =
      !private_was_ready || (trade != nullptr && !trade_was_ready && now - run_start < kTradeWaitNs);
  // The operator's actions from the live page (runtime/ops/live_page.h): a pause holds quoting off like a
  // quiet feed; the kill switch's cancel-all goes out in the on_timer() below.
  const PageControl ctl = ops->take_control();
  if (ctl.kill) tr.kill();
  if (ctl.cancel_all && !ctl.kill) (void)tr.cancel_all_now();
  const bool pull = feed_quiet || private_quiet || starting || ctl.paused;
  if (pull != pulled) {
    pulled = pull;
    pulled_since = now;
    tr.set_quoting(!pull);
  }
  tr.on_timer();  // with quoting off, the quoter cancels our orders one by one
  ops->on_timer(now, node_state());
  requery_unsettled(now);
  // A silent feed leaves the book unusable and the quoter idle: after a second, the cancel-all backstop.
  if (pulled && now - pulled_since > 1'000'000'000 && tr.open_order_count() > 0 && tr.cancel_all_now()) {
    pulled_since = now;
  }
}

LiveError LiveNode::Impl::shutdown(int64_t deadline) {
  LiveTrader& tr = *trader;
  tr.set_quoting(false);
  // First our own cancels, order by order (the quoter diffs against an empty ladder): a cancel-all would also
  // take orders of the account that are not ours. The cancel-all (REST, the whole symbol) is the backstop for
  // orders still open a third of the way to the deadline (a book the quoter cannot use, a dead trade socket).
  const int64_t start = wall_ns();
  const int64_t backstop = start + (deadline - start) / 3;
  tr.on_timer();
  int64_t next_query = 0;
  int64_t next_timer = start;
  int64_t next_fills_fetch = 0;
  for (int64_t now = wall_ns(); now < deadline; now = wall_ns()) {
    (void)step(now);
    // Done when every order is confirmed and every fill their final reports announced is counted.
    if (tr.open_order_count() == 0 && fills_due_count == 0) break;
    if (now >= next_timer) {
      tr.on_timer();
      next_timer = now + 50'000'000;
    }
    if (!sum.cancel_all_rest && now >= backstop) sum.cancel_all_rest = tr.cancel_all_now();
    if (now >= next_query && now >= backstop) {
      // Orders whose stream confirmation has not come: ask for each (Unknown ones are settled this way).
      tr.orders().for_each([&](OrderHandle, const OwnOrder& o) noexcept {
        if (is_terminal(o.state())) return;
        ControlRequest q;
        q.op = ControlOp::kQueryOrder;
        q.u.query = o.link_id;
        (void)control->requests().try_push(q);
      });
      next_query = now + 500'000'000;
    }
    // Executions still owed 200 ms after their order's final report (the private stream stalled or lost
    // them): this run's executions over REST (GET /v5/execution/list, with the open orders and the position;
    // each execId is counted once), every 500 ms until they are in.
    if (fills_due_count > 0 && now - fills_due_since >= 200'000'000 && now >= next_fills_fetch) {
      ControlRequest q;
      q.op = ControlOp::kReconcile;
      (void)control->requests().try_push(q);
      next_fills_fetch = now + 500'000'000;
    }
  }
  if (fills_due_count > 0) {
    std::string owed;
    for (uint32_t i = 0; i < fills_due_count; ++i)
      owed += (i == 0 ? "" : ", ") + std::string(fills_due[i].link.view());
    sum.warnings.push_back("shutdown: fills of " + std::to_string(fills_due_count) +
                           " order(s) reported but their executions not received (" + owed +
                           "): the fill count and position may trail the venue's");
  }
  // Each order named with what mm knew of it: the state alone does not say why it never settled.
  std::string list;
  tr.orders().for_each([&](OrderHandle, const OwnOrder& o) noexcept {
    if (is_terminal(o.state())) return;
    sum.unconfirmed.emplace_back(o.link_id.view());
    list += (list.empty() ? "" : ", ") + std::string(o.link_id.view()) + " (" + describe(o) + ")";
  });
  sum.open_orders_after = static_cast<uint32_t>(sum.unconfirmed.size());
  sum.cancel_all = sum.open_orders_after == 0;
  if (sum.open_orders_after > 0) {
    return {3, "shutdown: cancellation of " + std::to_string(sum.open_orders_after) +
                   " order(s) could not be confirmed: " + list};
  }
  return {};
}

void LiveNode::Impl::fill_summary(double seconds) {
  LiveTrader& tr = *trader;
  sum.duration_s = seconds;
  const Instrument& in = registry.get(id);
  const Position& p = tr.position();
  char buf[32];
  const int64_t lots = p.lots();
  const size_t n = format_qty(in, Qty{lots < 0 ? -lots : lots}, buf);
  sum.position = (lots < 0 ? "-" : "") + std::string(buf, n);
  (void)p.realized(sum.realized);
  const auto bid = tr.book().best_bid();
  const auto ask = tr.book().best_ask();
  if (bid && ask) (void)p.unrealized(Price{(bid->price.ticks + ask->price.ticks) / 2}, sum.unrealized);
  sum.fees = p.fees();
  sum.net = Money{sum.realized.units + sum.unrealized.units - sum.fees.units};
  sum.rest_orders = venue->counters().rest_requests;
  sum.trader = tr.counters();
  sum.venue_rate_limited = venue->counters().rate_limited;
  sum.venue_refused = venue->counters().refused;
  sum.ws_requests = venue->counters().ws_requests;
  sum.reconnects = public_reconnects() + priv->session().reconnects() + trade_reconnects();
  if (tr.fault() != TraderFault::kNone) sum.fault = std::string(to_string(tr.fault()));
}

// --layout pipeline: the CPUs and the idle strategy, before anything is started or sent.
LiveError LiveNode::Impl::check_threads() {
  if (opt.layout != LiveLayout::kPipeline) return {};
  if (std::string e = pipeline_cpus(opt.cpus, pipe_cpus); !e.empty()) return {2, e};
  std::string warning;
  if (std::string e = check_live_layout(pipe_cpus, opt.idle, std::thread::hardware_concurrency(), warning);
      !e.empty()) {
    return {2, e};
  }
  if (!warning.empty()) sum.warnings.push_back(warning);
  return {};
}

LiveError LiveNode::Impl::start_run() {
  const int cpu = pipe ? pipe_cpus.decision : (opt.cpus.empty() ? -1 : opt.cpus[0]);
  if (cpu >= 0) {
    if (const ThreadSetupError e = pin_current_thread(cpu); e != ThreadSetupError::kOk) {
      return {2, std::string("--cpus: cannot pin the ") + (pipe ? "decision" : "hot") + " thread to CPU " +
                     std::to_string(cpu) + ": " + std::string(to_string(e))};
    }
  }
  if (opt.on_thread_start) opt.on_thread_start(pipe ? LiveThread::kDecision : LiveThread::kHot);
  if (pipe) {
    if (std::string e = pipe->start(pipe_cpus, opt.on_thread_start); !e.empty()) return {2, e};
  }
  return {};
}

// The one-thread layout's busy loop: every socket, the control results, the probe and the timers.
// The hot loop of both layouts. One-thread: this thread owns every socket and polls them (poll()), never
// idling. Pipeline: the network and dispatch threads started their sockets; this decision thread drains their
// rings and keeps only the private stream (poll_pipeline()), idling as --idle says when a turn found nothing.
void LiveNode::Impl::quote(int64_t start, int64_t end) {
  if (!pipe) {
    pub->start(start);
    if (trade) trade->start(start);
  }
  priv->start(start);
  const int64_t timer_ns = opt.config.live.timer_ms * 1'000'000;
  int64_t next_timer = start + timer_ns;
  int64_t now = start;
  // The one-thread layout keeps the decision path (Trader::rehearse) and the kernel's TCP path (TcpWarmer)
  // warm while idle (live.warm_interval_us). A pair that cannot be opened only costs the second: the node
  // quotes without it, and says so in the summary's warnings.
  const int64_t warm_ns = pipe ? 0 : opt.config.live.warm_interval_us * 1'000;
  if (warm_ns > 0) {
    if (std::string e = warmer.open(); !e.empty()) sum.warnings.push_back("live.warm_interval_us: " + e);
  }
  int64_t next_warm = start;
  while (now < end && !stopping()) {
    int work = step(now);
    if (work == 0 && warm_ns > 0 && now >= next_warm) {
      trader->rehearse();
      if (warmer.is_open()) warmer.warm();
      next_warm = now + warm_ns;
    }
    if (probe_state.load(std::memory_order_acquire) == 1) answer_probe();
    now = wall_ns();
    if (now >= next_timer) {
      timers(now);
      next_timer = now + timer_ns;
      ++work;
    }
    if (pipe) pipe->idle(work);
  }
}

LiveError LiveNode::Impl::run(LiveSummary& out) {
  if (LiveError e = start_run(); e.code != 0) return e;
  const int64_t start = wall_ns();
  run_start = start;
  pulled = true;  // until the sessions are up (timers: `starting`)
  pulled_since = start;
  trader->set_quoting(false);
  // Reconciliations after a reconnect also list this run's executions (fills the stream missed).
  control->set_executions_since(rest->exchange_time_ms());
  // From here the REST client lives on the control thread: the hot thread's limiter learns REST answers'
  // limits through the result ring (on_control), never from that thread.
  rest->set_limiter(nullptr);
  control->start();
  const int64_t end = opt.duration_ns > 0 ? start + opt.duration_ns : INT64_MAX;
  quote(start, end);
  return finish_run(start, out);
}

// Shutdown (cancels confirmed or exit 3), the summary, then every thread and socket stopped.
LiveError LiveNode::Impl::finish_run(int64_t start, LiveSummary& out) {
  LiveError result = shutdown(wall_ns() + opt.config.live.shutdown_timeout_ms * 1'000'000);
  if (pipe) pipe->stop();  // joins the network and dispatch threads, which close their sockets
  fill_summary(static_cast<double>(wall_ns() - start) / 1e9);
  ops->on_timer(wall_ns(), node_state());
  if (result.code == 3) ops->shutdown_unconfirmed(result.message);
  if (!pipe) {
    pub->stop();
    if (trade) trade->stop();
  }
  priv->stop();
  control->stop();
  if (opt.config.venue.endpoint == VenueEndpoint::kSim) {
    sim.stop();
    if (sim.started()) {
      sum.has_sim = true;
      sum.sim_reaction = sim.reaction_ns();
    }
  }
  ops->stop();
  out = std::move(sum);
  return result;
}

void LiveNode::Impl::answer_probe() noexcept {
  int asked = 1;
  if (!probe_state.compare_exchange_strong(asked, 2, std::memory_order_acquire)) return;
  const LiveTrader& tr = *trader;
  LiveProbe& p = probe_buf;
  p.position_lots = tr.position().lots();
  p.fills = sum.fills;
  p.created = sum.created;
  p.amended = sum.amended;
  p.quoting = !pulled;
  p.trade_ready = trade_ready();
  p.rest_requests = venue->counters().rest_requests;
  p.reconnects_public = public_reconnects();
  p.reconnects_private = priv->session().reconnects();
  p.pings_private = priv->session().pings_sent();
  p.rehearsals = trader->rehearsals();
  p.request_rehearsals = trade != nullptr ? trade->rehearsals() : 0;
  p.reconnects_trade = trade_reconnects();
  p.resubscribes = pipe ? pipe->public_resubscribes() : pub->counters().resubscribes;
  p.tick_to_quote = sum.tick_to_quote;  // a fixed array: no allocation
  p.unknown = 0;
  tr.orders().for_each([&](OrderHandle, const OwnOrder& o) noexcept {
    if (is_terminal(o.state())) return;
    if (o.state() == OrderState::kUnknown) {
      ++p.unknown;
      if (p.unknown_links.size() < p.unknown_links.capacity()) p.unknown_links.push_back(o.link_id);
    }
    if (p.live.size() < p.live.capacity()) p.live.push_back(o.link_id);  // never grows here
  });
  probe_state.store(3, std::memory_order_release);
}

bool LiveNode::Impl::probe(LiveProbe& out, int64_t timeout_ms) {
  if (probe_state.load(std::memory_order_acquire) != 0) return false;  // a second caller
  probe_buf.live.clear();
  probe_buf.live.reserve(opt.config.trader.order_capacity + 1);
  probe_buf.unknown_links.clear();
  probe_buf.unknown_links.reserve(opt.config.trader.order_capacity + 1);
  probe_state.store(1, std::memory_order_release);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (probe_state.load(std::memory_order_acquire) != 3) {
    if (std::chrono::steady_clock::now() >= deadline) {
      int asked = 1;
      if (probe_state.compare_exchange_strong(asked, 0, std::memory_order_acq_rel)) return false;
      // The hot thread took the request just now: it finishes without blocking.
      while (probe_state.load(std::memory_order_acquire) != 3) std::this_thread::yield();
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  out = probe_buf;
  probe_state.store(0, std::memory_order_release);
  return true;
}

LiveNode::LiveNode(LiveOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
LiveNode::~LiveNode() = default;
LiveError LiveNode::prepare() {
  return impl_->prepare();
}
LiveError LiveNode::run(LiveSummary& out) {
  return impl_->run(out);
}
const std::vector<std::string>& LiveNode::warnings() const noexcept {
  return impl_->sum.warnings;
}
bool LiveNode::probe(LiveProbe& out, int64_t timeout_ms) {
  return impl_->probe(out, timeout_ms);
}

}  // namespace mm
