#pragma once
// Primitives of the codec's strict single-pass scanners (CodecImpl::fast_book in book_scan.cpp,
// CodecImpl::fast_trade in trade_scan.cpp): see codec_impl.h for their contract. Every function here answers
// "accepted, with the value" or "not mine" (false); it never decides an error. The simdjson path
// (CodecImpl::run_reference) stays the parser of record: whatever is refused is parsed there, and
// tests/net/codec_differential_test.cpp checks that what is accepted gets the same event there.
//
// Reading past the frame: the caller guarantees BybitCodec::kPadding (64) readable bytes after the frame,
// of any content. Digit runs are scanned without an end check per byte, each run bounded (at most 37
// bytes past its start, see quoted_steps / scan_uint), and every token is then required to end inside the
// frame, so a token's value never depends on the padding. Structural characters are checked against the
// end one by one, or as whole words read from a position inside the frame (or at its end) after checking
// that the pattern fits in the frame (starts_with, eat; the topic memo compares at most 49 bytes).
// Include only from the scanners' translation units (it includes simdjson through codec_impl.h).
#include <cstring>
#include <utility>

#include "net/detail/codec_impl.h"

namespace mm::detail::scan {

// Depth allowed inside an unknown field's value (the top-level object is depth 1). Deeper values go to
// simdjson, whose own limit (1024) decides.
constexpr int kMaxSkipDepth = 32;

inline bool digit(char ch) noexcept {
  return static_cast<unsigned>(ch - '0') < 10u;
}

// Whitespace as JSON defines it. The first test is the common case (no whitespace) in one comparison;
// reading *p at p == end is fine (padding).
inline const char* ws(const char* p, const char* end) noexcept {
  while (static_cast<unsigned char>(*p) <= ' ' && p < end && is_ws(*p)) ++p;
  return p;
}

inline bool at(const char* p, const char* end, char ch) noexcept {
  return p < end && *p == ch;
}

// After a scalar: the byte that ends it must be inside the frame and one JSON allows there.
inline bool scalar_end(const char* q, const char* end) noexcept {
  if (q >= end) return false;
  const char ch = *q;
  return ch == ',' || ch == '}' || ch == ']' || is_ws(ch);
}

// Eight bytes as one little-endian word (byte i of the input is bits 8i..8i+7).
inline uint64_t load8(const void* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Plain string bytes: printable ASCII without quote and backslash. Anything else (escapes, control bytes,
// UTF-8) is left to simdjson's validation and unescaping. Returns the high bit of each byte of the word `x`
// that is not plain, exact for the first such byte (the lowest set bit): each term's borrows move only
// toward later bytes, and only out of a byte that term itself flags.
inline uint64_t nonplain_bits(uint64_t x) noexcept {
  constexpr uint64_t kOnes8 = 0x0101010101010101ull, kHigh8 = 0x8080808080808080ull;
  const auto zero_bytes = [](uint64_t v) { return (v - kOnes8) & ~v & kHigh8; };
  return ((x - 0x20 * kOnes8) & ~x & kHigh8)  // below 0x20 (bytes >= 0x80 are flagged below)
         | zero_bytes(x ^ ('"' * kOnes8)) | zero_bytes(x ^ ('\\' * kOnes8)) | (x & kHigh8);
}

// A string without escapes: p at the opening quote, moves past the closing one; s is the contents. Eight
// bytes at a time (ids are 36 bytes); every word is read from a position inside the frame (padding).
inline bool scan_string(const char*& p, const char* end, std::string_view& s) noexcept {
  if (!at(p, end, '"')) return false;
  const char* const b = p + 1;
  const char* q = b;
  for (; q < end; q += 8) {
    const uint64_t m = nonplain_bits(load8(q));
    if (m != 0) {
      q += __builtin_ctzll(m) >> 3;
      break;
    }
  }
  if (q >= end || *q != '"') return false;
  s = std::string_view(b, static_cast<size_t>(q - b));
  p = q + 1;
  return true;
}

// Byte patterns compared as one little-endian word: the separators and keys of the usual spelling (no
// whitespace). A frame spelled otherwise takes the byte-by-byte branch, with the same result.
constexpr uint64_t pack(std::string_view s) noexcept {
  uint64_t v = 0;
  for (size_t i = 0; i < s.size(); ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(s[i])) << (8 * i);
  return v;
}
// Digit runs eight bytes at a time, for the long integers of a frame (u, seq, ts, cts: 8 to 13 digits).
// Why: a per-byte loop costs ~5 instructions a digit. (Level decimals keep the byte loop: quoted_steps.)
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighBits = 0x8080808080808080ull;

// `x` = the word minus '0' in every byte. Returns the high bit of each byte that is not a digit, exact
// for the first such byte (the lowest set bit): borrows of the subtraction and carries of the addition
// move only toward later bytes, and only out of a byte that is itself not a digit.
inline uint64_t nondigit_bits(uint64_t x) noexcept {
  return ((x + 0x76 * kOnes) | x) & kHighBits;
}

// Bytes before the first non-digit of the word that `x` was made from (8 when all are digits).
inline unsigned digit_run(uint64_t x) noexcept {
  const uint64_t m = nondigit_bits(x);
  return m == 0 ? 8u : static_cast<unsigned>(__builtin_ctzll(m)) >> 3;
}

// The value of the first n (1..8) digit bytes of `x` (digit values, most significant first). Shifting
// left drops the bytes past the run and leaves leading zero digits. Then adjacent digits merge into
// two-digit values in bytes 0, 2, 4, 6 (a, b, c, d); two multiplies place a * 10^6 + c * 10^2 and
// b * 10^4 + d in the upper halves, whose sum (below 10^8, no carry in from the lower halves) is the value.
inline uint64_t digits_value(uint64_t x, unsigned n) noexcept {
  x <<= 8 * (8 - n);
  x = x * 10 + (x >> 8);
  constexpr uint64_t kLanes = 0x000000FF000000FFull;
  constexpr uint64_t kAC = 100 + (1000000ull << 32), kBD = 1 + (10000ull << 32);
  return ((x & kLanes) * kAC + ((x >> 16) & kLanes) * kBD) >> 32;
}

// The first n bytes of a word.
constexpr uint64_t low_bytes(size_t n) noexcept {
  return n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
}
constexpr uint64_t kPow10u[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

// A JSON integer of 1..18 digits without sign or leading zero (the shape of u, seq, ts, cts). The value
// is token_i64's for the same token. Reads at most 24 bytes from p (three words).
inline bool scan_uint(const char*& p, const char* end, int64_t& out) noexcept {
  const char* q = p;
  uint64_t v = 0;
  unsigned len = 0;
  for (int word = 0;; ++word) {
    if (word == 3) return false;  // 24 digits and more
    const uint64_t x = load8(q) - '0' * kOnes;
    const unsigned n = digit_run(x);
    if (n == 0) break;
    // Past 18 digits the value may wrap: it is refused below, never used.
    v = v * kPow10u[n] + digits_value(x, n);
    len += n;
    q += n;
    if (n < 8) break;
  }
  if (len == 0 || len > 18 || (*p == '0' && len > 1) || !scalar_end(q, end)) return false;
  out = static_cast<int64_t>(v);
  p = q;
  return true;
}

// A JSON number in the strict grammar -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, skipped.
inline bool skip_number(const char*& p, const char* end) noexcept {
  const char* q = p;
  if (q < end && *q == '-') ++q;
  if (q >= end || !digit(*q)) return false;
  if (*q == '0') {
    ++q;
  } else {
    while (q < end && digit(*q)) ++q;
  }
  if (q < end && *q == '.') {
    ++q;
    if (q >= end || !digit(*q)) return false;
    while (q < end && digit(*q)) ++q;
  }
  if (q < end && (*q == 'e' || *q == 'E')) {
    ++q;
    if (q < end && (*q == '+' || *q == '-')) ++q;
    if (q >= end || !digit(*q)) return false;
    while (q < end && digit(*q)) ++q;
  }
  if (!scalar_end(q, end)) return false;
  p = q;
  return true;
}

inline bool skip_literal(const char*& p, const char* end, std::string_view lit) noexcept {
  // One word compare (p is inside the frame; lit is at most 5 bytes): a libc memcmp call costs more.
  if (static_cast<size_t>(end - p) < lit.size() || ((load8(p) ^ pack(lit)) & low_bytes(lit.size())) != 0) {
    return false;
  }
  if (!scalar_end(p + lit.size(), end)) return false;
  p += lit.size();
  return true;
}

// Any strictly valid JSON value (plain strings only, depth-limited), skipped. Why strict: On-Demand skips
// an unknown value without validating its numbers or literals; accepting only valid JSON keeps this
// scanner's language a subset of simdjson's.
inline bool skip_value(const char*& p, const char* end, int depth) noexcept {
  if (p >= end) return false;
  switch (*p) {
    case '"': {
      std::string_view s;
      return scan_string(p, end, s);
    }
    case '{': {
      if (depth >= kMaxSkipDepth) return false;
      p = ws(p + 1, end);
      if (at(p, end, '}')) {
        ++p;
        return true;
      }
      for (;;) {
        std::string_view key;
        if (!scan_string(p, end, key)) return false;
        p = ws(p, end);
        if (!at(p, end, ':')) return false;
        p = ws(p + 1, end);
        if (!skip_value(p, end, depth + 1)) return false;
        p = ws(p, end);
        if (at(p, end, '}')) {
          ++p;
          return true;
        }
        if (!at(p, end, ',')) return false;
        p = ws(p + 1, end);
      }
    }
    case '[': {
      if (depth >= kMaxSkipDepth) return false;
      p = ws(p + 1, end);
      if (at(p, end, ']')) {
        ++p;
        return true;
      }
      for (;;) {
        if (!skip_value(p, end, depth + 1)) return false;
        p = ws(p, end);
        if (at(p, end, ']')) {
          ++p;
          return true;
        }
        if (!at(p, end, ',')) return false;
        p = ws(p + 1, end);
      }
    }
    case 't':
      return skip_literal(p, end, "true");
    case 'f':
      return skip_literal(p, end, "false");
    case 'n':
      return skip_literal(p, end, "null");
    default:
      return skip_number(p, end);
  }
}

// A quoted decimal on the instrument's grid: p at the opening quote (inside the frame), moves past the
// closing one. Accepts a subset of what scan_quoted_steps / fast_steps accept (plain digits, integer
// digits + scale <= 18, at most 16 zeros past the grid), with the same value. No end check per digit:
// integer and grid digits together are at most 18 (eff_scale <= scale), the zero run at most 16, so no
// read goes further than 37 bytes past p; then the closing quote must lie inside the frame.
// Why a byte loop here and words in scan_uint: a level's decimals are short and back to back, and the
// loop's predicted exits let the next token start before this value is done; cursors computed from word
// arithmetic serialize the tokens (measured: fewer instructions, but a 200-level snapshot 30 % slower).
inline bool quoted_steps(const char*& p, const char* end, FastGrid g, int64_t& out) noexcept {
  if (g.scale > 17) return false;
  // Unsigned bytes: every non-digit gives d >= 10, and no sign extension per byte.
  const auto* q = reinterpret_cast<const unsigned char*>(p) + 1;
  const auto* const lim = q + (18 - g.scale);  // integer digits + scale <= 18: core's value fits int64
  unsigned d = *q - '0';
  if (d >= 10u) return false;
  uint64_t v = 0;
  do {
    if (q == lim) return false;
    v = v * 10 + d;
    d = *++q - '0';
  } while (d < 10u);
  int frac = 0;
  if (*q == '.') {
    const auto* const f0 = ++q;
    const auto* const flim = f0 + g.eff_scale;
    d = *q - '0';
    while (d < 10u && q != flim) {
      v = v * 10 + d;
      d = *++q - '0';
    }
    frac = static_cast<int>(q - f0);
    const auto* const zmax = q + 16;
    while (*q == '0' && q != zmax) ++q;
    if (q == f0 || static_cast<unsigned>(*q - '0') < 10u)
      return false;  // "1." / off the grid / too many decimals
  }
  const auto* const close = reinterpret_cast<const char*>(q);
  if (close >= end || *close != '"') return false;
  if (!grid_steps(v, frac, g, out)) return false;
  p = close + 1;
  return true;
}

// p starts with `lit` (at most 8 bytes), all of it inside the frame. Reads 8 bytes: p <= end, so they lie
// inside the frame and its padding.
template <size_t N>
inline bool starts_with(const char* p, const char* end, const char (&lit)[N]) noexcept {
  constexpr size_t n = N - 1;
  static_assert(n >= 1 && n <= 8);
  return end - p >= static_cast<std::ptrdiff_t>(n) &&
         (load8(p) & low_bytes(n)) == pack(std::string_view(lit, n));
}

inline bool key_is(std::string_view key, const char* lit, size_t n) noexcept {
  return key.size() == n && std::memcmp(key.data(), lit, n) == 0;
}

// A member's key and colon, byte by byte: p at the key's opening quote, moves to the value (whitespace
// skipped). For spellings the word compares of data_key / top_key do not match (whitespace, other keys).
inline bool member_key(const char*& p, const char* end, std::string_view& key) noexcept {
  if (!scan_string(p, end, key)) return false;
  p = ws(p, end);
  if (!at(p, end, ':')) return false;
  p = ws(p + 1, end);
  return true;
}

enum class TopKey : uint8_t { kTopic, kType, kTs, kData, kCts, kOther };

// `key` is set for kOther only (the caller asks whether the simdjson path reads it).
inline bool top_key(const char*& p, const char* end, TopKey& k, std::string_view& key) noexcept {
  const char* q = p;
  if (starts_with(q, end, "\"topic\":")) {
    k = TopKey::kTopic;
    q += 8;
  } else if (starts_with(q, end, "\"type\":")) {
    k = TopKey::kType;
    q += 7;
  } else if (starts_with(q, end, "\"ts\":")) {
    k = TopKey::kTs;
    q += 5;
  } else if (starts_with(q, end, "\"data\":")) {
    k = TopKey::kData;
    q += 7;
  } else if (starts_with(q, end, "\"cts\":")) {
    k = TopKey::kCts;
    q += 6;
  } else {
    if (!member_key(p, end, key)) return false;
    if (key_is(key, "topic", 5)) {
      k = TopKey::kTopic;
    } else if (key_is(key, "type", 4)) {
      k = TopKey::kType;
    } else if (key_is(key, "ts", 2)) {
      k = TopKey::kTs;
    } else if (key_is(key, "data", 4)) {
      k = TopKey::kData;
    } else if (key_is(key, "cts", 3)) {
      k = TopKey::kCts;
    } else {
      k = TopKey::kOther;
    }
    return true;
  }
  p = ws(q, end);
  return true;
}

// What a public topic gives (Frame's topic fields for Topic::kBook / kTrade; depth is 0 for trades).
struct TopicHit {
  InstrumentId instrument = kNoInstrument;
  uint16_t depth = 0;
  std::string_view symbol;  // view into the input
};

// The memo's answer for the topic string at p (the opening quote, inside the frame): true when an entry of
// this category holds exactly the string's bytes and the closing quote lies inside the frame; p moves past
// the closing quote. Such a string is plain (the entry's bytes passed scan_string), so scan_string +
// classify_topic would give the entry's answer. Reads at most TopicCache::kText bytes past p + 1.
inline bool cached_topic(const TopicCache& cache, const char*& p, const char* end, Category cat,
                         TopicHit& out) noexcept {
  const char* const s = p + 1;
  const auto room = static_cast<size_t>(end - s);  // bytes of the frame from s on (p < end)
  for (const TopicCache::Entry& e : cache.entries) {
    if (e.len == 0) break;  // entries fill in order
    if (e.category != cat || e.len >= room) continue;
    const size_t n = e.len + 1;  // with the closing quote
    uint64_t diff = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) diff |= load8(s + i) ^ load8(e.text.data() + i);
    if (i < n) diff |= (load8(s + i) ^ load8(e.text.data() + i)) & low_bytes(n - i);
    if (diff != 0) continue;
    out.instrument = e.instrument;
    out.depth = e.depth;
    out.symbol = std::string_view(s + e.symbol_at, e.len - e.symbol_at);
    p = s + n;
    return true;
  }
  return false;
}

// A topic of family `want` (kBook or kTrade) of a known instrument: p at the opening quote, moves past the
// closing one. From the memo (which holds only topics of that family), or classified by classify_topic and
// then remembered.
inline bool memo_topic(TopicCache& cache, const InstrumentRegistry& reg, const char*& p, const char* end,
                       Category cat, Topic want, TopicHit& out) noexcept {
  if (!at(p, end, '"')) return false;
  if (cached_topic(cache, p, end, cat, out)) return true;
  std::string_view t;
  if (!scan_string(p, end, t)) return false;
  Frame f;
  f.public_category = cat;
  f.input_end = end;
  if (classify_topic(reg, t, f) != CodecError::kOk || f.topic != want || f.instrument == kNoInstrument)
    return false;
  out.instrument = f.instrument;
  out.depth = f.depth;
  out.symbol = f.symbol;
  if (t.size() < TopicCache::kText) {
    TopicCache::Entry& e = cache.entries[cache.next];
    cache.next = (cache.next + 1) % TopicCache::kEntries;
    e.text.fill('\0');
    std::memcpy(e.text.data(), t.data(), t.size());
    e.text[t.size()] = '"';
    e.len = static_cast<uint32_t>(t.size());
    e.symbol_at = static_cast<uint32_t>(f.symbol.data() - t.data());
    e.instrument = f.instrument;
    e.depth = f.depth;
    e.category = cat;
  }
  return true;
}

// A fixed spelling compared as whole words (a template argument, so every word and mask is a constant).
template <size_t N>
struct Lit {
  char s[N]{};
  constexpr Lit(const char (&x)[N]) noexcept {  // NOLINT(google-explicit-constructor): used as "..."
    for (size_t i = 0; i < N; ++i) s[i] = x[i];
  }
  static constexpr size_t size = N - 1;
  constexpr uint64_t word(size_t at) const noexcept {
    uint64_t v = 0;
    for (size_t j = 0; j < 8 && at + j < size; ++j)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(s[at + j])) << (8 * j);
    return v;
  }
  constexpr uint64_t mask(size_t at) const noexcept { return low_bytes(size - at); }
};

// p starts with L, all of it inside the frame: p moves past it. Reads whole words from p <= end (padding).
template <Lit L>
inline bool eat(const char*& p, const char* end) noexcept {
  constexpr size_t n = L.size;
  if (end - p < static_cast<std::ptrdiff_t>(n)) return false;
  const uint64_t diff = [&]<size_t... I>(std::index_sequence<I...>) {
    return (((load8(p + 8 * I) ^ L.word(8 * I)) & L.mask(8 * I)) | ...);
  }
  (std::make_index_sequence<(n + 7) / 8>{});
  if (diff != 0) return false;
  p += n;
  return true;
}

}  // namespace mm::detail::scan
