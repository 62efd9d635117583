#include "sim/market_generator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "core/decimal.h"
#include "core/instrument.h"
#include "sim/sim_rng.h"

// Byte-identical output across builds needs every floating-point operation rounded on its own: GCC fuses
// a*b+c into an FMA under -march=native even in ISO mode, which changes the low bits.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace mm {
namespace {

// ------------------------------------------------------------------ deterministic random numbers

// The generator's draws on top of SimRng. below() keeps the generator's own modulo mapping (not SimRng's
// multiply-shift): the generated streams are a contract (tests/sim/market_generator_test.cpp's golden
// stream) and must stay byte-identical.
class Rng {
 public:
  explicit Rng(uint64_t seed) noexcept : r_(seed) {}
  uint64_t next() noexcept { return r_.next(); }
  double uniform() noexcept { return r_.uniform(); }          // [0, 1)
  double uniform_pos() noexcept { return r_.uniform_pos(); }  // (0, 1]
  // Uniform integer in [0, n); the modulo bias is below 2^-40 for the n used here.
  uint64_t below(uint64_t n) noexcept { return r_.next() % n; }
  bool chance(double p) noexcept { return uniform() < p; }

 private:
  SimRng r_;
};

constexpr double kLn2 = 0.69314718055994530942;
constexpr double kHalfPi = 1.57079632679489661923;

// log, exp and cos from + - * / only: libm results may differ in the last bit between versions.
double det_log(double x) noexcept {
  int e = 0;
  double m = std::frexp(x, &e);  // exact: x = m * 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2;
    --e;
  }
  const double s = (m - 1) / (m + 1);  // |s| <= 0.1716
  const double s2 = s * s;
  double term = s, sum = 0;
  for (int k = 1; k <= 31; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return 2 * sum + e * kLn2;
}

double det_exp(double x) noexcept {
  const double k = std::floor(x / kLn2 + 0.5);
  const double r = x - k * kLn2;  // |r| <= 0.35
  double term = 1, sum = 1;
  for (int n = 1; n <= 20; ++n) {
    term *= r / n;
    sum += term;
  }
  return std::ldexp(sum, static_cast<int>(k));
}

// cos(2 pi u) for u in [0, 1), by quadrant and Taylor series on [0, pi/2).
double det_cos_2pi(double u) noexcept {
  const double q4 = u * 4;
  const int q = static_cast<int>(q4);
  const double a = (q4 - q) * kHalfPi;
  const double a2 = a * a;
  double c = 1, s = a, tc = 1, ts = a;
  for (int n = 1; n <= 12; ++n) {
    tc *= -a2 / ((2 * n - 1) * (2 * n));
    ts *= -a2 / ((2 * n) * (2 * n + 1));
    c += tc;
    s += ts;
  }
  switch (q & 3) {
    case 0:
      return c;
    case 1:
      return -s;
    case 2:
      return -c;
    default:
      return s;
  }
}

double normal(Rng& rng) noexcept {  // Box-Muller, one value per pair of uniforms
  const double u1 = rng.uniform_pos();
  const double u2 = rng.uniform();
  return std::sqrt(-2 * det_log(u1)) * det_cos_2pi(u2);
}

int poisson(Rng& rng, double lambda) noexcept {  // Knuth; lambda here is small (a few per step)
  if (lambda <= 0) return 0;
  const double limit = det_exp(-lambda);
  int k = 0;
  double p = rng.uniform_pos();
  while (p > limit && k < 1000) {
    p *= rng.uniform_pos();
    ++k;
  }
  return k;
}

// ------------------------------------------------------------------ the generator

// A book side keyed so that smaller keys are better on both sides: key = price for asks, -price for bids.
using Side = std::map<int64_t, int64_t>;  // key -> lots
using Level = std::pair<int64_t, int64_t>;

// Fraction of ticks holding a level near the touch (BTCUSDT on Bybit: about 0.7 at a 0.10 tick).
constexpr double kDensity = 0.7;

struct Fill {
  int64_t price;
  int64_t lots;
};

struct TradeMsg {
  bool buy;  // aggressor side
  std::vector<Fill> fills;
};

class Generator {
 public:
  Generator(const GenParams& p, const Instrument& in, int64_t start_ticks, CaptureWriter& w)
      : p_(p), in_(in), w_(w), rng_(p.seed) {
    const double dt_s = static_cast<double>(p.delta_interval_ms) / 1000.0;
    h_bar_ = p.vol_ticks_per_sqrt_second * p.vol_ticks_per_sqrt_second * dt_s;
    h_ = h_bar_;
    omega_ = h_bar_ * (1 - p.garch_alpha - p.garch_beta);
    fair_ = static_cast<double>(start_ticks) + 0.5;
    const double lot = static_cast<double>(in.lot_units) / static_cast<double>(pow10_i64(in.qty_scale));
    level_mu_ = det_log(std::max(p.level_qty_median / lot, 1.0));
    trade_mu_ = det_log(std::max(p.trade_qty_median / lot, 1.0));
    margin_ = std::max(20, p.depth / 4);
    span_ = static_cast<int64_t>(static_cast<double>(p.depth) / kDensity);
    msg_.reserve(size_t{1} << 16);
    topic_book_ = "orderbook." + std::to_string(p.depth) + "." + p.symbol;
    topic_trade_ = "publicTrade." + p.symbol;
    seq_ = 100'000'000'000 + static_cast<int64_t>(rng_.below(10'000'000'000));
  }

  GenResult run() {
    const int64_t t0 = p_.start_ms;
    const std::string url = "wss://stream.bybit.com/v5/public/" + std::string(to_string(p_.category));
    if (!ok(w_.write_connection(p_.conn_id, (t0 - 1) * 1'000'000, url, true, p_.category))) return res_;
    quote_bid_ = static_cast<int64_t>(std::floor(fair_));
    seed_book(quote_bid_);
    publish_top(bids_, top_b_);
    publish_top(asks_, top_a_);
    if (!emit_book(true, t0, top_b_, top_a_, 1, t0 - 2)) return res_;
    const int64_t steps = p_.seconds * 1000 / p_.delta_interval_ms;
    for (int64_t k = 1; k <= steps; ++k) {
      if (!step(t0 + (k - 1) * p_.delta_interval_ms, t0 + k * p_.delta_interval_ms)) return res_;
      if (p_.progress && ((k & 1023) == 0 || k == steps)) p_.progress(k, steps);
    }
    return res_;
  }

 private:
  bool ok(CaptureError e) {
    if (e == CaptureError::kOk) return true;
    res_.status = e;
    res_.message = std::string(w_.error());
    return false;
  }

  int64_t draw_lots(double mu, double sigma) {
    const double v = det_exp(mu + sigma * normal(rng_));
    const double capped = std::min(v, 1e12);
    return std::max<int64_t>(1, static_cast<int64_t>(std::floor(capped + 0.5)));
  }
  int64_t level_lots() { return draw_lots(level_mu_, 1.8); }
  // Distance to the next level deeper in the book: mean 1 / kDensity ticks, as in Bybit's BTCUSDT book.
  int64_t gap() {
    const double u = rng_.uniform();
    return u < 0.72 ? 1 : u < 0.9 ? 2 : u < 0.97 ? 3 : 4 + static_cast<int64_t>(rng_.below(3));
  }

  void seed_book(int64_t best_bid) {
    int64_t k = -best_bid;
    for (int i = 0; i < p_.depth + 2 * margin_; ++i, k += gap()) bids_[k] = level_lots();
    k = best_bid + 1;
    for (int i = 0; i < p_.depth + 2 * margin_; ++i, k += gap()) asks_[k] = level_lots();
  }

  void publish_top(const Side& s, std::vector<Level>& out) const {
    out.clear();
    int n = 0;
    for (auto it = s.begin(); it != s.end() && n < p_.depth; ++it, ++n) out.push_back(*it);
  }

  // Takes the levels better than `target_key` off side `s`; returns the fills of an aggressor that swept
  // them.
  // Levels beyond the published top (`top`, best first) were never shown: a jump wider than the published
  // depth (a small --depth, a huge --vol) removes them silently instead of printing trades at prices no
  // subscriber saw.
  void sweep(Side& s, const std::vector<Level>& top, int64_t target_key, int64_t sign,
             std::vector<Fill>& fills) {
    const int64_t last_shown = top.empty() ? std::numeric_limits<int64_t>::min() : top.back().first;
    while (!s.empty() && s.begin()->first < target_key) {
      if (s.begin()->first <= last_shown) fills.push_back({sign * s.begin()->first, s.begin()->second});
      s.erase(s.begin());
    }
  }

  // A taker of `lots` walking side `s` from the touch, at most a few levels deep and never past the published
  // top.
  void take(Side& s, const std::vector<Level>& top, int64_t sign, int64_t lots, std::vector<Fill>& fills) {
    const int64_t last_shown = top.empty() ? std::numeric_limits<int64_t>::min() : top.back().first;
    for (int levels = 0; lots > 0 && !s.empty() && levels < 6 && s.begin()->first <= last_shown; ++levels) {
      auto it = s.begin();
      const int64_t f = std::min(lots, it->second);
      fills.push_back({sign * it->first, f});
      lots -= f;
      it->second -= f;
      if (it->second == 0) s.erase(it);
    }
  }

  // Makers fill a gap between the touch target and the remaining book at the book's usual density.
  void refill(Side& s, int64_t target_key) {
    const int64_t best = s.empty() ? target_key + 1 : s.begin()->first;
    // At most the published span above the target: after a jump of millions of ticks (a huge --vol or
    // --delta-ms) the gap to the old levels is left open, and maintain_depth trims them, instead of filling
    // millions of ticks one by one.
    const int64_t from = std::min(best - 1, target_key + span_ + 2 * margin_);
    for (int64_t k = from; k > target_key; --k) {
      if (rng_.chance(kDensity)) s[k] = level_lots();
    }
    if (best > target_key && rng_.chance(0.85)) s[target_key] = level_lots();
  }

  // One maker action at a price biased to the touch. Inserting into empty ticks with probability
  // kDensity and deleting existing levels with 1 - kDensity keeps the book's density stationary at kDensity.
  void churn(Side& s) {
    if (s.empty()) return;
    const double u = rng_.uniform();
    const int64_t touch = s.begin()->first;
    const int64_t offset =
        static_cast<int64_t>(static_cast<double>(span_) * u * u * u);  // half within span/8
    const int64_t key = touch + offset;
    auto it = s.find(key);
    if (it == s.end()) {
      if (rng_.chance(kDensity)) s[key] = level_lots();
    } else if (offset > 0 && rng_.chance(1 - kDensity)) {
      s.erase(it);
    } else {
      it->second = level_lots();
    }
  }

  void maintain_depth(Side& s, int64_t target_key) {
    const size_t lo = static_cast<size_t>(p_.depth + margin_),
                 hi = static_cast<size_t>(p_.depth + 3 * margin_);
    // A sweep and the takers can empty a side when the price jumps further than the whole book.
    if (s.empty()) s[target_key] = level_lots();
    while (s.size() < lo) {
      const int64_t k = std::prev(s.end())->first + gap();
      s[k] = level_lots();
    }
    while (s.size() > hi) s.erase(std::prev(s.end()));
  }

  bool step(int64_t t_prev, int64_t t_now) {
    // 1. Fair price: a GARCH(1,1) shock, in ticks.
    const double eps = std::sqrt(h_) * normal(rng_);
    fair_ += eps;
    if (fair_ < 100) fair_ = 200 - fair_;  // reflect far from zero: prices stay positive on long runs
    h_ = std::min(omega_ + p_.garch_alpha * eps * eps + p_.garch_beta * h_, 50 * h_bar_);
    // Quotes re-centre only when the fair price leaves a band around them: real touches are sticky, and
    // without the band every crossing of a tick boundary would flip the touch back and forth.
    if (std::fabs(fair_ - (static_cast<double>(quote_bid_) + 0.5)) > p_.requote_band_ticks) {
      quote_bid_ = static_cast<int64_t>(std::floor(fair_));
    }
    const int64_t target_bid = quote_bid_;
    const int64_t target_ask = target_bid + 1;

    // 2. Trades against the published book (nothing has been added since it was published).
    trades_.clear();
    std::vector<Fill> fills;
    sweep(asks_, top_a_, target_ask, 1, fills);
    if (!fills.empty() && rng_.chance(p_.sweep_trade_probability)) trades_.push_back({true, fills});
    fills.clear();
    sweep(bids_, top_b_, -target_bid, -1, fills);
    if (!fills.empty() && rng_.chance(p_.sweep_trade_probability)) trades_.push_back({false, fills});
    const int n_random =
        poisson(rng_, p_.trades_per_second * static_cast<double>(p_.delta_interval_ms) / 1000.0);
    for (int i = 0; i < n_random; ++i) {
      const bool buy = rng_.chance(0.5);
      fills.clear();
      take(buy ? asks_ : bids_, buy ? top_a_ : top_b_, buy ? 1 : -1, draw_lots(trade_mu_, 2.0), fills);
      if (!fills.empty()) trades_.push_back({buy, fills});
    }

    // 3. Makers react: refill the touch, churn, keep the hidden depth.
    refill(bids_, -target_bid);
    refill(asks_, target_ask);
    const int n_churn = poisson(rng_, p_.churn_per_step);
    for (int i = 0; i < n_churn; ++i) churn(rng_.chance(0.5) ? bids_ : asks_);
    maintain_depth(bids_, -target_bid);
    maintain_depth(asks_, target_ask);

    // 4. Publish: trades first, at times inside (t_prev, t_now), then the delta at t_now.
    offsets_.clear();
    for (size_t i = 0; i < trades_.size(); ++i) {
      offsets_.push_back(1 +
                         static_cast<int64_t>(rng_.below(static_cast<uint64_t>(p_.delta_interval_ms - 1))));
    }
    std::sort(offsets_.begin(), offsets_.end());
    int64_t last_trade_t = 0;
    for (size_t i = 0; i < trades_.size(); ++i) {
      last_trade_t = t_prev + offsets_[i] - 1;
      if (!emit_trade(trades_[i], last_trade_t, t_prev + offsets_[i])) return false;
    }
    publish_top(bids_, new_b_);
    publish_top(asks_, new_a_);
    const int64_t seq_step = 1 + static_cast<int64_t>(rng_.below(20));
    const int64_t cts = std::max({cts_, last_trade_t, t_now - 1 - static_cast<int64_t>(rng_.below(8))});
    if (!emit_book(false, t_now, new_b_, new_a_, seq_step, cts)) return false;
    std::swap(top_b_, new_b_);
    std::swap(top_a_, new_a_);
    return true;
  }

  // ---------------------------------------------------------------- JSON

  void put_int(int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof(buf), v);
    msg_.append(buf, static_cast<size_t>(r.ptr - buf));
  }
  void put_price(int64_t ticks) {
    char buf[32];
    msg_.append(buf, format_price(in_, Price{ticks}, buf));
  }
  void put_qty(int64_t lots) {
    if (lots == 0) {
      msg_ += '0';  // Bybit deletes with a bare "0", not "0.000"
      return;
    }
    char buf[32];
    msg_.append(buf, format_qty(in_, Qty{lots}, buf));
  }
  void put_level(int64_t price, int64_t lots, bool& first) {
    if (!first) msg_ += ',';
    first = false;
    msg_ += "[\"";
    put_price(price);
    msg_ += "\",\"";
    put_qty(lots);
    msg_ += "\"]";
  }

  // Differences between the published top `old` and `now` (both best first), in book order.
  size_t put_diff(const std::vector<Level>& old, const std::vector<Level>& now, int64_t sign) {
    bool first = true;
    size_t n = 0;
    size_t i = 0, j = 0;
    while (i < old.size() || j < now.size()) {
      if (j == now.size() || (i < old.size() && old[i].first < now[j].first)) {
        put_level(sign * old[i].first, 0, first);
        ++n;
        ++i;
      } else if (i == old.size() || now[j].first < old[i].first) {
        put_level(sign * now[j].first, now[j].second, first);
        ++n;
        ++j;
      } else {
        if (old[i].second != now[j].second) {
          put_level(sign * now[j].first, now[j].second, first);
          ++n;
        }
        ++i;
        ++j;
      }
    }
    return n;
  }

  bool emit_book(bool snapshot, int64_t ts, const std::vector<Level>& bids, const std::vector<Level>& asks,
                 int64_t seq_step, int64_t cts) {
    msg_.clear();
    msg_ += "{\"topic\":\"";
    msg_ += topic_book_;
    msg_ += snapshot ? "\",\"type\":\"snapshot\",\"ts\":" : "\",\"type\":\"delta\",\"ts\":";
    put_int(ts);
    msg_ += ",\"data\":{\"s\":\"";
    msg_ += p_.symbol;
    msg_ += "\",\"b\":[";
    if (snapshot) {
      bool first = true;
      for (const Level& l : bids) put_level(-l.first, l.second, first);
      msg_ += "],\"a\":[";
      first = true;
      for (const Level& l : asks) put_level(l.first, l.second, first);
    } else {
      size_t changes = put_diff(top_b_, bids, -1);
      msg_ += "],\"a\":[";
      changes += put_diff(top_a_, asks, 1);
      // Bybit pushes nothing when the top did not change; u stays contiguous over what is sent.
      if (changes == 0) return true;
    }
    seq_ += seq_step;
    cts_ = cts;
    msg_ += "],\"u\":";
    put_int(++u_);
    msg_ += ",\"seq\":";
    put_int(seq_);
    msg_ += "},\"cts\":";
    put_int(cts_);
    msg_ += '}';
    if (!snapshot) ++res_.deltas;
    return write(ts);
  }

  void put_uuid() {
    static constexpr char kHex[] = "0123456789abcdef";
    uint64_t a = rng_.next(), b = rng_.next();
    a = (a & ~0xF000ull) | 0x5000ull;                  // version 5, as Bybit's ids are
    b = (b & ~(0xC000ull << 48)) | (0x8000ull << 48);  // RFC 4122 variant
    char out[36];
    int pos = 0;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) out[pos++] = '-';
      const uint64_t word = i < 16 ? a : b;
      const int shift = 60 - 4 * (i % 16);
      out[pos++] = kHex[(word >> shift) & 0xF];
    }
    msg_.append(out, 36);
  }

  bool emit_trade(const TradeMsg& t, int64_t trade_ms, int64_t ts) {
    seq_ += 1 + static_cast<int64_t>(rng_.below(4));
    msg_.clear();
    msg_ += "{\"topic\":\"";
    msg_ += topic_trade_;
    msg_ += "\",\"type\":\"snapshot\",\"ts\":";
    put_int(ts);
    msg_ += ",\"data\":[";
    bool first = true;
    for (const Fill& f : t.fills) {
      if (!first) msg_ += ',';
      first = false;
      msg_ += "{\"T\":";
      put_int(trade_ms);
      msg_ += ",\"s\":\"";
      msg_ += p_.symbol;
      msg_ += t.buy ? "\",\"S\":\"Buy\",\"v\":\"" : "\",\"S\":\"Sell\",\"v\":\"";
      put_qty(f.lots);
      msg_ += "\",\"p\":\"";
      put_price(f.price);
      msg_ += "\",\"L\":\"";
      if (last_print_ != 0 && f.price != last_print_) up_tick_ = f.price > last_print_;
      const bool zero = f.price == last_print_;
      msg_ += zero ? (up_tick_ ? "ZeroPlusTick" : "ZeroMinusTick") : (up_tick_ ? "PlusTick" : "MinusTick");
      last_print_ = f.price;
      msg_ += "\",\"i\":\"";
      put_uuid();
      msg_ += "\",\"BT\":false,\"RPI\":false,\"seq\":";
      put_int(seq_);
      msg_ += '}';
      ++res_.trade_prints;
    }
    msg_ += "]}";
    ++res_.trade_messages;
    return write(ts);
  }

  bool write(int64_t ts_ms) {
    const int64_t jitter = static_cast<int64_t>(rng_.below(static_cast<uint64_t>(p_.latency_us * 500 + 1)));
    int64_t recv = ts_ms * 1'000'000 + p_.latency_us * 1000 + jitter;
    if (recv <= last_recv_) recv = last_recv_ + 1;  // one socket: arrival order is message order
    last_recv_ = recv;
    res_.last_recv_ns = recv;
    ++res_.frames;
    return ok(w_.write_frame(FrameKind::kRecv, p_.conn_id, recv, msg_));
  }

  const GenParams& p_;
  const Instrument& in_;
  CaptureWriter& w_;
  Rng rng_;
  GenResult res_;
  double fair_ = 0, h_ = 0, h_bar_ = 0, omega_ = 0, level_mu_ = 0, trade_mu_ = 0;
  int margin_ = 0;
  int64_t span_ = 0;       // ticks covered by the published depth, on average
  int64_t quote_bid_ = 0;  // target best bid; the target ask is one tick above
  Side bids_, asks_;
  std::vector<Level> top_b_, top_a_, new_b_, new_a_;
  std::vector<TradeMsg> trades_;
  std::vector<int64_t> offsets_;
  std::string msg_, topic_book_, topic_trade_;
  int64_t u_ = 0, seq_ = 0, cts_ = 0, last_recv_ = 0, last_print_ = 0;
  bool up_tick_ = true;
};

std::string validate(const GenParams& p, Instrument& in, int64_t& start_ticks) {
  const InstrumentSpec spec{p.category, p.symbol, "Trading", "", p.tick, p.qty_step, "", "", ""};
  if (InstrumentError e = make_instrument(spec, in); e != InstrumentError::kOk) {
    return "instrument (symbol/tick/qty_step): " + std::string(to_string(e));
  }
  Price start;
  if (DecimalError e = to_price(in, p.start_price, start); e != DecimalError::kOk || start.ticks < 1000) {
    return "start_price '" + p.start_price +
           "': " + (e != DecimalError::kOk ? std::string(to_string(e)) : std::string("below 1000 ticks"));
  }
  start_ticks = start.ticks;
  if (p.depth < 1 || p.depth > 10'000) return "depth must be in [1, 10000]";
  if (p.seconds < 0 || p.seconds > kMaxGenSeconds) return "seconds must be in [0, 604800]";
  if (p.delta_interval_ms < 2 || p.delta_interval_ms > kMaxGenDeltaMs) {
    return "delta_interval_ms must be in [2, 3600000]";
  }
  if (!(p.trades_per_second >= 0 && p.trades_per_second <= kMaxGenRate) ||
      !(p.churn_per_step >= 0 && p.churn_per_step <= kMaxGenRate)) {
    return "trades_per_second and churn_per_step must be in [0, 1e6]";
  }
  if (!(p.vol_ticks_per_sqrt_second >= 0 && p.vol_ticks_per_sqrt_second <= kMaxGenVol)) {
    return "volatility must be in [0, 1e5] ticks per sqrt(second)";
  }
  if (!(p.level_qty_median > 0) || !(p.trade_qty_median > 0)) return "quantity medians must be > 0";
  if (!(p.garch_alpha >= 0) || !(p.garch_beta >= 0) || !(p.garch_alpha + p.garch_beta < 1)) {
    return "garch_alpha, garch_beta must be >= 0 with alpha + beta < 1";
  }
  if (!(p.sweep_trade_probability >= 0 && p.sweep_trade_probability <= 1))
    return "sweep_trade_probability in [0, 1]";
  if (!(p.requote_band_ticks >= 0.5 && p.requote_band_ticks <= 1e6))
    return "requote_band_ticks must be in [0.5, 1e6]";
  if (p.latency_us < 0 || p.latency_us > 60'000'000) return "latency_us must be in [0, 60000000]";
  return {};
}

}  // namespace

GenResult generate_market(const GenParams& params, CaptureWriter& writer) {
  Instrument in;
  int64_t start_ticks = 0;
  if (std::string err = validate(params, in, start_ticks); !err.empty()) {
    GenResult r;
    r.status = CaptureError::kInvalid;
    r.message = "market generator: " + err;
    return r;
  }
  Generator g(params, in, start_ticks, writer);
  return g.run();
}

GenResult generate_market_file(const GenParams& params, const std::string& path) {
  CaptureWriter w;
  GenResult r;
  if (CaptureError e = w.open(path, params.start_ms * 1'000'000, kCaptureFlagSynthetic);
      e != CaptureError::kOk) {
    r.status = e;
    r.message = std::string(w.error());
    return r;
  }
  r = generate_market(params, w);
  if (r.status != CaptureError::kOk) {
    w.abort();  // `path` keeps what it held
    return r;
  }
  if (const CaptureError ce = w.close(); ce != CaptureError::kOk) {
    r.status = ce;
    r.message = std::string(w.error());
  }
  return r;
}

}  // namespace mm
