#pragma once
// A throw-away PKI for TLS tests, made with OpenSSL's C API (P-256 keys, SHA-256, valid from an hour ago
// for a day). Implemented in tls_context_test.cpp.
#include <string>
#include <vector>

namespace mm::test {

struct TestCa {
  std::string cert_pem;
  std::string key_pem;
};

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

TestCa make_test_ca(const std::string& common_name);
// A server certificate signed by `ca` with the given subjectAltName DNS names and IP addresses.
TestCert make_server_cert(const TestCa& ca, const std::vector<std::string>& dns_names,
                          const std::vector<std::string>& ips);
// Writes `content` to a new file under the test temp dir and returns its path.
std::string write_temp_file(const std::string& name, const std::string& content);

}  // namespace mm::test
