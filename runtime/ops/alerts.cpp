#include "runtime/ops/alerts.h"

#include <concurrentqueue/blockingconcurrentqueue.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "net/endpoint.h"
#include "net/http_client.h"
#include "net/tls_context.h"
#include "runtime/ops/dotenv.h"
#include "runtime/ops/live_metrics.h"
#include "runtime/ops/log_drain.h"

namespace mm {

std::string_view to_string(AlertKind k) noexcept {
  switch (k) {
    case AlertKind::kRiskState:
      return "risk_state";
    case AlertKind::kKillSwitch:
      return "kill_switch";
    case AlertKind::kBreakerTrip:
      return "breaker_trip";
    case AlertKind::kReconnectStorm:
      return "reconnect_storm";
    case AlertKind::kShutdownUnconfirmed:
      return "shutdown_unconfirmed";
    case AlertKind::kKeyRefused:
      return "key_refused";
    case AlertKind::kOther:
      break;
  }
  return "alert";
}

AlertConfig alert_config(const OpsSettings& ops, std::string token) {
  AlertConfig c;
  c.base_url = ops.alert_telegram_base_url;
  c.token = std::move(token);
  c.chat_id = ops.alert_telegram_chat_id;
  c.ca_file = ops.alert_ca_file;
  c.min_interval_ms = ops.alert_min_interval_ms;
  c.dedup_window_ms = ops.alert_dedup_window_ms;
  c.max_retries = ops.alert_max_retries;
  return c;
}

std::string telegram_token(std::string& token, const std::string& dotenv_path) {
  return read_secret("MM_TELEGRAM_TOKEN", dotenv_path, token);
}

namespace {

using Clock = std::chrono::steady_clock;

struct Pending {
  AlertKind kind = AlertKind::kOther;
  std::string text;
};

enum class SendResult : uint8_t { kOk, kRetry, kPermanent };

}  // namespace

struct AlertSender::Impl {
  AlertConfig cfg;
  LiveMetrics* metrics = nullptr;
  LogDrain* log = nullptr;
  Endpoint endpoint;
  std::string path;         // {prefix}/bot{token}/sendMessage: holds the token, never logged
  std::string host_header;  // host[:port]
  std::unique_ptr<TlsContext> tls;
  std::unique_ptr<HttpClient> client;
  moodycamel::BlockingConcurrentQueue<Pending> queue;
  std::atomic<bool> accepting{false};
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> suppressed{0};
  std::unordered_map<std::string, Clock::time_point> last_sent;  // de-duplication (sender thread only)
  Clock::time_point next_send_at{};
  std::mutex mu;  // guards stopping/flush_deadline for the waits
  std::condition_variable cv;
  bool stopping = false;
  Clock::time_point flush_deadline{};
  std::thread thread;

  void count_suppressed() {
    suppressed.fetch_add(1, std::memory_order_relaxed);
    if (metrics != nullptr) metrics->alerts_suppressed().add_concurrent(1);
  }

  // Waits until `t`; false when the stop's flush deadline comes first.
  bool sleep_until(Clock::time_point t) {
    std::unique_lock lk(mu);
    for (;;) {
      const Clock::time_point now = Clock::now();
      if (stopping && now >= flush_deadline) return false;
      if (now >= t) return true;
      cv.wait_until(lk, stopping ? std::min(t, flush_deadline) : t);
    }
  }

  bool stop_requested() {
    const std::lock_guard lk(mu);
    return stopping;
  }

  std::string request(const Pending& p) const {
    std::string text = cfg.prefix;
    text += to_string(p.kind);
    text += ": ";
    text += p.text;
    std::string body = "{\"chat_id\":\"";
    append_json_escaped(body, cfg.chat_id);
    body += "\",\"text\":\"";
    append_json_escaped(body, text);
    body += "\"}";
    std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + host_header +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n";
    req += body;
    return req;
  }

  // One attempt. `retry_after_ms` is set from a 429's parameters.retry_after.
  SendResult send(const Pending& p, int& status, HttpError& err, int64_t& retry_after_ms) {
    HttpResponse res;
    err = client->exchange(request(p), true, res);
    status = err == HttpError::kOk ? res.status : 0;
    if (err != HttpError::kOk) return SendResult::kRetry;
    if (status >= 200 && status < 300) return SendResult::kOk;
    if (status == 429) {
      const size_t at = res.body.find("\"retry_after\":");
      if (at != std::string::npos) retry_after_ms = 1000 * std::atoll(res.body.c_str() + at + 14);
      return SendResult::kRetry;
    }
    return status >= 500 ? SendResult::kRetry : SendResult::kPermanent;
  }

  void give_up(const Pending& p, int status, HttpError err, int64_t attempts) {
    failed.fetch_add(1, std::memory_order_relaxed);
    if (metrics != nullptr) metrics->alerts_failed().add_concurrent(1);
    if (log != nullptr) {
      log->log(LogLevel::kError, "alerts", "alert_not_sent",
               {{"kind", to_string(p.kind)},
                {"status", status},
                {"error", to_string(err)},
                {"attempts", attempts},
                {"host", endpoint.host}});
    }
  }

  void process(const Pending& p) {
    const Clock::time_point now = Clock::now();
    const auto window = std::chrono::milliseconds(cfg.dedup_window_ms);
    std::erase_if(last_sent, [&](const auto& kv) { return now - kv.second >= window; });
    std::string key = std::string(to_string(p.kind)) + '\n' + p.text;
    if (last_sent.contains(key)) return count_suppressed();
    int status = 0;
    HttpError err = HttpError::kOk;
    int64_t attempt = 0;
    for (;; ++attempt) {
      if (!sleep_until(next_send_at)) break;
      int64_t retry_after_ms = 0;
      const SendResult r = send(p, status, err, retry_after_ms);
      next_send_at = Clock::now() + std::chrono::milliseconds(cfg.min_interval_ms);
      if (r == SendResult::kOk) {
        sent.fetch_add(1, std::memory_order_relaxed);
        if (metrics != nullptr) metrics->alerts_sent().add_concurrent(1);
        last_sent.emplace(std::move(key), Clock::now());
        return;
      }
      if (r == SendResult::kPermanent || attempt >= cfg.max_retries) break;
      const int64_t shift = std::min<int64_t>(attempt, 30);
      int64_t delay = std::min(cfg.backoff_initial_ms << shift, cfg.backoff_max_ms);
      delay = std::max(delay, std::min(retry_after_ms, cfg.backoff_max_ms));
      if (!sleep_until(Clock::now() + std::chrono::milliseconds(delay))) break;
    }
    give_up(p, status, err, attempt + 1);
  }

  void run() {
    Pending p;
    for (;;) {
      if (queue.wait_dequeue_timed(p, std::chrono::milliseconds(20))) {
        process(p);
      } else if (stop_requested()) {
        break;
      }
    }
  }
};

AlertSender::AlertSender(AlertConfig cfg, LiveMetrics* metrics, LogDrain* log)
    : impl_(std::make_unique<Impl>()) {
  impl_->cfg = std::move(cfg);
  impl_->metrics = metrics;
  impl_->log = log;
}

AlertSender::~AlertSender() {
  stop(0);
}

std::string AlertSender::start() {
  Impl& s = *impl_;
  if (s.thread.joinable()) return "alerts: already started";
  if (parse_url(s.cfg.base_url, s.endpoint) != UrlError::kOk || !s.endpoint.tls) {
    return "alerts: base URL \"" + s.cfg.base_url + "\" must be an https:// URL";
  }
  if (s.cfg.token.empty()) return "alerts: no bot token (set MM_TELEGRAM_TOKEN in the environment or .env)";
  if (s.cfg.chat_id.empty()) return "alerts: no chat id (ops.alert_telegram_chat_id)";
  TlsConfig tc;
  tc.ca_file = s.cfg.ca_file;
  std::string detail;
  if (const TlsError e = TlsContext::create(tc, s.tls, detail); e != TlsError::kOk)
    return "alerts: " + detail;
  std::string prefix = s.endpoint.target;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  s.path = prefix + "/bot" + s.cfg.token + "/sendMessage";
  s.host_header =
      s.endpoint.host.find(':') != std::string::npos ? "[" + s.endpoint.host + "]" : s.endpoint.host;
  if (s.endpoint.port != 443) s.host_header += ":" + std::to_string(s.endpoint.port);
  HttpClientConfig hc;
  hc.endpoint = s.endpoint;
  hc.tls = s.tls.get();
  hc.timeout_ms = s.cfg.request_timeout_ms;
  hc.max_body = 1 << 20;
  s.client = std::make_unique<HttpClient>(hc);
  s.accepting.store(true, std::memory_order_release);
  s.thread = std::thread([&s] { s.run(); });
  return "";
}

void AlertSender::alert(AlertKind kind, std::string_view text) noexcept {
  Impl& s = *impl_;
  try {
    if (!s.accepting.load(std::memory_order_acquire) || s.queue.size_approx() >= s.cfg.max_queue ||
        !s.queue.enqueue(Pending{kind, std::string(text)})) {
      s.count_suppressed();
    }
  } catch (...) {
    s.count_suppressed();  // out of memory: the alert is lost, trading goes on
  }
}

void AlertSender::stop(int64_t flush_ms) noexcept {
  Impl& s = *impl_;
  s.accepting.store(false, std::memory_order_release);
  if (!s.thread.joinable()) return;
  {
    const std::lock_guard lk(s.mu);
    s.stopping = true;
    s.flush_deadline = Clock::now() + std::chrono::milliseconds(flush_ms);
  }
  s.cv.notify_all();
  s.thread.join();
  Pending p;
  while (s.queue.try_dequeue(p)) s.give_up(p, 0, HttpError::kTimeout, 0);
}

uint64_t AlertSender::sent() const noexcept {
  return impl_->sent.load(std::memory_order_relaxed);
}
uint64_t AlertSender::failed() const noexcept {
  return impl_->failed.load(std::memory_order_relaxed);
}
uint64_t AlertSender::suppressed() const noexcept {
  return impl_->suppressed.load(std::memory_order_relaxed);
}

}  // namespace mm
