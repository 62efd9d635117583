#pragma once
// Internals of SimExchange shared by its translation units (exchange_core.cpp: accounts, auth, limits,
// timers, faults; exchange_orders.cpp: order logic and fills; exchange_render.cpp: JSON of orders,
// executions, positions, wallets; exchange_rest.cpp; exchange_ws.cpp). Not a public header.
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/instrument_registry.h"
#include "core/order_book.h"
#include "core/order_request.h"
#include "core/position.h"
#include "net/signer.h"
#include "sim/exchange/exchange_config.h"
#include "sim/exchange/exchange_handler.h"
#include "sim/exchange/flat_index.h"
#include "sim/exchange/json_out.h"
#include "sim/exchange/request_fields.h"
#include "sim/exchange/sim_exchange.h"
#include "sim/fill_engine.h"
#include "sim/rate_window.h"

namespace mm::simx {

// ---- retCodes and Bybit's messages for them.
inline constexpr int32_t kOk = 0;
inline constexpr int32_t kParamError = 10001;
inline constexpr int32_t kRecvWindow = 10002;
inline constexpr int32_t kBadKey = 10003;
inline constexpr int32_t kBadSign = 10004;
inline constexpr int32_t kPermissionDenied = 10005;
inline constexpr int32_t kTooManyVisits = 10006;
inline constexpr int32_t kUnmatchedIp = 10010;
inline constexpr int32_t kServerError = 10016;
inline constexpr int32_t kTradeRestarting = 10019;
inline constexpr int32_t kOpNotFound = 10404;
inline constexpr int32_t kRepeatAuth = 20001;
inline constexpr int32_t kDuplicateReqId = 20006;
inline constexpr int32_t kOrderNotExists = 110001;
inline constexpr int32_t kPriceOutOfRange = 110003;
inline constexpr int32_t kOrderFinished = 110008;
inline constexpr int32_t kReduceOnlyRule = 110017;
inline constexpr int32_t kTooManyOrders = 110020;
inline constexpr int32_t kLeverageNotModified = 110043;
inline constexpr int32_t kDuplicateLinkId = 110072;
inline constexpr int32_t kOrderProcessing = 110079;
inline constexpr int32_t kBelowMinNotional = 110094;
inline constexpr int32_t kSpotPriceDecimals = 170134;
inline constexpr int32_t kSpotQtyUpper = 170135;
inline constexpr int32_t kSpotQtyLower = 170136;
inline constexpr int32_t kSpotQtyDecimals = 170137;
inline constexpr int32_t kSpotValueLower = 170140;
inline constexpr int32_t kSpotDuplicateLinkId = 170141;
inline constexpr int32_t kSpotOrderNotExists = 170213;

// The fixed message of a code (codes whose message carries values build it themselves).
std::string_view default_message(int32_t code) noexcept;

// An answer code with its message (static text, or text built in ExchangeCore::msg_).
struct Verdict {
  int32_t code = kOk;
  std::string_view msg = "OK";
  [[nodiscard]] bool ok() const noexcept { return code == kOk; }
};

// ---- rate limits
// One window per endpoint, as Bybit limits them (the order actions per action class; each query endpoint on
// its own).
enum class RateClass : uint8_t {
  kCreate = 0,
  kAmend,
  kCancel,
  kCancelAll,
  kCreateBatch,
  kAmendBatch,
  kCancelBatch,
  kQueryRealtime,
  kQueryHistory,
  kQueryExecutions,
  kQueryPositions,
  kQueryWallet,
  kQueryFeeRate,
  kQueryApi,
  kTradingStop,
  kSetLeverage,
  kDcp,
  kCount,
};
inline constexpr size_t kRateClassCount = static_cast<size_t>(RateClass::kCount);

struct RateState {
  int32_t limit = 0;
  int32_t remaining = 0;  // after this request
  int64_t reset_ms = 0;   // X-Bapi-Limit-Reset-Timestamp
  bool over = false;      // the request (or its first refused item) was over the limit
};

// ---- accounts
struct Coin {
  std::string name;
  Money wallet;  // wallet balance
};

struct PositionSlot {
  std::unique_ptr<Position> pos;  // null: never traded
  std::string leverage = "10";
  std::string take_profit = "", stop_loss = "", trailing_stop = "";
  int64_t created_ms = 0, updated_ms = 0;
  int64_t seq = -1;
};

enum Product : uint8_t { kProductDerivatives = 0, kProductSpot, kProductOptions, kProductCount };

struct DcpState {
  int64_t window_ns = 10'000'000'000;
  uint32_t live = 0;          // open private connections with this product's dcp topic subscribed
  bool armed = false;         // a connection subscribed since the last trigger
  int64_t dead_since_ns = 0;  // when `live` dropped to 0 (armed only)
};

struct Account {
  uint64_t uid = 0;
  std::vector<Coin> coins;
  // One window per (UID, class, spot or not): sim/rate_window.h, the backtest's SimVenue counts the same.
  std::array<std::array<RateWindow, kRateClassCount>, 2> rate{};  // [spot?][class]
  std::vector<PositionSlot> positions;                            // by InstrumentId (sized to the registry)
  std::array<DcpState, kProductCount> dcp{};
  std::vector<ConnId> private_conns;  // authenticated private connections
  bool wallet_dirty = false;
  uint32_t live_reduce_only = 0;  // live reduce-only orders (enforce_reduce_only scans only when > 0)
};

struct ApiKey {
  std::unique_ptr<Signer> signer;
  std::string api_key;
  uint32_t account = 0;
  uint32_t permissions = 0;
  bool read_only = false;
  std::vector<std::string> ips;
};

// ---- orders
enum class OrdStatus : uint8_t {
  kPending = 0,
  kNew,
  kPartiallyFilled,
  kFilled,
  kCancelled,
  kPartiallyFilledCanceled,
  kRejected
};
std::string_view to_string(OrdStatus s) noexcept;

struct OrderRec {
  uint64_t seq = 0;  // 0: empty slot
  uint32_t account = 0;
  InstrumentId inst = kNoInstrument;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool reduce_only = false;
  bool close_on_trigger = false;
  bool in_engine = false;  // resting in the fill engine
  OrdStatus status = OrdStatus::kPending;
  Price price;              // limit price (market: 0)
  Qty qty;                  // total
  Qty cum;                  // filled
  int64_t forced_lots = 0;  // filled by the fill_partially fault (the engine's qty is qty - forced_lots)
  Int128 cum_ticklots = 0;  // sum of price * qty of the fills (average price)
  Money cum_value, cum_fee;
  std::string_view cancel_type = "UNKNOWN";
  std::string_view reject_reason = "EC_NoError";
  int64_t created_ms = 0, updated_ms = 0;
  OrderLinkId link;

  [[nodiscard]] bool live() const noexcept {
    return status == OrdStatus::kPending || status == OrdStatus::kNew ||
           status == OrdStatus::kPartiallyFilled;
  }
};

struct ExecRec {
  uint64_t seq = 0;
  uint64_t order_seq = 0;
  uint32_t account = 0;
  InstrumentId inst = kNoInstrument;
  Side side = Side::kBuy;
  OrderType order_type = OrderType::kLimit;
  bool maker = false;
  Price price, order_price;
  Qty qty, order_qty, leaves;
  Money fee, value;
  int64_t fee_rate = 0;
  int64_t time_ms = 0;
  Price mark;
  OrderLinkId link;
};

// Work the matching engine does after the matching latency (or once filling resumes).
enum class ActionKind : uint8_t { kSubmit = 0, kAmend, kCancel };
struct PendingAction {
  int64_t due_ns = 0;
  ActionKind kind = ActionKind::kSubmit;
  uint64_t seq = 0;
  std::optional<Price> price;
  std::optional<Qty> qty;
  std::string_view cancel_type = "CancelByUser";
};

struct Market {
  std::unique_ptr<FillEngine> engine;
  std::unique_ptr<OrderBook> shadow;  // the market while filling is stopped (see set_filling)
  Price last_trade;
  uint32_t pending_creates = 0;
};

// ---- connections
enum Stream : uint8_t { kStreamOrder = 0, kStreamExecution, kStreamPosition, kStreamWallet, kStreamCount };
inline constexpr uint8_t kSubAll = 0x80;   // Conn::subs: the all-in-one topic ("order")
inline constexpr uint8_t kSubFast = 0x40;  // Conn::subs: execution.fast

struct Conn {
  WsChannel channel = WsChannel::kPrivate;
  std::string id_text;  // "connId" / "conn_id"
  std::string peer_ip;
  int32_t key = -1;  // authenticated key index, -1: not authenticated
  // Subscriptions per stream: kSubAll, kSubFast, and bits 0..3 = categories ("order.linear").
  std::array<uint8_t, kStreamCount> subs{};
  uint8_t dcp = 0;                      // bit per Product subscribed through dcp.* (or "dcp": all)
  std::array<uint64_t, 256> req_ids{};  // hashes of recent trade reqIds (20006), ring
  uint32_t req_id_next = 0;
};

// ---- the exchange
struct ExchangeCore final : private FillSink {
  ExchangeCore(const ExchangeConfig& config, const InstrumentRegistry& instruments, WsOutput& out);
  ~ExchangeCore();

  // market
  void on_book(const BookUpdate& u, int64_t now_ns);
  void on_trade(const TradeEvent& t, int64_t now_ns);

  // REST (exchange_rest.cpp)
  [[nodiscard]] bool handles_rest(std::string_view path) const;
  void on_rest(const RestRequest& r, int64_t now_ns, RestReply& rep);
  struct RestRoute;
  // The handler of one GET/POST route after auth, permission, faults and rate limit: writes `result` and
  // `ext` objects (JSON text) or returns an error.
  Verdict rest_handle(const RestRoute& route, const ApiKey& key, const RestRequest& r, int64_t now_ns,
                      RateState& rate, std::string& result, std::string& ext);
  Verdict rest_query(const RestRoute& route, const ApiKey& key, const RequestFields& f, std::string& result);
  Verdict rest_setting(const RestRoute& route, const ApiKey& key, const RequestFields& f, int64_t now_ns,
                       std::string& result);

  // WebSockets (exchange_ws.cpp)
  void on_ws_open(ConnId conn, WsChannel channel, std::string_view peer_ip, int64_t now_ns);
  void on_ws_text(ConnId conn, std::string_view text, int64_t now_ns);
  void on_ws_close(ConnId conn, int64_t now_ns);
  void on_private_text(ConnId id, Conn& c, std::string_view text, int64_t now_ns);
  void on_trade_text(ConnId id, Conn& c, std::string_view text, int64_t now_ns);

  // timers, DCP, faults (exchange_core.cpp)
  void on_timer(int64_t now_ns);
  [[nodiscard]] int64_t next_deadline_ns() const;
  void check_dcp(int64_t now_ns);
  std::string fill_partially(std::string_view order, std::string_view qty, int64_t now_ns);
  void set_filling(bool on, int64_t now_ns);
  void restart_matching(int64_t duration_ns, int64_t now_ns);
  std::string reorder_order(std::string_view order, int64_t now_ns);
  // The order message of `slot` (in data_) out now, unless the reorder fault holds it (then after the next,
  // or after the order's final message for reorder_order("")).
  void push_order(uint32_t slot, int64_t now_ns);
  void release_reorder(int64_t now_ns);
  // When the held messages go out without a follower (kReorderHoldNs, kReorderFinalHoldNs after the first).
  [[nodiscard]] int64_t reorder_deadline_ns() const noexcept;
  [[nodiscard]] ExchangeStats stats() const;

  // ---- auth and limits (exchange_core.cpp)
  // Finds a key. -1 when unknown.
  [[nodiscard]] int32_t find_key(std::string_view api_key) const noexcept;
  // The REST signature and recv-window checks (10003, 10002, 10004, 10010). Sets key_out on success.
  Verdict check_rest_auth(const RestRequest& r, int64_t now_ns, int32_t& key_out);
  // The recv-window rule for a timestamp/recv_window pair as sent (strings; "" window = 5000).
  Verdict check_recv_window(std::string_view timestamp, std::string_view recv_window, int64_t now_ns);
  // Takes `n` requests from the account's window of class c (batch: items). `granted` receives how many
  // fit (n when all did). Fills `state` for the headers.
  void take_rate(uint32_t account, RateClass c, bool spot, int32_t n, int64_t now_ns, int32_t& granted,
                 RateState& state);
  [[nodiscard]] int32_t rate_limit_of(RateClass c, bool spot) const noexcept;
  // An injected fault for this request, if any (fail_next, restart): consumes one count.
  [[nodiscard]] std::optional<Verdict> injected(bool trade_ws, int64_t now_ns);

  // ---- order operations shared by REST and the trade WebSocket (exchange_rest.cpp)
  // 10005 unless the key may trade the category (read-only keys may not trade at all).
  [[nodiscard]] Verdict check_trade_permission(const ApiKey& key, std::string_view category) const;
  // One create/amend/cancel: writes its result object ({"orderId","orderLinkId"}, or {} on error) to res and
  // counts it. Rate limits and faults are the caller's.
  Verdict order_op(ActionKind kind, uint32_t account, const RequestFields& f, int64_t now_ns, JsonOut& res);
  // A batch {"category":..,"request":[..]}: each item is rate-limited (10006 past the limit), validated and
  // applied on its own; result items go to res_list, {"code","msg"} items to ext_list (array contents).
  // Returns a whole-request error (bad JSON, too many items, no permission) or OK.
  Verdict batch_op(ActionKind kind, const ApiKey& key, simdjson::ondemand::object& obj, int64_t now_ns,
                   JsonOut& res_list, JsonOut& ext_list, RateState& rate);
  [[nodiscard]] static RateClass rate_class_of(ActionKind kind, bool batch) noexcept;

  // ---- orders (exchange_orders.cpp). `f` holds the request's fields; category is f's (batch items get
  // theirs from the batch).
  Verdict create_order(uint32_t account, const RequestFields& f, int64_t now_ns, uint64_t& seq_out);
  Verdict amend_order(uint32_t account, const RequestFields& f, int64_t now_ns, uint64_t& seq_out);
  Verdict cancel_order(uint32_t account, const RequestFields& f, int64_t now_ns, uint64_t& seq_out);
  // Cancels the account's live orders matching category/symbol/baseCoin/settleCoin; their seqs go to out.
  Verdict cancel_all(uint32_t account, const RequestFields& f, int64_t now_ns, std::vector<uint64_t>& out);
  // Finds the order named by orderId or orderLinkId in f (slot index or FlatIndex::kMissing).
  [[nodiscard]] uint32_t find_order(uint32_t account, const RequestFields& f) const noexcept;
  [[nodiscard]] uint32_t find_order_text(uint32_t account, std::string_view id) const noexcept;
  // Schedules (latency) or performs an engine action.
  void schedule(PendingAction a, int64_t now_ns);
  void perform(const PendingAction& a, int64_t now_ns);
  void run_due(int64_t now_ns);
  // Ends a live order (Cancelled / PartiallyFilledCanceled) and pushes it.
  void finish_cancelled(OrderRec& o, std::string_view cancel_type, std::string_view reject_reason,
                        int64_t now_ns);
  void on_fill(const EngineFill& fill) noexcept override;
  void apply_fill(OrderRec& o, Price price, Qty qty, bool maker, int64_t now_ns);
  void flush(int64_t now_ns);  // pushes dirty orders, positions, wallets
  // After a position change: cancels the account's reduce-only orders on the instrument that would no longer
  // reduce it (CancelByReduceOnly) and cuts those larger than the position to its size.
  void enforce_reduce_only(uint32_t account, InstrumentId id, int64_t now_ns);
  Market& market(InstrumentId id);
  OrderRec& new_order_slot(uint32_t& slot_out);
  // Slots of the order ring ever used (scans stop there: a short run does not walk the whole ring).
  [[nodiscard]] uint32_t used_order_slots() const noexcept {
    return order_seq_ < cfg_.order_history ? static_cast<uint32_t>(order_seq_) : cfg_.order_history;
  }
  [[nodiscard]] uint64_t link_key(uint32_t account, std::string_view link) const noexcept;
  [[nodiscard]] Price reference_price(InstrumentId id) const noexcept;
  PositionSlot& position_slot(uint32_t account, InstrumentId id);
  [[nodiscard]] std::string_view settle_coin(const Instrument& in) const noexcept;
  void credit(uint32_t account, std::string_view coin, Money delta);
  [[nodiscard]] int64_t fee_rate(const Instrument& in, bool maker) const noexcept;
  void cancel_all_by(uint32_t account, std::optional<Product> product, std::string_view cancel_type,
                     int64_t now_ns);

  // ---- rendering (exchange_render.cpp)
  void render_order(JsonOut& j, const OrderRec& o) const;
  void render_execution(JsonOut& j, const ExecRec& e) const;
  void render_position(JsonOut& j, uint32_t account, InstrumentId id) const;
  void render_wallet(JsonOut& j, uint32_t account, std::string_view coin_filter) const;
  void trace_id(char* out) noexcept;                             // 32 hex chars, unique per answer (Traceid)
  void format_order_id(uint64_t seq, char* out) const noexcept;  // 36 chars
  void format_exec_id(uint64_t seq, char* out) const noexcept;   // 36 chars
  [[nodiscard]] uint64_t parse_order_id(std::string_view s) const noexcept;  // 0 when not ours
  // Pushes `data` (a JSON array's contents) as one message of `stream` to the account's subscribers of the
  // instrument's category.
  void push(uint32_t account, Stream stream, Category cat, std::string_view data, int64_t now_ns);
  void send(ConnId id, std::string_view text) { out_.send_text(id, text); }
  void count_request(std::string_view name);
  void count_reject(int32_t code);

  // ---- state
  ExchangeConfig cfg_;
  const InstrumentRegistry& reg_;
  WsOutput& out_;
  std::vector<ApiKey> keys_;
  std::vector<Account> accounts_;
  std::vector<Market> markets_;         // by InstrumentId
  std::unique_ptr<OrderRec[]> orders_;  // ring of cfg_.order_history slots
  uint32_t order_next_ = 0;
  FlatIndex order_by_seq_;
  FlatIndex order_by_link_;
  uint64_t order_seq_ = 0;
  std::unique_ptr<ExecRec[]> execs_;  // ring of cfg_.execution_history
  uint64_t exec_seq_ = 0;
  // FIFO ring of engine work (one WebSocket's worth of ordering: actions take effect in arrival order).
  std::vector<PendingAction> pending_;
  size_t pending_head_ = 0;
  size_t pending_count_ = 0;
  std::unordered_map<ConnId, Conn> conns_;
  bool filling_ = true;
  int64_t restart_until_ns_ = 0;
  int32_t fail_code_ = 0;
  uint32_t fail_left_ = 0;
  // Private-stream faults (SimExchange::cross_post_only, duplicate_executions, reorder_order).
  uint32_t cross_post_only_left_ = 0;
  uint32_t duplicate_exec_left_ = 0;
  uint32_t reorder_slot_ = UINT32_MAX;  // the order whose next message is held (UINT32_MAX: none)
  bool reorder_next_created_ = false;   // reorder_order(""): reorder_slot_ is the next order created
  bool reorder_until_final_ = false;    // reorder_slot_'s messages are held until its final one
  bool reorder_holding_ = false;        // reorder_held_ holds messages of reorder_slot_
  int64_t reorder_since_ns_ = 0;
  uint32_t reorder_account_ = 0;
  Category reorder_cat_ = Category::kLinear;
  struct HeldOrderMessage {
    bool is_new = false;  // orderStatus New (a create's or an amend's message)
    std::string data;
  };
  std::vector<HeldOrderMessage> reorder_held_;  // oldest first
  uint32_t salt_ = 0;
  uint64_t msg_seq_ = 0;
  uint64_t trace_seq_ = 0;
  int64_t fill_now_ns_ = 0;
  bool op_counted_ = false;  // the request's refusal was already counted by order_op / cancel-all  // the
                             // time of the engine call in progress (for on_fill)

  // dirty sets flushed after each engine call
  std::vector<uint32_t> dirty_orders_;
  std::vector<std::pair<uint32_t, InstrumentId>> dirty_positions_;
  std::vector<uint32_t> dirty_wallets_;

  // counters
  // Counters; rejects_by_code and requests are small lists scanned linearly (a few dozen names and codes),
  // so counting a known name or code never allocates.
  ExchangeStats counters_;

  // scratch (capacity reused)
  std::unique_ptr<simdjson::ondemand::parser> parser_;
  std::string padded_;
  std::string query_scratch_;
  std::string msg_;       // message texts with values (10002, 110094)
  std::string buf_;       // message under construction
  std::string data_;      // data part of a push
  std::string push_buf_;  // a push message
  std::string tmp_;
  std::string result_, ext_;  // REST result / retExtInfo under construction
  RequestFields fields_;
  std::vector<uint64_t> seqs_;
};

}  // namespace mm::simx
