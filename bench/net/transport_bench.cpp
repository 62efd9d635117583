// WebSocket echo round trip on loopback: Beast (net/ws_client.h) against io_uring (net/uring_ws_client.h),
// plain TCP and TLS. One ~300-byte text frame out, the echo back, busy-polled by the client; the echo server
// is the same for both clients (a blocking thread with its own RFC 6455 server framing, OpenSSL for TLS), so
// the difference is the client transport. Counters: p50_ns / p99_ns of the round trip.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/cpu_affinity.h"
#include "net/tls_context.h"
#include "net/uring_ws_client.h"
#include "net/ws_client.h"
#include "net/ws_frame.h"

namespace mm {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A self-signed certificate for IP 127.0.0.1 that is its own trust anchor.
struct BenchPki {
  std::string cert_pem, key_pem, ca_file;
  BenchPki() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("mm bench"), -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (const auto& [nid, v] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                 std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, v);
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(x, key, EVP_sha256());
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char* d = nullptr;
    long n = BIO_get_mem_data(b, &d);
    cert_pem.assign(d, static_cast<size_t>(n));
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    n = BIO_get_mem_data(b, &d);
    key_pem.assign(d, static_cast<size_t>(n));
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(key);
    ca_file =
        (std::filesystem::temp_directory_path() / ("mm_bench_ca_" + std::to_string(::getpid()) + ".pem"))
            .string();
    std::ofstream(ca_file) << cert_pem;
  }
};

const BenchPki& pki() {
  static const BenchPki p;
  return p;
}

// One-connection-at-a-time WebSocket echo server on 127.0.0.1, plain or TLS.
class EchoServer {
 public:
  // server_cpu >= 0 pins the server thread (the pinned benchmark keeps client and server on two CPUs).
  explicit EchoServer(bool tls, int server_cpu = -1) : tls_(tls), server_cpu_(server_cpu) {
    if (tls_) {
      ctx_ = SSL_CTX_new(TLS_server_method());
      BIO* cb = BIO_new_mem_buf(pki().cert_pem.data(), static_cast<int>(pki().cert_pem.size()));
      X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
      BIO_free(cb);
      BIO* kb = BIO_new_mem_buf(pki().key_pem.data(), static_cast<int>(pki().key_pem.size()));
      EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
      BIO_free(kb);
      SSL_CTX_use_certificate(ctx_, cert);
      SSL_CTX_use_PrivateKey(ctx_, key);
      X509_free(cert);
      EVP_PKEY_free(key);
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~EchoServer() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }
  uint16_t port() const { return port_; }

 private:
  struct Conn {
    int fd;
    SSL* ssl;
    bool read_exact(char* p, size_t n) {
      while (n > 0) {
        const int r = ssl ? SSL_read(ssl, p, static_cast<int>(n)) : static_cast<int>(::recv(fd, p, n, 0));
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
      }
      return true;
    }
    bool write_all(const char* p, size_t n) {
      while (n > 0) {
        const int r =
            ssl ? SSL_write(ssl, p, static_cast<int>(n)) : static_cast<int>(::send(fd, p, n, MSG_NOSIGNAL));
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
      }
      return true;
    }
  };

  void run() {
    if (server_cpu_ >= 0) (void)pin_current_thread(server_cpu_);
    while (!stop_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Conn c{fd, nullptr};
      if (tls_) {
        c.ssl = SSL_new(ctx_);
        SSL_set_fd(c.ssl, fd);
        if (SSL_accept(c.ssl) != 1) {
          SSL_free(c.ssl);
          ::close(fd);
          continue;
        }
      }
      serve(c);
      if (c.ssl) SSL_free(c.ssl);
      ::close(fd);
    }
  }

  void serve(Conn& c) {
    std::string req;
    char ch;
    while (req.find("\r\n\r\n") == std::string::npos) {
      if (!c.read_exact(&ch, 1)) return;
      req += ch;
    }
    const size_t k = req.find("Sec-WebSocket-Key: ");
    const std::string key =
        req.substr(k + 19, req.find("\r\n", k) - k - 19) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char sha[20];
    unsigned len = 0;
    EVP_Digest(key.data(), key.size(), sha, &len, EVP_sha1(), nullptr);
    char accept[64];
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(accept), sha, 20);
    const std::string resp =
        std::string("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n") +
        "Sec-WebSocket-Accept: " + accept + "\r\n\r\n";
    if (!c.write_all(resp.data(), resp.size())) return;
    std::vector<char> payload(1 << 20);
    for (;;) {
      unsigned char h[2];
      if (!c.read_exact(reinterpret_cast<char*>(h), 2)) return;
      const int op = h[0] & 0x0f;
      uint64_t n = h[1] & 0x7f;
      if (n == 126) {
        unsigned char e[2];
        if (!c.read_exact(reinterpret_cast<char*>(e), 2)) return;
        n = (uint64_t{e[0]} << 8) | e[1];
      } else if (n == 127) {
        return;  // not used by the benchmark
      }
      uint32_t mask = 0;
      if (!c.read_exact(reinterpret_cast<char*>(&mask), 4) || n > payload.size()) return;
      if (!c.read_exact(payload.data(), n)) return;
      mask_payload(payload.data(), n, mask);
      if (op == 0x8) {  // close: echo it and end
        const char out[2] = {static_cast<char>(0x88), 0};
        c.write_all(out, 2);
        return;
      }
      char head[4];
      size_t hl = 2;
      head[0] = static_cast<char>(0x80 | op);
      if (n < 126) {
        head[1] = static_cast<char>(n);
      } else {
        head[1] = 126;
        head[2] = static_cast<char>(n >> 8);
        head[3] = static_cast<char>(n & 0xff);
        hl = 4;
      }
      std::string frame(head, hl);
      frame.append(payload.data(), n);
      if (!c.write_all(frame.data(), frame.size())) return;
    }
  }

  bool tls_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  int server_cpu_ = -1;
};

template <class Client, class Config>
void round_trips(benchmark::State& state, bool tls, int server_cpu = -1, void (*tune)(Config&) = nullptr) {
  EchoServer server(tls, server_cpu);
  std::unique_ptr<TlsContext> ctx;
  if (tls) {
    std::string detail;
    if (TlsContext::create({pki().ca_file, false}, ctx, detail) != TlsError::kOk) {
      state.SkipWithError(detail.c_str());
      return;
    }
  }
  Config cfg;
  cfg.endpoint.tls = tls;
  cfg.endpoint.host = "127.0.0.1";
  cfg.endpoint.port = server.port();
  cfg.endpoint.target = "/v5/trade";
  cfg.tls = ctx.get();
  if (tune != nullptr) tune(cfg);
  Client client(cfg);
  if (client.connect() != WsError::kOk) {
    state.SkipWithError("connect refused");
    return;
  }
  const int64_t end = now_ns() + 5'000'000'000;
  while (client.state() == WsState::kConnecting && now_ns() < end) client.poll(now_ns());
  if (client.state() != WsState::kOpen) {
    state.SkipWithError(client.error_detail().c_str());
    return;
  }
  // ~300 bytes: the size of an order.create request.
  const std::string payload(300, 'x');
  std::vector<int64_t> samples;
  samples.reserve(1 << 20);
  std::string_view msg;
  int64_t t = 0;
  for (auto _ : state) {
    const int64_t t0 = now_ns();
    if (client.send_text(payload) != WsError::kOk) {
      state.SkipWithError("send failed");
      break;
    }
    while (!client.front(msg, t)) {
      client.poll(0);
      if (client.state() != WsState::kOpen) break;
    }
    if (client.state() != WsState::kOpen) {
      state.SkipWithError(client.error_detail().c_str());
      break;
    }
    client.pop();
    samples.push_back(now_ns() - t0);
  }
  if (!samples.empty()) {
    std::sort(samples.begin(), samples.end());
    state.counters["p50_ns"] = static_cast<double>(samples[samples.size() / 2]);
    state.counters["p99_ns"] = static_cast<double>(samples[samples.size() * 99 / 100]);
  }
  client.close(1000);
  const int64_t close_end = now_ns() + 1'000'000'000;
  while (client.state() != WsState::kClosed && now_ns() < close_end) client.poll(now_ns());
}

void BM_WsEchoBeast(benchmark::State& state) {
  round_trips<WsClient, WsClientConfig>(state, state.range(0) != 0);
}
void BM_WsEchoUring(benchmark::State& state) {
  round_trips<UringWsClient, UringWsConfig>(state, state.range(0) != 0);
}

// The io_uring client on CPU 1 and the echo server on CPU 0, as a pinned hot thread and its peer are in
// production, plain TCP: argument 1 = completions run when the client polls (COOP_TASKRUN, the default),
// 0 = io_uring's default, the kernel interrupts the client's CPU to complete each read. Unpinned (above), the
// scheduler tends to put both threads on one CPU and the difference does not show.
void BM_WsEchoUringPinned(benchmark::State& state) {
  if (std::thread::hardware_concurrency() < 2 || pin_current_thread(1) != ThreadSetupError::kOk) {
    state.SkipWithError("needs two CPUs");
    return;
  }
  if (state.range(0) != 0) {
    round_trips<UringWsClient, UringWsConfig>(state, false, 0);
  } else {
    round_trips<UringWsClient, UringWsConfig>(state, false, 0,
                                              [](UringWsConfig& c) { c.cooperative_completions = false; });
  }
}

// Argument: 0 = plain TCP, 1 = TLS.
BENCHMARK(BM_WsEchoBeast)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->MinTime(2.0);
BENCHMARK(BM_WsEchoUring)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->MinTime(2.0);
BENCHMARK(BM_WsEchoUringPinned)->ArgName("coop")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

}  // namespace
}  // namespace mm
