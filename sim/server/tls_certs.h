#pragma once
// The simulator's TLS material (`mm sim --tls --cert-dir DIR`): DIR/cert.pem and DIR/key.pem when both exist,
// else a fresh self-signed CA (DIR/ca.pem, its key is never written) and a server certificate for 127.0.0.1
// and localhost signed by it (DIR/cert.pem with the chain, DIR/key.pem mode 0600), made with OpenSSL's C API.
// A client trusts the simulator by trusting DIR/ca.pem; one that does not fails the TLS handshake.
#include <string>

namespace mm::simx {

struct TlsFiles {
  std::string cert_file;  // PEM chain: the server certificate (then the CA)
  std::string key_file;   // PEM private key
  std::string ca_file;    // the CA to trust ("" when cert.pem/key.pem were found and used as they are)
  bool generated = false;
};

// Returns "" (out filled) or an error naming the file or the OpenSSL step that failed. Creates DIR if needed.
[[nodiscard]] std::string prepare_tls_files(const std::string& dir, TlsFiles& out);

}  // namespace mm::simx
