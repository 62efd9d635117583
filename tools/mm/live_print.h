#pragma once
// The summary of `mm run` (and `mm paper`): text for a terminal, and the --json object (contract: venue,
// duration_s, orders {created, amended, cancelled, rejected, filled}, fills, position, pnl {realized,
// unrealized, fees, net}, latency_ns {tick_to_quote, order_ack} each {count, p50, p90, p99, p999, max},
// reconnects, shutdown {cancel_all, open_orders_after}; plus sim_reaction_ns with endpoint = "sim", and for
// `mm run` "trader" (trader_counters_json) and "venue_counters" {rate_limited, refused, ws_requests}).
#include <string>
#include <vector>

#include "runtime/live_node.h"

namespace mm::tools {

class JsonWriter;

std::string live_summary_json(const LiveSummary& s);
// The Trader's counters as one JSON object {ticks, ticks_with_actions, creates, amends, cancels, cancel_alls,
// risk_blocked, venue_refused, skipped_untrusted, table_errors, unknown_orders, invariant_errors, quoter
// {kept, pending_occupied, dropped, crossed_own, crossed_market, aged, deferred_cancels, deferred_amends,
// deferred_creates, deferred_exposure}} under `name` (`mm run --json` and `mm parity --json`).
void trader_counters_json(JsonWriter& j, const char* name, const TraderCounters& c);
std::string live_summary_text(const LiveSummary& s);

// Keys from BYBIT_API_KEY / BYBIT_API_SECRET, else a .env file beside the config. Returns "" or an error
// naming the .env line (never its value), or refusing a .env that other users may read or write (it names
// the file and the fix, `chmod 600 FILE`).
std::string read_api_keys(const std::string& config_path, std::string& key, std::string& secret);
// "1,0" -> {1, 0}; -1 leaves a thread unpinned.
std::string parse_cpu_list(const std::string& s, std::vector<int>& out);

}  // namespace mm::tools
