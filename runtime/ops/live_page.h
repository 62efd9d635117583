#pragma once
// The live page of `mm run` / `mm paper` (issue 12): GET / is one self-contained HTML+JS page (no CDN, no
// network beyond this server), GET /ws is its WebSocket, over which the server pushes the node's state as a
// JSON text frame every push_ms; POST /api/control takes the operator's actions.
//
// Data flow: the node's timer (its hot thread) fills write_slot() and publish()es it (runtime/ops/
// page_snapshot.h: a triple buffer, no lock, no allocation); the HTTP server thread reads the newest
// snapshot, renders it with the latency percentiles of LiveMetrics' histograms (relaxed atomics) and
// broadcasts it. Nothing on the page reads trading state directly.
//
// Control: POST /api/control?action=pause|resume|cancel_all|kill with "Authorization: Bearer <token>". The
// token is MM_CONTROL_TOKEN from the environment or .env (control_token()); with none, control is disabled
// and every action is refused with 403. A missing or wrong token is refused with 403 and changes nothing.
// Every request, accepted or refused, is logged (component "page", event "control"; the token never is).
// The node acts on an accepted action at its next timer (take_control()):
//   pause      quoting stops and our quotes are pulled until resume;
//   resume     quoting resumes (unless something else holds it off: a quiet feed, start-up);
//   cancel_all one cancel-all of the symbol now (quoting goes on unless paused);
//   kill       the risk engine's kill switch: HALTED and a cancel-all; lasts until the node restarts.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/instrument.h"
#include "runtime/ops/http_server.h"
#include "runtime/ops/live_metrics.h"
#include "runtime/ops/log_drain.h"
#include "runtime/ops/page_snapshot.h"

namespace mm {

struct LivePageConfig {
  Instrument instrument;      // prices and quantities are formatted on its grid
  int64_t money_scale = 1;    // fixed-point money units per settle coin
  std::string control_token;  // "" = control disabled
  int64_t push_ms = 250;      // WebSocket push period
};

// The operator's pending actions, as the node's timer takes them.
struct PageControl {
  bool paused = false;      // current state: hold quoting off
  bool cancel_all = false;  // one cancel-all requested since the last take
  bool kill = false;        // the kill switch requested since the last take
};

enum class PageAction : uint8_t { kPause = 0, kResume, kCancelAll, kKill };
std::string_view to_string(PageAction a) noexcept;

// MM_CONTROL_TOKEN from the environment, else from `dotenv_path` (as telegram_token()). Returns "" or an
// error (a .env readable or writable by every user); `token` is "" when none is set.
[[nodiscard]] std::string control_token(std::string& token, const std::string& dotenv_path = ".env");

class LivePage {
 public:
  // `metrics` (latency histograms) and `log` (control lines; may be null) must outlive the page.
  LivePage(LivePageConfig cfg, const LiveMetrics& metrics, LogDrain* log);

  // Routes /, /ws and /api/control of `server` and its push timer. Call once, before server.start().
  void attach(HttpServer& server);

  // --- the node's hot thread (its timer) ---
  // The snapshot to fill (stale contents from an earlier publish: overwrite every field), then publish().
  PageSnapshot& write_slot() noexcept { return snaps_.write_slot(); }
  void publish() noexcept;
  // The pending actions (the one-shot ones are cleared). No allocation, no lock.
  PageControl take_control() noexcept;

  // --- the server thread (public for tests) ---
  // Answers one control request (see the header comment): 200 "accepted ...", 403 refused, 400 unknown
  // action, 405 not POST.
  void handle_control(const HttpServerRequest& req, HttpServerResponse& res);
  // The newest snapshot as the page's JSON ("" when nothing was published yet).
  std::string render_latest();
  // One snapshot as the page's JSON.
  [[nodiscard]] std::string render(const PageSnapshot& s) const;

  [[nodiscard]] bool control_enabled() const noexcept { return !cfg_.control_token.empty(); }

 private:
  static constexpr uint32_t kCancelAllBit = 1, kKillBit = 2;
  void apply(PageAction a) noexcept;
  void push(HttpServer& server);

  LivePageConfig cfg_;
  const LiveMetrics& metrics_;
  LogDrain* log_;
  TripleBuffer<PageSnapshot> snaps_;
  uint64_t seq_ = 0;     // writer's
  PageSnapshot latest_;  // reader's copy (server thread)
  std::atomic<uint32_t> requests_{0};
  std::atomic<bool> paused_{false};
  std::atomic<bool> killed_{false};
};

// The page itself (HTML, CSS and script in one string).
std::string_view live_page_html() noexcept;

}  // namespace mm
