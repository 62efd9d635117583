#pragma once
// One fault-matrix scenario's world (runtime/fault_matrix.h): the simulator on a free loopback port with its
// admin fault API on, the live node running against it on a thread of its own, and a REST view of the
// simulator's account (the venue's truth) with the simulator's test key. Cold path; every wait is bounded.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "runtime/embedded_sim.h"
#include "runtime/fault_matrix.h"
#include "runtime/live_node.h"
#include "runtime/venue_view.h"

namespace mm {

class FaultHarness {
 public:
  FaultHarness() = default;
  ~FaultHarness();  // stops the node (if running) and the simulator
  FaultHarness(const FaultHarness&) = delete;
  FaultHarness& operator=(const FaultHarness&) = delete;

  // Starts the simulator (with `before_sim` applied to the config it serves), then the node (prepare() on
  // this thread, run() on a new one). `config` is the scenario's, with [venue]/[sim]/[live] already set by
  // the runner. Returns "" or what failed.
  [[nodiscard]] std::string start(const MmConfig& config, uint32_t levels_per_side);

  // POST /admin/fault with one fault object (docs/sim.md). Returns "" or the simulator's error.
  [[nodiscard]] std::string fault(std::string_view json);

  // The node's own view (LiveNode::probe); false when it does not answer within a second.
  [[nodiscard]] bool probe(LiveProbe& out);
  // Probes every 20 ms until `pred` holds or timeout_ms passes. True when it held.
  [[nodiscard]] bool wait_for(int64_t timeout_ms, const std::function<bool(const LiveProbe&)>& pred);

  // The venue's truth over REST (runtime/venue_view.h). Each returns false (and leaves `why`) when the venue
  // did not answer.
  [[nodiscard]] bool open_orders(std::vector<OrderUpdate>& ours, std::string& why) {
    return view_.open_orders(ours, why);
  }
  [[nodiscard]] bool position_lots(int64_t& lots, std::string& why) { return view_.position_lots(lots, why); }
  [[nodiscard]] bool exec_ids(std::set<std::string>& out, std::string& why) {
    return view_.exec_ids(out, why);
  }
  [[nodiscard]] bool history_link_ids(std::vector<std::string>& out, std::string& why) {
    return view_.history_link_ids(out, why);
  }
  [[nodiscard]] bool post_only_cancels(uint64_t& count, std::string& why) {
    return view_.post_only_cancels(count, why);
  }
  // Cancels order `link` at the venue over REST, as another session of the account would (VenueView::cancel).
  [[nodiscard]] bool cancel_order(std::string_view link, std::string& why) { return view_.cancel(link, why); }
  // Fills one resting order of ours now (the partial_fill fault; `whole`: its full leaves, else half).
  // Returns "" or why not (no resting order, the fault API refused).
  [[nodiscard]] std::string fill_one_order(bool whole);
  // `lots` of the scenario's instrument as the decimal quantity string the venue takes.
  [[nodiscard]] std::string format_lots(int64_t lots) const { return view_.format_lots(lots); }
  // Raises the node's stop flag (the one mm run's SIGINT/SIGTERM handler raises) and waits for run() to
  // return: shutdown done (cancel-all, journal closed). Idempotent; finish() reads the exit code.
  void stop_node();
  [[nodiscard]] bool node_stopped() const noexcept { return stop_.load() && !thread_.joinable(); }

  // The common invariants while the node runs (no_orphan_order, the per-side part of no_duplicate_order,
  // fills_counted_once and position_matches, each polled up to 5 s), appended to `out`.
  void check_running(std::vector<FaultInvariant>& out);
  // no_ghost_order: every order mm tracks as not terminal is open at the venue (read after the probe, so a
  // create in flight at the probe has landed), held within 5 s: an order the venue ended (a post-only cross,
  // a fill) has left mm's table.
  [[nodiscard]] FaultInvariant no_ghost_order();
  // Stops the node, then completes the invariants with the final account (fills and position after
  // shutdown, link ids in the order history) and keeps_running (`alive`: the node answered after the fault).
  void finish(bool alive, std::vector<FaultInvariant>& out);
  // The simulator's summary (mm sim --summary-json), valid after finish().
  [[nodiscard]] const std::string& sim_summary() const noexcept { return sim_summary_; }
  // A count from the summary's "requests" or "rejects_by_code" object (0 when absent).
  [[nodiscard]] uint64_t summary_count(std::string_view key) const;
  [[nodiscard]] const MmConfig& config() const noexcept { return config_; }
  [[nodiscard]] uint32_t levels() const noexcept { return levels_; }
  [[nodiscard]] const std::string& venue_url() const noexcept { return url_; }

 private:
  MmConfig config_;
  uint32_t levels_ = 3;
  EmbeddedSim sim_;
  std::string url_;
  VenueView view_;
  std::unique_ptr<HttpClient> admin_;
  std::unique_ptr<LiveNode> node_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  LiveError result_;
  LiveSummary summary_;
  bool finished_ = false;
  std::string sim_summary_;
};

}  // namespace mm
