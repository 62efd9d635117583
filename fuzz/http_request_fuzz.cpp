// libFuzzer harness: the simulator's HTTP/1.1 request parser (sim/server/http_request.h), fed the way a connection
// feeds it: the whole input, then pipelined requests one after another while each is complete. The header lookups
// and the WebSocket upgrade check run on every parsed request; the views must stay inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "sim/server/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Writable, as a connection's read buffer is (a chunked body is decoded in place).
  std::vector<char> copy(data, data + size);
  std::span<char> in(copy);
  for (int i = 0; i < 64 && !in.empty(); ++i) {
    mm::simx::HttpRequest req;
    std::string_view why;
    const auto st = mm::simx::parse_http_request(in, 8192, 65536, req, why);
    if (st != mm::simx::HttpParseStatus::kComplete) break;
    (void)req.header("content-type");
    (void)req.header("X-BAPI-SIGN");
    (void)req.websocket_upgrade();
    const size_t used = req.wire_len;
    if (used == 0 || used > in.size() || req.body.size() != req.content_length ||
        req.body.data() != in.data() + req.head_len || req.head_len + req.content_length > used)
      std::abort();
    in = in.subspan(used);
  }
  return 0;
}
