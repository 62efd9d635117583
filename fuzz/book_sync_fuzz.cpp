// libFuzzer harness: the book builder. The input is a stream of orderbook frames, one per line; each is parsed by
// the codec (linear connection) and every book message goes through BookSync (snapshot, deltas, u gaps and steps
// backwards, u == 1 restarts, crossed and overflowing books). After every message the book's invariants are
// checked: a trusted book is never reported with a negative quantity, and best bid/ask lie on the book.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/book_sync.h"
#include "fuzz/fuzz_registry.h"
#include "net/bybit_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mm::BybitCodec codec(mm::fuzz::recorded_registry());
  mm::BookSync sync(4096, 64);  // the smallest window and a small overflow: recentring and overflow paths are reached
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  int64_t now_ns = 0;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    const mm::ParseResult r = codec.parse(line, mm::Category::kLinear);
    if (r.error != mm::CodecError::kOk || r.kind != mm::MsgKind::kBook) continue;
    now_ns += 1'000'000;
    (void)sync.on_update(codec.book(), now_ns);
    if (sync.trusted()) {
      const auto bid = sync.book().best_bid();
      const auto ask = sync.book().best_ask();
      if (bid && bid->qty.lots <= 0) std::abort();
      if (ask && ask->qty.lots <= 0) std::abort();
      if (bid && ask && bid->price.ticks >= ask->price.ticks && !sync.book().crossed()) std::abort();
    }
    if (sync.take_resubscribe()) sync.reset();
    (void)sync.is_stale(now_ns, 5'000'000'000);
  }
  return 0;
}
