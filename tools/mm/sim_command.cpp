// `mm sim`: the exchange simulator, a local Bybit V5 venue on loopback (issue 10). Flag parsing and printing
// only; the server is sim/server/sim_server.h. Contract:
//   mm sim [--data FILE]... [--gen SECONDS] [--speed X|max] [--loop] [--host H] [--port N]
//          [--tls --cert-dir DIR] [--keys FILE] [--faults FILE] [--config FILE] [--seed N] [--duration S]
//          [--summary-json FILE] [--admin]
// When ready it prints exactly one line to stdout: "mm sim listening on http://127.0.0.1:PORT".
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "runtime/embedded_sim.h"
#include "sim/event_data.h"
#include "sim/server/fault.h"
#include "sim/server/sim_app.h"
#include "sim/server/sim_server.h"
#include "sim/server/tls_certs.h"
#include "tools/mm/commands.h"
#include "tools/mm/config.h"
#include "tools/mm/gen.h"

namespace mm::tools {

namespace {

// The fault file: [[fault]] tables with the admin endpoint's keys plus `at` (seconds after start). Each table
// is turned into JSON and read by the same parser as POST /admin/fault, so both accept exactly the same keys.
std::string load_fault_file(const std::string& path, std::vector<simx::Fault>& out) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
  }
  for (auto&& [key, node] : root) {
    if (key.str() != "fault")
      return path + ": unknown key '" + std::string(key.str()) + "' (expected [[fault]] tables)";
  }
  const toml::array* list = root["fault"].as_array();
  if (list == nullptr) return path + ": expected [[fault]] tables";
  size_t i = 0;
  for (const toml::node& n : *list) {
    ++i;
    const toml::table* t = n.as_table();
    if (t == nullptr) return path + ": fault #" + std::to_string(i) + " is not a table";
    std::ostringstream json;
    json << toml::json_formatter{*t};
    simx::Fault f;
    if (std::string e = simx::parse_fault_json(json.str(), f, true); !e.empty()) {
      return path + ": fault #" + std::to_string(i) + ": " + e;
    }
    out.push_back(std::move(f));
  }
  return "";
}

std::string write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return "cannot write " + tmp;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    return "cannot write " + path;
  return "";
}

}  // namespace

void register_sim(CLI::App& app) {
  struct Args {
    std::vector<std::string> data;
    int64_t gen_seconds = -1;
    std::string speed = "1";
    bool loop = false;
    std::string host = "127.0.0.1";
    int port = 0;
    bool tls = false;
    std::string cert_dir, keys, faults, config, summary_json;
    uint64_t seed = 1;
    double duration_s = 0;
    bool admin = false;
    int cpu = -1;
    bool busy_poll = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd =
      app.add_subcommand("sim", "Local Bybit V5 exchange simulator on loopback (REST + WebSockets)");
  cmd->add_option("--data", a->data,
                  "Recording(s) to serve, merged by receive time: .jsonl[.zst], .data[.zip], .mmcap, .events "
                  "(this or --gen)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--gen", a->gen_seconds,
                  "Serve SECONDS of the synthetic generator (BTCUSDT linear) instead of a recording")
      ->check(CLI::Range(int64_t{1}, int64_t{86400} * 7));
  cmd->add_option("--speed", a->speed, "Playback speed: X times real time, or max (as fast as clients read)")
      ->capture_default_str();
  cmd->add_flag("--loop", a->loop,
                "Start over at the end (a new snapshot, u continuing); default: stop, "
                "keep serving the last book");
  cmd->add_option("--host", a->host, "Address to bind")->capture_default_str();
  cmd->add_option("--port", a->port, "Port (0: a free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_flag("--tls", a->tls, "Serve HTTPS/WSS (needs --cert-dir); default: plain HTTP/WS");
  cmd->add_option(
      "--cert-dir", a->cert_dir,
      "TLS material: cert.pem + key.pem found there, else a new CA (ca.pem) and server certificate");
  cmd->add_option("--keys", a->keys,
                  "API keys and accounts (TOML [[key]] tables); default: the built-in mmsim-test-key / "
                  "mmsim-test-secret, 100,000 USDT");
  cmd->add_option("--config", a->config,
                  "mm config whose [backtest] fill engine, fees and limits the exchange uses; default: the "
                  "built-in venue settings");
  cmd->add_option("--seed", a->seed, "Seed of the synthetic market (--gen) and of the exchange's ids")
      ->capture_default_str();
  cmd->add_option("--duration", a->duration_s, "Stop by itself after S seconds (0: until SIGINT/SIGTERM)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--faults", a->faults,
                  "Fault scenario (TOML [[fault]] tables, times relative to start); default: none");
  cmd->add_option("--summary-json", a->summary_json, "Write the run's summary here on exit; default: none");
  cmd->add_flag("--admin", a->admin, "Accept POST /admin/fault; default: refused (HTTP 403)");
  cmd->add_flag("--busy-poll", a->busy_poll,
                "Spin between events instead of sleeping in epoll (a whole core; the reaction time then "
                "excludes the simulator's own wake-up)");
  cmd->add_option("--cpu", a->cpu, "Pin the event loop thread to this CPU (-1: not pinned)")
      ->check(CLI::Range(-1, 1023))
      ->capture_default_str();
  cmd->footer(
      "Example: mm sim --data ../shared/data/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst --speed 10 --loop "
      "--port 8080 --summary-json /tmp/sim.json\n"
      "Exit codes: 0 stopped by SIGINT/SIGTERM or --duration (summary written); 1 the port could not be "
      "bound, "
      "TLS material or the summary could not be written, or the event loop failed; 2 bad input (flags, a "
      "missing or unreadable --data/--keys/--faults/--config file, data that cannot be loaded).");
  cmd->callback([a]() {
    auto fail = [](int code, const std::string& msg) {
      std::fprintf(stderr, "mm sim: %s\n", msg.c_str());
      set_exit_code(code);
    };
    if (a->data.empty() == (a->gen_seconds < 0))
      return fail(2, "give --data FILE... or --gen SECONDS (one of them)");
    simx::SimServerOptions o;
    o.host = a->host;
    o.port = static_cast<uint16_t>(a->port);
    o.loop = a->loop;
    o.admin = a->admin;
    o.cpu = a->cpu;
    o.busy_poll = a->busy_poll;
    o.handle_signals = true;
    o.duration_ns = static_cast<int64_t>(a->duration_s * 1e9);
    if (a->speed == "max") {
      o.max_speed = true;
    } else {
      char* end = nullptr;
      o.speed = std::strtod(a->speed.c_str(), &end);
      if (end == a->speed.c_str() || *end != '\0' || !(o.speed > 0) || o.speed > 1e9) {
        return fail(2, "--speed must be a positive number or max, not '" + a->speed + "'");
      }
    }
    if (a->tls != !a->cert_dir.empty()) return fail(2, "--tls and --cert-dir DIR go together");
    if (a->tls) {
      simx::TlsFiles tls;
      if (std::string e = simx::prepare_tls_files(a->cert_dir, tls); !e.empty()) return fail(1, e);
      o.tls = true;
      o.cert_file = tls.cert_file;
      o.key_file = tls.key_file;
    }
    simx::ExchangeConfig xc;
    if (!a->config.empty()) {
      MmConfig cfg;
      if (std::string e = load_config(a->config, cfg); !e.empty()) return fail(2, e);
      // The [backtest] venue settings, so a paper run here and a backtest of the same file match.
      xc = exchange_config_for(cfg);
    }
    xc.seed = a->seed;
    if (!a->keys.empty()) {
      try {
        xc.keys = simx::load_keys_file(a->keys);
      } catch (const std::exception& e) {
        return fail(2, e.what());
      }
    }
    if (std::string e = xc.validate(); !e.empty()) return fail(2, e);
    if (!a->faults.empty()) {
      if (std::string e = load_fault_file(a->faults, o.faults); !e.empty()) return fail(2, e);
    }
    std::vector<std::string> paths = a->data;
    std::string gen_path;
    if (a->gen_seconds >= 0) {
      // The generator writes a capture (instruments-info first), read back like any recording.
      char tmpl[] = "/tmp/mm-sim-gen-XXXXXX";
      const int fd = mkstemp(tmpl);
      if (fd < 0) return fail(1, "cannot create a temporary file for --gen");
      ::close(fd);
      gen_path = tmpl;
      GenParams p;
      p.seconds = a->gen_seconds;
      p.seed = a->seed;
      const GenResult r = write_synthetic_capture(p, gen_path);
      if (r.status != CaptureError::kOk) {
        std::remove(gen_path.c_str());
        return fail(1, "--gen: " + r.message);
      }
      paths = {gen_path};
    }
    EventLoadOptions lo;
    lo.strict = false;  // a venue keeps serving past a bad record (counted), as the real one would
    EventData data;
    std::string error;
    const EventDataError le = load_event_data(paths, lo, data, error);
    if (!gen_path.empty()) std::remove(gen_path.c_str());
    // Nothing is served yet: a recording that cannot be opened or read is bad input, like a missing one.
    if (le != EventDataError::kOk) return fail(2, error);
    simx::SimApp sim(std::move(o), xc, data);
    if (std::string e = sim.start(); !e.empty()) return fail(1, e.substr(e.find(": ") + 2));
    std::printf("mm sim listening on %s\n", sim.url().c_str());
    std::fflush(stdout);
    if (std::string e = sim.run(); !e.empty()) return fail(1, e.substr(e.find(": ") + 2));
    if (!a->summary_json.empty()) {
      if (std::string e = write_text_file(a->summary_json, sim.summary_json()); !e.empty()) return fail(1, e);
    }
  });
}

}  // namespace mm::tools
