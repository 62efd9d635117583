#include "core/order_table.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace mm {
namespace {

constexpr uint64_t kMul = 0xff51afd7ed558ccdull;

uint64_t load8(const char* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);  // a constant size: one unaligned load, no library call
  return v;
}

uint64_t load4(const char* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Bytes p[0, n) (n <= 8) as a little-endian word zero-extended, as memcpy of n bytes into a zeroed word
// would give. Why not that memcpy: with a variable size it is a library call on every lookup. Short sizes
// use two overlapping loads (the bytes they share are equal, so OR-ing them is exact).
uint64_t load_le(const char* p, size_t n) noexcept {
  if (n >= 8) return load8(p);
  if (n >= 4) return load4(p) | (load4(p + n - 4) << (8 * (n - 4)));
  if (n == 0) return 0;
  const auto b = [p](size_t k) { return static_cast<uint64_t>(static_cast<unsigned char>(p[k])); };
  return b(0) | (b(n / 2) << (8 * (n / 2))) | (b(n - 1) << (8 * (n - 1)));
}

// a == b for two ids of the same length n, a word at a time.
bool same_id(const char* a, const char* b, size_t n) noexcept {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if (load8(a + i) != load8(b + i)) return false;
  }
  return load_le(a + i, n - i) == load_le(b + i, n - i);
}

}  // namespace

// Eight bytes per multiply: ids are 3..36 chars, so at most five rounds plus a finaliser. The ids of one
// session differ only in their last digits; the finaliser spreads those over every bit the index uses.
uint32_t link_id_hash(std::string_view id) noexcept {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ id.size();
  size_t i = 0;
  for (; i + 8 <= id.size(); i += 8) {
    h = (h ^ load8(id.data() + i)) * kMul;
    h ^= h >> 32;
  }
  if (i < id.size()) h = (h ^ load_le(id.data() + i, id.size() - i)) * kMul;
  h ^= h >> 29;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 32;
  return static_cast<uint32_t>(h);
}

bool OwnOrder::avg_fill_ticks(int decimals, int64_t& out) const noexcept {
  const int64_t lots = fsm.exec_filled.lots;
  if (lots <= 0) {
    out = 0;
    return true;
  }
  Int128 v = fill_value;
  for (int k = 0; k < decimals; ++k) {
    if (__builtin_mul_overflow(v, static_cast<Int128>(10), &v)) return false;
  }
  const Int128 r = v / lots;
  if (r > INT64_MAX || r < INT64_MIN) return false;
  out = static_cast<int64_t>(r);
  return true;
}

OrderTable::OrderTable(uint32_t capacity, std::string_view link_prefix, uint64_t first_sequence)
    : capacity_(capacity), next_sequence_(first_sequence) {
  if (capacity == 0 || capacity > kMaxCapacity) {
    throw std::invalid_argument("OrderTable: capacity must be 1.." + std::to_string(kMaxCapacity));
  }
  OrderLinkId probe;
  const LinkIdError e = make_link_id(link_prefix, 0, probe);
  if (e != LinkIdError::kOk) {
    throw std::invalid_argument("OrderTable: link id prefix '" + std::string(link_prefix) +
                                "' refused: " + std::string(to_string(e)));
  }
  std::memcpy(prefix_, link_prefix.data(), link_prefix.size());
  prefix_len_ = static_cast<uint8_t>(link_prefix.size());

  uint32_t index_size = 4;
  while (index_size < 2 * capacity) index_size <<= 1;  // load factor <= 1/2 keeps probe runs short
  index_mask_ = index_size - 1;
  slots_ = std::make_unique<Slot[]>(capacity);
  free_ = std::make_unique<uint32_t[]>(capacity);
  used_ = std::make_unique<uint32_t[]>(capacity);
  index_ = std::make_unique<IndexEntry[]>(index_size);
  // Lowest index on top, so slots are taken in order (friendlier to caches and to reading logs).
  for (uint32_t i = 0; i < capacity; ++i) free_[i] = capacity - 1 - i;
  free_count_ = capacity;
}

OrderTable::~OrderTable() = default;

OrderTable::Slot* OrderTable::slot_of(OrderHandle h) noexcept {
  if (h.index >= capacity_) return nullptr;
  Slot& s = slots_[h.index];
  return s.in_use && s.generation == h.generation ? &s : nullptr;
}

bool OrderTable::contains(OrderHandle h) const noexcept {
  return h.index < capacity_ && slots_[h.index].in_use && slots_[h.index].generation == h.generation;
}

void OrderTable::index_insert(uint32_t slot, uint32_t hash) noexcept {
  uint32_t pos = hash & index_mask_;
  while (index_[pos].slot != kEmpty) pos = (pos + 1) & index_mask_;
  index_[pos] = {hash, slot};
}

void OrderTable::index_erase(uint32_t slot, uint32_t hash) noexcept {
  uint32_t i = hash & index_mask_;
  while (index_[i].slot != slot) i = (i + 1) & index_mask_;
  // Backward shift: pull later entries of the probe run into the hole unless that would move one before its
  // home position. Keeps every run contiguous, so lookups never need tombstones.
  uint32_t j = i;
  for (;;) {
    j = (j + 1) & index_mask_;
    if (index_[j].slot == kEmpty) break;
    const uint32_t home = index_[j].hash & index_mask_;
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    index_[i] = index_[j];
    i = j;
  }
  index_[i] = IndexEntry{};
}

OrderHandle OrderTable::find(std::string_view link_id) const noexcept {
  const uint32_t hash = link_id_hash(link_id);
  uint32_t pos = hash & index_mask_;
  for (;;) {
    const IndexEntry& e = index_[pos];
    if (e.slot == kEmpty) return {};
    if (e.hash == hash) {
      const OrderLinkId& id = slots_[e.slot].link_id;
      if (id.len == link_id.size() && same_id(id.data, link_id.data(), link_id.size())) {
        return {e.slot, slots_[e.slot].generation};
      }
    }
    pos = (pos + 1) & index_mask_;
  }
}

TableError OrderTable::create(const NewOrder& order, int64_t now_ns, OrderHandle& out,
                              OrderCreate& request) noexcept {
  if (order.price.ticks <= 0 || order.qty.lots <= 0) return TableError::kBadOrder;
  if (free_count_ == 0) return TableError::kFull;
  if (next_sequence_ == UINT64_MAX) return TableError::kSequenceExhausted;
  OrderLinkId id;
  // Cannot fail: the prefix was validated at construction and any sequence fits.
  if (make_link_id(std::string_view(prefix_, prefix_len_), next_sequence_, id) != LinkIdError::kOk) {
    return TableError::kBadOrder;
  }
  OrderFsm fsm;
  if (transition(fsm, OrderEvent::create_sent(order.qty)) != OrderError::kOk) return TableError::kBadOrder;

  const uint32_t index = free_[--free_count_];
  Slot& s = slots_[index];
  static_cast<OwnOrder&>(s) = OwnOrder{};
  s.link_id = id;
  s.instrument = order.instrument;
  s.side = order.side;
  s.reduce_only = order.reduce_only;
  s.post_only = order.post_only;
  s.sequence = next_sequence_++;
  s.price = order.price;
  s.fsm = fsm;
  s.leaves = fsm.leaves();
  s.created_ns = now_ns;
  s.updated_ns = now_ns;
  s.last_request_ns = now_ns;
  s.in_use = true;
  s.hash = link_id_hash(id.view());
  s.used_pos = used_count_;
  used_[used_count_++] = index;
  index_insert(index, s.hash);

  OrderCreate r;
  r.instrument = order.instrument;
  r.side = order.side;
  r.type = OrderType::kLimit;
  r.tif = order.post_only ? TimeInForce::kPostOnly : TimeInForce::kGtc;
  r.reduce_only = order.reduce_only;
  r.price = order.price;
  r.qty = order.qty;
  r.link_id = id;
  request = r;
  out = {index, s.generation};
  return TableError::kOk;
}

OrderError OrderTable::amend(OrderHandle h, std::optional<Price> price, std::optional<Qty> qty,
                             int64_t now_ns, OrderAmend& request) noexcept {
  Slot* s = slot_of(h);
  if (s == nullptr) {
    errors_.add(OrderError::kNoSuchOrder);
    return OrderError::kNoSuchOrder;
  }
  const bool bad = (!price && !qty) || (price && price->ticks <= 0) || (qty && qty->lots <= 0);
  const OrderEvent ev = OrderEvent::amend_sent(price.value_or(Price{0}), qty.value_or(Qty{0}));
  const OrderError e = bad ? OrderError::kBadEvent : transition(s->fsm, ev);
  if (finish_event(*s, e, ev, now_ns) != OrderError::kOk) return e;
  // Written in place (no temporary): the request is only touched once the event was accepted.
  request.instrument = s->instrument;
  request.id_kind = OrderIdKind::kLinkId;
  request.link_id = s->link_id;
  request.price = price;
  request.qty = qty;
  return OrderError::kOk;
}

OrderError OrderTable::cancel(OrderHandle h, int64_t now_ns, OrderCancel& request) noexcept {
  Slot* s = slot_of(h);
  if (s == nullptr) {
    errors_.add(OrderError::kNoSuchOrder);
    return OrderError::kNoSuchOrder;
  }
  const OrderEvent ev = OrderEvent::make(OrderEventKind::kCancelSent);
  const OrderError e = transition(s->fsm, ev);
  if (finish_event(*s, e, ev, now_ns) != OrderError::kOk) return e;
  request.instrument = s->instrument;
  request.id_kind = OrderIdKind::kLinkId;
  request.link_id = s->link_id;
  return OrderError::kOk;
}

OrderError OrderTable::apply(OrderHandle h, const OrderEvent& ev, int64_t now_ns) noexcept {
  Slot* s = slot_of(h);
  if (s == nullptr) {
    errors_.add(OrderError::kNoSuchOrder);
    return OrderError::kNoSuchOrder;
  }
  Int128 fill_value = s->fill_value;
  if (ev.kind == OrderEventKind::kExecution) {
    const Int128 v = static_cast<Int128>(ev.price.ticks) * ev.qty.lots;  // two int64: cannot overflow
    if (__builtin_add_overflow(fill_value, v, &fill_value)) {
      errors_.add(OrderError::kBadEvent);
      return OrderError::kBadEvent;
    }
  }
  const bool amend_was_in_flight = s->fsm.has(OrderFsm::kAmendInFlight);
  const OrderError e = transition(s->fsm, ev);
  if (e == OrderError::kOk) {
    s->fill_value = fill_value;
    if (ev.kind == OrderEventKind::kAmendAcked && amend_was_in_flight && s->amend_price.ticks > 0) {
      s->price = s->amend_price;
    }
  }
  return finish_event(*s, e, ev, now_ns);
}

OrderError OrderTable::finish_event(Slot& s, OrderError e, const OrderEvent& ev, int64_t now_ns) noexcept {
  if (e != OrderError::kOk) {
    errors_.add(e);
    return e;
  }
  switch (ev.kind) {
    case OrderEventKind::kCreateSent:
    case OrderEventKind::kCancelSent:
      s.last_request_ns = now_ns;
      break;
    case OrderEventKind::kAmendSent:
      s.last_request_ns = now_ns;
      s.amend_price = ev.price;
      break;
    case OrderEventKind::kStream:
      // The stream is the exchange's own account of the order: its price wins (it also confirms amends).
      if (ev.price.ticks > 0 && ev.status != StreamStatus::kAccepted && ev.status != StreamStatus::kOther) {
        s.price = ev.price;
      }
      break;
    default:
      break;
  }
  if (!ev.order_id.empty() && ev.order_id.size() <= kMaxExchangeOrderIdLen &&
      (ev.kind == OrderEventKind::kCreateAcked || ev.kind == OrderEventKind::kStream)) {
    std::memcpy(s.exchange_id, ev.order_id.data(), ev.order_id.size());
    s.exchange_id[ev.order_id.size()] = '\0';
    s.exchange_id_len = static_cast<uint8_t>(ev.order_id.size());
  }
  if (!s.fsm.has(OrderFsm::kAmendInFlight)) s.amend_price = Price{0};
  s.cum_filled = s.fsm.filled();
  s.leaves = s.fsm.leaves();
  s.updated_ns = now_ns;
  return OrderError::kOk;
}

void OrderTable::free_slot(Slot& s, uint32_t index) noexcept {
  index_erase(index, s.hash);
  const uint32_t pos = s.used_pos;
  const uint32_t last = used_[--used_count_];
  used_[pos] = last;
  slots_[last].used_pos = pos;
  s.in_use = false;
  ++s.generation;
  free_[free_count_++] = index;
}

TableError OrderTable::release(OrderHandle h) noexcept {
  Slot* s = slot_of(h);
  if (s == nullptr) return TableError::kNoSuchOrder;
  if (!is_terminal(s->fsm.state)) return TableError::kNotTerminal;
  free_slot(*s, h.index);
  return TableError::kOk;
}

TableError OrderTable::revert(const RequestUndo& undo) noexcept {
  Slot* s = slot_of(undo.handle);
  if (s == nullptr) return TableError::kNoSuchOrder;
  s->fsm = undo.fsm;
  s->amend_price = undo.amend_price;
  s->updated_ns = undo.updated_ns;
  s->last_request_ns = undo.last_request_ns;
  // Derived from the machine, as finish_event keeps them.
  s->cum_filled = s->fsm.filled();
  s->leaves = s->fsm.leaves();
  return TableError::kOk;
}

TableError OrderTable::withdraw(OrderHandle h) noexcept {
  Slot* s = slot_of(h);
  if (s == nullptr) return TableError::kNoSuchOrder;
  if (s->fsm.flags != OrderFsm::kSent) return TableError::kAnswered;
  // create() pushed the slot last on used_ and popped it from free_: freeing it pops and pushes them back.
  free_slot(*s, h.index);
  return TableError::kOk;
}

}  // namespace mm
