#include "net/order_encoder.h"

#include <type_traits>

#include "net/detail/order_json.h"

namespace mm {

std::string_view to_string(EncodeError e) noexcept {
  switch (e) {
    case EncodeError::kOk:
      return "ok";
    case EncodeError::kBufferTooSmall:
      return "buffer_too_small";
    case EncodeError::kBadPrice:
      return "bad_price";
    case EncodeError::kBadQty:
      return "bad_qty";
    case EncodeError::kBadLinkId:
      return "bad_link_id";
    case EncodeError::kBadReqId:
      return "bad_req_id";
    case EncodeError::kBadTimeInForce:
      return "bad_time_in_force";
    case EncodeError::kBadPositionIdx:
      return "bad_position_idx";
    case EncodeError::kNothingToChange:
      return "nothing_to_change";
    case EncodeError::kUnsupportedForCategory:
      return "unsupported_for_category";
    case EncodeError::kEmptyBatch:
      return "empty_batch";
    case EncodeError::kBatchTooLarge:
      return "batch_too_large";
    case EncodeError::kUnknownInstrument:
      return "unknown_instrument";
    case EncodeError::kMixedCategory:
      return "mixed_category";
    case EncodeError::kBadTopic:
      return "bad_topic";
    case EncodeError::kBadCoin:
      return "bad_coin";
    case EncodeError::kBadTarget:
      return "bad_target";
    case EncodeError::kSignerNotReady:
      return "signer_not_ready";
  }
  return "unknown";
}

namespace detail {

namespace {

constexpr size_t kDecimalRoom = 24;  // format_fixed's precondition

bool is_contract(Category c) noexcept {
  return c == Category::kLinear || c == Category::kInverse;
}

void write_category(BoundedWriter& w, Category c) noexcept {
  w.lit(R"("category":")");
  w.put(to_string(c));
  w.put('"');
}

// `"symbol":"BTCUSDT"`, preceded by a comma when something came before.
void write_symbol(BoundedWriter& w, const Instrument& in, bool comma) noexcept {
  if (comma) w.put(',');
  w.lit(R"("symbol":")");
  w.put(in.name());
  w.put('"');
}

void write_price_value(BoundedWriter& w, const Instrument& in, Price p) noexcept {
  w.put('"');
  w.put_formatted(kDecimalRoom, [&](char* d) { return format_price(in, p, d); });
  w.put('"');
}

void write_qty_value(BoundedWriter& w, const Instrument& in, Qty q) noexcept {
  w.put('"');
  w.put_formatted(kDecimalRoom, [&](char* d) { return format_qty(in, q, d); });
  w.put('"');
}

void write_order_ref(BoundedWriter& w, OrderIdKind kind, const OrderLinkId& id) noexcept {
  if (kind == OrderIdKind::kOrderId) {
    w.lit(R"(,"orderId":")");
  } else {
    w.lit(R"(,"orderLinkId":")");
  }
  w.put(id.view());
  w.put('"');
}

bool valid_id(const OrderLinkId& id) noexcept {
  return id.len <= kMaxLinkIdLen && validate_link_id(id.view()) == LinkIdError::kOk;
}

template <class Item>
EncodeError write_item(BoundedWriter& w, const Instrument& in, const Item& a) noexcept {
  if constexpr (std::is_same_v<Item, OrderCreate>) {
    return write_create(w, in, a, false);
  } else if constexpr (std::is_same_v<Item, OrderAmend>) {
    return write_amend(w, in, a, false);
  } else {
    return write_cancel(w, in, a, false);
  }
}

template <class Item>
EncodeError write_batch_impl(BoundedWriter& w, const InstrumentRegistry& reg,
                             std::span<const Item> items) noexcept {
  if (items.empty()) return EncodeError::kEmptyBatch;
  if (items[0].instrument >= reg.size()) return EncodeError::kUnknownInstrument;
  const Category cat = reg.get(items[0].instrument).category;
  if (items.size() > max_batch_items(cat)) return EncodeError::kBatchTooLarge;
  write_category(w, cat);
  w.lit(",\"request\":[");
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].instrument >= reg.size()) return EncodeError::kUnknownInstrument;
    const Instrument& in = reg.get(items[i].instrument);
    if (in.category != cat) return EncodeError::kMixedCategory;
    if (i != 0) w.put(',');
    w.put('{');
    const EncodeError e = write_item(w, in, items[i]);
    if (e != EncodeError::kOk) return e;
    w.put('}');
  }
  w.put(']');
  return EncodeError::kOk;
}

}  // namespace

EncodeError write_create(BoundedWriter& w, const Instrument& in, const OrderCreate& a,
                         bool with_category) noexcept {
  const bool limit = a.type == OrderType::kLimit;
  if (a.qty.lots <= 0) return EncodeError::kBadQty;
  if (limit && a.price.ticks <= 0) return EncodeError::kBadPrice;
  if (!limit && a.tif == TimeInForce::kPostOnly) return EncodeError::kBadTimeInForce;
  if (!valid_id(a.link_id)) return EncodeError::kBadLinkId;
  if (a.position_idx > 2) return EncodeError::kBadPositionIdx;
  const bool contract = is_contract(in.category);
  if (!contract && (a.reduce_only || a.position_idx != 0)) return EncodeError::kUnsupportedForCategory;

  if (with_category) write_category(w, in.category);
  write_symbol(w, in, with_category);
  w.lit(R"(,"side":")");
  w.put(to_string(a.side));
  w.lit(R"(","orderType":")");
  w.put(to_string(a.type));
  w.lit(R"(","qty":)");
  write_qty_value(w, in, a.qty);
  if (limit) {
    w.lit(",\"price\":");
    write_price_value(w, in, a.price);
    w.lit(R"(,"timeInForce":")");
    w.put(to_string(a.tif));
    w.put('"');
  } else if (in.category == Category::kSpot) {
    // Spot market orders count qty in quote coin unless told otherwise; our Qty is always base lots.
    w.lit(R"(,"marketUnit":"baseCoin")");
  }
  w.lit(R"(,"orderLinkId":")");
  w.put(a.link_id.view());
  w.put('"');
  if (contract) {
    w.lit(",\"positionIdx\":");
    w.put(static_cast<char>('0' + a.position_idx));
    if (a.reduce_only) w.lit(",\"reduceOnly\":true");
  }
  return EncodeError::kOk;
}

EncodeError write_amend(BoundedWriter& w, const Instrument& in, const OrderAmend& a,
                        bool with_category) noexcept {
  if (!a.price && !a.qty) return EncodeError::kNothingToChange;
  if (a.price && a.price->ticks <= 0) return EncodeError::kBadPrice;
  if (a.qty && a.qty->lots <= 0) return EncodeError::kBadQty;
  if (!valid_id(a.link_id)) return EncodeError::kBadLinkId;
  if (with_category) write_category(w, in.category);
  write_symbol(w, in, with_category);
  write_order_ref(w, a.id_kind, a.link_id);
  if (a.qty) {
    w.lit(",\"qty\":");
    write_qty_value(w, in, *a.qty);
  }
  if (a.price) {
    w.lit(",\"price\":");
    write_price_value(w, in, *a.price);
  }
  return EncodeError::kOk;
}

EncodeError write_cancel(BoundedWriter& w, const Instrument& in, const OrderCancel& a,
                         bool with_category) noexcept {
  if (!valid_id(a.link_id)) return EncodeError::kBadLinkId;
  if (with_category) write_category(w, in.category);
  write_symbol(w, in, with_category);
  write_order_ref(w, a.id_kind, a.link_id);
  return EncodeError::kOk;
}

EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                        std::span<const OrderCreate> items) noexcept {
  return write_batch_impl(w, reg, items);
}
EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                        std::span<const OrderAmend> items) noexcept {
  return write_batch_impl(w, reg, items);
}
EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                        std::span<const OrderCancel> items) noexcept {
  return write_batch_impl(w, reg, items);
}

bool valid_req_id(std::string_view s) noexcept {
  return s.empty() || validate_link_id(s) == LinkIdError::kOk;
}

}  // namespace detail
}  // namespace mm
