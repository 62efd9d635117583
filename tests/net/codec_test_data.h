#pragma once
// Test-only access to the real Bybit recordings in MM_SHARED_DATA: decompression through the `zstd` and
// `unzip` command-line tools (popen), JSON Lines records, and an InstrumentRegistry built from the
// recording's own instruments-info responses.
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/instrument_registry.h"
#include "net/bybit_codec.h"
#include "net/instruments_json.h"

namespace mm::test {

// Paddings that would change a token if a scanner read past the frame: spaces, digits, quotes, zeros, a run
// of `closers` (the frame kind's own closing bytes, which could complete a truncated token), and the start of
// the frame itself.
inline std::vector<std::string> paddings(const std::string& frame, std::string_view closers) {
  std::vector<std::string> p;
  p.emplace_back(BybitCodec::kPadding, ' ');
  p.emplace_back(BybitCodec::kPadding, '9');
  p.emplace_back(BybitCodec::kPadding, '"');
  p.emplace_back(BybitCodec::kPadding, '0');
  std::string run;
  while (run.size() < BybitCodec::kPadding) run += closers;
  p.push_back(run);
  p.push_back(frame.substr(0, std::min(frame.size(), BybitCodec::kPadding)));
  return p;
}

inline std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + cmd);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) throw std::runtime_error("command failed: " + cmd);
  return out;
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) lines.emplace_back(text, pos, end - pos);
    pos = end + 1;
  }
  return lines;
}

struct Record {
  std::string t;     // header, http, connect, send, recv
  std::string conn;
  std::string data;  // the raw frame / response body
  std::string addr;  // connect: the ws URL
  std::string url;   // http: the request URL
};

inline const std::string& recording_path() {
  static const std::string p = std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";
  return p;
}

// Every record of the cryptofeed recording, in order (decoded once per process).
inline const std::vector<Record>& recording() {
  static const std::vector<Record> records = [] {
    std::vector<Record> out;
    const std::string text = run_command("zstd -dc '" + recording_path() + "'");
    simdjson::dom::parser parser;
    for (const std::string& line : split_lines(text)) {
      simdjson::dom::element doc;
      if (parser.parse(line).get(doc)) throw std::runtime_error("bad record line");
      Record r;
      std::string_view s;
      if (!doc["t"].get_string().get(s)) r.t = s;
      if (!doc["conn"].get_string().get(s)) r.conn = s;
      if (!doc["data"].get_string().get(s)) r.data = s;
      if (!doc["addr"].get_string().get(s)) r.addr = s;
      if (!doc["url"].get_string().get(s)) r.url = s;
      out.push_back(std::move(r));
    }
    return out;
  }();
  return records;
}

// The connection name -> category, from the "connect" records' URLs (.../v5/public/linear).
inline Category conn_category(const std::string& conn) {
  for (const Record& r : recording()) {
    if (r.t != "connect" || r.conn != conn) continue;
    Category c = Category::kLinear;
    const size_t slash = r.addr.rfind('/');
    if (slash != std::string::npos && parse_category(std::string_view(r.addr).substr(slash + 1), c)) return c;
  }
  throw std::runtime_error("no connect record for " + conn);
}

// A registry with both instruments-info responses of the recording (linear and spot).
inline const InstrumentRegistry& recording_registry() {
  static const InstrumentRegistry* reg = [] {
    auto* r = new InstrumentRegistry();
    for (const Record& rec : recording()) {
      if (rec.t != "http") continue;
      const InstrumentsLoad load = load_instruments_json(rec.data, *r);
      if (load.error != InstrumentsJsonError::kOk || load.rejected != 0) throw std::runtime_error("instruments");
    }
    return r;
  }();
  return *reg;
}

// The lines of Bybit's historical XRPUSDT order-book dump (one WebSocket message per line).
inline const std::vector<std::string>& xrp_lines() {
  static const std::vector<std::string> lines = split_lines(
      run_command("unzip -p '" + std::string(MM_SHARED_DATA) + "/bybit/2024-12-01_XRPUSDT_ob500.data.zip'"));
  return lines;
}

}  // namespace mm::test
