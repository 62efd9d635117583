#pragma once
// HMAC-SHA256 request signing for Bybit V5 (REST per request, WebSocket auth once per connection).
// Why a precomputed key state: the HMAC inner and outer SHA-256 states after the key block depend only on the
// secret, so they are computed once in init(); a signature then costs two short hash tails, with no
// allocation (OpenSSL 3's EVP_MAC re-init allocates twice per signature, measured in
// bench/net/encoder_bench.cpp).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace mm {

inline constexpr size_t kSignatureHexLen = 64;  // lowercase hex of a SHA-256 MAC
inline constexpr size_t kMaxApiKeyLen = 64;     // Bybit keys are 18 chars; room for other venues' formats

enum class SignerError : uint8_t {
  kOk = 0,
  kEmptyKey,        // api key empty
  kKeyTooLong,      // api key longer than kMaxApiKeyLen
  kBadKeyChar,      // api key outside [A-Za-z0-9_-]: it goes into HTTP headers and JSON unescaped
  kEmptySecret,     // secret empty
  kNotInitialized,  // sign called before a successful init()
};
std::string_view to_string(SignerError e) noexcept;

class Signer {
 public:
  Signer() noexcept = default;
  // Wipes the key-derived state (OPENSSL_cleanse); the secret itself is never stored.
  ~Signer();
  // The key-derived state is as sensitive as the secret: no copies.
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // Cold path. Errors: kEmptyKey, kKeyTooLong, kBadKeyChar, kEmptySecret; the signer is unchanged on error.
  // The caller should wipe its own copy of the secret afterwards.
  [[nodiscard]] SignerError init(std::string_view api_key, std::string_view secret) noexcept;

  bool ready() const noexcept { return ready_; }
  std::string_view api_key() const noexcept { return {api_key_, api_key_len_}; }

  // HMAC of the concatenation of `parts` into out[0..64) as lowercase hex (no terminator).
  // Preconditions: out has >= kSignatureHexLen bytes. Errors: kNotInitialized (out untouched).
  [[nodiscard]] SignerError sign(std::initializer_list<std::string_view> parts, char* out) const noexcept;

  // REST: HMAC(timestamp + api_key + recv_window + payload), payload = the query string of a GET (without
  // '?') or the body of a POST, byte for byte as sent. Preconditions: timestamp_ms >= 0, recv_window_ms >= 0,
  // out has
  // >= kSignatureHexLen bytes. Errors: kNotInitialized.
  [[nodiscard]] SignerError sign_rest(int64_t timestamp_ms, int64_t recv_window_ms, std::string_view payload,
                                      char* out) const noexcept;

  // WebSocket auth: HMAC("GET/realtime" + expires). Preconditions: expires_ms >= 0, out has >= 64 bytes.
  // Errors: kNotInitialized.
  [[nodiscard]] SignerError sign_ws_auth(int64_t expires_ms, char* out) const noexcept;

 private:
  // SHA256_CTX states after absorbing (key ^ ipad) and (key ^ opad); opaque here so OpenSSL stays private to
  // net.
  static constexpr size_t kStateBytes = 112;
  alignas(8) unsigned char inner_[kStateBytes] = {};
  alignas(8) unsigned char outer_[kStateBytes] = {};
  char api_key_[kMaxApiKeyLen] = {};
  uint8_t api_key_len_ = 0;
  bool ready_ = false;
};

}  // namespace mm
