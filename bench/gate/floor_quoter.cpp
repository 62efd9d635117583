#include "bench/gate/floor_quoter.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string_view>

namespace mm::gate {
namespace {

// A decimal string in units of 10^-decimals: ("65114.20", 1) -> 651142 (BTCUSDT's tick is 0.10), ("10.486",
// 3)
// -> 10486 lots of 0.001, ("0", 3) -> 0. Digits past `decimals` must be 0 (the value is off the grid
// otherwise). -1 on a bad string.
int64_t decimal_units(std::string_view s, int decimals) noexcept {
  int64_t v = 0;
  int frac = -1;  // digits read after the point; -1 before it
  for (const char c : s) {
    if (c == '.' && frac < 0) {
      frac = 0;
      continue;
    }
    if (c < '0' || c > '9') return -1;
    if (frac >= decimals) {
      if (c != '0') return -1;
      continue;
    }
    v = v * 10 + (c - '0');
    if (frac >= 0) ++frac;
  }
  for (int d = frac < 0 ? 0 : frac; d < decimals; ++d) v *= 10;
  return v;
}

char* put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

}  // namespace

FloorQuoter::FloorQuoter() : bid_lots_(kWindow, 0), ask_lots_(kWindow, 0) {}

bool FloorQuoter::apply_side(simdjson::ondemand::array levels, bool bid) noexcept {
  std::vector<int64_t>& book = bid ? bid_lots_ : ask_lots_;
  int64_t& best = bid ? best_bid_ : best_ask_;
  for (auto level : levels) {
    simdjson::ondemand::array pair;
    if (level.get_array().get(pair) != simdjson::SUCCESS) return false;
    auto it = pair.begin();
    std::string_view px, qty;
    if ((*it).get_string().get(px) != simdjson::SUCCESS) return false;
    ++it;
    if ((*it).get_string().get(qty) != simdjson::SUCCESS) return false;
    const int64_t t = decimal_units(px, 1), q = decimal_units(qty, 3);
    if (t < 0 || q < 0) return false;
    if (base_ < 0) base_ = t - kWindow / 2;
    const int64_t i = t - base_;
    if (i < 0 || i >= kWindow) continue;
    book[static_cast<size_t>(i)] = q;
    if (q > 0) {
      if (best < 0 || (bid ? i > best : i < best)) best = i;
    } else if (i == best) {
      const int64_t step = bid ? -1 : 1;
      do best += step;
      while (best >= 0 && best < kWindow && book[static_cast<size_t>(best)] == 0);
      if (best >= kWindow) best = -1;
    }
  }
  return true;
}

size_t FloorQuoter::encode_amend(size_t slot, int64_t price_ticks, int64_t recv_ns) noexcept {
  std::array<char, 512>& f = out_[slot];
  char* const payload = f.data() + 8;  // 0x81, 0xFE, 16-bit length, 4-byte mask key
  char* p = payload;
  p = put(p, R"({"reqId":"r)");
  p = std::to_chars(p, p + 20, ++req_).ptr;
  p = put(p, R"(","header":{"X-BAPI-TIMESTAMP":")");
  p = std::to_chars(p, p + 20, recv_ns / 1'000'000).ptr;
  p = put(p, R"(","X-BAPI-RECV-WINDOW":"5000"},"op":"order.amend","args":[{"category":"linear",)"
             R"("symbol":"BTCUSDT","orderLinkId":"floor-)");
  *p++ = slot == 0 ? 'b' : 'a';
  p = put(p, R"(","price":")");
  const int64_t tenths = base_ + price_ticks;
  p = std::to_chars(p, p + 20, tenths / 10).ptr;
  *p++ = '.';
  *p++ = static_cast<char>('0' + tenths % 10);
  p = put(p, R"("}]})");
  const size_t n = static_cast<size_t>(p - payload);
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 7;
  mask_state_ ^= mask_state_ << 17;
  const auto key = static_cast<uint32_t>(mask_state_);
  f[0] = static_cast<char>(0x81);
  f[1] = static_cast<char>(0xFE);
  f[2] = static_cast<char>(n >> 8);
  f[3] = static_cast<char>(n & 0xFF);
  std::memcpy(f.data() + 4, &key, 4);
  unsigned char k[4];
  std::memcpy(k, &key, 4);
  for (size_t i = 0; i < n; ++i) payload[i] = static_cast<char>(payload[i] ^ k[i & 3]);
  return out_len_[slot] = n + 8;
}

int64_t FloorQuoter::on_frame(const char* data, size_t size, size_t capacity, int64_t recv_ns) noexcept {
  simdjson::ondemand::document doc;
  if (parser_.iterate(data, size, capacity).get(doc) != simdjson::SUCCESS) return -1;
  std::string_view type;
  if (doc["type"].get_string().get(type) != simdjson::SUCCESS) return -1;
  if (type == "snapshot") {
    std::fill(bid_lots_.begin(), bid_lots_.end(), 0);
    std::fill(ask_lots_.begin(), ask_lots_.end(), 0);
    best_bid_ = best_ask_ = -1;
  }
  simdjson::ondemand::object body;
  if (doc["data"].get_object().get(body) != simdjson::SUCCESS) return -1;
  simdjson::ondemand::array side;
  if (body["b"].get_array().get(side) != simdjson::SUCCESS || !apply_side(side, true)) return -1;
  if (body["a"].get_array().get(side) != simdjson::SUCCESS || !apply_side(side, false)) return -1;
  if (best_bid_ < 0 || best_ask_ < 0) return 0;
  // Fixed skew: 10 ticks either side of the mid (bids rounded down, asks up).
  const int64_t bid = (best_bid_ + best_ask_) / 2 - 10;
  const int64_t ask = (best_bid_ + best_ask_ + 1) / 2 + 10;
  if (bid == quoted_bid_ && ask == quoted_ask_) return 0;
  quoted_bid_ = bid;
  quoted_ask_ = ask;
  return static_cast<int64_t>(encode_amend(0, bid, recv_ns) + encode_amend(1, ask, recv_ns));
}

}  // namespace mm::gate
