#include "core/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <utility>

namespace mm {

Histogram::Histogram(std::span<const int64_t> bounds_ns) noexcept : n_(bounds_ns.size()) {
  bounds_.fill(std::numeric_limits<int64_t>::max());
  for (size_t i = 0; i < n_ && i < kMaxBounds; ++i) bounds_[i] = bounds_ns[i];
  for (size_t m = 0; m < first_.size(); ++m) {
    const uint64_t low = uint64_t{1} << m;
    size_t below = 0;
    while (below < n_ && static_cast<uint64_t>(bounds_[below]) < low) ++below;
    first_[m] = static_cast<uint8_t>(below);
  }
}

std::span<const int64_t> default_latency_bounds_ns() noexcept {
  static constexpr std::array<int64_t, 22> kBounds = {
      1'000,         2'500,         5'000,         10'000,        25'000,      50'000,
      100'000,       250'000,       500'000,       1'000'000,     2'500'000,   5'000'000,
      10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000, 500'000'000,
      1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};
  return kBounds;
}

namespace {

enum Type : int { kCounterType = 0, kGaugeType = 1, kHistogramType = 2 };

constexpr std::string_view type_name(int t) noexcept {
  return t == kCounterType ? "counter" : t == kGaugeType ? "gauge" : "histogram";
}

bool is_name_char(char c, bool first, bool colon_ok) noexcept {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view s, bool colon_ok) noexcept {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!is_name_char(s[i], i == 0, colon_ok)) return false;
  }
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

[[noreturn]] void refuse(std::string_view name, std::string_view why) {
  throw std::invalid_argument("metric " + std::string(name) + ": " + std::string(why));
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    out.append(buf, r.ptr);
  }
}

}  // namespace

void append_escaped_label_value(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_ns_as_seconds(std::string& out, int64_t ns) {
  // Unsigned magnitude: -INT64_MIN does not fit an int64.
  const bool negative = ns < 0;
  const uint64_t mag = negative ? uint64_t{0} - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  if (negative) out += '-';
  append_uint(out, mag / 1'000'000'000u);
  uint64_t frac = mag % 1'000'000'000u;
  if (frac == 0) return;
  char digits[9];
  for (int i = 8; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  int len = 9;
  while (digits[len - 1] == '0') --len;
  out += '.';
  out.append(digits, static_cast<size_t>(len));
}

struct MetricsRegistry::Family {
  struct Series {
    std::string labels;  // rendered: `a="x",b="y"` (no braces), "" when none
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  std::string name;
  std::string help;
  int type = kCounterType;
  std::vector<Series> series;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help, int type) {
  if (!valid_name(name, true)) refuse(name, "name must match [a-zA-Z_:][a-zA-Z0-9_:]*");
  if (type == kCounterType && !ends_with(name, "_total")) refuse(name, "a counter's name ends in _total");
  if (type == kHistogramType && !ends_with(name, "_seconds"))
    refuse(name, "a histogram's name ends in _seconds");
  for (const auto& f : families_) {
    if (f->name != name) continue;
    if (f->type != type) refuse(name, "already registered as a " + std::string(type_name(f->type)));
    if (f->help != help) refuse(name, "registered again with another help text");
    return *f;
  }
  auto f = std::make_unique<Family>();
  f->name = name;
  f->help = help;
  f->type = type;
  families_.push_back(std::move(f));
  return *families_.back();
}

namespace {

std::string render_labels(std::string_view metric, std::initializer_list<MetricLabel> labels,
                          bool histogram) {
  std::string out;
  for (const MetricLabel& l : labels) {
    if (!valid_name(l.name, false)) refuse(metric, "label name must match [a-zA-Z_][a-zA-Z0-9_]*");
    if (l.name.substr(0, 2) == "__") refuse(metric, "label names starting with __ are reserved");
    if (histogram && l.name == "le") refuse(metric, "label le is reserved for histogram buckets");
    for (const MetricLabel& o : labels) {
      if (&o != &l && o.name == l.name) refuse(metric, "label " + std::string(l.name) + " given twice");
    }
    if (!out.empty()) out += ',';
    out += l.name;
    out += "=\"";
    append_escaped_label_value(out, l.value);
    out += '"';
  }
  return out;
}

template <class F>
typename F::value_type& new_series(std::string_view name, F& series, std::string labels) {
  for (const auto& s : series) {
    if (s.labels == labels) refuse(name, "series {" + labels + "} registered twice");
  }
  series.emplace_back();
  series.back().labels = std::move(labels);
  return series.back();
}

}  // namespace

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help,
                                  std::initializer_list<MetricLabel> labels) {
  const std::lock_guard lock(mu_);
  std::string l = render_labels(name, labels, false);  // before family(): a refusal leaves nothing behind
  Family& f = family(name, help, kCounterType);
  auto& s = new_series(name, f.series, std::move(l));
  s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help,
                              std::initializer_list<MetricLabel> labels, double scale) {
  const std::lock_guard lock(mu_);
  if (!std::isfinite(scale)) refuse(name, "scale must be finite");
  std::string l = render_labels(name, labels, false);
  Family& f = family(name, help, kGaugeType);
  auto& s = new_series(name, f.series, std::move(l));
  s.gauge = std::make_unique<Gauge>(scale);
  return *s.gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      std::span<const int64_t> bounds_ns,
                                      std::initializer_list<MetricLabel> labels) {
  const std::lock_guard lock(mu_);
  if (bounds_ns.empty() || bounds_ns.size() > Histogram::kMaxBounds) {
    refuse(name, "needs 1 to " + std::to_string(Histogram::kMaxBounds) + " bucket bounds");
  }
  for (size_t i = 0; i < bounds_ns.size(); ++i) {
    if (bounds_ns[i] <= 0 || (i > 0 && bounds_ns[i] <= bounds_ns[i - 1])) {
      refuse(name, "bucket bounds must be positive and strictly increasing");
    }
  }
  std::string l = render_labels(name, labels, true);
  Family& f = family(name, help, kHistogramType);
  auto& s = new_series(name, f.series, std::move(l));
  s.histogram = std::make_unique<Histogram>(bounds_ns);
  return *s.histogram;
}

namespace {

void open_series(std::string& out, std::string_view name, std::string_view suffix,
                 const std::string& labels) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
}

void render_histogram(std::string& out, std::string_view name, const std::string& labels,
                      const Histogram& h) {
  // Cumulative counts from one pass, so _count equals the +Inf bucket even while the writer keeps observing.
  uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i <= h.bound_count(); ++i) {
    cumulative += h.bucket_count(i);
    out += name;
    out += "_bucket{";
    out += labels;
    out += sep;
    out += "le=\"";
    if (i < h.bound_count()) {
      append_ns_as_seconds(out, h.bound_ns(i));
    } else {
      out += "+Inf";
    }
    out += "\"} ";
    append_uint(out, cumulative);
    out += '\n';
  }
  open_series(out, name, "_sum", labels);
  append_ns_as_seconds(out, h.sum_ns());
  out += '\n';
  open_series(out, name, "_count", labels);
  append_uint(out, cumulative);
  out += '\n';
}

}  // namespace

void MetricsRegistry::render(std::string& out) const {
  const std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    append_escaped_help(out, f->help);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += type_name(f->type);
    out += '\n';
    for (const auto& s : f->series) {
      if (s.counter) {
        open_series(out, f->name, "", s.labels);
        append_uint(out, s.counter->value());
      } else if (s.gauge) {
        open_series(out, f->name, "", s.labels);
        if (s.gauge->scale() == 1.0) {
          append_int(out, s.gauge->value());
        } else {
          append_double(out, static_cast<double>(s.gauge->value()) * s.gauge->scale());
        }
      } else {
        render_histogram(out, f->name, s.labels, *s.histogram);
        continue;
      }
      out += '\n';
    }
  }
}

std::string MetricsRegistry::render() const {
  std::string out;
  render(out);
  return out;
}

std::vector<std::string> MetricsRegistry::names() const {
  const std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(families_.size());
  for (const auto& f : families_) out.push_back(f->name);
  return out;
}

}  // namespace mm
