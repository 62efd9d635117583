// LiveControl (runtime/live_control.h) against a tiny HTTP server on 127.0.0.1: how a REST order answer
// becomes a ControlResult. An HTTP 5xx says nothing about whether the venue took the request, so the order is
// Unknown (settled by GET /v5/order/realtime?orderLinkId=), never Rejected: a create taken as refused frees
// its level and the quoter sends it again under a new link id.
#include "runtime/live_control.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/instrument_registry.h"
#include "net/rest_client.h"
#include "net/signer.h"
#include "runtime/journal.h"
#include "tests/support/instruments.h"

namespace mm {
namespace {

// One request per connection ("Connection: close"), answered by `handler(method, target)` = {status, body}.
// Enough HTTP for RestClient; no Beast in runtime_tests.
class TinyHttpServer {
 public:
  using Handler = std::function<std::pair<int, std::string>(const std::string& target)>;
  explicit TinyHttpServer(Handler h) : handler_(std::move(h)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TinyHttpServer() {
    stop_.store(true);
    thread_.join();
    ::close(fd_);
  }
  TinyHttpServer(const TinyHttpServer&) = delete;
  TinyHttpServer& operator=(const TinyHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::vector<std::string> targets() const {
    std::lock_guard lock(mu_);
    return targets_;
  }

 private:
  void run() {
    while (!stop_.load()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }
  void serve(int c) {
    std::string in;
    char buf[4096];
    size_t head_end = std::string::npos;
    size_t need = 0;
    // Every read bounded (2 s): a client that never finishes its request ends the connection.
    for (;;) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return;
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
      if (head_end == std::string::npos) {
        head_end = in.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        const size_t cl = in.find("Content-Length: ");
        const size_t body_len =
            cl != std::string::npos && cl < head_end ? std::stoul(in.substr(cl + 16)) : size_t{0};
        need = head_end + 4 + body_len;
      }
      if (in.size() >= need) break;
    }
    const size_t sp = in.find(' ');
    const std::string target = in.substr(sp + 1, in.find(' ', sp + 1) - sp - 1);
    {
      std::lock_guard lock(mu_);
      targets_.push_back(target);
    }
    const auto [status, body] = handler_(target);
    const std::string out =
        "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
        "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)!::write(c, out.data(), out.size());
  }

  Handler handler_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> targets_;
};

std::string envelope(int code, std::string_view result) {
  return "{\"retCode\":" + std::to_string(code) + R"(,"retMsg":"X","result":)" + std::string(result) +
         R"(,"retExtInfo":{},"time":1700000000000})";
}

std::string path_of(const std::string& target) {
  return target.substr(0, target.find('?'));
}

constexpr std::string_view kOpenOrder =
    R"({"category":"linear","nextPageCursor":"","list":[{"orderId":"1c9a-uuid","orderLinkId":"mm-7",
"symbol":"BTCUSDT","price":"30000.00","qty":"0.001","side":"Buy","orderStatus":"New","orderType":"Limit",
"timeInForce":"PostOnly","leavesQty":"0.001","cumExecQty":"0","cumExecValue":"0","cumExecFee":"0",
"avgPrice":"","createdTime":"1700000000000","updatedTime":"1700000000001","positionIdx":0}]})";

class LiveControlAnswers : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(signer_.init("TESTKEY123456", "test-secret-abc"), SignerError::kOk);
    btc_ = reg_.add(test::btcusdt());
  }
  // A control over a server that answers order actions (create/amend/cancel) with `order_status` (and a
  // Bybit envelope `order_ret_code` when 200), and the realtime query with the order open.
  void serve(int order_status, int order_ret_code = 0) {
    control_.reset();  // it holds the client, which holds the server's port
    rest_.reset();
    server_ = std::make_unique<TinyHttpServer>([=](const std::string& target) -> std::pair<int, std::string> {
      const std::string path = path_of(target);
      if (path == "/v5/order/realtime") return {200, envelope(0, kOpenOrder)};
      if (order_status != 200) return {order_status, "<html>bad gateway</html>"};
      return {200, envelope(order_ret_code, R"({"orderId":"1c9a-uuid","orderLinkId":"mm-7"})")};
    });
    RestClientConfig cfg;
    cfg.http.endpoint.host = "127.0.0.1";
    cfg.http.endpoint.port = server_->port();
    cfg.http.timeout_ms = 3000;
    rest_ = std::make_unique<RestClient>(cfg, &signer_, nullptr, [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    });
    control_ = std::make_unique<LiveControl>(*rest_, journal_, reg_, btc_);
  }
  // A create (price 30000.00, 1 lot), an amend (to 30010.00) or a cancel of link id "mm-7".
  ControlRequest request(ControlOp op) const {
    ControlRequest r;
    r.op = op;
    OrderLinkId* link = &r.u.cancel.link_id;
    if (op == ControlOp::kCreate) {
      r.u.create.instrument = btc_;
      r.u.create.price = Price{3'000'000};
      r.u.create.qty = Qty{1};
      link = &r.u.create.link_id;
    } else if (op == ControlOp::kAmend) {
      r.u.amend = OrderAmend{};
      r.u.amend.instrument = btc_;
      r.u.amend.price = Price{3'000'100};
      link = &r.u.amend.link_id;
    } else {
      r.u.cancel = OrderCancel{};
      r.u.cancel.instrument = btc_;
    }
    EXPECT_EQ(make_link_id("mm", 7, *link), LinkIdError::kOk);
    return r;
  }
  // Runs one request on this thread and returns its single result.
  ControlResult run(const ControlRequest& req) {
    control_->handle(req);
    ControlResult res;
    EXPECT_TRUE(control_->results().try_pop(res));
    ControlResult extra;
    EXPECT_FALSE(control_->results().try_pop(extra)) << "one result per request";
    return res;
  }
  size_t sent_to(std::string_view path) const {
    size_t n = 0;
    for (const std::string& t : server_->targets()) n += path_of(t) == path ? 1 : 0;
    return n;
  }

  Signer signer_;
  InstrumentRegistry reg_;
  InstrumentId btc_ = kNoInstrument;
  Journal journal_;
  std::unique_ptr<TinyHttpServer> server_;
  std::unique_ptr<RestClient> rest_;
  std::unique_ptr<LiveControl> control_;
};

TEST_F(LiveControlAnswers, ACreateAnsweredHttp5xxIsUnknownAndTheQuerySettlesIt) {
  for (const int status : {500, 502, 503, 504}) {
    SCOPED_TRACE(status);
    serve(status);
    const ControlResult r = run(request(ControlOp::kCreate));
    EXPECT_EQ(r.kind, ControlResultKind::kUnknown) << "an HTTP " << status << " is not a refusal";
    EXPECT_EQ(r.link_id.view(), "mm-7");
    EXPECT_EQ(sent_to("/v5/order/create"), 1U) << "sent once, never repeated by the control thread";
    // What the hot thread asks next (settle_unknown): the query finds the order the venue did take.
    ControlRequest q;
    q.op = ControlOp::kQueryOrder;
    ASSERT_EQ(make_link_id("mm-7", q.u.query), LinkIdError::kOk);
    const ControlResult s = run(q);
    EXPECT_EQ(s.kind, ControlResultKind::kOrder);
    EXPECT_EQ(s.order.order_link_id.view(), "mm-7");
    EXPECT_EQ(s.order.status, OrderStatus::kNew);
    EXPECT_EQ(sent_to("/v5/order/create"), 1U);
  }
}

TEST_F(LiveControlAnswers, AnAmendOrCancelAnsweredHttp5xxIsUnknown) {
  serve(502);
  EXPECT_EQ(run(request(ControlOp::kAmend)).kind, ControlResultKind::kUnknown);
  EXPECT_EQ(run(request(ControlOp::kCancel)).kind, ControlResultKind::kUnknown);
}

// A 403 (IP limit) or 429 (frequency protection) is refused before acting: a plain refusal, as before.
TEST_F(LiveControlAnswers, Http403And429AreRefusals) {
  for (const int status : {403, 429, 404}) {
    SCOPED_TRACE(status);
    serve(status);
    const ControlResult r = run(request(ControlOp::kCreate));
    EXPECT_EQ(r.kind, ControlResultKind::kRejected);
    EXPECT_EQ(r.ack_kind, OrderEventKind::kCreateRejected);
    EXPECT_EQ(r.ret_code, -1);
  }
}

// A retCode answer goes to the hot thread as it came (classify_answer decides there: 10016 Unknown,
// 110007 refused); a created order is acked with the venue's orderId.
TEST_F(LiveControlAnswers, RetCodeAnswersKeepTheirCode) {
  serve(200, 110007);
  ControlResult r = run(request(ControlOp::kCreate));
  EXPECT_EQ(r.kind, ControlResultKind::kRejected);
  EXPECT_EQ(r.ret_code, 110007);
  serve(200, 0);
  r = run(request(ControlOp::kCreate));
  EXPECT_EQ(r.kind, ControlResultKind::kAcked);
  EXPECT_EQ(r.ack_kind, OrderEventKind::kCreateAcked);
  EXPECT_EQ(r.order_id.view(), "1c9a-uuid");
}

}  // namespace
}  // namespace mm
