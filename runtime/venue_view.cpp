#include "runtime/venue_view.h"

#include <cstdlib>

#include "core/clock.h"
#include "core/decimal.h"
#include "core/instrument.h"
#include "net/endpoint.h"

namespace mm {

void json_string_values(std::string_view body, std::string_view key, std::vector<std::string>& out) {
  std::string pattern = "\"" + std::string(key) + "\":\"";
  for (size_t at = body.find(pattern); at != std::string_view::npos; at = body.find(pattern, at)) {
    at += pattern.size();
    const size_t end = body.find('"', at);
    if (end == std::string_view::npos) return;
    out.emplace_back(body.substr(at, end - at));
    at = end;
  }
}

std::string VenueView::open(const std::string& rest_url, std::string_view key, std::string_view secret,
                            Category category, const std::string& symbol, const std::string& link_prefix) {
  category_ = category;
  symbol_ = symbol;
  prefix_ = link_prefix;
  if (signer_.init(key, secret) != SignerError::kOk) return "the signer refused the key";
  RestClientConfig rc;
  if (parse_url(rest_url, rc.http.endpoint) != UrlError::kOk) return "venue URL: " + rest_url;
  rc.http.timeout_ms = 5000;
  rest_ = std::make_unique<RestClient>(rc, &signer_, nullptr, [] { return WallClock{}.now_ns(); });
  if (!rest_->sync_time().ok()) return "venue REST did not answer /v5/market/time";
  size_t loaded = 0;
  if (!rest_->instruments(category_, symbol_, registry_, loaded).ok()) return "venue instruments-info failed";
  id_ = registry_.find(category_, symbol_);
  if (id_ == kNoInstrument) return "the venue does not list " + symbol_;
  return {};
}

bool VenueView::is_ours(std::string_view link) const noexcept {
  return link.size() > prefix_.size() && link.substr(0, prefix_.size()) == prefix_ &&
         link[prefix_.size()] == '-';
}

std::string VenueView::format_lots(int64_t lots) const {
  char buf[32];
  return std::string(buf, format_qty(registry_.get(id_), Qty{lots}, buf));
}

bool VenueView::open_orders(std::vector<OrderUpdate>& ours, std::string& why) {
  std::vector<OrderUpdate> all;
  const RestResult r = rest_->open_orders(registry_, category_, symbol_, "", "", all);
  if (!r.ok()) {
    why = "GET /v5/order/realtime failed: " + r.detail + " " + r.ret_msg;
    return false;
  }
  ours.clear();
  for (const OrderUpdate& u : all) {
    if (is_ours(u.order_link_id.view())) ours.push_back(u);
  }
  return true;
}

bool VenueView::cancel(std::string_view link, std::string& why) {
  OrderCancel c;
  c.instrument = id_;
  c.id_kind = OrderIdKind::kLinkId;
  if (make_link_id(link, c.link_id) != LinkIdError::kOk) {
    why = "cancel: '" + std::string(link) + "' is not an orderLinkId";
    return false;
  }
  const RestResult r = rest_->cancel(registry_.get(id_), c);
  if (!r.ok()) {
    why = "POST /v5/order/cancel " + std::string(link) + " failed: " + r.detail + " " + r.ret_msg;
    return false;
  }
  return true;
}

bool VenueView::position_lots(int64_t& lots, std::string& why) {
  std::vector<PositionUpdate> list;
  const RestResult r = rest_->positions(registry_, category_, symbol_, "", list);
  if (!r.ok()) {
    why = "GET /v5/position/list failed: " + r.detail + " " + r.ret_msg;
    return false;
  }
  lots = 0;
  for (const PositionUpdate& p : list) {
    if (p.instrument != id_) continue;
    lots += p.side == PositionSide::kSell ? -p.size.lots : p.size.lots;
  }
  return true;
}

// Pages newest first with an offset cursor: an item arriving between pages shifts the rest by one, so a
// value can be read twice but none is skipped.
bool VenueView::paged_columns(const std::string& path, int limit, const std::vector<std::string_view>& keys,
                              std::vector<std::vector<std::string>>& columns, std::string& why) {
  const std::string base = "category=" + std::string(to_string(category_)) + "&symbol=" + symbol_ +
                           "&limit=" + std::to_string(limit);
  columns.assign(keys.size(), {});
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    const RestResult r =
        rest_->signed_get(path, base + (cursor.empty() ? "" : "&cursor=" + cursor), RateClass::kQuery);
    if (!r.ok()) {
      why = "GET " + path + " failed: " + r.detail + " " + r.ret_msg;
      return false;
    }
    for (size_t k = 0; k < keys.size(); ++k) json_string_values(r.body, keys[k], columns[k]);
    std::vector<std::string> next;
    json_string_values(r.body, "nextPageCursor", next);
    if (next.empty() || next[0].empty()) return true;
    cursor = next[0];
  }
  why = "GET " + path + ": more than 1000 pages";
  return false;
}

bool VenueView::paged_values(const std::string& path, int limit, std::string_view key,
                             std::vector<std::string>& out, std::string& why) {
  std::vector<std::vector<std::string>> columns;
  if (!paged_columns(path, limit, {key}, columns, why)) return false;
  out.insert(out.end(), columns[0].begin(), columns[0].end());
  return true;
}

bool VenueView::post_only_cancels(uint64_t& count, std::string& why) {
  std::vector<std::vector<std::string>> c;
  count = 0;
  if (!paged_columns("/v5/order/history", 50, {"orderLinkId", "rejectReason"}, c, why)) return false;
  if (c[0].size() != c[1].size()) {
    why = "GET /v5/order/history: records without orderLinkId or rejectReason";
    return false;
  }
  for (size_t i = 0; i < c[0].size(); ++i)
    count += is_ours(c[0][i]) && c[1][i] == "EC_PostOnlyWillTakeLiquidity" ? 1 : 0;
  return true;
}

bool VenueView::first_order_ms(int64_t& ms, std::string& why) {
  std::vector<std::vector<std::string>> c;
  ms = 0;
  if (!paged_columns("/v5/order/history", 50, {"orderLinkId", "createdTime"}, c, why)) return false;
  if (c[0].size() != c[1].size()) {
    why = "GET /v5/order/history: records without orderLinkId or createdTime";
    return false;
  }
  for (size_t i = 0; i < c[0].size(); ++i) {
    if (!is_ours(c[0][i])) continue;
    const int64_t t = std::strtoll(c[1][i].c_str(), nullptr, 10);
    if (t > 0 && (ms == 0 || t < ms)) ms = t;
  }
  return true;
}

bool VenueView::executions(std::vector<VenueExecution>& out, std::string& why) {
  std::vector<std::vector<std::string>> c;
  out.clear();
  if (!paged_columns("/v5/execution/list", 100,
                     {"execId", "execTime", "side", "execPrice", "execQty", "execFee"}, c, why))
    return false;
  const Instrument& in = registry_.get(id_);
  const size_t n = c[0].size();
  for (size_t k = 1; k < c.size(); ++k) {
    if (c[k].size() != n) {
      why = "GET /v5/execution/list: records without every field";
      return false;
    }
  }
  std::set<std::string> seen;
  for (size_t i = n; i-- > 0;) {                 // the venue lists newest first
    if (!seen.insert(c[0][i]).second) continue;  // read twice across a page boundary
    VenueExecution e;
    e.exec_id = c[0][i];
    e.time_ms = std::strtoll(c[1][i].c_str(), nullptr, 10);
    e.side = c[2][i] == "Sell" ? Side::kSell : Side::kBuy;
    if (to_price(in, c[3][i], e.price) != DecimalError::kOk ||
        to_qty(in, c[4][i], e.qty) != DecimalError::kOk ||
        parse_fixed(c[5][i], kMoneyScale, e.fee.units) != DecimalError::kOk) {
      why = "GET /v5/execution/list: execution " + e.exec_id + " has an unreadable price, quantity or fee";
      return false;
    }
    out.push_back(std::move(e));
  }
  return true;
}

bool VenueView::exec_ids(std::set<std::string>& out, std::string& why) {
  std::vector<std::string> ids;
  out.clear();
  if (!paged_values("/v5/execution/list", 100, "execId", ids, why)) return false;
  out.insert(ids.begin(), ids.end());
  return true;
}

bool VenueView::history_link_ids(std::vector<std::string>& out, std::string& why) {
  out.clear();
  return paged_values("/v5/order/history", 50, "orderLinkId", out, why);
}

}  // namespace mm
