// libFuzzer harness: BybitCodec over any frame — public topics (as a linear and as a spot connection), private
// topics (order, execution, position, wallet), trade WebSocket acks and control answers. Both entry points run:
// parse() (copies into the padded buffer) and parse_padded() on a buffer with kPadding junk bytes after the
// frame, because the codec's contract is that the padding's content does not matter.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_registry.h"
#include "net/bybit_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mm::BybitCodec codec(mm::fuzz::recorded_registry());
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  const mm::ParseResult linear = codec.parse(frame, mm::Category::kLinear);
  if (linear.error == mm::CodecError::kOk && linear.kind == mm::MsgKind::kBook) {
    // Touch every level: an out-of-range span would be caught by ASan here.
    const mm::BookUpdate& b = codec.book();
    int64_t sum = 0;
    for (uint32_t i = 0; i < b.bid_count; ++i) sum += b.bids[i].price.ticks;
    for (uint32_t i = 0; i < b.ask_count; ++i) sum += b.asks[i].qty.lots;
    static volatile int64_t sink;  // keeps the reads from being optimised away
    sink = sum;
  }
  (void)codec.parse(frame, mm::Category::kSpot);
  if (size <= codec.limits().max_frame_bytes) {
    std::vector<char> padded(size + mm::BybitCodec::kPadding, '}');
    if (size != 0) std::memcpy(padded.data(), data, size);
    (void)codec.parse_padded(padded.data(), size, mm::Category::kLinear);
  }
  return 0;
}
