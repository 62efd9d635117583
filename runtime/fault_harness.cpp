#include "runtime/fault_harness.h"

#include <chrono>
#include <cstdlib>
#include <map>

#include "core/clock.h"
#include "net/endpoint.h"

namespace mm {

namespace {

constexpr std::string_view kSimKey = "mmsim-test-key";  // the simulator's built-in key (docs/sim.md)
constexpr std::string_view kSimSecret = "mmsim-test-secret";
constexpr int64_t kSettleMs = 5000;  // issue 13: "within 5 s of the fault clearing"

void sleep_ms(int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

int64_t steady_ms() {
  return MonotonicClock{}.now_ns() / 1'000'000;
}

// Polls `check` every 100 ms until it returns true or kSettleMs passes; `detail` keeps the last words.
FaultInvariant hold_within(std::string name, const std::function<bool(std::string&)>& check) {
  FaultInvariant inv;
  inv.name = std::move(name);
  const int64_t end = steady_ms() + kSettleMs;
  for (;;) {
    std::string detail;
    if (check(detail)) {
      inv.held = true;
      return inv;
    }
    inv.detail = detail;
    if (steady_ms() >= end) return inv;
    sleep_ms(100);
  }
}

FaultInvariant* find(std::vector<FaultInvariant>& v, std::string_view name) {
  for (FaultInvariant& i : v) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

// Adds `inv`, or ANDs it into the invariant of that name already there (the running and final halves).
void merge(std::vector<FaultInvariant>& out, FaultInvariant inv) {
  FaultInvariant* have = find(out, inv.name);
  if (have == nullptr) {
    out.push_back(std::move(inv));
    return;
  }
  if (!inv.held) {
    have->held = false;
    have->detail += (have->detail.empty() ? "" : "; ") + inv.detail;
  }
}

}  // namespace

FaultHarness::~FaultHarness() {
  stop_node();
  sim_.stop();
}

std::string FaultHarness::start(const MmConfig& config, uint32_t levels_per_side) {
  config_ = config;
  levels_ = levels_per_side;
  EmbeddedSimOptions so;
  so.market = config_.sim;
  so.admin = true;
  if (std::string e = sim_.start(so, config_); !e.empty()) return "simulator: " + e;
  url_ = sim_.url();
  const std::string host = url_.substr(std::string("http://").size());
  config_.venue.endpoint = VenueEndpoint::kCustom;
  config_.venue.rest_url = url_;
  config_.venue.public_ws_url = "ws://" + host + "/v5/public/linear";
  config_.venue.private_ws_url = "ws://" + host + "/v5/private";
  config_.venue.trade_ws_url = "ws://" + host + "/v5/trade";
  config_.trader.quoter.link_id_prefix = config_.link_id_prefix;

  RestClientConfig rc;
  if (parse_url(url_, rc.http.endpoint) != UrlError::kOk) return "simulator URL: " + url_;
  rc.http.timeout_ms = 5000;
  admin_ = std::make_unique<HttpClient>(rc.http);
  if (std::string e =
          view_.open(url_, kSimKey, kSimSecret, config_.category, config_.symbol, config_.link_id_prefix);
      !e.empty())
    return "simulator: " + e;

  LiveOptions o;
  o.config = config_;
  o.stop = &stop_;
  o.api_key = std::string(kSimKey);
  o.api_secret = std::string(kSimSecret);
  node_ = std::make_unique<LiveNode>(std::move(o));
  const LiveError p = node_->prepare();
  if (p.code != 0) return "live node start-up: " + p.message;
  thread_ = std::thread([this] { result_ = node_->run(summary_); });
  return {};
}

std::string FaultHarness::fault(std::string_view json) {
  std::string req = "POST /admin/fault HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  req += "Content-Length: " + std::to_string(json.size()) + "\r\n\r\n";
  req += json;
  HttpResponse res;
  if (const HttpError e = admin_->exchange(req, false, res); e != HttpError::kOk)
    return "POST /admin/fault: " + admin_->error_detail();
  if (res.status != 200 || res.body.find("\"ok\":true") == std::string::npos)
    return "POST /admin/fault " + std::string(json) + ": HTTP " + std::to_string(res.status) + " " + res.body;
  return {};
}

bool FaultHarness::probe(LiveProbe& out) {
  return node_ != nullptr && !finished_ && node_->probe(out, 1000);
}

bool FaultHarness::wait_for(int64_t timeout_ms, const std::function<bool(const LiveProbe&)>& pred) {
  const int64_t end = steady_ms() + timeout_ms;
  LiveProbe p;
  while (steady_ms() < end) {
    if (probe(p) && pred(p)) return true;
    sleep_ms(20);
  }
  return false;
}

std::string FaultHarness::fill_one_order(bool whole) {
  // An order the venue lists may not be in its matching engine yet (the configured matching latency after the
  // ack), and a listed order may fill or go meanwhile: the fault is retried on a fresh listing, up to 1 s.
  std::string last;
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (attempt > 0) sleep_ms(100);
    std::vector<OrderUpdate> resting;
    if (!open_orders(resting, last)) continue;
    if (resting.empty()) {
      last = "no resting order of ours to fill";
      continue;
    }
    const OrderUpdate& o = resting.front();
    std::string json = R"({"kind":"partial_fill","order_id":")" + std::string(o.order_link_id.view()) + "\"";
    if (whole) json += R"(,"qty":")" + format_lots(o.qty.lots - o.cum_exec_qty.lots) + "\"";
    last = fault(json + "}");
    if (last.empty()) return {};
  }
  return last;
}

void FaultHarness::check_running(std::vector<FaultInvariant>& out) {
  merge(out, hold_within("no_orphan_order", [&](std::string& why) {
          std::vector<OrderUpdate> venue;
          LiveProbe p;
          if (!open_orders(venue, why)) return false;
          if (!probe(p)) {
            why = "the node did not answer";
            return false;
          }
          for (const OrderUpdate& u : venue) {
            bool known = false;
            for (const OrderLinkId& l : p.live) known = known || l.view() == u.order_link_id.view();
            if (!known) {
              why = "the venue holds " + std::string(u.order_link_id.view()) + ", unknown to mm";
              return false;
            }
          }
          return true;
        }));
  merge(out, hold_within("no_duplicate_order", [&](std::string& why) {
          std::vector<OrderUpdate> venue;
          if (!open_orders(venue, why)) return false;
          uint32_t buys = 0, sells = 0;
          for (const OrderUpdate& u : venue) ++(u.side == Side::kBuy ? buys : sells);
          if (buys <= levels_ && sells <= levels_) return true;
          why = std::to_string(buys) + " buys and " + std::to_string(sells) +
                " sells resting for a ladder of " + std::to_string(levels_) + " per side";
          return false;
        }));
  // The venue read before and after the probe: equal three times over means nothing was in flight.
  merge(out, hold_within("fills_counted_once", [&](std::string& why) {
          std::set<std::string> before, after;
          LiveProbe p;
          if (!exec_ids(before, why) || !probe(p) || !exec_ids(after, why)) return false;
          if (before.size() == p.fills && after.size() == p.fills) return true;
          why = "mm counted " + std::to_string(p.fills) + " fills, the venue has " +
                std::to_string(after.size()) + " executions";
          return false;
        }));
  merge(out, hold_within("position_matches", [&](std::string& why) {
          int64_t before = 0, after = 0;
          LiveProbe p;
          if (!position_lots(before, why) || !probe(p) || !position_lots(after, why)) return false;
          if (before == p.position_lots && after == p.position_lots) return true;
          why = "mm's position " + std::to_string(p.position_lots) + " lots, the venue's " +
                std::to_string(after);
          return false;
        }));
}

FaultInvariant FaultHarness::no_ghost_order() {
  return hold_within("no_ghost_order", [&](std::string& why) {
    LiveProbe p;
    std::vector<OrderUpdate> venue;
    if (!probe(p)) {
      why = "the node did not answer";
      return false;
    }
    if (!open_orders(venue, why)) return false;
    for (const OrderLinkId& l : p.live) {
      bool open = false;
      for (const OrderUpdate& u : venue) open = open || l.view() == u.order_link_id.view();
      if (!open) {
        why = "mm tracks " + std::string(l.view()) + " as live, the venue does not hold it";
        return false;
      }
    }
    return true;
  });
}

void FaultHarness::stop_node() {
  if (thread_.joinable()) {
    stop_.store(true);
    thread_.join();
  }
}

void FaultHarness::finish(bool alive, std::vector<FaultInvariant>& out) {
  stop_node();
  finished_ = true;
  FaultInvariant running{"keeps_running", false, ""};
  if (!alive) {
    running.detail = "the node stopped answering after the fault";
  } else if (result_.code != 0) {
    running.detail = "exit " + std::to_string(result_.code) + ": " + result_.message;
    // A Trader fault met on the way is often why the shutdown could not confirm its orders.
    if (!summary_.fault.empty()) running.detail += " (Trader fault: " + summary_.fault + ")";
  } else if (!summary_.fault.empty()) {
    running.detail = "Trader fault: " + summary_.fault;
  } else {
    running.held = true;
  }
  merge(out, running);

  FaultInvariant fills{"fills_counted_once", false, ""};
  std::set<std::string> ids;
  if (exec_ids(ids, fills.detail)) {
    fills.held = ids.size() == summary_.fills;
    if (!fills.held)
      fills.detail = "after shutdown mm counted " + std::to_string(summary_.fills) +
                     " fills, the venue has " + std::to_string(ids.size());
  }
  merge(out, fills);

  FaultInvariant pos{"position_matches", false, ""};
  int64_t lots = 0;
  if (position_lots(lots, pos.detail)) {
    const std::string venue = (lots < 0 ? "-" : "") + format_lots(lots < 0 ? -lots : lots);
    pos.held = venue == summary_.position;
    if (!pos.held)
      pos.detail = "after shutdown mm's position " + summary_.position + ", the venue's " + venue;
  }
  merge(out, pos);

  FaultInvariant dup{"no_duplicate_order", false, ""};
  std::vector<std::string> links;
  if (history_link_ids(links, dup.detail)) {
    std::map<std::string, int> seen;
    dup.held = true;
    for (const std::string& l : links) {
      if (view_.is_ours(l) && ++seen[l] == 2) {
        dup.held = false;
        dup.detail = "orderLinkId " + l + " appears twice in the venue's order history";
      }
    }
  }
  merge(out, dup);

  sim_.stop();
  sim_summary_ = sim_.summary_json();
}

uint64_t FaultHarness::summary_count(std::string_view key) const {
  const std::string pattern = "\"" + std::string(key) + "\":";
  const size_t at = sim_summary_.find(pattern);
  if (at == std::string::npos) return 0;
  return std::strtoull(sim_summary_.c_str() + at + pattern.size(), nullptr, 10);
}

}  // namespace mm
