#pragma once
// JSON field writers shared by the REST and trade-WebSocket encoders; Bybit uses the same objects in both.
// Every writer validates an action before writing it; on error the output contents are unspecified.
// Each comes for both writers: BoundedWriter (checked appends) and UncheckedWriter (room reserved up front;
// the kMax*Bytes bounds below say how much). Both produce the same bytes and the same errors.
#include <span>
#include <type_traits>

#include "core/instrument.h"
#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "net/detail/bounded_writer.h"
#include "net/order_encoder.h"

namespace mm::detail {

// Bytes an UncheckedWriter may touch (written, or over-copied by put_padded) for one action: a single request
// body (with "category") or one batch item (with its leading ',' and braces), whichever is larger.
inline constexpr size_t kMaxCreateBytes = 320;
inline constexpr size_t kMaxAmendBytes = 192;
inline constexpr size_t kMaxCancelBytes = 128;
// The `"category":"..","request":[` ... `]` around batch items.
inline constexpr size_t kMaxBatchHeadBytes = 48;

// Room an UncheckedWriter may touch for a trade-stream envelope around the args (reqId <= 36 chars, or a
// WsRequestStream's 24-byte reqId and 128-byte head copied whole; both numbers <= 20 digits; the longest op).
inline constexpr size_t kMaxEnvelopeBytes = 256;

template <class Item>
constexpr size_t max_item_bytes() noexcept {
  if constexpr (std::is_same_v<Item, OrderCreate>) {
    return kMaxCreateBytes;
  } else if constexpr (std::is_same_v<Item, OrderAmend>) {
    return kMaxAmendBytes;
  } else {
    return kMaxCancelBytes;
  }
}
// Room write_batch may touch for n items (a batch over the category limit is refused before any write).
template <class Item>
constexpr size_t max_batch_bytes(size_t n) noexcept {
  return kMaxBatchHeadBytes + (n < kMaxBatchItems ? n : kMaxBatchItems) * max_item_bytes<Item>();
}

// Writes `"key":"value"` pairs of one action, comma separated, without braces. with_category: lead with
// "category" (single requests); batch items leave it to the enclosing object.
[[nodiscard]] EncodeError write_create(BoundedWriter& w, const Instrument& in, const OrderCreate& a,
                                       bool with_category) noexcept;
[[nodiscard]] EncodeError write_amend(BoundedWriter& w, const Instrument& in, const OrderAmend& a,
                                      bool with_category) noexcept;
[[nodiscard]] EncodeError write_cancel(BoundedWriter& w, const Instrument& in, const OrderCancel& a,
                                       bool with_category) noexcept;
// Preconditions: w has max_item_bytes<...>() bytes of room.
[[nodiscard]] EncodeError write_create(UncheckedWriter& w, const Instrument& in, const OrderCreate& a,
                                       bool with_category) noexcept;
[[nodiscard]] EncodeError write_amend(UncheckedWriter& w, const Instrument& in, const OrderAmend& a,
                                      bool with_category) noexcept;
[[nodiscard]] EncodeError write_cancel(UncheckedWriter& w, const Instrument& in, const OrderCancel& a,
                                       bool with_category) noexcept;

// Writes `"category":"..","request":[{..},..]` of a batch. Errors: kEmptyBatch, kBatchTooLarge,
// kUnknownInstrument, kMixedCategory and those of the item writer. The BoundedWriter form writes unchecked
// when max_batch_bytes() fit.
[[nodiscard]] EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                                      std::span<const OrderCreate> items) noexcept;
[[nodiscard]] EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                                      std::span<const OrderAmend> items) noexcept;
[[nodiscard]] EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                                      std::span<const OrderCancel> items) noexcept;
// Preconditions: w has max_batch_bytes<Item>(items.size()) bytes of room.
[[nodiscard]] EncodeError write_batch(UncheckedWriter& w, const InstrumentRegistry& reg,
                                      std::span<const OrderCreate> items) noexcept;
[[nodiscard]] EncodeError write_batch(UncheckedWriter& w, const InstrumentRegistry& reg,
                                      std::span<const OrderAmend> items) noexcept;
[[nodiscard]] EncodeError write_batch(UncheckedWriter& w, const InstrumentRegistry& reg,
                                      std::span<const OrderCancel> items) noexcept;

// The fields a reqId may contain: empty (omitted) or a valid link-id-like string.
[[nodiscard]] bool valid_req_id(std::string_view s) noexcept;

// Finishes an encoder: the error if any, else kBufferTooSmall on overflow, else the size.
inline Encoded finish(const BoundedWriter& w, EncodeError e) noexcept {
  if (e != EncodeError::kOk) return {e, 0};
  if (w.overflowed()) return {EncodeError::kBufferTooSmall, 0};
  return {EncodeError::kOk, w.size()};
}
inline Encoded finish(const UncheckedWriter& w, EncodeError e) noexcept {
  if (e != EncodeError::kOk) return {e, 0};
  return {EncodeError::kOk, w.size()};
}

}  // namespace mm::detail
