// TlsContext and the TLS paths of both Beast transports: a certificate from a test CA is accepted only with
// that CA configured, and only for the host name (or IP) it names. The PKI is made here with OpenSSL's C API.
#include "net/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "net/http_client.h"
#include "net/ws_client.h"
#include "tests/net/loopback_server.h"
#include "tests/net/test_certs.h"

namespace mm::test {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string pem_of(X509* x) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

std::string pem_of(EVP_PKEY* k) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

PkeyPtr read_key(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  PkeyPtr k(PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr));
  BIO_free(b);
  return k;
}

X509Ptr read_cert(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr x(PEM_read_bio_X509(b, nullptr, nullptr, nullptr));
  BIO_free(b);
  return x;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509Ptr new_cert(EVP_PKEY* key, const std::string& cn, long serial) {
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);
  return x;
}

}  // namespace

TestCa make_test_ca(const std::string& common_name) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr x = new_cert(key.get(), common_name, 1);
  X509_set_issuer_name(x.get(), X509_get_subject_name(x.get()));
  add_ext(x.get(), x.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(x.get(), x.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(x.get(), x.get(), NID_subject_key_identifier, "hash");
  X509_sign(x.get(), key.get(), EVP_sha256());
  return {pem_of(x.get()), pem_of(key.get())};
}

TestCert make_server_cert(const TestCa& ca, const std::vector<std::string>& dns_names,
                          const std::vector<std::string>& ips) {
  static long serial = 100;
  PkeyPtr ca_key = read_key(ca.key_pem);
  X509Ptr ca_cert = read_cert(ca.cert_pem);
  PkeyPtr key(EVP_EC_gen("P-256"));
  const std::string cn = dns_names.empty() ? ips.front() : dns_names.front();
  X509Ptr x = new_cert(key.get(), cn, ++serial);
  X509_set_issuer_name(x.get(), X509_get_subject_name(ca_cert.get()));
  std::string san;
  for (const auto& d : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& i : ips) san += (san.empty() ? "IP:" : ",IP:") + i;
  add_ext(x.get(), ca_cert.get(), NID_subject_alt_name, san);
  add_ext(x.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(x.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth");
  X509_sign(x.get(), ca_key.get(), EVP_sha256());
  return {pem_of(x.get()), pem_of(key.get())};
}

std::string write_temp_file(const std::string& name, const std::string& content) {
  const auto dir = std::filesystem::temp_directory_path() / ("mm_net_tests_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

namespace {

struct Pki {
  TestCa ca = make_test_ca("mm test CA");
  TestCa other_ca = make_test_ca("some other CA");
  std::string ca_file = write_temp_file("ca.pem", ca.cert_pem);
  std::string other_ca_file = write_temp_file("other_ca.pem", other_ca.cert_pem);
};

const Pki& pki() {
  static const Pki p;
  return p;
}

std::unique_ptr<TlsContext> context(const std::string& ca_file, bool system_store = false) {
  std::unique_ptr<TlsContext> ctx;
  std::string detail;
  EXPECT_EQ(TlsContext::create({ca_file, system_store}, ctx, detail), TlsError::kOk) << detail;
  return ctx;
}

TEST(TlsContext, RefusesMissingCaFileNamingIt) {
  std::unique_ptr<TlsContext> ctx;
  std::string detail;
  EXPECT_EQ(TlsContext::create({"/nonexistent/ca.pem", false}, ctx, detail), TlsError::kCaFile);
  EXPECT_EQ(ctx, nullptr);
  EXPECT_NE(detail.find("/nonexistent/ca.pem"), std::string::npos) << detail;
}

TEST(TlsContext, RefusesCaFileWithoutCertificate) {
  std::unique_ptr<TlsContext> ctx;
  std::string detail;
  const std::string junk = write_temp_file("junk.pem", "not a certificate\n");
  EXPECT_EQ(TlsContext::create({junk, false}, ctx, detail), TlsError::kCaFile);
  EXPECT_EQ(ctx, nullptr);
}

TEST(TlsContext, RefusesNoTrustAnchorAtAll) {
  std::unique_ptr<TlsContext> ctx;
  std::string detail;
  EXPECT_EQ(TlsContext::create({"", false}, ctx, detail), TlsError::kNoTrustAnchor);
  EXPECT_EQ(ctx, nullptr);
}

TEST(TlsContext, SystemStoreLoads) {
  std::unique_ptr<TlsContext> ctx;
  std::string detail;
  EXPECT_EQ(TlsContext::create({"", true}, ctx, detail), TlsError::kOk) << detail;
  EXPECT_NE(ctx, nullptr);
}

// Drives a WebSocket client to open or closed.
WsClient& run_ws(WsClient& c) {
  EXPECT_EQ(c.connect(), WsError::kOk);
  poll_until([&] { c.poll(now_ns()); },
             [&] { return c.state() == WsState::kOpen || c.state() == WsState::kClosed; });
  return c;
}

WsClientConfig ws_config(uint16_t port, const std::string& host, const TlsContext* tls) {
  WsClientConfig cfg;
  cfg.endpoint.tls = true;
  cfg.endpoint.host = host;
  cfg.endpoint.port = port;
  cfg.endpoint.target = "/v5/public/linear";
  cfg.endpoint.connect_address = "127.0.0.1";
  cfg.tls = tls;
  cfg.connect_timeout_ms = 3000;
  return cfg;
}

TEST(TlsTransport, WebSocketAcceptsCertificateOfConfiguredCa) {
  const TestCert cert = make_server_cert(pki().ca, {"mm-sim.test"}, {"127.0.0.1"});
  LoopbackServer server(ServerTls{cert.cert_pem, cert.key_pem});
  server.on_ws([](uint64_t, std::string_view, std::string_view msg, std::vector<std::string>& out) {
    out.emplace_back(msg);
  });
  auto tls = context(pki().ca_file);
  WsClient c(ws_config(server.port(), "mm-sim.test", tls.get()));
  run_ws(c);
  ASSERT_EQ(c.state(), WsState::kOpen) << c.error_detail();
  ASSERT_EQ(c.send_text(R"({"op":"ping"})"), WsError::kOk);
  std::string_view msg;
  int64_t t = 0;
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.front(msg, t); }));
  EXPECT_EQ(msg, R"({"op":"ping"})");
}

TEST(TlsTransport, WebSocketRefusesCertificateWithoutItsCa) {
  const TestCert cert = make_server_cert(pki().ca, {"mm-sim.test"}, {});
  LoopbackServer server(ServerTls{cert.cert_pem, cert.key_pem});
  auto tls = context(pki().other_ca_file);
  WsClient c(ws_config(server.port(), "mm-sim.test", tls.get()));
  run_ws(c);
  EXPECT_EQ(c.state(), WsState::kClosed);
  EXPECT_EQ(c.last_error(), WsError::kTls);
  EXPECT_NE(c.error_detail().find("certificate verify failed"), std::string::npos) << c.error_detail();
  EXPECT_EQ(server.ws_accepts(), 0u);
}

TEST(TlsTransport, WebSocketRefusesWrongHostName) {
  const TestCert cert = make_server_cert(pki().ca, {"other.test"}, {});
  LoopbackServer server(ServerTls{cert.cert_pem, cert.key_pem});
  auto tls = context(pki().ca_file);
  WsClient c(ws_config(server.port(), "mm-sim.test", tls.get()));
  run_ws(c);
  EXPECT_EQ(c.state(), WsState::kClosed);
  EXPECT_EQ(c.last_error(), WsError::kTls);
  EXPECT_NE(c.error_detail().find("ostname mismatch"), std::string::npos) << c.error_detail();
  EXPECT_EQ(server.ws_accepts(), 0u);
}

TEST(TlsTransport, IpLiteralHostIsCheckedAgainstCertificateIps) {
  const TestCert good = make_server_cert(pki().ca, {"mm-sim.test"}, {"127.0.0.1"});
  const TestCert no_ip = make_server_cert(pki().ca, {"mm-sim.test"}, {});
  auto tls = context(pki().ca_file);
  {
    LoopbackServer server(ServerTls{good.cert_pem, good.key_pem});
    WsClientConfig cfg = ws_config(server.port(), "127.0.0.1", tls.get());
    cfg.endpoint.connect_address.clear();
    WsClient c(cfg);
    run_ws(c);
    EXPECT_EQ(c.state(), WsState::kOpen) << c.error_detail();
  }
  {
    LoopbackServer server(ServerTls{no_ip.cert_pem, no_ip.key_pem});
    WsClientConfig cfg = ws_config(server.port(), "127.0.0.1", tls.get());
    cfg.endpoint.connect_address.clear();
    WsClient c(cfg);
    run_ws(c);
    EXPECT_EQ(c.last_error(), WsError::kTls) << c.error_detail();
  }
}

HttpClientConfig http_config(uint16_t port, const std::string& host, const TlsContext* tls) {
  HttpClientConfig cfg;
  cfg.endpoint.tls = true;
  cfg.endpoint.host = host;
  cfg.endpoint.port = port;
  cfg.endpoint.connect_address = "127.0.0.1";
  cfg.tls = tls;
  cfg.timeout_ms = 3000;
  return cfg;
}

const std::string kGet = "GET /v5/market/time HTTP/1.1\r\nHost: mm-sim.test\r\n\r\n";

TEST(TlsTransport, HttpAcceptsCertificateOfConfiguredCa) {
  const TestCert cert = make_server_cert(pki().ca, {"mm-sim.test"}, {});
  LoopbackServer server(ServerTls{cert.cert_pem, cert.key_pem});
  server.on_http([](const HttpRequestRecord&) { return reply(200, R"({"retCode":0})"); });
  auto tls = context(pki().ca_file);
  HttpClient c(http_config(server.port(), "mm-sim.test", tls.get()));
  HttpResponse r;
  ASSERT_EQ(c.exchange(kGet, true, r), HttpError::kOk) << c.error_detail();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"retCode":0})");
}

TEST(TlsTransport, HttpRefusesUnknownCaAndWrongHost) {
  const TestCert cert = make_server_cert(pki().ca, {"mm-sim.test"}, {});
  LoopbackServer server(ServerTls{cert.cert_pem, cert.key_pem});
  auto other = context(pki().other_ca_file);
  HttpResponse r;
  HttpClient unknown_ca(http_config(server.port(), "mm-sim.test", other.get()));
  EXPECT_EQ(unknown_ca.exchange(kGet, true, r), HttpError::kTls);
  EXPECT_NE(unknown_ca.error_detail().find("certificate verify failed"), std::string::npos);
  auto ours = context(pki().ca_file);
  HttpClient wrong_host(http_config(server.port(), "api.bybit.com", ours.get()));
  EXPECT_EQ(wrong_host.exchange(kGet, true, r), HttpError::kTls);
  EXPECT_NE(wrong_host.error_detail().find("ostname mismatch"), std::string::npos)
      << wrong_host.error_detail();
  EXPECT_TRUE(server.http_requests().empty());
}

}  // namespace
}  // namespace mm::test
