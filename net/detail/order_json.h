#pragma once
// JSON field writers shared by the REST and trade-WebSocket encoders; Bybit uses the same objects in both.
// Every writer validates an action before writing it; on error the output contents are unspecified.
#include <span>

#include "core/instrument.h"
#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "net/detail/bounded_writer.h"
#include "net/order_encoder.h"

namespace mm::detail {

// Writes `"key":"value"` pairs of one action, comma separated, without braces. with_category: lead with
// "category" (single requests); batch items leave it to the enclosing object.
[[nodiscard]] EncodeError write_create(BoundedWriter& w, const Instrument& in, const OrderCreate& a,
                                       bool with_category) noexcept;
[[nodiscard]] EncodeError write_amend(BoundedWriter& w, const Instrument& in, const OrderAmend& a,
                                      bool with_category) noexcept;
[[nodiscard]] EncodeError write_cancel(BoundedWriter& w, const Instrument& in, const OrderCancel& a,
                                       bool with_category) noexcept;

// Writes `"category":"..","request":[{..},..]` of a batch. Errors: kEmptyBatch, kBatchTooLarge,
// kUnknownInstrument, kMixedCategory and those of the item writer.
[[nodiscard]] EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                                      std::span<const OrderCreate> items) noexcept;
[[nodiscard]] EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                                      std::span<const OrderAmend> items) noexcept;
[[nodiscard]] EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                                      std::span<const OrderCancel> items) noexcept;

// The fields a reqId may contain: empty (omitted) or a valid link-id-like string.
[[nodiscard]] bool valid_req_id(std::string_view s) noexcept;

// Finishes an encoder: the error if any, else kBufferTooSmall on overflow, else the size.
inline Encoded finish(const BoundedWriter& w, EncodeError e) noexcept {
  if (e != EncodeError::kOk) return {e, 0};
  if (w.overflowed()) return {EncodeError::kBufferTooSmall, 0};
  return {EncodeError::kOk, w.size()};
}

}  // namespace mm::detail
