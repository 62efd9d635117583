// `mm gen --symbol S --seconds N --seed K --out FILE`: seeded synthetic market in Bybit's wire format, as an
// mm capture. The file starts with an instruments-info response for the symbol, so replay and backtest know
// its grid without any other input.
#include <cstdio>
#include <memory>
#include <string>

#include "core/capture.h"
#include "core/decimal.h"
#include "sim/market_generator.h"
#include "tools/mm/commands.h"

namespace mm::tools {

namespace {

// A GET /v5/market/instruments-info response (linear shape) describing the generated instrument.
std::string instruments_body(const GenParams& p) {
  const int places = decimal_places(p.tick);
  const std::string scale = std::to_string(places < 0 ? 0 : places);
  return R"({"retCode":0,"retMsg":"OK","result":{"category":")" + std::string(to_string(p.category)) +
         R"(","list":[{"symbol":")" + p.symbol + R"(","status":"Trading","priceScale":")" + scale +
         R"(","priceFilter":{"tickSize":")" + p.tick + R"("},"lotSizeFilter":{"qtyStep":")" + p.qty_step +
         R"(","minOrderQty":")" + p.qty_step + R"(","maxOrderQty":"1000000","minNotionalValue":"5",)" +
         R"("basePrecision":")" + p.qty_step + R"(","minOrderAmt":"5"}}],"nextPageCursor":""},)" +
         R"("retExtInfo":{},"time":)" + std::to_string(p.start_ms) + "}";
}

}  // namespace

void register_gen(CLI::App& app) {
  struct Args {
    GenParams p;
    std::string out, category = "linear";
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "gen", "Write a seeded synthetic Bybit market (orderbook.200 snapshot + deltas, publicTrade) as mm capture");
  cmd->add_option("--symbol", a->p.symbol, "Symbol, e.g. BTCUSDT")->capture_default_str();
  cmd->add_option("--seconds", a->p.seconds, "Stream length in seconds")->required()->check(CLI::Range(0, 86400 * 7));
  cmd->add_option("--seed", a->p.seed, "PRNG seed: same seed, same bytes")->capture_default_str();
  cmd->add_option("--out", a->out, "Output mm capture file (overwritten)")->required();
  cmd->add_option("--category", a->category, "Category named in the connection URL")
      ->check(CLI::IsMember({"linear", "inverse", "spot", "option"}))
      ->capture_default_str();
  cmd->add_option("--tick", a->p.tick, "tickSize")->capture_default_str();
  cmd->add_option("--qty-step", a->p.qty_step, "qtyStep")->capture_default_str();
  cmd->add_option("--start-price", a->p.start_price, "First best bid (on the tick grid)")->capture_default_str();
  cmd->add_option("--depth", a->p.depth, "Published depth (topic orderbook.{depth})")->capture_default_str();
  cmd->add_option("--delta-ms", a->p.delta_interval_ms, "Milliseconds between deltas")->capture_default_str();
  cmd->add_option("--trades-per-second", a->p.trades_per_second, "Mean random taker trades per second")
      ->capture_default_str();
  cmd->add_option("--vol", a->p.vol_ticks_per_sqrt_second, "Volatility of the fair price, ticks per sqrt(second)")
      ->capture_default_str();
  cmd->callback([a]() {
    parse_category(a->category, a->p.category);
    CaptureWriter w;
    const int64_t start_ns = a->p.start_ms * 1'000'000;
    if (w.open(a->out, start_ns, kCaptureFlagSynthetic) != CaptureError::kOk) {
      std::fprintf(stderr, "mm gen: %s\n", std::string(w.error()).c_str());
      set_exit_code(1);
      return;
    }
    const std::string url = "https://api.bybit.com/v5/market/instruments-info?category=" + a->category +
                            "&symbol=" + a->p.symbol;
    constexpr uint32_t kRestConn = 0xFFFF;  // distinct from the generator's public connection id
    if (w.write_http(kRestConn, start_ns - 1'000'000, url, instruments_body(a->p)) != CaptureError::kOk) {
      std::fprintf(stderr, "mm gen: %s\n", std::string(w.error()).c_str());
      set_exit_code(1);
      return;
    }
    const GenResult r = generate_market(a->p, w);
    const CaptureError closed = w.close();
    if (r.status != CaptureError::kOk) {
      std::fprintf(stderr, "mm gen: %s\n", r.message.c_str());
      set_exit_code(r.status == CaptureError::kInvalid ? 2 : 1);
      return;
    }
    if (closed != CaptureError::kOk) {
      std::fprintf(stderr, "mm gen: %s\n", std::string(w.error()).c_str());
      set_exit_code(1);
      return;
    }
    std::printf("wrote %s: %llu frames (%llu deltas, %llu trade messages, %llu prints), %llu bytes\n",
                a->out.c_str(), static_cast<unsigned long long>(r.frames), static_cast<unsigned long long>(r.deltas),
                static_cast<unsigned long long>(r.trade_messages), static_cast<unsigned long long>(r.trade_prints),
                static_cast<unsigned long long>(w.bytes()));
  });
}

}  // namespace mm::tools
