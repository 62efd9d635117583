#pragma once
// Settings of the simulated exchange (SimExchange, sim/exchange/sim_exchange.h): its API keys and accounts,
// the fill engine and fees, rate limits, the matching latency and DCP. The server (`mm sim`, sim/server/)
// builds one from its command line (`--keys FILE`, `--seed N`, `--config FILE`) and passes it to the
// constructor.
//
// The keys file (`--keys FILE`, TOML):
//
//   [[key]]
//   api_key = "my-key"                 # required, [A-Za-z0-9_-], at most 64 chars, unique
//   secret = "my-secret"               # required, not empty
//   uid = 1001                         # optional: keys with one uid share one account (default 1000 + index)
//   permissions = ["ContractTrade", "Spot", "Wallet"]   # optional, default: ContractTrade, Spot, Wallet
//   read_only = false                  # optional: a read-only key can query but not trade (10005)
//   ip_whitelist = ["127.0.0.1"]       # optional: requests from other addresses get 10010 (default: any)
//   [key.balances]                     # optional, per coin, decimal strings or integers (default USDT
//   100000) USDT = "100000" BTC = "1.5"
//
// Permission names (Bybit's query-api groups): ContractTrade (linear and inverse orders and positions), Spot
// (spot orders), Options (option orders), Wallet, Withdraw, Derivatives, Exchange. Unknown names are errors.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/money.h"
#include "core/order_book.h"
#include "sim/queue_model.h"

namespace mm::simx {

// The built-in test key pair (used when no keys file is given).
inline constexpr std::string_view kTestApiKey = "mmsim-test-key";
inline constexpr std::string_view kTestApiSecret = "mmsim-test-secret";
inline constexpr uint64_t kTestUid = 1000;

// Permission bits (KeyConfig::permissions).
enum Permission : uint32_t {
  kPermContractTrade = 1u << 0,
  kPermSpot = 1u << 1,
  kPermOptions = 1u << 2,
  kPermWallet = 1u << 3,
  kPermWithdraw = 1u << 4,
  kPermDerivatives = 1u << 5,
  kPermExchange = 1u << 6,
};
inline constexpr uint32_t kDefaultPermissions = kPermContractTrade | kPermSpot | kPermWallet;

// Parses one Bybit permission group name ("ContractTrade", ...). Returns 0 for an unknown name.
uint32_t parse_permission(std::string_view name) noexcept;

struct CoinBalance {
  std::string coin;  // "USDT"
  Money amount;      // at 1e-8
};

struct KeyConfig {
  std::string api_key;
  std::string secret;
  uint64_t uid = kTestUid;
  uint32_t permissions = kDefaultPermissions;
  bool read_only = false;
  std::vector<std::string> ip_whitelist;  // empty: any address
  std::vector<CoinBalance> balances;      // the account's opening balances (first key of a uid wins)
};

struct ExchangeConfig {
  std::vector<KeyConfig> keys;  // empty: the built-in test key (see default_keys())

  // Fill engine: queue-position model and capacities (sim/fill_engine.h).
  QueueModelConfig queue;
  uint32_t max_orders_per_symbol = 500;  // Bybit's open-order limit per symbol (110020 beyond)
  uint32_t book_window_ticks = OrderBook::kDefaultWindowTicks;  // fill engine book window (power of two)

  // Fees at kRateScale (1e-10), signed (negative: rebate). Bybit VIP0: linear 0.02 % / 0.055 %, spot 0.1 %.
  int64_t maker_fee_rate = 2'000'000;
  int64_t taker_fee_rate = 5'500'000;
  int64_t spot_maker_fee_rate = 10'000'000;
  int64_t spot_taker_fee_rate = 10'000'000;

  // Request -> matching engine latency in ns (0: the engine acts inside the request's call, after its answer
  // is written). With a latency, effects happen in on_timer at arrival + latency.
  int64_t matching_latency_ns = 0;

  // Price band: a limit buy above reference * (1 + band) or sell below reference * (1 - band) is refused
  // (110003); reference = the engine's mid (last trade when one side is empty). In basis points; 0: off.
  int64_t price_band_bps = 1000;

  // Per-UID limits per second (Bybit's default table, linear/inverse; spot doubles create and cancel). Each
  // endpoint has a window of its own: create-, amend- and cancel-batch count their items in their own
  // windows, at the limit of the single endpoint (spot: doubled), so `[backtest]`'s create/amend/cancel
  // limits set both (SimVenue models the same windows).
  int32_t create_per_second = 10;
  int32_t amend_per_second = 10;
  int32_t cancel_per_second = 10;
  int32_t cancel_all_per_second = 10;
  int32_t query_per_second = 50;    // order/realtime, order/history, execution/list, position/list, wallet
  int32_t setting_per_second = 10;  // trading-stop, set-leverage
  int32_t dcp_per_second = 5;       // disconnected-cancel-all
  uint32_t max_batch_items = 20;    // linear/inverse/option batch size (spot: 10)

  int64_t dcp_default_window_s = 10;  // DCP window before /v5/order/disconnected-cancel-all sets one

  // History kept for queries and link-id uniqueness: the newest orders and executions (the oldest finished
  // ones are forgotten first; live orders are never forgotten).
  uint32_t order_history = 1u << 16;
  uint32_t execution_history = 1u << 16;

  uint64_t seed = 1;  // salts orderId / execId so two runs with different seeds never share ids

  // "" when valid, else a message naming the first bad field (e.g. "exchange.max_orders_per_symbol ...").
  [[nodiscard]] std::string validate() const;
};

// The built-in key: kTestApiKey / kTestApiSecret, uid kTestUid, ContractTrade + Spot + Wallet, 100,000 USDT.
std::vector<KeyConfig> default_keys();

// Reads a keys file (format above). Throws std::runtime_error naming the file, the line where known and the
// key: "keys.toml:7: key[1].permissions: unknown permission 'Trade'", a duplicate api_key, a missing secret,
// a bad balance ("keys.toml: key[0].balances.USDT: not a decimal: 'abc'"), or a TOML syntax error.
std::vector<KeyConfig> load_keys_file(const std::string& path);
// The same from text already read (`origin` names it in messages).
std::vector<KeyConfig> parse_keys_toml(std::string_view text, std::string_view origin);

}  // namespace mm::simx
