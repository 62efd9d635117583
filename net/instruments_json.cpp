#include "net/instruments_json.h"

#include <simdjson.h>

#include <string>

namespace mm {

namespace od = simdjson::ondemand;

std::string_view to_string(InstrumentsJsonError e) noexcept {
  switch (e) {
    case InstrumentsJsonError::kOk: return "ok";
    case InstrumentsJsonError::kJson: return "json";
    case InstrumentsJsonError::kRetCode: return "ret_code";
    case InstrumentsJsonError::kNoResult: return "no_result";
    case InstrumentsJsonError::kNoList: return "no_list";
    case InstrumentsJsonError::kBadCategory: return "bad_category";
    case InstrumentsJsonError::kRegistryFull: return "registry_full";
  }
  return "unknown";
}

namespace {

// Strings of one list entry; views into the parser's string buffer (valid for the whole document).
struct EntryFields {
  std::string_view symbol, status, price_scale, tick_size, qty_step, base_precision, min_qty, max_qty,
      max_limit_qty, min_notional, min_order_amt;
};

// Reads a string value; a non-string (null, number) leaves `out` empty, which make_instrument treats
// as absent for optional fields and as an error for required ones.
void read_string(od::value v, std::string_view& out) {
  std::string_view s;
  if (!v.get_string().get(s)) out = s;
}

bool read_price_filter(od::value v, EntryFields& f) {
  od::object o;
  if (v.get_object().get(o)) return false;
  for (auto field : o) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key == "tickSize") read_string(field.value(), f.tick_size);
  }
  return true;
}

bool read_lot_filter(od::value v, EntryFields& f) {
  od::object o;
  if (v.get_object().get(o)) return false;
  for (auto field : o) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    od::value val = field.value();
    if (key == "qtyStep") read_string(val, f.qty_step);
    else if (key == "basePrecision") read_string(val, f.base_precision);
    else if (key == "minOrderQty") read_string(val, f.min_qty);
    else if (key == "maxOrderQty") read_string(val, f.max_qty);
    else if (key == "maxLimitOrderQty") read_string(val, f.max_limit_qty);
    else if (key == "minNotionalValue") read_string(val, f.min_notional);
    else if (key == "minOrderAmt") read_string(val, f.min_order_amt);
  }
  return true;
}

// Returns false when the entry's JSON shape is wrong (the caller counts it as rejected).
bool read_entry(od::value v, EntryFields& f) {
  od::object o;
  if (v.get_object().get(o)) return false;
  for (auto field : o) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    od::value val = field.value();
    if (key == "symbol") read_string(val, f.symbol);
    else if (key == "status") read_string(val, f.status);
    else if (key == "priceScale") read_string(val, f.price_scale);
    else if (key == "priceFilter") {
      if (!read_price_filter(val, f)) return false;
    } else if (key == "lotSizeFilter") {
      if (!read_lot_filter(val, f)) return false;
    }
  }
  return true;
}

// Bybit prints some maxima with binary-float noise ("1542.6000000000001" on a 0.00001 step): a
// maximum floored to the lot grid is still a valid maximum, so floor it instead of rejecting the
// symbol. Minima and steps stay exact (rounding them would let orders below the real minimum through).
std::string_view floor_to_step(std::string_view max, std::string_view step, char* buf) {
  const int places = decimal_places(step);
  int64_t step_units = 0;
  int64_t v = 0;
  if (max.empty() || places < 0 || parse_fixed(step, places, step_units) != DecimalError::kOk || step_units <= 0) {
    return max;
  }
  std::string_view cut = max;
  const size_t dot = max.find('.');
  if (dot != std::string_view::npos && max.size() - dot - 1 > static_cast<size_t>(places)) {
    cut = max.substr(0, places == 0 ? dot : dot + 1 + static_cast<size_t>(places));
  }
  if (parse_fixed(cut, places, v) != DecimalError::kOk || v < 0) return max;  // make_instrument reports it
  v -= v % step_units;
  return {buf, format_fixed(v, places, 0, buf)};
}

InstrumentSpec to_spec(Category c, const EntryFields& f, char* max_buf) {
  InstrumentSpec s;
  s.category = c;
  s.symbol = f.symbol;
  s.status = f.status;
  s.tick_size = f.tick_size;
  s.min_qty = f.min_qty;
  if (c == Category::kSpot) {
    // Spot has no qtyStep: basePrecision is the quantity step; minOrderAmt is the notional floor.
    s.qty_step = f.base_precision;
    s.max_qty = floor_to_step(f.max_qty.empty() ? f.max_limit_qty : f.max_qty, s.qty_step, max_buf);
    s.min_notional = f.min_order_amt;
  } else {
    s.price_scale = f.price_scale;
    s.qty_step = f.qty_step;
    s.max_qty = floor_to_step(f.max_qty, s.qty_step, max_buf);
    s.min_notional = f.min_notional;
  }
  return s;
}

// `tickSize "1000000000000": bad_tick_size`: the field make_instrument refused and its text.
std::string rejection_reason(const InstrumentSpec& s, InstrumentError e) {
  const auto field = [&](const char* name, std::string_view value) {
    return std::string(name) + " \"" + std::string(value.substr(0, 40)) + "\": " + std::string(to_string(e));
  };
  switch (e) {
    case InstrumentError::kBadSymbol:
      return field("symbol", s.symbol);
    case InstrumentError::kBadTickSize:
      return field("tickSize", s.tick_size);
    case InstrumentError::kBadQtyStep:
      return field(s.category == Category::kSpot ? "basePrecision" : "qtyStep", s.qty_step);
    case InstrumentError::kBadLimit:
      return std::string(to_string(e)) + " (minOrderQty \"" + std::string(s.min_qty.substr(0, 40)) +
             "\", maxOrderQty \"" + std::string(s.max_qty.substr(0, 40)) + "\", min notional \"" +
             std::string(s.min_notional.substr(0, 40)) + "\")";
    case InstrumentError::kOk:
      break;
  }
  return std::string(to_string(e));
}

}  // namespace

InstrumentsLoad load_instruments_json(std::string_view body, InstrumentRegistry& registry) {
  InstrumentsLoad r;
  const simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object top;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(top)) {
    r.error = InstrumentsJsonError::kJson;
    return r;
  }
  // The envelope fields may come in any order, but `list` needs the category: read retCode and the
  // category first (find_field_unordered rewinds inside the object), then walk the list.
  int64_t ret_code = -1;
  if (top.find_field_unordered("retCode").get_int64().get(ret_code) || ret_code != 0) {
    r.error = InstrumentsJsonError::kRetCode;
    r.ret_code = static_cast<int>(ret_code);
    return r;
  }
  od::object result;
  if (top.find_field_unordered("result").get_object().get(result)) {
    r.error = InstrumentsJsonError::kNoResult;
    return r;
  }
  std::string_view cat;
  if (result.find_field_unordered("category").get_string().get(cat) || !parse_category(cat, r.category)) {
    r.error = InstrumentsJsonError::kBadCategory;
    return r;
  }
  od::array list;
  if (result.find_field_unordered("list").get_array().get(list)) {
    r.error = InstrumentsJsonError::kNoList;
    return r;
  }
  for (auto item : list) {
    od::value v;
    if (item.get(v)) {
      r.error = InstrumentsJsonError::kJson;
      return r;
    }
    EntryFields f;
    Instrument in;
    char max_buf[32];
    const bool shaped = read_entry(v, f);
    const InstrumentSpec spec = to_spec(r.category, f, max_buf);
    const InstrumentError e = shaped ? make_instrument(spec, in) : InstrumentError::kOk;
    if (!shaped || e != InstrumentError::kOk) {
      ++r.rejected;
      if (r.rejected_entries.size() < InstrumentsLoad::kMaxRejectedDetails) {
        r.rejected_entries.push_back(
            {std::string(f.symbol), shaped ? rejection_reason(spec, e) : std::string("malformed entry")});
      }
      continue;
    }
    if (registry.add(in) == kNoInstrument) {
      r.error = InstrumentsJsonError::kRegistryFull;
      return r;
    }
    ++r.loaded;
  }
  return r;
}

}  // namespace mm
