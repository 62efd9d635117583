#include "tools/mm/config.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/decimal.h"
#include "core/market_events.h"
#include "core/order_book.h"
#include "core/order_request.h"
#include "core/order_table.h"
#include "core/rate_limiter.h"
#include "net/endpoint.h"
#include "runtime/ops/http_server.h"
#include "sim/latency_model.h"
#include "strategy/quoter.h"

namespace mm::tools {
namespace {

// Millisecond settings are converted to ns somewhere (x 1e6): capping them at 2^40 ms (~35 years) keeps
// every product far from int64 overflow, the same bound risk/ uses.
constexpr int64_t kMaxMs = int64_t{1} << 40;
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kU32Max = std::numeric_limits<uint32_t>::max();

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Shared state of one parse: the first error wins, every later read is a no-op.
struct Ctx {
  std::string origin;
  std::string error;
  std::vector<ResolvedKey>* listing = nullptr;  // mm config check: every key read, with its value

  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
  void fail(const toml::source_region& where, std::string_view msg) {
    if (!ok()) return;
    error = origin;
    if (where.begin.line > 0) error += ':' + std::to_string(where.begin.line);
    error += ": ";
    error += msg;
  }
};

// TOML text of a value for the resolved listing.
std::string toml_quote(std::string_view v) {
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string toml_number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, r.ptr);
  if (out.find_first_of(".eni") == std::string::npos) out += ".0";  // a float must read back as a float
  return out;
}

// One TOML table under its full dotted key. Every read names its key, so after the reads `known_` is the
// table's vocabulary and finish() can reject whatever else the file put there. A null table (section
// absent) reads as empty: every field keeps its default.
class Tab {
 public:
  using Hint = std::function<std::string(std::string_view key)>;

  Tab(Ctx& ctx, const toml::table* t, std::string path) : ctx_(ctx), t_(t), path_(std::move(path)) {}

  [[nodiscard]] const std::vector<std::string>& known() const noexcept { return known_; }
  // Adds keys to the vocabulary before they are read (so finish() can run first).
  void declare(std::initializer_list<std::string_view> keys) {
    for (const std::string_view k : keys) known_.emplace_back(k);
  }
  [[nodiscard]] std::string full(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // Records a key's resolved value for the listing (mm config check).
  void note(std::string_view key, std::string value) {
    if (ctx_.listing == nullptr || !ctx_.ok()) return;
    const std::string k = full(key);
    for (const ResolvedKey& r : *ctx_.listing) {
      if (r.key == k) return;  // read twice (ms_as_ns through integer): the first read has it
    }
    ctx_.listing->push_back({k, std::move(value), peek(key) != nullptr});
  }

  // The reads: each checks and stores one key, then records it for the listing. The *_in bodies are below.
  void number(std::string_view key, double& out) {
    number_in(key, out);
    note(key, toml_number(out));
  }
  void integer(std::string_view key, int64_t& out, int64_t lo = kI64Min, int64_t hi = kI64Max) {
    integer_in(key, out, lo, hi);
    note(key, std::to_string(out));
  }
  void boolean(std::string_view key, bool& out) {
    boolean_in(key, out);
    note(key, out ? "true" : "false");
  }
  void string(std::string_view key, std::string& out) {
    string_in(key, out);
    note(key, toml_quote(out));
  }
  void decimal(std::string_view key, std::string& out) {
    decimal_in(key, out);
    note(key, toml_quote(out));
  }
  // The value's spelling is found by parsing each quoted word of `allowed`.
  template <class E, class Parse>
  void enumeration(std::string_view key, E& out, Parse parse, std::string_view allowed) {
    enumeration_in(key, out, parse, allowed);
    std::string spelled = "?";
    for (size_t open = allowed.find('"'); open != std::string_view::npos;) {
      const size_t close = allowed.find('"', open + 1);
      if (close == std::string_view::npos) break;
      const std::string_view word = allowed.substr(open + 1, close - open - 1);
      E v = out;
      if (parse(word, v) && v == out) {
        spelled = toml_quote(word);
        break;
      }
      open = allowed.find('"', close + 1);
    }
    note(key, spelled);
  }
  template <size_t N>
  void integer_array(std::string_view key, std::array<int64_t, N>& out, int64_t lo, int64_t hi) {
    integer_array_in(key, out, lo, hi);
    std::string text = "[";
    for (size_t i = 0; i < N; ++i) text += (i > 0 ? ", " : "") + std::to_string(out[i]);
    note(key, text + "]");
  }
  void curve(std::string_view key, Curve& out) {
    curve_in(key, out);
    std::string text = "[";
    for (size_t i = 0; i < out.count; ++i) {
      text +=
          (i > 0 ? ", [" : "[") + toml_number(out.points[i].x) + ", " + toml_number(out.points[i].y) + "]";
    }
    note(key, text + "]");
  }

  // Decimal number: TOML float or integer, finite.
  void number_in(std::string_view key, double& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    if (const auto* i = n->as_integer()) {
      out = static_cast<double>(i->get());
    } else if (const auto* f = n->as_floating_point()) {
      if (!std::isfinite(f->get())) return fail(*n, key, "must be a finite number");
      out = f->get();
    } else {
      return wrong_type(*n, key, "a number");
    }
  }

  // Integer in [lo, hi].
  void integer_in(std::string_view key, int64_t& out, int64_t lo, int64_t hi) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* i = n->as_integer();
    if (i == nullptr) return wrong_type(*n, key, "an integer");
    const int64_t v = i->get();
    if (v < lo || v > hi) return fail(*n, key, range_text(lo, hi));
    out = v;
  }

  template <class U>
  void unsigned_int(std::string_view key, U& out, int64_t lo, int64_t hi) {
    auto v = static_cast<int64_t>(out);
    integer(key, v, lo, hi);
    if (ctx_.ok()) out = static_cast<U>(v);
  }

  // Milliseconds in [0, 2^40] into a nanosecond field.
  void ms_as_ns(std::string_view key, int64_t& out_ns, int64_t max_ms = kMaxMs) {
    int64_t ms = out_ns / 1'000'000;
    const toml::node* n = peek(key);
    integer(key, ms, 0, max_ms);
    if (n != nullptr && ctx_.ok()) out_ns = ms * 1'000'000;
  }

  void boolean_in(std::string_view key, bool& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* b = n->as_boolean();
    if (b == nullptr) return wrong_type(*n, key, "a boolean (true or false)");
    out = b->get();
  }

  void string_in(std::string_view key, std::string& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* s = n->as_string();
    if (s == nullptr) return wrong_type(*n, key, "a string");
    out = s->get();
  }

  // Exact decimal amount (risk/): a string such as "0.01", or an integer (exact too). Floats are refused: a
  // binary float cannot say 0.1.
  void decimal_in(std::string_view key, std::string& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    if (const auto* s = n->as_string()) {
      out = s->get();
    } else if (const auto* i = n->as_integer()) {
      out = std::to_string(i->get());
    } else if (n->is_floating_point()) {
      return fail(*n, key, "must be a quoted decimal string such as \"0.01\" (a float is not exact)");
    } else {
      return wrong_type(*n, key, "a decimal string such as \"0.01\"");
    }
  }

  // Enumeration spelled as a string; `allowed` lists the spellings for the message.
  template <class E, class Parse>
  void enumeration_in(std::string_view key, E& out, Parse parse, std::string_view allowed) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* s = n->as_string();
    if (s == nullptr) return wrong_type(*n, key, std::string("a string: ") + std::string(allowed));
    E v = out;
    if (!parse(std::string_view(s->get()), v)) {
      return fail(*n, key, "must be " + std::string(allowed) + ", got \"" + s->get() + "\"");
    }
    out = v;
  }

  // Array of exactly N integers, each in [lo, hi].
  template <size_t N>
  void integer_array_in(std::string_view key, std::array<int64_t, N>& out, int64_t lo, int64_t hi) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* a = n->as_array();
    const std::string what = "an array of " + std::to_string(N) + " integers";
    if (a == nullptr) return wrong_type(*n, key, what);
    if (a->size() != N) return fail(*n, key, "must be " + what + ", got " + std::to_string(a->size()));
    std::array<int64_t, N> v{};
    for (size_t i = 0; i < N; ++i) {
      const auto* e = (*a)[i].as_integer();
      if (e == nullptr) return fail(*n, key, "must be " + what);
      if (e->get() < lo || e->get() > hi) return fail(*n, key, "values " + range_text(lo, hi));
      v[i] = e->get();
    }
    out = v;
  }

  // Piecewise-linear curve: [[x, y], ...], at most kMaxCurvePoints numbers pairs. Monotonic x and y >= 0
  // are the config's validate().
  void curve_in(std::string_view key, Curve& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return;
    const auto* a = n->as_array();
    const std::string_view what = "an array of [x, y] number pairs";
    if (a == nullptr) return wrong_type(*n, key, what);
    if (a->size() > kMaxCurvePoints) {
      return fail(*n, key, "must have at most " + std::to_string(kMaxCurvePoints) + " points");
    }
    Curve c;
    for (const toml::node& p : *a) {
      const auto* pair = p.as_array();
      if (pair == nullptr || pair->size() != 2) return fail(p, key, "must be " + std::string(what));
      double xy[2] = {0.0, 0.0};
      for (size_t i = 0; i < 2; ++i) {
        const toml::node& e = (*pair)[i];
        if (const auto* iv = e.as_integer()) {
          xy[i] = static_cast<double>(iv->get());
        } else if (const auto* fv = e.as_floating_point(); fv != nullptr && std::isfinite(fv->get())) {
          xy[i] = fv->get();
        } else {
          return fail(e, key, "must be " + std::string(what) + " (finite numbers)");
        }
      }
      c.points[c.count++] = CurvePoint{xy[0], xy[1]};
    }
    out = c;
  }

  // A nested table; absent reads as empty. `key` is recorded as known.
  Tab sub(std::string_view key) {
    const toml::node* n = find(key);
    const toml::table* t = nullptr;
    if (n != nullptr) {
      t = n->as_table();
      if (t == nullptr) wrong_type(*n, key, "a table");
    }
    return Tab(ctx_, t, full(key));
  }

  [[nodiscard]] const toml::node* peek(std::string_view key) const {
    return t_ == nullptr ? nullptr : t_->get(key);
  }

  // Keys of the file that a special read took (declare + peek) are listed with their TOML text.
  void note_raw_keys() {
    if (ctx_.listing == nullptr) return;
    for (auto&& [k, v] : *t_) {
      if (v.is_table()) continue;
      bool known = false;
      for (const std::string& s : known_) known = known || s == k.str();
      if (!known) continue;
      std::ostringstream text;
      v.visit([&text](const auto& node) { text << node; });
      note(k.str(), text.str());
    }
  }

  // Any key of the table that no read asked for is an error: a typo must not fall back to a default.
  // `hint` may add a reason for a given key.
  void finish(const Hint& hint = {}) {
    if (t_ == nullptr || !ctx_.ok()) return;
    note_raw_keys();
    for (auto&& [k, v] : *t_) {
      const std::string_view name = k.str();
      bool found = false;
      for (const std::string& s : known_) found = found || s == name;
      if (found) continue;
      std::string msg = full(name) + " is not a known key";
      std::string extra = hint ? hint(name) : std::string();
      if (extra.empty()) {
        const std::string* best = nullptr;
        size_t best_d = 3;  // suggest only near misses
        for (const std::string& s : known_) {
          // A near miss, or the key without its unit suffix ("max_age" for "max_age_ms").
          const bool stem =
              s.size() > name.size() && s.compare(0, name.size(), name) == 0 && s[name.size()] == '_';
          const size_t d = stem ? 1 : edit_distance(name, s);
          if (d < best_d) {
            best_d = d;
            best = &s;
          }
        }
        if (best != nullptr) extra = " (did you mean " + full(*best) + "?)";
      }
      msg += extra;
      const toml::source_region& where = k.source().begin.line > 0 ? k.source() : v.source();
      ctx_.fail(where, msg);
      return;
    }
  }

  void fail(const toml::node& n, std::string_view key, std::string_view msg) {
    ctx_.fail(n.source(), full(key) + " " + std::string(msg));
  }
  // A message with its own key; the line of `n` when there is one.
  void fail_at(const toml::node* n, std::string_view msg) {
    ctx_.fail(n != nullptr ? n->source() : toml::source_region{}, msg);
  }

 private:
  const toml::node* find(std::string_view key) {
    known_.emplace_back(key);
    if (!ctx_.ok()) return nullptr;
    return peek(key);
  }

  void wrong_type(const toml::node& n, std::string_view key, std::string_view expected) {
    fail(n, key, "must be " + std::string(expected) + ", got " + std::string(type_name(n)));
  }

  static std::string range_text(int64_t lo, int64_t hi) {
    if (lo == kI64Min) return "must be <= " + std::to_string(hi);
    if (hi == kI64Max || hi == kMaxMs || hi == kU32Max) {
      if (lo == 0) return "must be >= 0" + std::string(hi == kI64Max ? "" : " and <= " + std::to_string(hi));
      if (lo == 1) return "must be > 0" + std::string(hi == kI64Max ? "" : " and <= " + std::to_string(hi));
    }
    return "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  }

  Ctx& ctx_;
  const toml::table* t_;
  std::string path_;
  std::vector<std::string> known_;
};

constexpr std::string_view kReferences = "\"mid\" or \"microprice\"";
constexpr std::string_view kTouchPolicies = "\"no_cross\", \"no_improve\" or \"drop_crossing\"";
constexpr std::string_view kStates = "\"reduce_only\" or \"halted\"";

bool parse_tif(std::string_view s, TimeInForce& out) noexcept {
  if (s == "post_only") {
    out = TimeInForce::kPostOnly;
  } else if (s == "gtc") {
    out = TimeInForce::kGtc;
  } else if (s == "ioc") {
    out = TimeInForce::kIoc;
  } else if (s == "fok") {
    out = TimeInForce::kFok;
  } else {
    return false;
  }
  return true;
}

bool parse_kind(std::string_view s, StrategyKind& out) noexcept {
  for (const StrategyKind k :
       {StrategyKind::kFixed, StrategyKind::kInventory, StrategyKind::kAvellaneda, StrategyKind::kGlft}) {
    if (s == to_string(k)) {
      out = k;
      return true;
    }
  }
  return false;
}

void read_curves(Tab& s, DynamicCurves& c) {
  Tab t = s.sub("curves");
  t.curve("spread_by_volatility", c.spread_by_volatility);
  t.curve("spread_by_depth", c.spread_by_depth);
  t.curve("spread_by_inventory", c.spread_by_inventory);
  t.curve("size_by_volatility", c.size_by_volatility);
  t.curve("size_by_depth", c.size_by_depth);
  t.curve("size_by_inventory", c.size_by_inventory);
  t.curve("levels_by_volatility", c.levels_by_volatility);
  t.curve("levels_by_depth", c.levels_by_depth);
  t.curve("levels_by_inventory", c.levels_by_inventory);
  t.finish();
}

// Level counts: validate() checks [1, 16]; the integer read keeps a negative value from wrapping first.
constexpr int64_t kMaxLevels = kMaxQuoteLevels;

void read_fixed(Tab& s, FixedSpreadConfig& c) {
  s.enumeration("reference", c.reference, parse_reference, kReferences);
  s.number("half_spread_ticks", c.half_spread_ticks);
  s.number("half_spread_bps", c.half_spread_bps);
  s.number("min_spread_ticks", c.min_spread_ticks);
  s.number("min_spread_bps", c.min_spread_bps);
  s.integer("order_size_lots", c.order_size_lots);
  s.unsigned_int("levels", c.levels, 1, kMaxLevels);
  s.number("level_spacing_ticks", c.level_spacing_ticks);
  s.number("level_spacing_bps", c.level_spacing_bps);
  s.integer("size_step_lots", c.size_step_lots);
  s.number("skew_bps_at_max_position", c.skew_bps_at_max_position);
  s.number("adverse_widening", c.adverse_widening);
  s.enumeration("touch_policy", c.touch_policy, parse_touch_policy, kTouchPolicies);
  read_curves(s, c.curves);
}

void read_inventory(Tab& s, InventoryMMConfig& c) {
  s.number("bid_spread", c.bid_spread);
  s.number("ask_spread", c.ask_spread);
  s.number("minimum_spread", c.minimum_spread);
  s.number("order_refresh_time", c.order_refresh_time);
  s.number("max_order_age", c.max_order_age);
  s.number("order_refresh_tolerance_pct", c.order_refresh_tolerance_pct);
  s.integer("order_amount_lots", c.order_amount_lots);
  s.unsigned_int("order_levels", c.order_levels, 1, kMaxLevels);
  s.integer("order_level_amount_lots", c.order_level_amount_lots);
  s.number("order_level_spread", c.order_level_spread);
  s.boolean("inventory_skew_enabled", c.inventory_skew_enabled);
  s.number("inventory_target_base_pct", c.inventory_target_base_pct);
  s.number("inventory_range_multiplier", c.inventory_range_multiplier);
  s.number("filled_order_delay", c.filled_order_delay);
  s.number("price_ceiling", c.price_ceiling);
  s.number("price_floor", c.price_floor);
  s.number("adverse_widening", c.adverse_widening);
  read_curves(s, c.curves);
}

void read_avellaneda(Tab& s, AvellanedaStoikovConfig& c) {
  s.enumeration("reference", c.reference, parse_reference, kReferences);
  s.number("gamma", c.gamma);
  s.number("kappa", c.kappa);
  s.enumeration("horizon", c.horizon, parse_horizon, "\"finite\" or \"infinite\"");
  s.number("session_length_s", c.session_length_s);
  s.number("session_offset_s", c.session_offset_s);
  s.number("horizon_s", c.horizon_s);
  s.number("sigma_bps_override", c.sigma_bps_override);
  s.integer("order_size_lots", c.order_size_lots);
  s.unsigned_int("levels", c.levels, 1, kMaxLevels);
  s.number("level_spacing_ticks", c.level_spacing_ticks);
  s.integer("size_step_lots", c.size_step_lots);
  s.number("min_spread_ticks", c.min_spread_ticks);
  s.number("adverse_widening", c.adverse_widening);
  s.enumeration("touch_policy", c.touch_policy, parse_touch_policy, kTouchPolicies);
  read_curves(s, c.curves);
}

void read_glft(Tab& s, GlftConfig& c) {
  s.enumeration("reference", c.reference, parse_reference, kReferences);
  s.number("gamma", c.gamma);
  s.number("xi", c.xi);
  s.number("delta", c.delta);
  s.number("half_spread_multiplier", c.half_spread_multiplier);
  s.number("skew_multiplier", c.skew_multiplier);
  s.boolean("use_calibration", c.use_calibration);
  s.number("initial_a", c.initial_a);
  s.number("initial_k", c.initial_k);
  s.number("sigma_bps_override", c.sigma_bps_override);
  s.integer("order_size_lots", c.order_size_lots);
  s.unsigned_int("levels", c.levels, 1, kMaxLevels);
  s.number("level_spacing_ticks", c.level_spacing_ticks);
  s.boolean("align_to_grid", c.align_to_grid);
  s.integer("size_step_lots", c.size_step_lots);
  s.number("min_spread_ticks", c.min_spread_ticks);
  s.number("adverse_widening", c.adverse_widening);
  s.enumeration("touch_policy", c.touch_policy, parse_touch_policy, kTouchPolicies);
  read_curves(s, c.curves);
}

// Reads the keys of `kind` (plus `kind` itself) from [strategy] into `cfg`.
void read_strategy_keys(Tab& s, StrategyKind kind, MmConfig& cfg) {
  switch (kind) {
    case StrategyKind::kFixed:
      return read_fixed(s, cfg.fixed);
    case StrategyKind::kInventory:
      return read_inventory(s, cfg.inventory);
    case StrategyKind::kAvellaneda:
      return read_avellaneda(s, cfg.avellaneda);
    case StrategyKind::kGlft:
      return read_glft(s, cfg.glft);
  }
}

// The vocabulary of one strategy kind, found by reading an empty table (no duplicated key lists to drift).
std::vector<std::string> strategy_keys(StrategyKind kind) {
  Ctx ctx;
  Tab t(ctx, nullptr, "strategy");
  MmConfig scratch;
  read_strategy_keys(t, kind, scratch);
  return t.known();
}

void read_strategy(Tab& root, MmConfig& cfg) {
  Tab s = root.sub("strategy");
  const std::string kinds = "\"fixed\", \"inventory\", \"avellaneda\" or \"glft\"";
  std::string kind_text;
  s.string("kind", kind_text);
  if (s.peek("kind") == nullptr) {
    // Without a kind the other keys cannot be checked; say so before anything else.
    return root.fail_at(root.peek("strategy"), "strategy.kind must be set: " + kinds);
  }
  if (!parse_kind(kind_text, cfg.strategy)) {
    return s.fail_at(s.peek("kind"), "strategy.kind must be " + kinds + ", got \"" + kind_text + "\"");
  }
  read_strategy_keys(s, cfg.strategy, cfg);
  const StrategyKind mine = cfg.strategy;
  s.finish([mine](std::string_view key) {
    std::string owners;
    for (const StrategyKind k :
         {StrategyKind::kFixed, StrategyKind::kInventory, StrategyKind::kAvellaneda, StrategyKind::kGlft}) {
      if (k == mine) continue;
      for (const std::string& name : strategy_keys(k)) {
        if (name != key) continue;
        if (!owners.empty()) owners += ", ";
        owners += '"' + std::string(to_string(k)) + '"';
      }
    }
    if (owners.empty()) return std::string();
    return " for kind = \"" + std::string(to_string(mine)) + "\" (it belongs to kind = " + owners + ")";
  });
}

void read_signals(Tab& root, SignalsConfig& c) {
  Tab s = root.sub("signals");
  s.integer("volatility_interval_ms", c.volatility_interval_ms, kI64Min, kMaxMs);
  s.integer("volatility_half_life_ms", c.volatility_half_life_ms, kI64Min, kMaxMs);
  s.number("initial_volatility_bps", c.initial_volatility_bps);
  s.unsigned_int("volatility_min_samples", c.volatility_min_samples, 0, kU32Max);
  s.unsigned_int("imbalance_levels", c.imbalance_levels, 1, kMaxImbalanceLevels);
  s.integer("trade_intensity_half_life_ms", c.trade_intensity_half_life_ms, kI64Min, kMaxMs);
  s.integer_array("markout_horizons_ms", c.markout_horizons_ms, 1, kMaxMs);
  s.number("markout_half_life_fills", c.markout_half_life_fills);
  s.integer("calibration_interval_ms", c.calibration_interval_ms, kI64Min, kMaxMs);
  s.integer("calibration_window_s", c.calibration_window_s, kI64Min, kMaxMs / 1000);
  s.integer("calibration_refit_ms", c.calibration_refit_ms, kI64Min, kMaxMs);
  s.unsigned_int("calibration_buckets", c.calibration_buckets, 2, kMaxArrivalBuckets);
  s.unsigned_int("calibration_min_points", c.calibration_min_points, 2, kMaxArrivalBuckets);
  s.finish();
}

void read_quoter(Tab& root, MmConfig& cfg) {
  Tab q = root.sub("quoter");
  QuoterConfig& c = cfg.trader.quoter;
  q.string("link_id_prefix", cfg.link_id_prefix);
  if (const toml::node* n = q.peek("link_id_prefix"); n != nullptr) {
    bool good = !cfg.link_id_prefix.empty() && cfg.link_id_prefix.size() <= kMaxLinkIdPrefixLen;
    for (const char ch : cfg.link_id_prefix) good = good && is_link_id_char(ch);
    if (!good) {
      q.fail(*n, "link_id_prefix",
             "must be 1.." + std::to_string(kMaxLinkIdPrefixLen) + " characters of [A-Za-z0-9-_]");
    }
  }
  q.integer("price_tolerance_ticks", c.price_tolerance_ticks, 0, kI64Max);
  q.number("price_tolerance_bps", c.price_tolerance_bps);
  if (const toml::node* n = q.peek("price_tolerance_bps");
      n != nullptr && (c.price_tolerance_bps < 0.0 || c.price_tolerance_bps > 10000.0)) {
    q.fail(*n, "price_tolerance_bps", "must be in [0, 10000]");
  }
  q.integer("size_tolerance_lots", c.size_tolerance_lots, 0, kI64Max);
  q.number("size_tolerance_fraction", c.size_tolerance_fraction);
  if (const toml::node* n = q.peek("size_tolerance_fraction");
      n != nullptr && (c.size_tolerance_fraction < 0.0 || c.size_tolerance_fraction > 1.0)) {
    q.fail(*n, "size_tolerance_fraction", "must be in [0, 1]");
  }
  q.boolean("use_amend", c.use_amend);
  q.ms_as_ns("max_order_age_ms", c.max_order_age_ns);
  q.boolean("clip_to_max_qty", c.clip_to_max_qty);
  q.integer("qty_step_lots", c.qty_step_lots, 1, kI64Max);
  q.enumeration("time_in_force", c.time_in_force, parse_tif, "\"post_only\", \"gtc\", \"ioc\" or \"fok\"");
  q.unsigned_int("position_idx_buy", c.position_idx_buy, 0, 2);
  q.unsigned_int("position_idx_sell", c.position_idx_sell, 0, 2);
  q.unsigned_int("max_batch_items", c.max_batch_items, 0, kQuoterMaxBatchItems);
  q.finish();
  if (cfg.strategy == StrategyKind::kInventory) {
    // InventoryMM's order_refresh_tolerance_pct and max_order_age are hummingbot's, and only the quoter
    // can enforce them: they are copied here, so the [quoter] spellings of the same two settings would
    // be a second, conflicting source.
    for (const std::string_view k :
         {std::string_view("price_tolerance_bps"), std::string_view("max_order_age_ms")}) {
      if (const toml::node* n = q.peek(k); n != nullptr) {
        q.fail(*n, k,
               "is set by strategy.order_refresh_tolerance_pct / strategy.max_order_age for kind = "
               "\"inventory\"");
      }
    }
  }
}

void read_trader(Tab& root, TraderConfig& c) {
  Tab t = root.sub("trader");
  t.unsigned_int("order_capacity", c.order_capacity, 1, OrderTable::kMaxCapacity);
  auto seq = static_cast<int64_t>(c.first_link_sequence);
  t.integer("first_link_sequence", seq, 0, kI64Max);
  c.first_link_sequence = static_cast<uint64_t>(seq);
  t.integer("max_position_lots", c.max_position_lots, 1, kI64Max);
  const int64_t max_rate = TokenBucket::kMaxTokens;
  t.integer("create_per_second", c.create_per_second, 1, max_rate);
  t.integer("create_burst", c.create_burst, 1, max_rate);
  t.integer("amend_per_second", c.amend_per_second, 1, max_rate);
  t.integer("amend_burst", c.amend_burst, 1, max_rate);
  t.integer("cancel_per_second", c.cancel_per_second, 1, max_rate);
  t.integer("cancel_burst", c.cancel_burst, 1, max_rate);
  // The send windows' guard beyond Bybit's one second (strategy/rate_limit.h SendWindow): at most 1 s more,
  // a window of 2 s already halves the rate the buckets allow.
  t.ms_as_ns("rate_window_guard_ms", c.rate_window_guard_ns, 1000);
  t.unsigned_int("book_window_ticks", c.book_window_ticks, OrderBook::kMinWindowTicks,
                 OrderBook::kMaxWindowTicks);
  if (const toml::node* n = t.peek("book_window_ticks");
      n != nullptr && (c.book_window_ticks & (c.book_window_ticks - 1)) != 0) {
    t.fail(*n, "book_window_ticks", "must be a power of two");
  }
  t.finish();
}

template <class B>
void read_breaker_common(Tab& t, B& b) {
  t.boolean("enabled", b.enabled);
  t.enumeration("action", b.action, parse_trading_state, kStates);
  t.integer("cooldown_ms", b.cooldown_ms);
}

void read_risk(Tab& root, RiskConfig& c) {
  Tab r = root.sub("risk");
  r.decimal("max_order_qty", c.max_order_qty);
  r.decimal("max_order_notional", c.max_order_notional);
  r.decimal("max_position_qty", c.max_position_qty);
  r.decimal("max_exposure_notional", c.max_exposure_notional);
  r.integer("price_band_bps", c.price_band_bps);
  r.unsigned_int("max_open_orders", c.max_open_orders, 0, kU32Max);
  r.boolean("require_post_only", c.require_post_only);
  r.enumeration("limit_policy", c.limit_policy, parse_limit_policy, "\"block\" or \"clip\"");
  {
    Tab b = r.sub("breakers");
    BreakersConfig& k = c.breakers;
    {
      Tab t = b.sub("daily_loss");
      read_breaker_common(t, k.daily_loss);
      t.decimal("max_loss", k.daily_loss.max_loss);
      t.finish();
    }
    {
      Tab t = b.sub("drawdown");
      read_breaker_common(t, k.drawdown);
      t.decimal("max_drawdown", k.drawdown.max_drawdown);
      t.finish();
    }
    {
      Tab t = b.sub("stale_book");
      read_breaker_common(t, k.stale_book);
      t.integer("max_age_ms", k.stale_book.max_age_ms);
      t.finish();
    }
    {
      Tab t = b.sub("book_untrusted");
      read_breaker_common(t, k.book_untrusted);
      t.finish();
    }
    {
      Tab t = b.sub("book_crossed");
      read_breaker_common(t, k.book_crossed);
      t.finish();
    }
    {
      Tab t = b.sub("reject_rate");
      read_breaker_common(t, k.reject_rate);
      t.integer("window_ms", k.reject_rate.window_ms);
      t.unsigned_int("max_rejects", k.reject_rate.max_rejects, 0, kU32Max);
      t.finish();
    }
    {
      Tab t = b.sub("price_jump");
      read_breaker_common(t, k.price_jump);
      t.integer("window_ms", k.price_jump.window_ms);
      t.integer("max_move_bps", k.price_jump.max_move_bps);
      t.finish();
    }
    {
      Tab t = b.sub("latency");
      read_breaker_common(t, k.latency);
      t.integer("window_ms", k.latency.window_ms);
      t.unsigned_int("max_spikes", k.latency.max_spikes, 0, kU32Max);
      t.integer("max_tick_to_quote_us", k.latency.max_tick_to_quote_us);
      t.integer("max_ack_us", k.latency.max_ack_us);
      t.finish();
    }
    b.finish();
  }
  {
    Tab t = r.sub("protection");
    ProtectionConfig& p = c.protection;
    t.boolean("enabled", p.enabled);
    t.enumeration("unit", p.unit, parse_distance_unit, "\"ticks\" or \"bps\"");
    t.integer("take_profit", p.take_profit);
    t.integer("stop_loss", p.stop_loss);
    t.integer("trailing_stop", p.trailing_stop);
    t.enumeration("close_type", p.close_type, parse_close_type, "\"market\" or \"limit\"");
    t.integer("close_offset", p.close_offset);
    t.integer("retry_ms", p.retry_ms);
    t.enumeration("trigger_by", p.trigger_by, parse_trigger_by,
                  "\"LastPrice\", \"MarkPrice\" or \"IndexPrice\"");
    t.finish();
  }
  r.finish();
}

// A validate() message starts with the full key of the bad field ("strategy.gamma must be > 0"): when the
// file sets that key, its line goes into the message too.
// An exact signed rate ("0.0002", "-0.0001") at kRateScale: fee and funding rates.
// The decimal text of a fixed-point value (the default a listing shows).
std::string fixed_text(int64_t value, int scale) {
  char buf[32];
  return std::string(buf, format_fixed(value, scale, 0, buf));
}

void read_rate(Tab& t, std::string_view key, int64_t& out) {
  std::string text = fixed_text(out, kRateScale);
  t.decimal(key, text);
  const toml::node* n = t.peek(key);
  if (n == nullptr || text.empty()) return;
  int64_t v = 0;
  if (const DecimalError e = parse_fixed(text, kRateScale, v); e != DecimalError::kOk) {
    return t.fail(*n, key, "must be a decimal rate such as \"0.0002\" (" + std::string(to_string(e)) + ")");
  }
  out = v;
}

// A latency: `<name>_ns` (constant) or `<name>_file` (a distribution file, sim/latency_model.h; relative paths
// are relative to the config file's folder).
void read_latency(Tab& t, std::string_view name, LatencySpec& out, const std::string& base_dir) {
  const std::string ns_key = std::string(name) + "_ns";
  const std::string file_key = std::string(name) + "_file";
  t.integer(ns_key, out.constant_ns, 0, kMaxLatencyNs);
  t.string(file_key, out.file);
  if (const toml::node* n = t.peek(file_key); n != nullptr && !out.file.empty() && out.file.front() != '/' &&
                                              !base_dir.empty()) {
    out.file = base_dir + "/" + out.file;
  }
}

void read_backtest(Tab& root, BacktestSettings& b, const std::string& base_dir) {
  Tab t = root.sub("backtest");
  SimConfig& c = b.sim;
  t.enumeration("queue_model", c.queue.kind, parse_queue_model_kind, "\"risk_averse\", \"power\" or \"log\"");
  t.number("queue_power", c.queue.power);
  t.enumeration("fill_rule", c.fill_rule, parse_fill_rule, "\"conservative\" or \"hftbacktest\"");
  read_latency(t, "entry_latency", c.entry_latency, base_dir);
  read_latency(t, "response_latency", c.response_latency, base_dir);
  read_latency(t, "feed_latency", c.feed_latency, base_dir);
  t.enumeration(
      "feed_time", c.feed_time,
      [](std::string_view s, FeedTime& o) {
        if (s == "data") {
          o = FeedTime::kData;
        } else if (s == "model") {
          o = FeedTime::kModel;
        } else {
          return false;
        }
        return true;
      },
      "\"data\" or \"model\"");
  read_rate(t, "maker_fee_rate", c.maker_fee_rate);
  read_rate(t, "taker_fee_rate", c.taker_fee_rate);
  t.enumeration(
      "funding", c.funding,
      [](std::string_view s, FundingMode& o) {
        if (s == "none") {
          o = FundingMode::kNone;
        } else if (s == "constant") {
          o = FundingMode::kConstant;
        } else if (s == "data") {
          o = FundingMode::kData;
        } else {
          return false;
        }
        return true;
      },
      "\"none\", \"constant\" or \"data\"");
  read_rate(t, "funding_rate", c.funding_rate);
  t.ms_as_ns("funding_interval_ms", c.funding_interval_ns);
  t.integer("create_per_second", c.create_per_second, 1, 1'000'000);
  t.integer("amend_per_second", c.amend_per_second, 1, 1'000'000);
  t.integer("cancel_per_second", c.cancel_per_second, 1, 1'000'000);
  t.integer("cancel_all_per_second", c.cancel_all_per_second, 1, 1'000'000);
  auto seed = static_cast<int64_t>(c.seed);
  t.integer("seed", seed, 0, kI64Max);
  c.seed = static_cast<uint64_t>(seed);
  t.ms_as_ns("sample_ms", c.sample_ns);
  t.unsigned_int("max_orders", c.max_orders, 1, 65534);
  // Statistics.
  std::string capital = fixed_text(b.stats.capital.units, kMoneyScale);
  t.decimal("capital", capital);
  if (const toml::node* n = t.peek("capital"); n != nullptr && !capital.empty()) {
    int64_t units = 0;
    if (parse_fixed(capital, kMoneyScale, units) != DecimalError::kOk || units <= 0) {
      t.fail(*n, "capital", "must be a positive decimal amount of the settle coin such as \"10000\"");
    } else {
      b.stats.capital = Money{units};
    }
  }
  int64_t bar_s = b.stats.bar_ns / 1'000'000'000;
  t.integer("bar_s", bar_s, 1, 366LL * 86400);
  b.stats.bar_ns = bar_s * 1'000'000'000;
  // Bars are measured on the samples: a sample period longer than a bar would leave bars without a sample.
  // (bar_s >= 1 s and the default sample is 1 s, so only an explicit sample_ms can break this.)
  if (const toml::node* n = t.peek("sample_ms"); n != nullptr && c.sample_ns > b.stats.bar_ns) {
    t.fail(*n, "sample_ms",
           "must not exceed bar_s (" + std::to_string(bar_s) + " s): bars are measured on the samples");
  }
  t.number("risk_free", b.stats.risk_free);
  t.finish();
}

void fail_validation(Ctx& ctx, const toml::table& root, const std::string& msg) {
  const std::string_view first = std::string_view(msg).substr(0, msg.find(' '));
  toml::source_region where{};
  if (first.find('.') != std::string_view::npos) {
    if (const toml::node* n = toml::at_path(root, first).node(); n != nullptr) where = n->source();
  }
  ctx.fail(where, msg);
}

// A path from the config: relative paths are relative to the config file's folder.
std::string from_config_dir(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

void read_venue(Tab& root, VenueSettings& v, const std::string& base_dir) {
  Tab t = root.sub("venue");
  t.enumeration("endpoint", v.endpoint, parse_venue_endpoint,
                "\"sim\", \"mainnet\", \"testnet\", \"demo\" or \"custom\"");
  t.string("rest_url", v.rest_url);
  t.string("public_ws_url", v.public_ws_url);
  t.string("private_ws_url", v.private_ws_url);
  t.string("trade_ws_url", v.trade_ws_url);
  t.string("ca_file", v.ca_file);
  v.ca_file = from_config_dir(v.ca_file, base_dir);
  t.integer("recv_window_ms", v.recv_window_ms, 1, 60000);
  t.enumeration("ws_transport", v.ws_transport, parse_ws_transport, "\"io_uring\" or \"beast\"");
  t.integer("ping_interval_ms", v.ping_interval_ms, 100, 60000);
  t.finish();
}

void read_sim(Tab& root, SimSettings& s, const std::string& base_dir) {
  Tab t = root.sub("sim");
  if (const toml::node* n = t.peek("data"); n != nullptr) {
    t.declare({"data"});
    std::vector<std::string> files;
    if (const auto* one = n->as_string()) {
      files.push_back(one->get());
    } else if (const auto* a = n->as_array()) {
      for (const toml::node& e : *a) {
        const auto* f = e.as_string();
        if (f == nullptr) return t.fail(e, "data", "must be a file name or an array of file names");
        files.push_back(f->get());
      }
    } else {
      return t.fail(*n, "data", "must be a file name or an array of file names");
    }
    s.data.clear();
    for (const std::string& f : files) s.data.push_back(from_config_dir(f, base_dir));
  }
  t.integer("gen_seconds", s.gen_seconds, 1, 7 * 86400);
  if (const toml::node* n = t.peek("speed"); n != nullptr) {
    t.declare({"speed"});
    if (const auto* str = n->as_string(); str != nullptr && str->get() == "max") {
      s.max_speed = true;
    } else if (n->is_number()) {
      const double x =
          n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
      if (!(x > 0 && x <= 1e6)) return t.fail(*n, "speed", "must be in (0, 1000000] or \"max\"");
      s.speed = x;
      s.max_speed = false;
    } else {
      return t.fail(*n, "speed", "must be a number (times real time) or \"max\"");
    }
  }
  t.boolean("loop", s.loop);
  auto seed = static_cast<int64_t>(s.seed);
  t.integer("seed", seed, 0, kI64Max);
  s.seed = static_cast<uint64_t>(seed);
  t.finish();
}

void read_live(Tab& root, LiveSettings& l, const std::string& base_dir) {
  Tab t = root.sub("live");
  t.string("journal", l.journal);
  if (t.peek("journal") != nullptr && l.journal.empty())
    return t.fail(*t.peek("journal"), "journal", "must name a file");
  l.journal = from_config_dir(l.journal, base_dir);
  t.integer("feed_quiet_ms", l.feed_quiet_ms, 100, 3'600'000);
  t.integer("private_quiet_ms", l.private_quiet_ms, 100, 3'600'000);
  t.integer("request_timeout_ms", l.request_timeout_ms, 10, 60000);
  t.integer("shutdown_timeout_ms", l.shutdown_timeout_ms, 100, 600000);
  t.integer("dcp_window_s", l.dcp_window_s, 0, 300);
  t.integer("timer_ms", l.timer_ms, 1, 10000);
  t.integer("warm_interval_us", l.warm_interval_us, 0, 1'000'000);
  t.finish();
}

// [ops] (runtime/ops/ops_config.h): the operations side of mm run / mm paper.
void read_ops(Tab& root, OpsSettings& o, const std::string& base_dir) {
  Tab t = root.sub("ops");
  t.string("http_listen", o.http_listen);
  if (const toml::node* n = t.peek("http_listen"); n != nullptr && !o.http_listen.empty()) {
    std::string host;
    uint16_t port = 0;
    if (const std::string e = parse_listen_address(o.http_listen, host, port); !e.empty()) {
      t.fail(*n, "http_listen", "must be \"host:port\" or \"\" (off): " + e);
    }
  }
  t.enumeration(
      "log_format", o.log_format,
      [](std::string_view s, LogFormat& f) {
        if (s != "json" && s != "text") return false;
        f = s == "json" ? LogFormat::kJson : LogFormat::kText;
        return true;
      },
      "\"json\" or \"text\"");
  t.enumeration("log_level", o.log_level, parse_log_level, "\"debug\", \"info\", \"warn\" or \"error\"");
  t.string("log_file", o.log_file);
  o.log_file = from_config_dir(o.log_file, base_dir);
  t.integer("log_max_bytes", o.log_max_bytes, 4096, kI64Max);
  t.integer("log_max_files", o.log_max_files, 1, 1000);
  t.string("alert_telegram_chat_id", o.alert_telegram_chat_id);
  t.string("alert_telegram_base_url", o.alert_telegram_base_url);
  if (const toml::node* n = t.peek("alert_telegram_base_url"); n != nullptr) {
    Endpoint e;
    if (parse_url(o.alert_telegram_base_url, e) != UrlError::kOk || !e.tls) {
      t.fail(*n, "alert_telegram_base_url", "must be an https:// URL");
    }
  }
  t.string("alert_ca_file", o.alert_ca_file);
  o.alert_ca_file = from_config_dir(o.alert_ca_file, base_dir);
  t.integer("alert_min_interval_ms", o.alert_min_interval_ms, 0, kMaxMs);
  t.integer("alert_dedup_window_ms", o.alert_dedup_window_ms, 0, kMaxMs);
  t.integer("alert_max_retries", o.alert_max_retries, 0, 100);
  t.finish();
}

std::string check_semantics(Ctx& ctx, const toml::table& root, MmConfig& cfg) {
  std::string e;
  switch (cfg.strategy) {
    case StrategyKind::kFixed:
      e = cfg.fixed.validate();
      break;
    case StrategyKind::kInventory:
      e = cfg.inventory.validate();
      break;
    case StrategyKind::kAvellaneda:
      e = cfg.avellaneda.validate();
      break;
    case StrategyKind::kGlft:
      e = cfg.glft.validate();
      break;
  }
  if (e.empty() && cfg.strategy == StrategyKind::kInventory) {
    // The quoter takes the age in ns (seconds x 1e9 must fit an int64).
    constexpr int64_t kMaxAgeS = kMaxMs / 1000;  // whole seconds, so the bound prints as an integer
    if (cfg.inventory.max_order_age > static_cast<double>(kMaxAgeS)) {
      e = "strategy.max_order_age must be <= " + std::to_string(kMaxAgeS) + " seconds";
    } else {
      const InventoryMM probe(cfg.inventory);
      cfg.trader.quoter.price_tolerance_bps = probe.quoter_price_tolerance_bps();
      cfg.trader.quoter.max_order_age_ns = probe.quoter_max_order_age_ns();
    }
  }
  if (e.empty()) e = cfg.trader.signals.validate();
  if (e.empty() &&
      cfg.trader.signals.calibration_refit_ms % cfg.trader.signals.calibration_interval_ms != 0) {
    e = "signals.calibration_refit_ms must be a multiple of signals.calibration_interval_ms";
  }
  if (e.empty() && cfg.trader.max_position_lots <= 0) {
    e = "trader.max_position_lots must be set (> 0): the position cap in lots the strategies normalise by";
  }
  if (e.empty()) e = cfg.risk.validate();
  if (e.empty() && cfg.trader.order_capacity < cfg.risk.max_open_orders) {
    // The Trader sees and cancels every order in its table; a table smaller than the open orders the risk
    // limits allow would halt it (order_table_full) in normal trading.
    e = "trader.order_capacity must be >= risk.max_open_orders (" + std::to_string(cfg.risk.max_open_orders) +
        ")";
  }
  if (e.empty()) e = validate(cfg.venue);
  if (e.empty()) e = validate(cfg.sim);
  if (e.empty()) e = validate(cfg.live);
  if (e.empty()) e = cfg.backtest.sim.validate();
  if (e.empty()) {
    e = cfg.backtest.stats.validate();
    // StatsConfig names its fields "stats.<field>"; in the file they live in [backtest].
    if (e.rfind("stats.", 0) == 0) e = "backtest." + e.substr(6);
  }
  if (e.empty() && cfg.risk.require_post_only && cfg.trader.quoter.time_in_force != TimeInForce::kPostOnly) {
    // Otherwise the pre-trade check would refuse every quote.
    e = "quoter.time_in_force must be \"post_only\" while risk.require_post_only is true";
  }
  if (e.empty()) {
    // The parser checks each [quoter] key; the quoter's own check catches any rule added there later.
    const auto quoter = std::make_unique<Quoter>();
    if (const QuoterError q = quoter->configure(cfg.trader.quoter); q != QuoterError::kOk) {
      e = "quoter settings refused: " + std::string(to_string(q));
    }
  }
  if (!e.empty()) fail_validation(ctx, root, e);
  return ctx.error;
}

}  // namespace

namespace {

std::string parse_config_in(std::string_view toml_text, const std::string& origin,
                            const std::string& base_dir, MmConfig& out, std::vector<ResolvedKey>* listing) {
  Ctx ctx;
  ctx.origin = origin;
  std::vector<ResolvedKey> resolved;
  ctx.listing = listing != nullptr ? &resolved : nullptr;
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(origin));
  } catch (const toml::parse_error& err) {
    const toml::source_position& p = err.source().begin;
    return origin + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) +
           ": TOML syntax error: " + std::string(err.description());
  } catch (const std::exception& err) {
    return origin + ": " + err.what();
  }

  auto cfg = std::make_unique<MmConfig>();
  Tab top(ctx, &root, "");
  // Unknown sections first: "[stratgy]" is better reported as a typo than as a missing strategy.kind.
  top.declare({"market", "strategy", "signals", "quoter", "trader", "risk", "backtest", "venue", "sim",
               "live", "ops"});
  top.finish();
  {
    Tab m = top.sub("market");
    m.enumeration("category", cfg->category, parse_category,
                  "\"linear\", \"inverse\", \"spot\" or \"option\"");
    m.string("symbol", cfg->symbol);
    if (const toml::node* n = m.peek("symbol"); n != nullptr && cfg->symbol.empty()) {
      m.fail(*n, "symbol", "must not be empty");
    }
    m.finish();
  }
  read_strategy(top, *cfg);
  read_signals(top, cfg->trader.signals);
  read_quoter(top, *cfg);
  read_trader(top, cfg->trader);
  read_risk(top, cfg->risk);
  read_backtest(top, cfg->backtest, base_dir);
  read_venue(top, cfg->venue, base_dir);
  read_sim(top, cfg->sim, base_dir);
  read_live(top, cfg->live, base_dir);
  read_ops(top, cfg->ops, base_dir);
  if (!ctx.ok()) return ctx.error;
  cfg->trader.quoter.link_id_prefix = cfg->link_id_prefix;
  if (!check_semantics(ctx, root, *cfg).empty()) return ctx.error;

  out = std::move(*cfg);
  // The view must name out's own string: the one above pointed into the scratch config.
  out.trader.quoter.link_id_prefix = out.link_id_prefix;
  if (listing != nullptr) *listing = std::move(resolved);
  return "";
}

}  // namespace

std::string parse_config(std::string_view toml_text, const std::string& origin, MmConfig& out,
                         std::vector<ResolvedKey>* listing) {
  return parse_config_in(toml_text, origin, "", out, listing);
}

std::string load_config(const std::string& path, MmConfig& out, std::vector<ResolvedKey>* listing) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot open the config file";
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return path + ": cannot read the config file";
  const size_t slash = path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? std::string() : path.substr(0, slash == 0 ? 1 : slash);
  return parse_config_in(text.str(), path, base_dir, out, listing);
}

}  // namespace mm::tools
