// libFuzzer harness: the simulator's request decoding (sim/exchange/request_fields.h, json_in.h, and the admin
// fault body of sim/server/fault.h). The first byte picks the decoder: a GET query string, a JSON request body
// (REST POST and WebSocket "args" items are read by the same read_fields), or a POST /admin/fault body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/exchange/json_in.h"
#include "sim/exchange/request_fields.h"
#include "sim/server/fault.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  mm::simx::RequestFields fields;
  switch (data[0] % 3) {
    case 0: {
      std::string scratch;
      if (mm::simx::parse_query(text, scratch, fields)) {
        int64_t n = 0;
        (void)mm::simx::parse_count(fields.get(mm::simx::Field::kStartTime), n);
      }
      break;
    }
    case 1: {
      static simdjson::ondemand::parser parser;
      std::string padded;
      simdjson::ondemand::document doc;
      if (!mm::simx::start_parse(parser, padded, text, doc)) break;
      simdjson::ondemand::object obj;
      if (doc.get_object().get(obj) != simdjson::SUCCESS) break;
      std::string_view bad;
      (void)mm::simx::read_fields(obj, fields, bad);
      break;
    }
    default: {
      mm::simx::Fault fault;
      (void)mm::simx::parse_fault_json(text, fault, true);
      break;
    }
  }
  return 0;
}
