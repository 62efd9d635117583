#include "runtime/embedded_sim.h"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "sim/event_data.h"
#include "sim/exchange/sim_exchange.h"
#include "sim/server/sim_app.h"
#include "sim/server/tls_certs.h"
#include "sim/synthetic_capture.h"

namespace mm {

simx::ExchangeConfig exchange_config_for(const MmConfig& cfg) {
  simx::ExchangeConfig xc;
  const SimConfig& sc = cfg.backtest.sim;
  xc.queue = sc.queue;
  xc.book_window_ticks = sc.book_window_ticks;
  xc.maker_fee_rate = sc.maker_fee_rate;
  xc.taker_fee_rate = sc.taker_fee_rate;
  xc.create_per_second = static_cast<int32_t>(sc.create_per_second);
  xc.amend_per_second = static_cast<int32_t>(sc.amend_per_second);
  xc.cancel_per_second = static_cast<int32_t>(sc.cancel_per_second);
  xc.cancel_all_per_second = static_cast<int32_t>(sc.cancel_all_per_second);
  xc.matching_latency_ns = sc.entry_latency.file.empty() ? sc.entry_latency.constant_ns : 0;
  return xc;
}

namespace {

// The generator's capture in a temporary file (removed once loaded: EventData keeps what it needs).
std::string generate(const SimSettings& s, std::string& path) {
  char tmpl[] = "/tmp/mm-run-sim-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return "sim.gen_seconds: cannot create a temporary file for the generated market";
  ::close(fd);
  path = tmpl;
  GenParams p;
  p.seconds = s.gen_seconds;
  p.seed = s.seed;
  const GenResult r = write_synthetic_capture(p, path);
  if (r.status != CaptureError::kOk) {
    std::remove(path.c_str());
    path.clear();
    return "sim.gen_seconds: " + r.message;
  }
  return "";
}

}  // namespace

EmbeddedSim::EmbeddedSim() = default;

EmbeddedSim::~EmbeddedSim() {
  stop();
}

std::string EmbeddedSim::start(const EmbeddedSimOptions& o, const MmConfig& cfg) {
  if (app_) return "embedded simulator: already started";
  std::vector<std::string> paths = o.market.data;
  std::string gen_path;
  if (paths.empty()) {
    if (std::string e = generate(o.market, gen_path); !e.empty()) return e;
    paths = {gen_path};
  }
  EventLoadOptions lo;
  lo.strict = false;  // a venue keeps serving past a bad record (counted), as the real one would
  lo.from_ns = o.from_ns;
  lo.to_ns = o.to_ns;
  data_ = std::make_unique<EventData>();
  std::string error;
  const EventDataError le = load_event_data(paths, lo, *data_, error);
  if (!gen_path.empty()) std::remove(gen_path.c_str());
  if (le != EventDataError::kOk) return "sim.data: " + error;

  simx::SimServerOptions so;
  so.host = "127.0.0.1";
  so.port = 0;
  so.loop = o.market.loop;
  so.speed = o.market.speed;
  so.max_speed = o.market.max_speed;
  so.start_on_subscribe = o.start_on_subscribe;
  so.admin = o.admin;
  so.faults = o.faults;
  if (!o.tls_dir.empty()) {
    simx::TlsFiles tls;
    if (std::string e = simx::prepare_tls_files(o.tls_dir, tls); !e.empty()) return e;
    so.tls = true;
    so.cert_file = tls.cert_file;
    so.key_file = tls.key_file;
    ca_file_ = tls.ca_file;
  }
  simx::ExchangeConfig xc = exchange_config_for(cfg);
  xc.seed = o.market.seed;
  xc.keys = o.keys;
  if (xc.keys.empty()) {
    // The test key with trade permissions only: mm run refuses a key that can move funds (Wallet transfers),
    // which `mm sim`'s default key may do.
    xc.keys = simx::default_keys();
    for (simx::KeyConfig& k : xc.keys) k.permissions &= ~static_cast<uint32_t>(simx::kPermWallet);
  }
  if (std::string e = xc.validate(); !e.empty()) return "embedded simulator: " + e;
  try {
    app_ = std::make_unique<simx::SimApp>(std::move(so), xc, *data_);
  } catch (const std::exception& e) {
    return std::string("embedded simulator: ") + e.what();
  }
  if (std::string e = app_->start(); !e.empty()) {
    app_.reset();
    return "embedded simulator: " + e;
  }
  thread_ = std::thread([this] { run_error_ = app_->run(); });
  return "";
}

std::string EmbeddedSim::url() const {
  return app_ ? app_->url() : std::string();
}

void EmbeddedSim::stop() noexcept {
  if (!app_) return;
  app_->stop();
  if (thread_.joinable()) thread_.join();
}

LatencyHistogram EmbeddedSim::reaction_ns() const {
  return app_ ? app_->server().stats().reaction_ns : LatencyHistogram{};
}

int64_t EmbeddedSim::market_start_ns() const {
  return app_ ? app_->server().stats().market_start_ns : 0;
}

uint64_t EmbeddedSim::rejects_with_code(int32_t code) const {
  if (!app_) return 0;
  for (const auto& [c, n] : app_->exchange().stats().rejects_by_code) {
    if (c == code) return n;
  }
  return 0;
}

std::string EmbeddedSim::summary_json() const {
  return app_ ? app_->summary_json() : std::string("{}");
}

}  // namespace mm
