#include "sim/server/fault.h"

#include <simdjson.h>

#include <cmath>

namespace mm::simx {

namespace {
constexpr std::string_view kNames[] = {"close",
                                       "reset",
                                       "stall",
                                       "delay",
                                       "skew",
                                       "drop_delta",
                                       "restart_snapshot",
                                       "ret_code",
                                       "partial_fill",
                                       "stop_filling",
                                       "resume_filling",
                                       "restart_matching",
                                       "post_only_cross",
                                       "duplicate_execution",
                                       "reorder_order"};
}

std::string_view to_string(FaultKind k) noexcept {
  const auto i = static_cast<size_t>(k);
  return i < std::size(kNames) ? kNames[i] : "?";
}

bool parse_fault_kind(std::string_view s, FaultKind& out) noexcept {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == s) {
      out = static_cast<FaultKind>(i);
      return true;
    }
  }
  return false;
}

std::string parse_fault_json(std::string_view json, Fault& out, bool allow_at) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) return "fault: not valid JSON";
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return "fault: expected a JSON object";
  Fault f;
  bool have_kind = false;
  for (const simdjson::dom::key_value_pair field : obj) {
    // Named copies rather than a structured binding: clang 14 (the fuzz preset) cannot capture bindings in
    // lambdas.
    const std::string_view key = field.key;
    const simdjson::dom::element value = field.value;
    auto need_string = [&](std::string& dst) -> std::string {
      std::string_view v;
      if (value.get_string().get(v)) return "fault: key '" + std::string(key) + "' must be a string";
      dst.assign(v);
      return "";
    };
    auto need_int = [&](auto& dst) -> std::string {
      int64_t v = 0;
      double d = 0;
      if (!value.get_int64().get(v)) {
      } else if (!value.get_double().get(d) && std::isfinite(d) && d == std::floor(d) &&
                 std::fabs(d) < 9e15) {
        v = static_cast<int64_t>(d);
      } else {
        return "fault: key '" + std::string(key) + "' must be an integer";
      }
      dst = static_cast<std::remove_reference_t<decltype(dst)>>(v);
      return "";
    };
    std::string err;
    if (key == "kind") {
      std::string k;
      err = need_string(k);
      if (err.empty() && !parse_fault_kind(k, f.kind)) err = "fault: unknown kind '" + k + "'";
      have_kind = true;
    } else if (key == "target") {
      int64_t id = 0;
      if (!value.get_int64().get(id)) {
        f.target = std::to_string(id);
      } else {
        err = need_string(f.target);
      }
      if (err.empty() && f.target != "all" && f.target != "one" &&
          f.target.find_first_not_of("0123456789") != std::string::npos) {
        err = "fault: target must be \"all\", \"one\" or a connection id";
      }
    } else if (key == "path") {
      err = need_string(f.path);
    } else if (key == "ms") {
      err = need_int(f.ms);
    } else if (key == "for_ms") {
      err = need_int(f.for_ms);
    } else if (key == "code") {
      err = need_int(f.code);
    } else if (key == "reason") {
      err = need_string(f.reason);
    } else if (key == "symbol") {
      err = need_string(f.symbol);
    } else if (key == "ret_code") {
      err = need_int(f.ret_code);
    } else if (key == "count") {
      err = need_int(f.count);
    } else if (key == "qty") {
      err = need_string(f.qty);
    } else if (key == "order_id") {
      err = need_string(f.order_id);
    } else if (key == "at" && allow_at) {
      double s = 0;
      int64_t i = 0;
      if (!value.get_int64().get(i)) {
        s = static_cast<double>(i);
      } else if (value.get_double().get(s)) {
        err = "fault: key 'at' must be a number of seconds";
      }
      if (err.empty() && !(s >= 0 && s < 1e9)) err = "fault: key 'at' must be >= 0";
      f.at_ns = static_cast<int64_t>(s * 1e9);
    } else {
      err = "fault: unknown key '" + std::string(key) + "'";
    }
    if (!err.empty()) return err;
  }
  if (!have_kind) return "fault: missing key 'kind'";
  if (f.ms < 0 && f.kind != FaultKind::kSkew) return "fault: key 'ms' must be >= 0";
  if (f.for_ms < 0) return "fault: key 'for_ms' must be >= 0";
  if (f.count < 1) return "fault: key 'count' must be >= 1";
  if (f.code < 1000 || f.code > 4999 || f.code == 1004 || f.code == 1005 || f.code == 1006 ||
      f.code == 1015) {
    return "fault: key 'code' must be a sendable WebSocket close code (1000-4999)";
  }
  if (f.reason.size() > 123) return "fault: key 'reason' is longer than 123 bytes";
  if (f.kind == FaultKind::kRetCode && f.ret_code == 0)
    return "fault: kind ret_code needs a non-zero 'ret_code'";
  out = std::move(f);
  return "";
}

}  // namespace mm::simx
