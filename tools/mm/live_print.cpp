#include "tools/mm/live_print.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "core/decimal.h"
#include "tools/mm/json_writer.h"

namespace mm::tools {

namespace {

std::string money(Money m) {
  char buf[48];
  const size_t n = format_fixed(m.units, kMoneyScale, 2, buf);
  return std::string(buf, n);
}

void histogram(JsonWriter& w, std::string_view name, const LatencyHistogram& h) {
  w.key(name).begin_object();
  w.key("count").value(h.count());
  w.key("p50").value(h.p50());
  w.key("p90").value(h.p90());
  w.key("p99").value(h.p99());
  w.key("p999").value(h.p999());
  w.key("max").value(h.max());
  w.end_object();
}

std::string us(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(ns) / 1000.0);
  return buf;
}

std::string percentiles(const LatencyHistogram& h) {
  if (h.count() == 0) return "no samples";
  return "p50 " + us(h.p50()) + " us, p90 " + us(h.p90()) + " us, p99 " + us(h.p99()) + " us, max " +
         us(h.max()) + " us (" + std::to_string(h.count()) + " samples)";
}

}  // namespace

void trader_counters_json(JsonWriter& j, const char* name, const TraderCounters& c) {
  const QuoterTotals& q = c.quoter;
  j.key(name).begin_object();
  j.key("ticks").value(c.ticks).key("ticks_with_actions").value(c.ticks_with_actions);
  j.key("creates").value(c.creates).key("amends").value(c.amends).key("cancels").value(c.cancels);
  j.key("cancel_alls").value(c.cancel_alls).key("risk_blocked").value(c.risk_blocked);
  j.key("venue_refused").value(c.venue_refused).key("skipped_untrusted").value(c.skipped_untrusted);
  j.key("table_errors").value(c.table_errors).key("unknown_orders").value(c.unknown_orders);
  j.key("invariant_errors").value(c.invariant_errors);
  j.key("quoter").begin_object();
  j.key("kept").value(q.kept).key("pending_occupied").value(q.pending_occupied);
  j.key("dropped").value(q.dropped).key("crossed_own").value(q.crossed_own);
  j.key("crossed_market").value(q.crossed_market).key("aged").value(q.aged);
  j.key("deferred_cancels").value(q.deferred_cancels).key("deferred_amends").value(q.deferred_amends);
  j.key("deferred_creates").value(q.deferred_creates).key("deferred_exposure").value(q.deferred_exposure);
  j.end_object().end_object();
}

std::string live_summary_json(const LiveSummary& s) {
  JsonWriter w(true);
  w.begin_object();
  w.key("venue").value(s.venue);
  w.key("duration_s").value(s.duration_s);
  w.key("orders").begin_object();
  w.key("created").value(s.created);
  w.key("amended").value(s.amended);
  w.key("cancelled").value(s.cancelled);
  w.key("rejected").value(s.rejected);
  w.key("filled").value(s.filled);
  w.end_object();
  w.key("fills").value(s.fills);
  w.key("position").value(s.position);
  w.key("pnl").begin_object();
  w.key("realized").value(money(s.realized));
  w.key("unrealized").value(money(s.unrealized));
  w.key("fees").value(money(s.fees));
  w.key("net").value(money(s.net));
  w.end_object();
  w.key("latency_ns").begin_object();
  histogram(w, "tick_to_quote", s.tick_to_quote);
  histogram(w, "order_ack", s.order_ack);
  w.end_object();
  w.key("reconnects").value(s.reconnects);
  w.key("shutdown").begin_object();
  w.key("cancel_all").value(s.cancel_all);
  w.key("cancel_all_rest").value(s.cancel_all_rest);
  w.key("open_orders_after").value(static_cast<uint64_t>(s.open_orders_after));
  w.key("unconfirmed").begin_array();
  for (const std::string& l : s.unconfirmed) w.value(l);
  w.end_array();
  w.end_object();
  if (s.has_sim) histogram(w, "sim_reaction_ns", s.sim_reaction);
  // `mm run`'s Trader and venue counters (mm paper's summary does not carry them).
  if (!s.venue.starts_with("paper ")) {
    trader_counters_json(w, "trader", s.trader);
    w.key("venue_counters").begin_object();
    w.key("rate_limited").value(s.venue_rate_limited).key("refused").value(s.venue_refused);
    w.key("ws_requests").value(s.ws_requests).end_object();
  }
  if (s.fault.empty()) {
    w.key("fault").null();
  } else {
    w.key("fault").value(s.fault);
  }
  w.end_object();
  return w.str() + "\n";
}

std::string live_summary_text(const LiveSummary& s) {
  const std::string coin = s.settle_coin.empty() ? "" : " " + s.settle_coin;
  std::string t;
  char dur[32];
  std::snprintf(dur, sizeof dur, "%.1f", s.duration_s);
  // mm paper's venue reads "paper <endpoint> <url>" (runtime/paper_node.h).
  const bool paper = s.venue.starts_with("paper ");
  t += (paper ? "mm paper: " + s.venue.substr(6) : "mm run: " + s.venue) + ", " + dur + " s\n";
  t += "orders:      " + std::to_string(s.created) + " created, " + std::to_string(s.amended) + " amended, " +
       std::to_string(s.cancelled) + " cancelled, " + std::to_string(s.rejected) + " rejected, " +
       std::to_string(s.filled) + " filled\n";
  t += "fills:       " + std::to_string(s.fills) + "\n";
  t += "position:    " + s.position + (s.base_coin.empty() ? "" : " " + s.base_coin) + "\n";
  t += "pnl:         realized " + money(s.realized) + coin + ", unrealized " + money(s.unrealized) + coin +
       ", fees " + money(s.fees) + coin + ", net " + money(s.net) + coin + "\n";
  t += "tick-to-quote: " + percentiles(s.tick_to_quote) + "\n";
  t += "order ack:     " + percentiles(s.order_ack) + "\n";
  if (s.has_sim)
    t += "sim reaction (book frame written -> order read): " + percentiles(s.sim_reaction) + "\n";
  t += "reconnects:  " + std::to_string(s.reconnects) + "\n";
  t += "shutdown:    " +
       std::string(s.cancel_all ? "every order cancelled and confirmed" : "cancellation NOT confirmed for ") +
       (s.cancel_all ? "" : std::to_string(s.open_orders_after) + " order(s)") +
       (s.cancel_all_rest ? " (REST cancel-all backstop sent)" : "") + "\n";
  if (!s.fault.empty()) t += "FAULT:       " + s.fault + " (the kill switch tripped)\n";
  return t;
}

std::string read_api_keys(const std::string& config_path, std::string& key, std::string& secret) {
  if (const char* k = std::getenv("BYBIT_API_KEY")) key = k;
  if (const char* v = std::getenv("BYBIT_API_SECRET")) secret = v;
  if (!key.empty() && !secret.empty()) return "";
  // A .env file beside the config: KEY=VALUE lines (optional quotes, optional `export`), # comments.
  const size_t slash = config_path.rfind('/');
  const std::string env_path =
      (slash == std::string::npos ? std::string() : config_path.substr(0, slash + 1)) + ".env";
  std::ifstream in(env_path);
  if (!in) return "";
  // The file holds the API secret: refuse it while any other user of the machine may read (or rewrite) it,
  // before reading a byte, as ssh does with a private key.
  struct stat st {};
  if (::stat(env_path.c_str(), &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return env_path + ": holds the API secret but is " +
           ((st.st_mode & S_IROTH) != 0 ? "readable" : "writable") + " by every user of this machine (mode " +
           mode + "); run `chmod 600 " + env_path + "`";
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    std::string body = line.substr(first);
    if (body.rfind("export ", 0) == 0) body = body.substr(7);
    const size_t eq = body.find('=');
    if (eq == std::string::npos) return env_path + ":" + std::to_string(n) + ": expected KEY=VALUE";
    std::string name = body.substr(0, eq);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    std::string value = body.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    if (name == "BYBIT_API_KEY" && key.empty()) key = value;
    if (name == "BYBIT_API_SECRET" && secret.empty()) secret = value;
  }
  return "";
}

std::string parse_cpu_list(const std::string& s, std::vector<int>& out) {
  out.clear();
  if (s.empty()) return "";
  size_t i = 0;
  while (true) {
    const size_t j = s.find(',', i);
    const std::string item = s.substr(i, j == std::string::npos ? std::string::npos : j - i);
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < -1 || v > 1023) {
      return "--cpus must be a comma-separated list of CPU numbers (-1: not pinned), got \"" + s + "\"";
    }
    out.push_back(static_cast<int>(v));
    if (j == std::string::npos) return "";
    i = j + 1;
  }
}

}  // namespace mm::tools
