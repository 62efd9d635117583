#include "sim/server/tls_certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace mm::simx {

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;

KeyPtr new_key() {
  return KeyPtr(EVP_EC_gen("P-256"));
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key`, named `cn`, issued by (issuer, issuer_key); self-signed when issuer is null.
CertPtr make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca) {
  CertPtr cert(X509_new());
  if (!cert) return nullptr;
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
  serial[0] &= 0x7F;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_ok =
      bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(bn);
  if (!serial_ok || X509_set_version(cert.get(), 2) != 1) return nullptr;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("mm sim"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* iss = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(iss)) != 1) return nullptr;
  if (X509_set_pubkey(cert.get(), key) != 1) return nullptr;
  const bool ext_ok =
      ca ? add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
               add_ext(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign") &&
               add_ext(cert.get(), iss, NID_subject_key_identifier, "hash")
         : add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
               add_ext(cert.get(), iss, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
               add_ext(cert.get(), iss, NID_ext_key_usage, "serverAuth") &&
               add_ext(cert.get(), iss, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost") &&
               add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always");
  if (!ext_ok) return nullptr;
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return nullptr;
  return cert;
}

std::string write_pem(const std::string& path, X509* c1, X509* c2, EVP_PKEY* key) {
  if (key != nullptr) {
    // The key file is created owner-only before anything is written into it.
    std::remove(path.c_str());
    const mode_t old = ::umask(077);
    FILE* f = std::fopen(path.c_str(), "wb");
    ::umask(old);
    if (f == nullptr) return "cannot write " + path;
    const bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (std::fclose(f) != 0 || !ok) return "cannot write " + path;
    return "";
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return "cannot write " + path;
  bool ok = PEM_write_X509(f, c1) == 1;
  if (c2 != nullptr) ok = ok && PEM_write_X509(f, c2) == 1;
  if (std::fclose(f) != 0 || !ok) return "cannot write " + path;
  return "";
}

}  // namespace

std::string prepare_tls_files(const std::string& dir, TlsFiles& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create the certificate directory " + dir + ": " + ec.message();
  const std::string cert = dir + "/cert.pem";
  const std::string key = dir + "/key.pem";
  if (fs::exists(cert) && fs::exists(key)) {
    out = TlsFiles{cert, key, fs::exists(dir + "/ca.pem") ? dir + "/ca.pem" : "", false};
    return "";
  }
  KeyPtr ca_key = new_key();
  KeyPtr server_key = new_key();
  if (!ca_key || !server_key) return "OpenSSL could not generate a P-256 key";
  CertPtr ca = make_cert(ca_key.get(), "mm sim test CA", nullptr, ca_key.get(), true);
  if (!ca) return "OpenSSL could not build the CA certificate";
  CertPtr server = make_cert(server_key.get(), "localhost", ca.get(), ca_key.get(), false);
  if (!server) return "OpenSSL could not build the server certificate";
  const std::string ca_file = dir + "/ca.pem";
  if (std::string e = write_pem(ca_file, ca.get(), nullptr, nullptr); !e.empty()) return e;
  if (std::string e = write_pem(cert, server.get(), ca.get(), nullptr); !e.empty()) return e;
  if (std::string e = write_pem(key, nullptr, nullptr, server_key.get()); !e.empty()) return e;
  out = TlsFiles{cert, key, ca_file, true};
  return "";
}

}  // namespace mm::simx
