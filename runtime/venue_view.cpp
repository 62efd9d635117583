#include "runtime/venue_view.h"

#include "core/clock.h"
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
bool VenueView::paged_values(const std::string& path, int limit, std::string_view key,
                             std::vector<std::string>& out, std::string& why) {
  const std::string base = "category=" + std::string(to_string(category_)) + "&symbol=" + symbol_ +
                           "&limit=" + std::to_string(limit);
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    const RestResult r =
        rest_->signed_get(path, base + (cursor.empty() ? "" : "&cursor=" + cursor), RateClass::kQuery);
    if (!r.ok()) {
      why = "GET " + path + " failed: " + r.detail + " " + r.ret_msg;
      return false;
    }
    json_string_values(r.body, key, out);
    std::vector<std::string> next;
    json_string_values(r.body, "nextPageCursor", next);
    if (next.empty() || next[0].empty()) return true;
    cursor = next[0];
  }
  why = "GET " + path + ": more than 1000 pages";
  return false;
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
