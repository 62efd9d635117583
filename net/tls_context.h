#pragma once
// TLS client configuration shared by every transport (Beast and io_uring): one OpenSSL SSL_CTX per process
// side, TLS 1.2 minimum, peer certificate verification always on, and per-connection SNI plus host-name (or
// IP-address) verification. Cold path: contexts are built at start-up, connections are prepared on connect.
//
// Why verification cannot be turned off here: a market maker's keys and orders travel on these sockets; a
// test or a simulator with its own certificate gives its CA file (`[venue] ca_file`), never a bypass.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace mm {

struct TlsConfig {
  // Extra trust anchors (PEM, one or more certificates), e.g. the simulator's CA. Empty: none.
  std::string ca_file;
  // Also trust the system CA store (OpenSSL's default verify paths: /etc/ssl/certs on Debian).
  bool system_store = true;
};

enum class TlsError : uint8_t {
  kOk = 0,
  kContext,        // OpenSSL could not create the context or set TLS 1.2 as the minimum version
  kCaFile,         // ca_file missing, unreadable, or holding no PEM certificate
  kSystemStore,    // the system CA store could not be loaded
  kNoTrustAnchor,  // system_store is false and ca_file is empty: nothing could ever verify
  kBadHost,        // host name empty, too long for SNI, or refused by OpenSSL's verify parameters
};
std::string_view to_string(TlsError e) noexcept;

class TlsContext {
 public:
  // Builds a client context. Errors: kContext, kCaFile, kSystemStore, kNoTrustAnchor; `out` is unchanged and
  // `detail` names the file and OpenSSL's reason.
  [[nodiscard]] static TlsError create(const TlsConfig& cfg, std::unique_ptr<TlsContext>& out,
                                       std::string& detail);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // The SSL_CTX; valid for the lifetime of this object. Transports take their own reference
  // (SSL_CTX_up_ref) when they must outlive it.
  ssl_ctx_st* native() const noexcept { return ctx_; }

 private:
  explicit TlsContext(ssl_ctx_st* ctx) noexcept : ctx_(ctx) {}
  ssl_ctx_st* ctx_;
};

// Prepares one client connection before its handshake: SNI (DNS names only) and verification of the peer
// against `host` (DNS name, no partial wildcards; or an IP literal against the certificate's IP addresses),
// with SSL_VERIFY_PEER. Preconditions: ssl was created from a TlsContext's SSL_CTX and has not handshaken.
// Errors: kBadHost.
[[nodiscard]] TlsError prepare_client_ssl(ssl_st* ssl, std::string_view host) noexcept;

// Why a handshake failed, in words: the certificate verification result when verification failed
// ("certificate verify failed: Hostname mismatch"), else OpenSSL's queued error, else `fallback`.
// Drains the calling thread's OpenSSL error queue.
std::string describe_tls_failure(const ssl_st* ssl, std::string_view fallback);

}  // namespace mm
