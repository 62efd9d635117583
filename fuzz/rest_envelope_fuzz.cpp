// libFuzzer harness: the REST answer parsers of net/ — the envelope every answer goes through
// (parse_rest_envelope) and the instruments-info list that builds the registry (load_instruments_json).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/instrument_registry.h"
#include "net/bybit_codec.h"
#include "net/instruments_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  mm::RestEnvelope env;
  if (mm::parse_rest_envelope(body, env) == mm::CodecError::kOk) {
    // The views must lie inside the body (ASan checks the reads).
    static volatile char sink;
    if (!env.result.empty()) sink = env.result.back();
    if (!env.ret_ext_info.empty()) sink = env.ret_ext_info.front();
  }
  mm::InstrumentRegistry registry;
  (void)mm::load_instruments_json(body, registry);
  return 0;
}
