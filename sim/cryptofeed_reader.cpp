#include "sim/cryptofeed_reader.h"

#include <simdjson.h>

#include <cstring>
#include <utility>

namespace mm {

static_assert(kFramePadding >= simdjson::SIMDJSON_PADDING,
              "lines are parsed in place: padding must cover simdjson's");

bool parse_seconds_to_ns(std::string_view s, int64_t& out) noexcept {
  size_t i = 0;
  int64_t sec = 0;
  const size_t n = s.size();
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    if (sec > 9'223'372'035) return false;  // keeps sec * 1e9 + 999'999'999 inside int64
    sec = sec * 10 + (s[i] - '0');
    ++i;
  }
  if (i == 0) return false;
  int64_t frac = 0;
  if (i < n) {
    if (s[i] != '.') return false;
    ++i;
    const size_t first = i;
    int digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (digits < 9) {
        frac = frac * 10 + (s[i] - '0');
        ++digits;
      }
      ++i;
    }
    if (i == first || i != n) return false;
    for (; digits < 9; ++digits) frac *= 10;
  }
  const int64_t ns = sec * 1'000'000'000;
  if (ns > INT64_MAX - frac) return false;
  out = ns + frac;
  return true;
}

struct CryptofeedReader::Json {
  explicit Json(size_t max_capacity) : parser(max_capacity) {}
  simdjson::ondemand::parser parser;
};

CryptofeedReader::CryptofeedReader(CryptofeedOptions options)
    : options_(options), json_(std::make_unique<Json>(options.max_frame_bytes)) {}

CryptofeedReader::~CryptofeedReader() = default;

std::vector<std::string> CryptofeedReader::connection_names() const {
  std::vector<std::string> v;
  v.reserve(conns_.size());
  for (const Conn& c : conns_) v.push_back(c.name);
  return v;
}

ReadResult CryptofeedReader::terminal(ReadResult r) noexcept {
  sticky_ = r;
  return r;
}

ReadResult CryptofeedReader::bad(std::string_view what) noexcept {
  error_ = path_ + ":" + std::to_string(lines_.line_number()) + ": " + std::string(what);
  return ReadResult::kBadRecord;
}

uint32_t CryptofeedReader::conn_id(std::string_view name) noexcept {
  if (last_conn_ < conns_.size() && conns_[last_conn_].name == name) return last_conn_;
  for (uint32_t i = 0; i < conns_.size(); ++i) {
    if (conns_[i].name == name) return last_conn_ = i;
  }
  conns_.push_back(Conn{std::string(name), {}, false, Category::kLinear});
  return last_conn_ = static_cast<uint32_t>(conns_.size() - 1);
}

ReadResult CryptofeedReader::open(const std::string& path) noexcept {
  path_ = path;
  error_.clear();
  sticky_ = ReadResult::kOk;
  conns_.clear();
  last_conn_ = 0;
  zstd_.reset();
  char magic[4] = {};
  const long got = detail::read_prefix(path, magic, sizeof(magic), error_);
  if (got < 0) return terminal(ReadResult::kIo);
  if (ReadResult r = file_.open(path); r != ReadResult::kOk) {
    error_ = std::string(file_.error());
    return terminal(r);
  }
  static constexpr unsigned char kZstdMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};
  detail::ByteSource* src = &file_;
  if (got == 4 && std::memcmp(magic, kZstdMagic, 4) == 0) {
    zstd_ = std::make_unique<detail::ZstdByteSource>(file_, path);
    src = zstd_.get();
  }
  const size_t initial =
      options_.max_frame_bytes < (size_t{1} << 20) ? options_.max_frame_bytes : size_t{1} << 20;
  lines_.reset(src, initial, options_.max_frame_bytes);
  if (frame_buf_ == nullptr) {
    frame_cap_ = initial;
    frame_buf_.reset(new char[frame_cap_ + kFramePadding]);
    std::memset(frame_buf_.get(), 0, frame_cap_ + kFramePadding);
  }
  return ReadResult::kOk;
}

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

ReadResult CryptofeedReader::next(Frame& out) noexcept {
  if (sticky_ != ReadResult::kOk) return sticky_;
  if (frame_buf_ == nullptr) {
    error_ = "cryptofeed reader is not open";
    return terminal(ReadResult::kIo);
  }
  for (;;) {
    std::string_view line;
    bool terminated = true;
    const ReadResult lr = lines_.next(line, terminated);
    if (lr == ReadResult::kEnd) return lr;
    if (lr == ReadResult::kTooLarge) {
      error_ = path_ + ":" + std::to_string(lines_.line_number() + 1) + ": line longer than the " +
               std::to_string(options_.max_frame_bytes) + "-byte limit";
      return terminal(lr);
    }
    if (lr != ReadResult::kOk) {
      error_ = std::string(lines_.source_error());
      return terminal(lr);
    }
    if (trim(line).empty()) continue;

    std::string_view t, conn, ts, addr, url, data;
    bool have_t = false, have_conn = false, have_ts = false, have_addr = false, have_url = false,
         have_data = false;
    simdjson::error_code err = simdjson::SUCCESS;
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    if ((err = json_->parser.iterate(line.data(), line.size(), line.size() + kFramePadding).get(doc)) ==
            simdjson::SUCCESS &&
        (err = doc.get_object().get(obj)) == simdjson::SUCCESS) {
      for (auto field_result : obj) {
        simdjson::ondemand::field field;
        if ((err = std::move(field_result).get(field)) != simdjson::SUCCESS) break;
        const simdjson::ondemand::raw_json_string key = field.key();
        simdjson::ondemand::value value = field.value();
        if (key.is_equal("data")) {
          err = value.get_string().get(data);
          have_data = true;
        } else if (key.is_equal("t")) {
          err = value.get_string().get(t);
          have_t = true;
        } else if (key.is_equal("conn")) {
          err = value.get_string().get(conn);
          have_conn = true;
        } else if (key.is_equal("ts")) {
          ts = trim(value.raw_json_token());
          have_ts = true;
        } else if (key.is_equal("addr")) {
          err = value.get_string().get(addr);
          have_addr = true;
        } else if (key.is_equal("url")) {
          err = value.get_string().get(url);
          have_url = true;
        }
        if (err != simdjson::SUCCESS) break;
      }
    }
    if (err != simdjson::SUCCESS) {
      if (!terminated) {
        error_ = path_ + ":" + std::to_string(lines_.line_number()) +
                 ": last line is incomplete (file cut off while writing?): " + simdjson::error_message(err);
        return terminal(ReadResult::kTruncated);
      }
      return bad(std::string("not a valid JSON record: ") + simdjson::error_message(err));
    }
    if (!have_t) return bad("record without \"t\"");
    FrameKind kind;
    if (t == "recv") {
      kind = FrameKind::kRecv;
    } else if (t == "send") {
      kind = FrameKind::kSend;
    } else if (t == "http") {
      kind = FrameKind::kHttp;
    } else if (t == "connect") {
      kind = FrameKind::kConnect;
    } else if (t == "header") {
      continue;
    } else {
      return bad("unknown record type \"" + std::string(t) + "\"");
    }
    if (!have_conn) return bad("record without \"conn\"");
    int64_t recv_ns = 0;
    if (!have_ts || !parse_seconds_to_ns(ts, recv_ns)) return bad("missing or malformed \"ts\"");
    if (kind != FrameKind::kConnect && !have_data) return bad("record without \"data\"");
    if (kind == FrameKind::kHttp && !have_url) return bad("http record without \"url\"");
    if (kind == FrameKind::kConnect && !have_addr) return bad("connect record without \"addr\"");

    const uint32_t id = conn_id(conn);
    Conn& c = conns_[id];
    if (have_addr && (kind == FrameKind::kConnect || c.addr.empty())) {
      c.addr.assign(addr);
      c.has_category = category_from_url(c.addr, c.category);
    }
    if (data.size() > frame_cap_) {
      size_t cap = frame_cap_ * 2 > data.size() ? frame_cap_ * 2 : data.size();
      frame_buf_.reset(new char[cap + kFramePadding]);
      std::memset(frame_buf_.get() + data.size(), 0, cap + kFramePadding - data.size());
      frame_cap_ = cap;
    }
    if (!data.empty()) std::memcpy(frame_buf_.get(), data.data(), data.size());
    out.recv_ns = recv_ns;
    out.conn_id = id;
    out.kind = kind;
    out.data = std::string_view(frame_buf_.get(), data.size());
    if (kind == FrameKind::kHttp) {
      out.url = url;
      out.category = Category::kLinear;
      out.has_category = category_from_url(url, out.category);
    } else {
      out.url = c.addr;
      out.has_category = c.has_category;
      out.category = c.category;
    }
    return ReadResult::kOk;
  }
}

}  // namespace mm
