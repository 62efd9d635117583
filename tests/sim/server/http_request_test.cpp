// The simulator's HTTP/1.1 request parser: Content-Length and chunked bodies (decoded in place), pipelining,
// and every refusal with its reason. No sockets: the parser alone.
#include "sim/server/http_request.h"

#include <gtest/gtest.h>

#include <string>

namespace mm::simx {
namespace {

struct Parsed {
  HttpParseStatus status;
  HttpRequest req;
  std::string_view why;
};

Parsed parse(std::string& buf, size_t max_body = 1024) {
  Parsed p{};
  p.status = parse_http_request(std::span<char>(buf.data(), buf.size()), 4096, max_body, p.req, p.why);
  return p;
}

TEST(HttpRequest, ContentLengthBodyAndPipelinedNext) {
  std::string buf =
      "POST /v5/order/create?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n{\"a\":1}GET / HTTP/1.1\r\n";
  const Parsed p = parse(buf);
  ASSERT_EQ(p.status, HttpParseStatus::kComplete) << p.why;
  EXPECT_EQ(p.req.path, "/v5/order/create");
  EXPECT_EQ(p.req.query, "x=1");
  EXPECT_EQ(p.req.body, "{\"a\":1}");
  EXPECT_FALSE(p.req.chunked);
  EXPECT_EQ(buf.substr(p.req.wire_len), "GET / HTTP/1.1\r\n");
}

TEST(HttpRequest, ChunkedBodyIsDecodedInPlaceWithExtensionsAndTrailers) {
  const std::string head = "POST /v5/order/create HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n";
  const std::string wire =
      "5\r\n{\"a\":\r\nA;name=\"v\"\r\n1234567890\r\n001\r\n}\r\n0\r\nX-Check: 1\r\n\r\n";
  const std::string next = "GET /v5/market/time HTTP/1.1\r\n\r\n";
  std::string buf = head + wire + next;
  const Parsed p = parse(buf);
  ASSERT_EQ(p.status, HttpParseStatus::kComplete) << p.why;
  EXPECT_TRUE(p.req.chunked);
  EXPECT_EQ(p.req.body, "{\"a\":1234567890}");
  EXPECT_EQ(p.req.content_length, p.req.body.size());
  EXPECT_EQ(p.req.body.data(), buf.data() + head.size());  // in place, right after the head
  EXPECT_EQ(p.req.wire_len, head.size() + wire.size());
  EXPECT_EQ(buf.substr(p.req.wire_len), next);  // the next request untouched
  // An empty chunked body.
  std::string empty = head + "0\r\n\r\n";
  const Parsed e = parse(empty);
  ASSERT_EQ(e.status, HttpParseStatus::kComplete) << e.why;
  EXPECT_EQ(e.req.body, "");
  EXPECT_EQ(e.req.wire_len, empty.size());
}

// Every prefix of a chunked request needs more input and leaves the bytes as they were (nothing is decoded
// until the whole body is there).
TEST(HttpRequest, ChunkedPrefixesNeedMoreAndWriteNothing) {
  const std::string full =
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nT: x\r\n\r\n";
  for (size_t n = 0; n < full.size(); ++n) {
    std::string buf = full.substr(0, n);
    const Parsed p = parse(buf);
    EXPECT_EQ(p.status, HttpParseStatus::kNeedMore) << n;
    EXPECT_EQ(buf, full.substr(0, n)) << n;
    if (p.req.head_len != 0) {
      EXPECT_GT(p.req.wire_len, n) << n;  // what to grow the buffer to
    }
  }
  std::string buf = full;
  const Parsed p = parse(buf);
  ASSERT_EQ(p.status, HttpParseStatus::kComplete);
  EXPECT_EQ(p.req.body, "abcde");
}

TEST(HttpRequest, BadChunkedFramingIsRefusedNamingWhy) {
  const std::string head = "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  const struct {
    std::string wire;
    HttpParseStatus status;
    std::string_view why;
  } cases[] = {
      {"zz\r\n", HttpParseStatus::kBad, "malformed chunk size line"},
      {"\r\n", HttpParseStatus::kBad, "malformed chunk size line"},
      {"3 x\r\nabc\r\n0\r\n\r\n", HttpParseStatus::kBad, "malformed chunk size line"},
      {"123456789\r\n", HttpParseStatus::kBad, "malformed chunk size line"},  // 9 hex digits
      {"3\r\nabcd\r\n0\r\n\r\n", HttpParseStatus::kBad, "chunk data not followed by CRLF"},
      {"3\r\nabc\r\n0\r\nno colon\r\n\r\n", HttpParseStatus::kBad, "malformed trailer line"},
      {"FFFF\r\n", HttpParseStatus::kTooLarge, "request body too large"},  // above max_body (1024)
  };
  for (const auto& c : cases) {
    std::string buf = head + c.wire;
    const Parsed p = parse(buf);
    EXPECT_EQ(p.status, c.status) << c.wire;
    EXPECT_EQ(p.why, c.why) << c.wire;
  }
  // The body as sent counts against the limit, framing included: 300 one-byte chunks are 1,800 bytes.
  std::string many = head;
  for (int i = 0; i < 300; ++i) many += "1\r\nx\r\n";
  const Parsed p = parse(many);
  EXPECT_EQ(p.status, HttpParseStatus::kTooLarge);
  EXPECT_EQ(p.why, "request body too large");
}

TEST(HttpRequest, TransferEncodingRefusals) {
  std::string both = "POST /p HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  Parsed p = parse(both);
  EXPECT_EQ(p.status, HttpParseStatus::kBad);
  EXPECT_EQ(p.why, "both Content-Length and Transfer-Encoding");
  std::string twice =
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  p = parse(twice);
  EXPECT_EQ(p.status, HttpParseStatus::kBad);
  EXPECT_EQ(p.why, "Transfer-Encoding given twice");
  std::string gzip = "POST /p HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
  p = parse(gzip);
  EXPECT_EQ(p.status, HttpParseStatus::kUnsupported);
  EXPECT_EQ(p.why, "Transfer-Encoding other than chunked is not supported");
}

}  // namespace
}  // namespace mm::simx
