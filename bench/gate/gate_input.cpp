#include "bench/gate/gate_input.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mm::gate {

std::string recording_path(const std::string& data_dir) {
  return data_dir + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";
}

PaddedFrame padded(std::string text) {
  PaddedFrame f;
  f.size = text.size();
  text.resize(text.size() + kFramePadding, ' ');
  f.bytes = std::move(text);
  return f;
}

namespace {

bool is_btc_book(const Frame& f) {
  return f.kind == FrameKind::kRecv && f.has_category && f.category == Category::kLinear &&
         f.data.find("\"orderbook.200.BTCUSDT\"") != std::string_view::npos;
}

}  // namespace

std::vector<PaddedFrame> real_btc_book_frames(const Replayer& r, const std::string& path,
                                              std::string& error) {
  std::vector<PaddedFrame> out;
  std::unique_ptr<FrameSource> src;
  if (error = r.open(path, src); !error.empty()) return {};
  Frame f;
  while (src->next(f) == ReadResult::kOk) {
    if (!is_btc_book(f)) continue;
    if (out.empty() && f.data.find("\"snapshot\"") == std::string_view::npos) continue;
    out.push_back(padded(std::string(f.data)));
  }
  if (out.size() < 2) {
    error = path + ": no linear orderbook.200.BTCUSDT snapshot followed by deltas";
    return {};
  }
  return out;
}

std::vector<PaddedFrame> tick_to_quote_frames(const Replayer& r, const std::string& path, int count,
                                              std::string& error) {
  std::vector<PaddedFrame> out = real_btc_book_frames(r, path, error);
  if (out.empty()) return out;
  out.resize(1);  // the snapshot
  const std::string snapshot(out[0].view());
  const long long u0 = std::stoll(snapshot.substr(snapshot.find("\"u\":") + 4));
  for (int i = 1; i <= count; ++i) {
    const bool remove = i % 2 == 1;
    std::string d =
        R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1786310818130,"data":{"s":"BTCUSDT",)";
    d += R"("b":[["65114.20",")";
    d += remove ? "0" : "6.054";
    d += R"("],["65095.30","0.005"],["65094.60","0.076"]],"a":[["65114.30",")";
    d += remove ? "0" : "10.486";
    d += R"("],["65129.60","0.002"]],"u":)" + std::to_string(u0 + i) +
         ",\"seq\":" + std::to_string(753843907770LL + i) + R"(},"cts":1786310818125})";
    out.push_back(padded(std::move(d)));
  }
  return out;
}

std::string write_ladder_config(int levels) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("mm_perf_gate_" + std::to_string(::getpid()) + "_ladder_" + std::to_string(levels) + ".toml");
  std::ofstream f(path);
  f << "[market]\ncategory = \"linear\"\nsymbol = \"BTCUSDT\"\n"
    << "[strategy]\nkind = \"fixed\"\nhalf_spread_ticks = 10.0\nhalf_spread_bps = 0.0\nmin_spread_ticks = 2\n"
    << "order_size_lots = 2\nlevels = " << levels << "\nlevel_spacing_ticks = 2.0\n"
    << "[quoter]\nlink_id_prefix = \"gate\"\nprice_tolerance_ticks = 0\nuse_amend = true\n"
    << "[trader]\nmax_position_lots = 100\n";
  for (const char* kind : {"create", "amend", "cancel"}) {
    f << kind << "_per_second = 1000000\n" << kind << "_burst = 1000000\n";
  }
  f << "[risk]\nmax_order_qty = \"0.010\"\nmax_order_notional = \"1000\"\nmax_position_qty = \"0.100\"\n"
    << "max_exposure_notional = \"10000\"\nprice_band_bps = 100\nmax_open_orders = 40\n";
  return path.string();
}

std::string backtest_config_toml() {
  return R"([market]
category = "linear"
symbol = "BTCUSDT"
[strategy]
kind = "fixed"
half_spread_ticks = 2.0
half_spread_bps = 0.0
min_spread_ticks = 2
order_size_lots = 2
levels = 3
level_spacing_ticks = 1.0
size_step_lots = 1
[quoter]
link_id_prefix = "gatebt"
price_tolerance_bps = 0.5
use_amend = true
time_in_force = "post_only"
[trader]
max_position_lots = 20
create_per_second = 10
create_burst = 10
amend_per_second = 10
amend_burst = 10
cancel_per_second = 10
cancel_burst = 10
[risk]
max_order_qty = "0.005"
max_order_notional = "500"
max_position_qty = "0.020"
max_exposure_notional = "2500"
price_band_bps = 50
max_open_orders = 20
require_post_only = true
[backtest]
queue_model = "power"
)";
}

}  // namespace mm::gate
