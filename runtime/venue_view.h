#pragma once
// A REST view of one account on a venue (the simulator, in tests and the fault matrix): its open orders of
// ours, its executions, its order history and its position, read with the account's own key. What the
// fault matrix and the kill -9 test compare mm's view with. Cold path; every call is one or more blocking
// signed REST requests (5 s timeout each).
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/instrument_registry.h"
#include "core/money.h"
#include "core/private_events.h"
#include "net/rest_client.h"
#include "net/signer.h"

namespace mm {

// One execution of the account as the venue lists it (GET /v5/execution/list).
struct VenueExecution {
  std::string exec_id;
  int64_t time_ms = 0;  // execTime, the venue's clock
  Side side = Side::kBuy;
  Price price;
  Qty qty;
  Money fee;  // execFee, signed (negative: a rebate)
};

class VenueView {
 public:
  // Connects to `rest_url` (http:// or https://) with the key, syncs the clock and loads the instrument.
  // `link_prefix` is mm's orderLinkId prefix: "ours" means `<prefix>-...`. Returns "" or what failed (bad
  // URL, key refused by the signer, venue not answering, symbol not listed).
  [[nodiscard]] std::string open(const std::string& rest_url, std::string_view key, std::string_view secret,
                                 Category category, const std::string& symbol,
                                 const std::string& link_prefix);

  // Each returns false and says why in `why` when the venue did not answer (or answered an error).
  [[nodiscard]] bool open_orders(std::vector<OrderUpdate>& ours, std::string& why);      // our link ids only
  [[nodiscard]] bool position_lots(int64_t& lots, std::string& why);                     // signed, in lots
  [[nodiscard]] bool exec_ids(std::set<std::string>& out, std::string& why);             // every execId
  [[nodiscard]] bool history_link_ids(std::vector<std::string>& out, std::string& why);  // newest first
  // Orders of ours in the order history cancelled with rejectReason EC_PostOnlyWillTakeLiquidity.
  [[nodiscard]] bool post_only_cancels(uint64_t& count, std::string& why);
  // The createdTime (ms) of the oldest order of ours in the order history (0 when there is none): when
  // mm's first order reached the venue.
  [[nodiscard]] bool first_order_ms(int64_t& ms, std::string& why);
  // Every execution of the instrument, oldest first. Also false when a record does not parse (named).
  [[nodiscard]] bool executions(std::vector<VenueExecution>& out, std::string& why);

  // POST /v5/order/cancel of order `link` (an orderLinkId), as another session of the same account (the web
  // page, a second bot) would: mm learns of it only from its private stream. False (why) when the venue
  // refused (e.g. the order is no longer open) or did not answer.
  [[nodiscard]] bool cancel(std::string_view link, std::string& why);

  // `lots` of the instrument as the decimal quantity string the venue takes and prints.
  [[nodiscard]] std::string format_lots(int64_t lots) const;
  [[nodiscard]] bool is_ours(std::string_view link) const noexcept;

 private:
  // Every string value of `key` over all pages of a signed GET with a cursor.
  bool paged_values(const std::string& path, int limit, std::string_view key, std::vector<std::string>& out,
                    std::string& why);
  // The same for several keys at once, read from the same pages: columns[k] holds the values of keys[k].
  bool paged_columns(const std::string& path, int limit, const std::vector<std::string_view>& keys,
                     std::vector<std::vector<std::string>>& columns, std::string& why);

  Category category_ = Category::kLinear;
  std::string symbol_, prefix_;
  Signer signer_;
  InstrumentRegistry registry_;
  InstrumentId id_ = kNoInstrument;
  std::unique_ptr<RestClient> rest_;
};

// Every string value of `"key":"..."` in a compact JSON answer of the venue (ids and link ids carry no
// escapes), in order.
void json_string_values(std::string_view body, std::string_view key, std::vector<std::string>& out);

}  // namespace mm
