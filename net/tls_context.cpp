#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/endpoint.h"

namespace mm {

std::string_view to_string(TlsError e) noexcept {
  switch (e) {
    case TlsError::kOk:
      return "ok";
    case TlsError::kContext:
      return "context";
    case TlsError::kCaFile:
      return "ca_file";
    case TlsError::kSystemStore:
      return "system_store";
    case TlsError::kNoTrustAnchor:
      return "no_trust_anchor";
    case TlsError::kBadHost:
      return "bad_host";
  }
  return "?";
}

namespace {

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL error queued";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

}  // namespace

TlsError TlsContext::create(const TlsConfig& cfg, std::unique_ptr<TlsContext>& out, std::string& detail) {
  ERR_clear_error();
  if (!cfg.system_store && cfg.ca_file.empty()) {
    detail = "TLS: no trust anchor (system store off and no ca_file)";
    return TlsError::kNoTrustAnchor;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    detail = "TLS: cannot create a TLS 1.2+ client context: " + openssl_reason();
    SSL_CTX_free(ctx);
    return TlsError::kContext;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // Why no compression or renegotiation: neither is worth its risk on a handful of long-lived sockets.
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (cfg.system_store && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    detail = "TLS: cannot load the system CA store: " + openssl_reason();
    SSL_CTX_free(ctx);
    return TlsError::kSystemStore;
  }
  if (!cfg.ca_file.empty() && SSL_CTX_load_verify_locations(ctx, cfg.ca_file.c_str(), nullptr) != 1) {
    detail = "TLS: cannot load ca_file '" + cfg.ca_file + "': " + openssl_reason();
    SSL_CTX_free(ctx);
    return TlsError::kCaFile;
  }
  out.reset(new TlsContext(ctx));
  return TlsError::kOk;
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

TlsError prepare_client_ssl(ssl_st* ssl, std::string_view host) noexcept {
  // SNI and X509 names are C strings; 253 is the longest DNS name.
  if (host.empty() || host.size() > 253) return TlsError::kBadHost;
  char name[254];
  host.copy(name, host.size());
  name[host.size()] = '\0';
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (is_ip_literal(host)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name) != 1) return TlsError::kBadHost;
  } else {
    // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
    if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, name) != 1)
      return TlsError::kBadHost;
    if (X509_VERIFY_PARAM_set1_host(param, name, host.size()) != 1) return TlsError::kBadHost;
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  return TlsError::kOk;
}

std::string describe_tls_failure(const ssl_st* ssl, std::string_view fallback) {
  if (ssl != nullptr) {
    const long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK) {
      ERR_clear_error();
      return std::string("certificate verify failed: ") + X509_verify_cert_error_string(v);
    }
  }
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return std::string(fallback);
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

}  // namespace mm
