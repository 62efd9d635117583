#pragma once
// Reading request JSON with simdjson On-Demand (error codes, no exceptions), for SimExchange's REST bodies
// and WebSocket messages. Internal: includes simdjson; only sim/exchange/*.cpp include it.
#include <simdjson.h>

#include <string>
#include <string_view>

#include "sim/exchange/request_fields.h"

namespace mm::simx {

namespace od = simdjson::ondemand;

// Copies `text` into `padded` (capacity reused) with simdjson's padding and starts parsing it.
// Returns false (doc unusable) when simdjson refuses to start (too large / out of memory).
inline bool start_parse(od::parser& parser, std::string& padded, std::string_view text, od::document& doc) {
  padded.assign(text);
  padded.append(simdjson::SIMDJSON_PADDING, ' ');
  return parser.iterate(padded.data(), text.size(), padded.size()).get(doc) == simdjson::SUCCESS;
}

// The text of a scalar: a string's (unescaped) contents, a number's or a boolean's JSON text. Sets `absent`
// for null. Returns false for an object or array, or broken JSON.
inline bool scalar_text(od::value v, std::string_view& out, bool& absent) {
  absent = false;
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return false;
  switch (t) {
    case od::json_type::string:
      return v.get_string().get(out) == simdjson::SUCCESS;
    case od::json_type::number:
    case od::json_type::boolean: {
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() &&
             (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
        raw.remove_suffix(1);
      out = raw;
      if (t == od::json_type::boolean) {
        bool b;
        if (v.get_bool().get(b) != simdjson::SUCCESS) return false;
      }
      return true;
    }
    case od::json_type::null: {
      absent = true;
      bool is_null = false;
      return v.is_null().get(is_null) == simdjson::SUCCESS;
    }
    default:
      return false;
  }
}

// Reads every field of an object into `out` (cleared first). Fields this table does not know are skipped,
// whatever their type; a known field holding an object or array is an error (`bad_field` names it).
// Returns false on a type error or broken JSON.
inline bool read_fields(od::object obj, RequestFields& out, std::string_view& bad_field) {
  out.clear();
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    od::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return false;
    const Field f = field_of(key);
    if (f == Field::kCount) {
      // Unknown field: skipped by the iterator (On-Demand skips an unread value).
      continue;
    }
    std::string_view text;
    bool absent;
    if (!scalar_text(v, text, absent)) {
      bad_field = field_name(f);
      return false;
    }
    if (!absent) out.set(f, text);
  }
  return true;
}

}  // namespace mm::simx
