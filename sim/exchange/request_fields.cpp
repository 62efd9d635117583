#include "sim/exchange/request_fields.h"

namespace mm::simx {

namespace {

constexpr std::array<std::string_view, kFieldCount> kNames = {
    "category",       "symbol",      "side",         "orderType",   "qty",
    "price",          "timeInForce", "orderLinkId",  "orderId",     "reduceOnly",
    "closeOnTrigger", "positionIdx", "triggerPrice", "takeProfit",  "stopLoss",
    "trailingStop",   "tpTriggerBy", "slTriggerBy",  "tpslMode",    "buyLeverage",
    "sellLeverage",   "settleCoin",  "baseCoin",     "openOnly",    "limit",
    "cursor",         "accountType", "coin",         "product",     "timeWindow",
    "startTime",      "endTime",     "execType",     "orderFilter", "marketUnit",
    "isLeverage",     "smpType",     "orderIv",      "mmp"};

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends the percent-decoded text of `in` ('+' is a space, as in forms) to `out`. False on a bad escape.
bool decode(std::string_view in, std::string& out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_digit(in[i + 1]);
      const int lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return true;
}

}  // namespace

std::string_view field_name(Field f) noexcept {
  const auto i = static_cast<size_t>(f);
  return i < kFieldCount ? kNames[i] : std::string_view("?");
}

Field field_of(std::string_view name) noexcept {
  // A linear scan of 39 short names, compared by length first: requests carry about ten fields, and this
  // costs less than the JSON parse around it.
  for (size_t i = 0; i < kFieldCount; ++i)
    if (kNames[i].size() == name.size() && kNames[i] == name) return static_cast<Field>(i);
  return Field::kCount;
}

bool parse_query(std::string_view query, std::string& scratch, RequestFields& out) {
  out.clear();
  scratch.clear();
  // Decoded text goes to scratch first; views are taken after, since appends may move the buffer.
  struct Span {
    Field f;
    size_t at, len;
  };
  std::array<Span, kFieldCount> spans{};
  size_t n = 0;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      const std::string_view raw_key = pair.substr(0, eq);
      const std::string_view raw_val =
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      const size_t key_at = scratch.size();
      if (!decode(raw_key, scratch)) return false;
      const Field f = field_of(std::string_view(scratch).substr(key_at));
      scratch.resize(key_at);
      const size_t val_at = scratch.size();
      if (!decode(raw_val, scratch)) return false;
      if (f != Field::kCount && n < spans.size()) spans[n++] = {f, val_at, scratch.size() - val_at};
    }
    if (amp == query.size()) break;
  }
  for (size_t i = 0; i < n; ++i)
    out.set(spans[i].f, std::string_view(scratch).substr(spans[i].at, spans[i].len));
  return true;
}

}  // namespace mm::simx
