#pragma once
// Minimal streaming JSON writer for reports (cold path). Why not a library: the report needs exact control of
// number formatting (decimal strings from fixed point, integers as integers) and nothing else.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mm::tools {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = false) : pretty_(pretty) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(double v);  // finite values only; non-finite are written as null
  JsonWriter& value(bool v);
  JsonWriter& null();

  const std::string& str() const { return out_; }

 private:
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  void separator();
  void newline();
  std::string out_;
  std::vector<bool> has_items_;  // per open container: whether a comma is needed
  bool after_key_ = false;
  bool pretty_;
};

}  // namespace mm::tools
