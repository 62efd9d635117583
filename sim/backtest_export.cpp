#include "sim/backtest_export.h"

#include <string_view>

#include "core/decimal.h"
#include "sim/backtest_stats.h"

namespace mm {

namespace {

// Exact decimals, trailing zeros trimmed (CSV readers parse "65114.2" and "65114.20" alike).
class Row {
 public:
  Row(std::string& out, const Instrument& in) : out_(out), in_(in) {}
  Row& i(int64_t v) { return raw(std::to_string(v)); }
  Row& s(std::string_view v) { return raw(v); }  // identifiers: never a comma, quote or line break
  Row& price(int64_t ticks) { return fixed(ticks * in_.tick_units, in_.price_scale); }
  // A mid in half ticks: one more decimal than the grid when it falls between two ticks.
  Row& mid(int64_t half_ticks) {
    if (half_ticks == 0) return raw("");
    return fixed(half_ticks * in_.tick_units * 5, in_.price_scale + 1);
  }
  Row& price_or_empty(int64_t ticks) { return ticks == 0 ? raw("") : price(ticks); }
  Row& qty(int64_t lots) { return fixed(lots * in_.lot_units, in_.qty_scale); }
  Row& money(int64_t units) { return raw(money_to_string(Money{units})); }
  void end() {
    out_ += '\n';
    first_ = true;
  }

 private:
  Row& fixed(int64_t v, int scale) {
    char buf[32];
    return raw(std::string_view(buf, format_fixed(v, scale, 0, buf)));
  }
  Row& raw(std::string_view v) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += v;
    return *this;
  }
  std::string& out_;
  const Instrument& in_;
  bool first_ = true;
};

}  // namespace

std::vector<ExportFile> export_csv(const BacktestSeries& s) {
  const CoinUnits u = coin_units(s.instrument);
  // Prices are quoted in the settle coin, except on inverse contracts (settled in the base coin, quoted in
  // USD).
  const std::string p = "_" + (s.instrument.category == Category::kInverse ? std::string("USD") : u.money);
  const std::string q = "_" + u.qty, m = "_" + u.money;
  std::vector<ExportFile> files(4);

  files[0].name = kExportFileNames[0];
  std::string& f = files[0].text;
  f = "ts_ns,side,liquidity,price" + p + ",qty" + q + ",fee" + m + ",mid_before" + p + ",position_after" + q +
      ",equity_after" + m + "\n";
  f.reserve(f.size() + s.fills.size() * 96);
  Row fr(f, s.instrument);
  for (const FillRecord& x : s.fills) {
    fr.i(x.ts_ns).s(to_string(x.side)).s(x.maker ? "maker" : "taker").price(x.price_ticks).qty(x.qty_lots);
    fr.money(x.fee_units).mid(x.mid_half_ticks).qty(x.position_after_lots).money(x.equity_after_units).end();
  }

  files[1].name = kExportFileNames[1];
  std::string& o = files[1].text;
  o = "ts_ns,action,result,order_link_id,side,price" + p + ",qty" + q + "\n";
  o.reserve(o.size() + s.orders.size() * 80);
  Row orow(o, s.instrument);
  for (const OrderRecord& x : s.orders) {
    orow.i(x.ts_ns).s(x.action).s(x.result).s(x.link_id.view()).s(x.side).price_or_empty(x.price_ticks);
    if (x.qty_lots == 0) {
      orow.s("").end();
    } else {
      orow.qty(x.qty_lots).end();
    }
  }

  files[2].name = kExportFileNames[2];
  std::string& e = files[2].text;
  e = "ts_ns,equity" + m + ",fees" + m + ",funding" + m + "\n";
  e.reserve(e.size() + s.samples.size() * 64);
  Row er(e, s.instrument);
  for (const SeriesSample& x : s.samples)
    er.i(x.ts_ns).money(x.equity_units).money(x.fees_units).money(x.funding_units).end();

  files[3].name = kExportFileNames[3];
  std::string& ps = files[3].text;
  ps = "ts_ns,position" + q + ",mid" + p + ",our_bid" + p + ",our_ask" + p + "\n";
  ps.reserve(ps.size() + s.samples.size() * 64);
  Row pr(ps, s.instrument);
  for (const SeriesSample& x : s.samples) {
    pr.i(x.ts_ns).qty(x.position_lots).mid(x.mid_half_ticks).price_or_empty(x.bid_quote_ticks);
    pr.price_or_empty(x.ask_quote_ticks).end();
  }
  return files;
}

}  // namespace mm
