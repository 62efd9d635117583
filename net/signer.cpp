#include "net/signer.h"

// The low-level SHA256_* API is deprecated in OpenSSL 3 but is the only OpenSSL interface that lets us keep a
// hash midstate in caller memory (EVP contexts allocate on every init/copy). It is still exported, assembly
// optimised (SHA-NI), and supported through the 3.x series.
#define OPENSSL_SUPPRESS_DEPRECATED  // NOLINT(readability-identifier-naming): OpenSSL's own switch
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

#include "net/detail/bounded_writer.h"

namespace mm {

namespace {

static_assert(sizeof(SHA256_CTX) <= 112, "Signer::kStateBytes must hold a SHA256_CTX");
static_assert(alignof(SHA256_CTX) <= 8);

constexpr size_t kBlock = 64;

void to_hex(const unsigned char* mac, char* out) noexcept {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out[2 * i] = kDigits[mac[i] >> 4];
    out[2 * i + 1] = kDigits[mac[i] & 0xF];
  }
}

bool valid_key_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

std::string_view to_string(SignerError e) noexcept {
  switch (e) {
    case SignerError::kOk:
      return "ok";
    case SignerError::kEmptyKey:
      return "empty_key";
    case SignerError::kKeyTooLong:
      return "key_too_long";
    case SignerError::kBadKeyChar:
      return "bad_key_char";
    case SignerError::kEmptySecret:
      return "empty_secret";
    case SignerError::kNotInitialized:
      return "not_initialized";
  }
  return "unknown";
}

Signer::~Signer() {
  OPENSSL_cleanse(inner_, sizeof(inner_));
  OPENSSL_cleanse(outer_, sizeof(outer_));
}

SignerError Signer::init(std::string_view api_key, std::string_view secret) noexcept {
  if (api_key.empty()) return SignerError::kEmptyKey;
  if (api_key.size() > kMaxApiKeyLen) return SignerError::kKeyTooLong;
  for (char c : api_key) {
    if (!valid_key_char(c)) return SignerError::kBadKeyChar;
  }
  if (secret.empty()) return SignerError::kEmptySecret;

  // RFC 2104: keys longer than the block are hashed first, shorter ones zero-padded.
  unsigned char key[kBlock] = {};
  if (secret.size() > kBlock) {
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), key);
  } else {
    std::memcpy(key, secret.data(), secret.size());
  }
  unsigned char pad[kBlock];
  SHA256_CTX inner;
  SHA256_CTX outer;
  for (size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<unsigned char>(key[i] ^ 0x36);
  SHA256_Init(&inner);
  SHA256_Update(&inner, pad, kBlock);
  for (size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<unsigned char>(key[i] ^ 0x5c);
  SHA256_Init(&outer);
  SHA256_Update(&outer, pad, kBlock);
  std::memcpy(inner_, &inner, sizeof(inner));
  std::memcpy(outer_, &outer, sizeof(outer));
  OPENSSL_cleanse(key, sizeof(key));
  OPENSSL_cleanse(pad, sizeof(pad));
  OPENSSL_cleanse(&inner, sizeof(inner));
  OPENSSL_cleanse(&outer, sizeof(outer));

  std::memcpy(api_key_, api_key.data(), api_key.size());
  api_key_len_ = static_cast<uint8_t>(api_key.size());
  ready_ = true;
  return SignerError::kOk;
}

SignerError Signer::sign(std::initializer_list<std::string_view> parts, char* out) const noexcept {
  if (!ready_) return SignerError::kNotInitialized;
  SHA256_CTX ctx;
  std::memcpy(&ctx, inner_, sizeof(ctx));
  for (std::string_view p : parts) SHA256_Update(&ctx, p.data(), p.size());
  unsigned char mac[SHA256_DIGEST_LENGTH];
  SHA256_Final(mac, &ctx);
  std::memcpy(&ctx, outer_, sizeof(ctx));
  SHA256_Update(&ctx, mac, sizeof(mac));
  SHA256_Final(mac, &ctx);
  // The stack copies hold key-derived state; wipe them like the members.
  OPENSSL_cleanse(&ctx, sizeof(ctx));
  to_hex(mac, out);
  return SignerError::kOk;
}

SignerError Signer::sign_rest(int64_t timestamp_ms, int64_t recv_window_ms, std::string_view payload,
                              char* out) const noexcept {
  char ts[20];
  char rw[20];
  const size_t ts_len = detail::write_u64(static_cast<uint64_t>(timestamp_ms), ts);
  const size_t rw_len = detail::write_u64(static_cast<uint64_t>(recv_window_ms), rw);
  return sign({std::string_view(ts, ts_len), api_key(), std::string_view(rw, rw_len), payload}, out);
}

SignerError Signer::sign_ws_auth(int64_t expires_ms, char* out) const noexcept {
  char ex[20];
  const size_t ex_len = detail::write_u64(static_cast<uint64_t>(expires_ms), ex);
  return sign({std::string_view("GET/realtime"), std::string_view(ex, ex_len)}, out);
}

}  // namespace mm
