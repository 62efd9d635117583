// libFuzzer harness: the simulator's WebSocket client-frame parser (sim/server/ws_server_frame.h): a stream of
// frames parsed one after another as a connection does, each payload unmasked in place.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/ws_frame.h"
#include "sim/server/ws_server_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string buf(reinterpret_cast<const char*>(data), size);
  std::string_view in(buf);
  for (int i = 0; i < 256 && !in.empty(); ++i) {
    mm::simx::ClientFrame f;
    mm::simx::ClientFrameError err{};
    const auto st = mm::simx::parse_client_frame(in, 1 << 16, f, err);
    if (st != mm::simx::ClientFrameStatus::kFrame) {
      (void)mm::simx::to_string(err);
      break;
    }
    if (f.frame_len() > in.size() || f.frame_len() == 0) std::abort();
    char* payload = buf.data() + (in.data() - buf.data()) + f.header_len;
    mm::mask_payload(payload, f.payload_len, f.mask_key);
    in.remove_prefix(f.frame_len());
  }
  return 0;
}
