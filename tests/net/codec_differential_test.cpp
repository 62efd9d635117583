// Differential test of the codec's strict orderbook scanner (CodecImpl::fast_book) against the simdjson
// On-Demand path (CodecImpl::run_reference), which is the parser of record. For every input:
//   - when fast_book takes the frame, run_reference must answer {kOk, kBook} with the same BookUpdate,
//     field for field, and the same levels;
//   - parse_padded (fast path first, then simdjson) must give run_reference's result: same error code, or
//     same kind and, for books, the same event.
// Inputs: every frame of both real recordings, and random mutations of their order-book frames
// (truncation, byte flips, key reordering, whitespace, escapes, type swaps, duplicated / dropped / unknown
// keys, number edits, and combinations), each with adversarial bytes in the padding after the frame.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "net/detail/codec_impl.h"
#include "tests/net/codec_test_data.h"

namespace mm {
namespace {

using detail::CodecImpl;

struct Input {
  std::string frame;
  Category category = Category::kLinear;
};

// The recording's frames that carry an order book, and every received frame.
struct Corpus {
  std::vector<Input> all;
  std::vector<Input> books;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus out;
    std::map<std::string, Category> cats;
    for (const test::Record& r : test::recording()) {
      if (r.t != "recv") continue;
      auto it = cats.find(r.conn);
      if (it == cats.end()) it = cats.emplace(r.conn, test::conn_category(r.conn)).first;
      out.all.push_back({r.data, it->second});
      if (r.data.find("\"orderbook.") != std::string::npos) out.books.push_back({r.data, it->second});
    }
    for (const std::string& line : test::xrp_lines()) {
      out.all.push_back({line, Category::kLinear});
      out.books.push_back({line, Category::kLinear});
    }
    return out;
  }();
  return c;
}

bool same_book(const BookUpdate& a, const BookUpdate& b) {
  if (a.instrument != b.instrument || a.snapshot != b.snapshot || a.depth != b.depth || a.update_id != b.update_id ||
      a.seq != b.seq || a.ts_ms != b.ts_ms || a.cts_ms != b.cts_ms || a.bid_count != b.bid_count ||
      a.ask_count != b.ask_count) {
    return false;
  }
  for (uint32_t i = 0; i < a.bid_count; ++i) {
    if (a.bids[i].price != b.bids[i].price || a.bids[i].qty != b.bids[i].qty) return false;
  }
  for (uint32_t i = 0; i < a.ask_count; ++i) {
    if (a.asks[i].price != b.asks[i].price || a.asks[i].qty != b.asks[i].qty) return false;
  }
  return true;
}

std::string describe(const BookUpdate& b) {
  std::string s = "inst " + std::to_string(b.instrument) + " snap " + std::to_string(b.snapshot) + " depth " +
                  std::to_string(b.depth) + " u " + std::to_string(b.update_id) + " seq " + std::to_string(b.seq) +
                  " ts " + std::to_string(b.ts_ms) + " cts " + std::to_string(b.cts_ms) + " bids " +
                  std::to_string(b.bid_count) + " asks " + std::to_string(b.ask_count);
  if (b.bid_count > 0) s += " bid0 " + std::to_string(b.bids[0].price.ticks) + "/" + std::to_string(b.bids[0].qty.lots);
  if (b.ask_count > 0) s += " ask0 " + std::to_string(b.asks[0].price.ticks) + "/" + std::to_string(b.asks[0].qty.lots);
  return s;
}

// Three codecs: one runs only the scanner, one only simdjson, one the production dispatch.
class CodecDifferential : public ::testing::Test {
 protected:
  CodecDifferential()
      : fast_(test::recording_registry()), ref_(test::recording_registry()), full_(test::recording_registry()) {}

  struct Counts {
    uint64_t inputs = 0, fast_taken = 0, ref_ok_book = 0, ref_errors = 0;
  };

  // Checks one input whose bytes are followed by `padding`. Returns whether the scanner took it.
  bool check(const std::string& frame, Category cat, const std::string& padding) {
    std::string buf = frame;
    buf += padding;
    buf.resize(frame.size() + BybitCodec::kPadding, padding.empty() ? ' ' : padding.back());
    const size_t len = frame.size();
    ++counts_.inputs;
    const bool taken = CodecImpl::fast_book(fast_, buf.data(), len, cat);
    const ParseResult ref = CodecImpl::run_reference(ref_, buf.data(), len, cat);
    if (ref.error == CodecError::kOk && ref.kind == MsgKind::kBook) ++counts_.ref_ok_book;
    if (ref.error != CodecError::kOk) ++counts_.ref_errors;
    if (taken) {
      ++counts_.fast_taken;
      EXPECT_EQ(ref.error, CodecError::kOk) << "fast path took a frame simdjson rejects: " << frame;
      EXPECT_EQ(ref.kind, MsgKind::kBook) << frame;
      if (ref.error == CodecError::kOk && ref.kind == MsgKind::kBook) {
        EXPECT_TRUE(same_book(fast_.book(), ref_.book()))
            << "fast " << describe(fast_.book()) << "\nref  " << describe(ref_.book()) << "\n" << frame;
      }
    }
    const ParseResult full = full_.parse_padded(buf.data(), len, cat);
    EXPECT_EQ(full.error, ref.error) << frame;
    EXPECT_EQ(full.kind, ref.kind) << frame;
    if (full.error == CodecError::kOk && ref.error == CodecError::kOk && full.kind == MsgKind::kBook &&
        ref.kind == MsgKind::kBook) {
      EXPECT_TRUE(same_book(full_.book(), ref_.book()))
          << "full " << describe(full_.book()) << "\nref  " << describe(ref_.book()) << "\n" << frame;
    }
    return taken;
  }

  BybitCodec fast_, ref_, full_;
  Counts counts_;
};

// Paddings that would change a token if the scanner read past the frame: digits, quotes, closers, the
// rest of a frame, spaces.
std::vector<std::string> paddings(const std::string& frame) {
  return mm::test::paddings(frame, "\"]],\"u\":1}}");
}

TEST_F(CodecDifferential, EveryRealFrameOfBothRecordings) {
  uint64_t books = 0, taken_books = 0, taken_other = 0;
  for (const Input& in : corpus().all) {
    const bool is_book = in.frame.find("\"orderbook.") != std::string::npos;
    for (const std::string& pad : paddings(in.frame)) {
      const bool taken = check(in.frame, in.category, pad);
      if (is_book) {
        ++books;
        taken_books += taken;
      } else {
        taken_other += taken;
      }
    }
  }
  // 6 paddings x (1,594 + 548 + 4 + 2 cryptofeed book frames, 50 XRP lines) and every other frame kind.
  EXPECT_GT(corpus().all.size(), 3000u);
  EXPECT_EQ(corpus().books.size(), 2198u);
  EXPECT_EQ(books, 6u * corpus().books.size());
  // The scanner takes every real order-book frame (the point of it), and never another topic.
  EXPECT_EQ(taken_books, books);
  EXPECT_EQ(taken_other, 0u);
  EXPECT_EQ(counts_.ref_errors, 0u);
}

// ---- Mutations --------------------------------------------------------------------------------------------

// Top-level / data members of a well-formed object text: [ {raw key with quotes, raw value} ].
using Members = std::vector<std::pair<std::string, std::string>>;

size_t value_end(const std::string& s, size_t i) {
  int depth = 0;
  bool in_str = false;
  for (; i < s.size(); ++i) {
    const char ch = s[i];
    if (in_str) {
      if (ch == '\\') {
        ++i;
      } else if (ch == '"') {
        in_str = false;
      }
      continue;
    }
    if (ch == '"') {
      in_str = true;
    } else if (ch == '{' || ch == '[') {
      ++depth;
    } else if (ch == '}' || ch == ']') {
      if (depth == 0) return i;
      --depth;
    } else if (ch == ',' && depth == 0) {
      return i;
    }
  }
  return i;
}

bool split_object(const std::string& s, Members& out) {
  out.clear();
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return false;
  size_t i = 1;
  while (i + 1 < s.size()) {
    if (s[i] != '"') return false;
    const size_t kq = s.find('"', i + 1);
    if (kq == std::string::npos || kq + 1 >= s.size() || s[kq + 1] != ':') return false;
    const std::string key = s.substr(i, kq + 1 - i);
    const size_t v0 = kq + 2;
    const size_t v1 = value_end(s, v0);
    out.emplace_back(key, s.substr(v0, v1 - v0));
    i = v1 + 1;
  }
  return true;
}

std::string join(const Members& m) {
  std::string s = "{";
  for (size_t i = 0; i < m.size(); ++i) {
    if (i > 0) s += ',';
    s += m[i].first + ':' + m[i].second;
  }
  return s + '}';
}

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  size_t pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }
  bool coin() { return (rng_() & 1) != 0; }

  std::string mutate(const std::string& frame) {
    std::string s = frame;
    const int rounds = 1 + static_cast<int>(pick(3) == 0 ? pick(3) : 0);
    for (int r = 0; r < rounds; ++r) s = one(s);
    return s;
  }

 private:
  std::string one(std::string s) {
    switch (pick(12)) {
      case 0: return s.substr(0, pick(s.size() + 1));  // truncation
      case 1: return flip(std::move(s));
      case 2: return reorder(s);
      case 3: return whitespace(std::move(s));
      case 4: return escape(std::move(s));
      case 5: return type_swap(s);
      case 6: return duplicate_or_drop(s);
      case 7: return unknown_key(s);
      case 8: return number_edit(std::move(s));
      case 9: return level_edit(std::move(s));
      case 10: return topic_edit(s);
      default: return flip(flip(std::move(s)));
    }
  }

  std::string flip(std::string s) {
    if (s.empty()) return s;
    static const char kBytes[] = "0123456789\"\\{}[],:. -+eE\t\n\rabsuqnt\x01\x1f\x7f\x80\xff\xc3";
    s[pick(s.size())] = kBytes[pick(sizeof kBytes - 1)];
    return s;
  }

  std::string whitespace(std::string s) {
    static const char* const kWs[] = {" ", "\t", "\n", "\r", "  \n\t ", "\f", "\v", "\xc2\xa0"};
    s.insert(pick(s.size() + 1), kWs[pick(8)]);
    return s;
  }

  // An escape inside a string: in a key, a symbol, a decimal or the topic.
  std::string escape(std::string s) {
    std::vector<size_t> letters;
    for (size_t i = 1; i < s.size(); ++i) {
      if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')) letters.push_back(i);
    }
    if (letters.empty()) return s;
    const size_t i = letters[pick(letters.size())];
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned char>(s[i]));
    switch (pick(3)) {
      case 0: s.replace(i, 1, hex); break;
      case 1: s.insert(i, "\\/"); break;
      default: s.insert(i, "\\\""); break;
    }
    return s;
  }

  std::string swap_value(const std::string& v) {
    static const char* const kValues[] = {"true", "false", "null", "{}", "[]", "\"\"", "0", "-1", "1.5", "1e3",
                                          "\"12\"", "[1,2]", "{\"x\":1}", "\"abc\"", "00", "123456789012345678901"};
    if (!v.empty() && v.front() == '"' && v.size() >= 2 && pick(2) == 0) return v.substr(1, v.size() - 2);  // unquote
    if (!v.empty() && v.front() >= '0' && v.front() <= '9' && pick(2) == 0) return '"' + v + '"';           // quote
    return kValues[pick(sizeof kValues / sizeof kValues[0])];
  }

  // Reorders the members of the top level or of data.
  std::string reorder(const std::string& s) {
    Members top;
    if (!split_object(s, top)) return s;
    for (auto& [k, v] : top) {
      if (k == "\"data\"" && coin()) {
        Members data;
        if (split_object(v, data)) {
          std::shuffle(data.begin(), data.end(), rng_);
          v = join(data);
        }
      }
    }
    std::shuffle(top.begin(), top.end(), rng_);
    return join(top);
  }

  // Replaces one member's value (top level or data) by a value of another type.
  std::string type_swap(const std::string& s) {
    Members top;
    if (!split_object(s, top) || top.empty()) return s;
    auto& [k, v] = top[pick(top.size())];
    if (k == "\"data\"" && coin()) {
      Members data;
      if (split_object(v, data) && !data.empty()) {
        auto& dv = data[pick(data.size())].second;
        dv = swap_value(dv);
        v = join(data);
        return join(top);
      }
    }
    v = swap_value(v);
    return join(top);
  }

  std::string duplicate_or_drop(const std::string& s) {
    Members top;
    if (!split_object(s, top) || top.empty()) return s;
    Members* m = &top;
    Members data;
    size_t data_idx = top.size();
    for (size_t i = 0; i < top.size(); ++i) {
      if (top[i].first == "\"data\"" && coin() && split_object(top[i].second, data) && !data.empty()) {
        m = &data;
        data_idx = i;
        break;
      }
    }
    const size_t i = pick(m->size());
    if (coin()) {
      const auto member = (*m)[i];
      m->insert(m->begin() + static_cast<std::ptrdiff_t>(pick(m->size() + 1)), member);
    } else {
      m->erase(m->begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (data_idx < top.size()) top[data_idx].second = join(data);
    return join(top);
  }

  std::string unknown_value(int depth) {
    switch (pick(depth > 3 ? 6 : 9)) {
      case 0: return "\"x\"";
      case 1: return std::to_string(static_cast<int64_t>(rng_() % 100000) - 50000);
      case 2: return "1.25e-3";
      case 3: return "true";
      case 4: return "null";
      case 5: {
        static const char* const kBad[] = {"tru", "nul", "01", "1.", "-", "1e", "\"a\\u00\"", "+1", ".5", "\"\t\""};
        return kBad[pick(10)];
      }
      case 6: return "[" + unknown_value(depth + 1) + "," + unknown_value(depth + 1) + "]";
      case 7: return "{\"k\":" + unknown_value(depth + 1) + "}";
      default: return "{}";
    }
  }

  std::string unknown_key(const std::string& s) {
    Members top;
    if (!split_object(s, top)) return s;
    static const char* const kKeys[] = {"\"id\"", "\"x\"", "\"op\"", "\"cs\"", "\"success\"", "\"retCode\"",
                                        "\"z\"", "\"topicx\"", "\"Data\"", "\"pu\"", "\"seq\"", "\"s\""};
    std::string deep;
    if (pick(20) == 0) deep = std::string(40, '[') + "1" + std::string(40, ']');
    const std::string value = deep.empty() ? unknown_value(0) : deep;
    const std::string key = kKeys[pick(12)];
    if (coin()) {
      for (auto& [k, v] : top) {
        Members data;
        if (k == "\"data\"" && split_object(v, data)) {
          data.insert(data.begin() + static_cast<std::ptrdiff_t>(pick(data.size() + 1)), {key, value});
          v = join(data);
          return join(top);
        }
      }
    }
    top.insert(top.begin() + static_cast<std::ptrdiff_t>(pick(top.size() + 1)), {key, value});
    return join(top);
  }

  // Edits a run of digits: leading zeros, sign, exponent, extra digits, a dot.
  std::string number_edit(std::string s) {
    std::vector<size_t> digits;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] >= '0' && s[i] <= '9') digits.push_back(i);
    }
    if (digits.empty()) return s;
    size_t i = digits[pick(digits.size())];
    switch (pick(8)) {
      case 0: s.insert(i, "0"); break;
      case 1: s.insert(i, "-"); break;
      case 2: s.insert(i + 1, "e1"); break;
      case 3: s.insert(i + 1, std::string(1 + pick(20), static_cast<char>('0' + pick(10)))); break;
      case 4: s.insert(i + 1, "."); break;
      case 5: s.insert(i + 1, std::string(1 + pick(20), '0')); break;
      case 6: s[i] = static_cast<char>('0' + pick(10)); break;
      default: s.erase(i, 1); break;
    }
    return s;
  }

  // Edits inside the level arrays: an empty side, a level of 1 or 3 items, numbers for strings.
  std::string level_edit(std::string s) {
    static const char* const kFrom[] = {"[[", "]]", "\",\"", "],["};
    static const char* const kTo[] = {"[", "]", "\",\"1\",\"", "],[\"1\"],["};
    const size_t k = pick(4);
    const size_t at = s.find(kFrom[k], pick(s.size()));
    if (at == std::string::npos) return s;
    if (pick(4) == 0) {
      const size_t q = s.find('"', at);
      if (q != std::string::npos) s.erase(q, 1);
      return s;
    }
    s.replace(at, std::string(kFrom[k]).size(), kTo[k]);
    return s;
  }

  std::string topic_edit(const std::string& s) {
    static const char* const kTopics[] = {"\"orderbook.200.ETHUSDT\"", "\"orderbook.x.BTCUSDT\"",
                                          "\"orderbook.200.NOPE\"", "\"orderbook.200.\"", "\"publicTrade.BTCUSDT\"",
                                          "\"orderbook.1.XRPUSDT\"", "\"orderbook.50000.BTCUSDT\"", "\"orderbook\""};
    Members top;
    if (!split_object(s, top)) return s;
    for (auto& [k, v] : top) {
      if (k == "\"topic\"") v = kTopics[pick(8)];
      if (k == "\"type\"" && pick(4) == 0) v = coin() ? "\"COMMAND_RESP\"" : "\"Delta\"";
    }
    return join(top);
  }

  std::mt19937_64 rng_;
};

TEST_F(CodecDifferential, RandomMutationsOfRealBookFrames) {
  const auto& books = corpus().books;
  Mutator mut(20261125);
  constexpr int kMutations = 40000;
  uint64_t taken = 0, changed = 0;
  for (int i = 0; i < kMutations; ++i) {
    const Input& in = books[mut.pick(books.size())];
    const std::string m = mut.mutate(in.frame);
    changed += m != in.frame;
    const auto pads = paddings(m);
    taken += check(m, in.category, pads[mut.pick(pads.size())]);
    if (HasFailure()) {
      ADD_FAILURE() << "mutation " << i << " of a frame of " << in.frame.size() << " bytes";
      return;
    }
  }
  // Not vacuous: most mutations change the frame, simdjson rejects many of them, and the scanner takes a
  // good share (reordered, whitespace, unknown keys, benign digit edits).
  std::printf("[   INFO   ] %d mutations: %llu changed the frame, simdjson: %llu books / %llu errors, scanner took %llu\n",
              kMutations, static_cast<unsigned long long>(changed), static_cast<unsigned long long>(counts_.ref_ok_book),
              static_cast<unsigned long long>(counts_.ref_errors), static_cast<unsigned long long>(taken));
  EXPECT_GT(changed, kMutations * 9 / 10);
  EXPECT_GT(counts_.ref_errors, static_cast<uint64_t>(kMutations / 4));
  EXPECT_GT(taken, static_cast<uint64_t>(kMutations / 5));
  EXPECT_LT(taken, counts_.ref_ok_book);
}

// Key orders the recordings do not show are still taken by the scanner (data before topic, ts last).
TEST_F(CodecDifferential, AnyKeyOrderIsTaken) {
  const std::string& frame = corpus().books[1].frame;
  Members top;
  ASSERT_TRUE(split_object(frame, top));
  std::sort(top.begin(), top.end());  // "cts", "data", "topic", "ts", "type": data before topic
  const std::string sorted = join(top);
  ASSERT_LT(sorted.find("\"data\""), sorted.find("\"topic\""));
  EXPECT_TRUE(check(sorted, corpus().books[1].category, std::string(BybitCodec::kPadding, ' ')));
  std::reverse(top.begin(), top.end());
  EXPECT_TRUE(check(join(top), corpus().books[1].category, std::string(BybitCodec::kPadding, ' ')));
}

}  // namespace
}  // namespace mm
