#pragma once
// Bybit V5 REST for the cold control thread: market metadata, server time (clock offset), the account state
// reconciliation reads (open orders, executions, positions, wallet), the account settings calls
// (cancel-all, trading-stop, set-leverage, DCP window), the key's permissions (query-api), and order entry
// while the trade WebSocket is down.
//
// Signing: every private request is written whole by net/rest_encoder.h (encode_http_get / encode_http_post)
// and sent byte for byte by HttpClient, so the bytes signed are the bytes sent. The timestamp is the local
// wall clock plus the tracked server offset. A 10002 (timestamp outside the recv window) answer makes the
// client re-measure the offset and send the request once more with a fresh timestamp; the recv window itself
// is never widened.
//
// Rate limits: the X-Bapi-Limit / -Status / -Reset-Timestamp headers of every answer go into the RateLimiter
// bucket of the request's class (when a limiter is given).
//
// Answers are parsed with simdjson On-Demand; list items of orders, executions, positions and the wallet are
// converted by the same code as the private WebSocket topics (BybitCodec), because Bybit sends the same item
// shapes on both (the REST items lack only `category`, which the request named).
//
// Threading: one thread; calls block for at most the HTTP timeout each (a paginated read: per page).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "core/private_events.h"
#include "core/rate_limiter.h"
#include "net/http_client.h"
#include "net/signer.h"

namespace mm {

enum class RestStatus : uint8_t {
  kOk = 0,
  kTransport,   // HttpClient failed: see http (kNoAnswer/kTimeout after sending: outcome unknown)
  kHttpStatus,  // a non-2xx status (403 IP limit, 429, 5xx, ...): see http_status
  kBadAnswer,   // the body is not a Bybit envelope, or its result lacks what the call needs
  kRetCode,     // the envelope's retCode != 0: see ret_code / ret_msg
  kNotSigned,   // a private call without a ready Signer
  kBadRequest,  // the request could not be encoded (EncodeError in detail), nothing was sent
};
std::string_view to_string(RestStatus s) noexcept;

// The rate-limit headers of an answer (0 when absent).
struct RateHeaders {
  int32_t limit = 0;
  int32_t status = 0;
  int64_t reset_ms = 0;
};

struct RestResult {
  RestStatus status = RestStatus::kOk;
  HttpError http = HttpError::kOk;
  int http_status = 0;
  int32_t ret_code = 0;
  std::string ret_msg;
  std::string detail;  // words for logs (never the key, secret or signature)
  RateHeaders limits;
  bool sent = false;  // the request reached the wire (false: surely not acted on)
  std::string body;   // the raw answer
  bool ok() const noexcept { return status == RestStatus::kOk; }
};

struct RestClientConfig {
  HttpClientConfig http;          // endpoint (https://api.bybit.com, or the simulator), TLS, timeout
  int64_t recv_window_ms = 5000;  // X-BAPI-RECV-WINDOW; never changed by the client
};

// Server time minus local wall time, measured from GET /v5/market/time (midpoint of the round trip).
struct ClockOffset {
  bool synced = false;
  int64_t offset_ms = 0;
  int64_t rtt_ms = 0;
  uint32_t resyncs = 0;  // measurements after the first (10002 answers trigger one each)
};

// What the key may do (GET /v5/user/query-api).
struct ApiKeyInfo {
  bool read_only = false;
  std::vector<std::string> ips;          // "*" or empty: no IP whitelist
  std::vector<std::string> permissions;  // "Group:Name", e.g. "Wallet:AccountTransfer", "ContractTrade:Order"
};

enum class ApiKeyVerdict : uint8_t {
  kAccept = 0,
  kWarnNoIpWhitelist,  // usable, but anyone holding the key can use it from anywhere: warn the operator
  kRefuse,             // the key can move funds out (Withdraw or any transfer permission): do not start
};
std::string_view to_string(ApiKeyVerdict v) noexcept;

// Refuses a key with any permission whose name contains "Withdraw" or "Transfer" (Wallet:Withdraw,
// Wallet:AccountTransfer, Wallet:SubMemberTransfer, ...), and warns when there is no IP whitelist.
// `why` names the offending permission (or the missing whitelist).
ApiKeyVerdict check_api_key(const ApiKeyInfo& key, std::string& why);

enum class DcpProduct : uint8_t { kDerivatives = 0, kSpot, kOptions };

class RestClient {
 public:
  // `signer` (nullable: public calls only) and `limiter` (nullable) must outlive the client. `wall_ns` is the
  // injected wall clock (ns since the epoch).
  RestClient(RestClientConfig cfg, const Signer* signer, RateLimiter* limiter,
             std::function<int64_t()> wall_ns);
  ~RestClient();
  // Replaces the limiter (nullptr: none). The RateLimiter is single-threaded: before the client moves to a
  // thread other than the limiter's owner, take it away here and hand the answers' limits
  // (RestResult::limits) to the owner instead.
  void set_limiter(RateLimiter* limiter) noexcept { limiter_ = limiter; }
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // GET /v5/market/time: measures the offset. Errors: kTransport, kHttpStatus, kBadAnswer, kRetCode.
  RestResult sync_time();
  const ClockOffset& clock() const noexcept { return clock_; }
  // Local wall time plus the offset: the X-BAPI-TIMESTAMP of the next request.
  int64_t exchange_time_ms() const;

  // GET /v5/market/instruments-info?category=..[&symbol=..]&limit=1000, following nextPageCursor; loads into
  // `registry` (net/instruments_json.h). `loaded` counts entries added. Errors: those of a GET, kBadAnswer
  // (load_instruments_json refused the page; detail says why).
  RestResult instruments(Category c, std::string_view symbol, InstrumentRegistry& registry, size_t& loaded);

  // GET /v5/order/realtime: open orders of a category, narrowed by symbol (or settleCoin) and/or
  // orderLinkId; all pages. Items of symbols not in `registry` are skipped. Errors: those of a signed GET,
  // kBadAnswer (an item that does not convert).
  // `open_only` is Bybit's openOnly: 0 (sent as no parameter, Bybit's default) lists open orders only; 1
  // (UTA) lists the account's recent closed ones (the last 500 per category: Filled, Cancelled, Rejected;
  // cleared by a Bybit restart), which is how an order whose outcome was not seen is settled after it closed.
  RestResult open_orders(const InstrumentRegistry& registry, Category c, std::string_view symbol,
                         std::string_view settle_coin, std::string_view order_link_id,
                         std::vector<OrderUpdate>& out, int open_only = 0);
  // GET /v5/execution/list (one page of up to 100, newest first, from start_time_ms when > 0).
  RestResult executions(const InstrumentRegistry& registry, Category c, std::string_view symbol,
                        int64_t start_time_ms, std::vector<Execution>& out);
  // GET /v5/position/list (all pages).
  RestResult positions(const InstrumentRegistry& registry, Category c, std::string_view symbol,
                       std::string_view settle_coin, std::vector<PositionUpdate>& out);
  // GET /v5/account/wallet-balance?accountType=UNIFIED (or the given type): one WalletUpdate per account,
  // `coins` holding every coin (WalletUpdate::coins points into it).
  RestResult wallet(const InstrumentRegistry& registry, std::string_view account_type,
                    std::vector<WalletUpdate>& out, std::vector<CoinBalance>& coins);

  // POST /v5/order/cancel-all (net/rest_encoder.h's body). Errors: those of a signed POST, kBadRequest.
  RestResult cancel_all(const InstrumentRegistry& registry, const CancelAll& a);
  // POST /v5/position/trading-stop.
  RestResult trading_stop(const Instrument& in, const TradingStop& a);
  // POST /v5/position/set-leverage {"category","symbol","buyLeverage","sellLeverage"} (decimal strings,
  // e.g. "5" or "2.5"). retCode 110043 (leverage not modified) counts as success. kBadRequest when a
  // leverage is not a plain decimal.
  RestResult set_leverage(const Instrument& in, std::string_view buy_leverage,
                          std::string_view sell_leverage);
  // POST /v5/order/disconnected-cancel-all {"product","timeWindow"}; time_window_s in [3, 300] (kBadRequest
  // otherwise).
  RestResult set_dcp_window(DcpProduct product, int time_window_s);
  // GET /v5/user/query-api.
  RestResult query_api(ApiKeyInfo& out);

  // Order entry fallback: POST /v5/order/create|amend|cancel with net/rest_encoder.h's bodies. The answer's
  // orderId is in `order_id` (create). A kTransport result with sent == true is of unknown outcome.
  RestResult create(const Instrument& in, const OrderCreate& a, std::string& order_id);
  RestResult amend(const Instrument& in, const OrderAmend& a);
  RestResult cancel(const Instrument& in, const OrderCancel& a);

  // Any signed call (for endpoints without a helper). `query` without '?'.
  RestResult signed_get(std::string_view path, std::string_view query, RateClass rc);
  RestResult signed_post(std::string_view path, std::string_view body, RateClass rc);
  RestResult public_get(std::string_view path, std::string_view query);

  HttpClient& http() noexcept { return http_; }

 private:
  RestResult send(std::string_view method, std::string_view path, std::string_view query_or_body, bool sign,
                  RateClass rc);
  RestResult send_once(std::string_view method, std::string_view path, std::string_view query_or_body,
                       bool sign, RateClass rc);

  RestClientConfig cfg_;
  const Signer* signer_;
  RateLimiter* limiter_;
  std::function<int64_t()> wall_ns_;
  HttpClient http_;
  ClockOffset clock_;
  std::vector<char> request_buf_;
};

}  // namespace mm
