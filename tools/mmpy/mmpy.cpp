// mmpy: the C++ backtester as a Python module, for the optimizer (`mm optimize`, tools/optimize/).
//
//   import mmpy
//   data = mmpy.load_data(["day.events"], category="linear")   # once; shared by every run (and thread)
//   res = mmpy.run_backtest(config, data, from_ns=None, to_ns=None, series=False)
//
// `config` is the TOML text of an mm config (examples/*.toml) or a dict of the same tables. The result is the
// `--json` object of `mm backtest` ({"stats": ..., "run": ...}) as Python values, plus "series" (numpy arrays)
// when asked. The GIL is released while the simulation runs, so trials in threads run in parallel.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sim/event_data.h"
#include "tools/mm/backtest.h"
#include "tools/mm/config.h"

namespace py = pybind11;

namespace {

// ---- dict -> TOML text (the config parser then validates it exactly as it validates a file) ----

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) throw py::value_error("config: control character in a string");
        out += c;
    }
  }
  return out + "\"";
}

std::string toml_key(const std::string& k) {
  for (const char c : k) {
    const bool bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-';
    if (!bare) return toml_string(k);
  }
  if (k.empty()) return "\"\"";
  return k;
}

std::string toml_value(const py::handle& v, const std::string& key) {
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::int_>(v)) return py::str(v).cast<std::string>();
  if (py::isinstance<py::float_>(v)) {
    const double d = v.cast<double>();
    if (!std::isfinite(d)) throw py::value_error("config: " + key + " must be a finite number");
    // repr() is the shortest string that reads back to the same double; TOML needs a '.' or an exponent.
    std::string r = py::repr(v).cast<std::string>();
    if (r.find_first_of(".eE") == std::string::npos) r += ".0";
    return r;
  }
  if (py::isinstance<py::str>(v)) return toml_string(v.cast<std::string>());
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    std::string out = "[";
    bool first = true;
    for (const py::handle e : v) {
      if (!first) out += ", ";
      first = false;
      out += toml_value(e, key);
    }
    return out + "]";
  }
  // numpy scalars and other numbers: through float/int when they convert exactly.
  if (py::hasattr(v, "item")) return toml_value(v.attr("item")(), key);
  throw py::value_error("config: " + key + " has an unsupported type " +
                        py::str(py::type::of(v)).cast<std::string>());
}

void emit_table(const py::dict& d, const std::string& path, std::string& out) {
  // Plain keys first (TOML requires them before sub-tables), then each sub-table.
  for (const auto& [k, v] : d) {
    const std::string key = py::str(k).cast<std::string>();
    if (py::isinstance<py::dict>(v)) continue;
    out += toml_key(key) + " = " + toml_value(v, path.empty() ? key : path + "." + key) + "\n";
  }
  for (const auto& [k, v] : d) {
    if (!py::isinstance<py::dict>(v)) continue;
    const std::string key = py::str(k).cast<std::string>();
    const std::string sub = path.empty() ? toml_key(key) : path + "." + toml_key(key);
    out += "\n[" + sub + "]\n";
    emit_table(v.cast<py::dict>(), sub, out);
  }
}

mm::tools::MmConfig parse_py_config(const py::object& config) {
  std::string text;
  std::string origin;
  if (py::isinstance<py::str>(config)) {
    text = config.cast<std::string>();
    origin = "<config>";
  } else if (py::isinstance<py::dict>(config)) {
    emit_table(config.cast<py::dict>(), "", text);
    origin = "<config dict>";
  } else {
    throw py::type_error("config must be a TOML string or a dict of TOML tables");
  }
  mm::tools::MmConfig cfg;
  if (std::string e = mm::tools::parse_config(text, origin, cfg); !e.empty()) throw py::value_error(e);
  return cfg;
}

// ---- data ----

struct Data {
  std::shared_ptr<const mm::EventData> data;
};

Data load_data(const std::vector<std::string>& paths, const std::string& category,
               std::optional<std::vector<std::string>> symbols) {
  mm::EventLoadOptions o;
  if (!mm::parse_category(category, o.read.category)) {
    throw py::value_error("category must be linear, inverse, spot or option, got \"" + category + "\"");
  }
  if (symbols) o.symbols = *symbols;
  auto d = std::make_shared<mm::EventData>();
  std::string error;
  mm::EventDataError e;
  {
    py::gil_scoped_release release;
    e = mm::load_event_data(paths, o, *d, error);
  }
  if (e != mm::EventDataError::kOk) throw py::value_error(error);
  return Data{std::move(d)};
}

template <class T>
py::array_t<T> column(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
  return a;
}

// One int64 column per field: rows projected through f.
template <class Row, class F>
void put_column(py::dict& d, const char* key, const std::vector<Row>& rows, F f) {
  std::vector<int64_t> v;
  v.reserve(rows.size());
  for (const Row& r : rows) v.push_back(static_cast<int64_t>(f(r)));
  d[key] = column(v);
}

py::dict series_dict(const mm::BacktestSeries& s) {
  using S = mm::SeriesSample;
  using F = mm::FillRecord;
  py::dict samples;
  put_column(samples, "ts_ns", s.samples, [](const S& x) { return x.ts_ns; });
  put_column(samples, "mid_half_ticks", s.samples, [](const S& x) { return x.mid_half_ticks; });
  put_column(samples, "bid_quote_ticks", s.samples, [](const S& x) { return x.bid_quote_ticks; });
  put_column(samples, "ask_quote_ticks", s.samples, [](const S& x) { return x.ask_quote_ticks; });
  put_column(samples, "position_lots", s.samples, [](const S& x) { return x.position_lots; });
  put_column(samples, "equity_units", s.samples, [](const S& x) { return x.equity_units; });
  put_column(samples, "fees_units", s.samples, [](const S& x) { return x.fees_units; });
  put_column(samples, "funding_units", s.samples, [](const S& x) { return x.funding_units; });
  py::dict fills;
  put_column(fills, "ts_ns", s.fills, [](const F& f) { return f.ts_ns; });
  put_column(fills, "side", s.fills, [](const F& f) { return f.side == mm::Side::kBuy ? 1 : -1; });
  put_column(fills, "maker", s.fills, [](const F& f) { return f.maker ? 1 : 0; });
  put_column(fills, "price_ticks", s.fills, [](const F& f) { return f.price_ticks; });
  put_column(fills, "qty_lots", s.fills, [](const F& f) { return f.qty_lots; });
  put_column(fills, "fee_units", s.fills, [](const F& f) { return f.fee_units; });
  put_column(fills, "position_after_lots", s.fills, [](const F& f) { return f.position_after_lots; });
  put_column(fills, "equity_after_units", s.fills, [](const F& f) { return f.equity_after_units; });
  // Mids in half ticks (best bid + best ask): exact on a one-tick spread.
  put_column(fills, "mid_half_ticks", s.fills, [](const F& f) { return f.mid_half_ticks; });
  put_column(fills, "mid_1s_half_ticks", s.fills, [](const F& f) { return f.mid_after_half_ticks[0]; });
  put_column(fills, "mid_5s_half_ticks", s.fills, [](const F& f) { return f.mid_after_half_ticks[1]; });
  put_column(fills, "mid_30s_half_ticks", s.fills, [](const F& f) { return f.mid_after_half_ticks[2]; });
  py::dict out;
  out["samples"] = samples;
  out["fills"] = fills;
  out["units"] = py::dict(py::arg("money_units_per_coin") = mm::kMoneyOne,
                          py::arg("tick_units") = s.instrument.tick_units,
                          py::arg("price_scale") = static_cast<int>(s.instrument.price_scale),
                          py::arg("lot_units") = s.instrument.lot_units,
                          py::arg("qty_scale") = static_cast<int>(s.instrument.qty_scale));
  return out;
}

py::object run_backtest(const py::object& config, const Data& data, std::optional<int64_t> from_ns,
                        std::optional<int64_t> to_ns, bool series) {
  if (!data.data) throw py::value_error("data is empty: use mmpy.load_data()");
  const mm::tools::MmConfig cfg = parse_py_config(config);
  auto run = std::make_unique<mm::tools::BacktestRun>();
  std::string error;
  {
    py::gil_scoped_release release;
    error = mm::tools::run_backtest_job(cfg, *data.data, from_ns.value_or(mm::kNoTimeLimitLow),
                                        to_ns.value_or(mm::kNoTimeLimitHigh), *run);
  }
  if (!error.empty()) throw py::value_error(error);
  py::object result = py::module_::import("json").attr("loads")(mm::tools::backtest_json(*run));
  if (series) result["series"] = series_dict(run->series);
  return result;
}

}  // namespace

PYBIND11_MODULE(mmpy, m) {
  m.doc() = "mm backtester (C++): load recorded Bybit data once, run configured strategies on it";
  py::class_<Data>(m, "Data", "Loaded market data (read-only, shareable between threads)")
      .def_property_readonly("events", [](const Data& d) { return d.data->events().size(); })
      .def_property_readonly("first_ns", [](const Data& d) { return d.data->first_ns(); })
      .def_property_readonly("last_ns", [](const Data& d) { return d.data->last_ns(); })
      .def_property_readonly("has_local_time", [](const Data& d) { return d.data->has_local_time(); })
      .def("__repr__", [](const Data& d) {
        std::ostringstream s;
        s << "<mmpy.Data events=" << d.data->events().size() << " first_ns=" << d.data->first_ns()
          << " last_ns=" << d.data->last_ns() << ">";
        return s.str();
      });
  m.def("load_data", &load_data, py::arg("paths"), py::arg("category") = "linear",
        py::arg("symbols") = py::none(),
        "Load recordings (.events, mm capture, cryptofeed .jsonl[.zst], Bybit history .data/.zip). "
        "Raises ValueError naming the file on error.");
  m.def("run_backtest", &run_backtest, py::arg("config"), py::arg("data"), py::arg("from_ns") = py::none(),
        py::arg("to_ns") = py::none(), py::arg("series") = false,
        "Run one backtest; returns {'stats': {...}, 'run': {...}} (and 'series' numpy arrays when series=True). "
        "Raises ValueError naming the bad key for an invalid config. Releases the GIL while running.");
}
