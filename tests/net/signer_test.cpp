#include "net/signer.h"

#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

// OpenSSL allocates with malloc, which alloc_counter.h does not see: count its allocations through
// CRYPTO_set_mem_functions, installed before main() so it precedes any OpenSSL allocation in this binary.
thread_local uint64_t t_openssl_allocs = 0;
void* counting_malloc(size_t n, const char*, int) {
  ++t_openssl_allocs;
  return std::malloc(n);
}
void* counting_realloc(void* p, size_t n, const char*, int) {
  ++t_openssl_allocs;
  return std::realloc(p, n);
}
void counting_free(void* p, const char*, int) {
  std::free(p);
}
const bool g_hooks_installed =
    CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;

constexpr std::string_view kKey = "test_api_key";
constexpr std::string_view kSecret = "test_secret";

std::string hex(const char* p) {
  return std::string(p, kSignatureHexLen);
}

Signer& test_signer() {
  static Signer s;
  static const bool ok = s.init(kKey, kSecret) == SignerError::kOk;
  EXPECT_TRUE(ok);
  return s;
}

TEST(Signer, RestGetVector) {
  char out[kSignatureHexLen];
  ASSERT_EQ(test_signer().sign_rest(1700000000000, 5000, "category=linear&symbol=BTCUSDT", out),
            SignerError::kOk);
  EXPECT_EQ(hex(out), "fd4f31228a46109dc6673062328693696df9a96c7ff04e6491a45e7f63a0fdd7");
}

TEST(Signer, RestPostVector) {
  char out[kSignatureHexLen];
  const std::string_view body =
      R"({"category": "linear", "symbol": "BTCUSDT", "orderLinkId": "test-order-1"})";
  ASSERT_EQ(test_signer().sign_rest(1700000000000, 5000, body, out), SignerError::kOk);
  EXPECT_EQ(hex(out), "2df4a0603d69c08d5dea29ba85b46eb7db64ce9e9ebd34a7802a3d69700cb2a1");
}

TEST(Signer, WsAuthVector) {
  char out[kSignatureHexLen];
  ASSERT_EQ(test_signer().sign_ws_auth(1700000000000, out), SignerError::kOk);
  EXPECT_EQ(hex(out), "bacffe7500499eb829bb58c45d36d1b3e5ac67c14eaeba91df5e99ccee013925");
  char parts[kSignatureHexLen];
  ASSERT_EQ(test_signer().sign({"GET/realtime1700000000000"}, parts), SignerError::kOk);
  EXPECT_EQ(hex(parts), hex(out));
}

TEST(Signer, SignRestUsesTimestampKeyWindowPayload) {
  Signer s;
  ASSERT_EQ(s.init("AbC123", kSecret), SignerError::kOk);
  char a[kSignatureHexLen];
  char b[kSignatureHexLen];
  ASSERT_EQ(s.sign_rest(1700000000000, 5000, "category=linear", a), SignerError::kOk);
  ASSERT_EQ(s.sign({"1700000000000AbC1235000category=linear"}, b), SignerError::kOk);
  EXPECT_EQ(hex(a), hex(b));
  ASSERT_EQ(s.sign_rest(1700000000001, 5000, "category=linear", b), SignerError::kOk);
  EXPECT_NE(hex(a), hex(b));
}

TEST(Signer, PartsAreConcatenated) {
  char a[kSignatureHexLen];
  char b[kSignatureHexLen];
  ASSERT_EQ(test_signer().sign({"1700000000000test_api_key5000", std::string(1000, 'x')}, a),
            SignerError::kOk);
  EXPECT_EQ(hex(a), "b8b5dff64e73ab09091b09c0df79a00dc6b2fa422c21ec50d1d3708319896728");
  ASSERT_EQ(test_signer().sign({"1700", "000000000", "", "test_api_key5000", std::string(1000, 'x')}, b),
            SignerError::kOk);
  EXPECT_EQ(hex(a), hex(b));
}

TEST(Signer, SecretsOfBlockSizeAndLongerFollowRfc2104) {
  char out[kSignatureHexLen];
  Signer exact;
  ASSERT_EQ(exact.init("k", std::string(64, 's')), SignerError::kOk);
  ASSERT_EQ(exact.sign_ws_auth(1700000000000, out), SignerError::kOk);
  EXPECT_EQ(hex(out), "b4b0f56fedf38a1b94d0afcab451dce9558594158fbf762017ffe58a34b233c7");
  Signer longer;
  ASSERT_EQ(longer.init("k", std::string(100, 'k')), SignerError::kOk);
  ASSERT_EQ(longer.sign_ws_auth(1700000000000, out), SignerError::kOk);
  EXPECT_EQ(hex(out), "2106f2ade36a8f279b7e86e3b71d0409fba0ac97b0a8a451b1e7954327596893");
}

TEST(Signer, InitValidatesAndLeavesSignerUnchangedOnError) {
  Signer s;
  EXPECT_EQ(s.init("", kSecret), SignerError::kEmptyKey);
  EXPECT_EQ(s.init(std::string(kMaxApiKeyLen + 1, 'a'), kSecret), SignerError::kKeyTooLong);
  EXPECT_EQ(s.init("key\r\nX-Evil: 1", kSecret), SignerError::kBadKeyChar);
  EXPECT_EQ(s.init("key", ""), SignerError::kEmptySecret);
  EXPECT_FALSE(s.ready());
  EXPECT_EQ(s.init(std::string(kMaxApiKeyLen, 'a'), kSecret), SignerError::kOk);
  EXPECT_TRUE(s.ready());
  EXPECT_EQ(s.api_key(), std::string(kMaxApiKeyLen, 'a'));
}

TEST(Signer, SignBeforeInitFailsAndLeavesOutputUntouched) {
  Signer s;
  char out[kSignatureHexLen];
  std::memset(out, '#', sizeof(out));
  EXPECT_EQ(s.sign_rest(1, 2, "x", out), SignerError::kNotInitialized);
  EXPECT_EQ(s.sign_ws_auth(1, out), SignerError::kNotInitialized);
  EXPECT_EQ(s.sign({"x"}, out), SignerError::kNotInitialized);
  EXPECT_EQ(std::string(out, sizeof(out)), std::string(sizeof(out), '#'));
}

TEST(Signer, OutputIsLowercaseHexOfExactly64Chars) {
  char out[kSignatureHexLen + 1];
  out[kSignatureHexLen] = '@';
  ASSERT_EQ(test_signer().sign_ws_auth(42, out), SignerError::kOk);
  EXPECT_EQ(out[kSignatureHexLen], '@');
  EXPECT_TRUE(std::all_of(out, out + kSignatureHexLen,
                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));
}

TEST(Signer, DoesNotStoreTheSecret) {
  static_assert(!std::is_copy_constructible_v<Signer> && !std::is_copy_assignable_v<Signer>);
  const std::string secret = "S3cr3tValueThatMustNotBeKept";
  Signer s;
  ASSERT_EQ(s.init("key", secret), SignerError::kOk);
  const auto* bytes = reinterpret_cast<const char*>(&s);
  const std::string_view image(bytes, sizeof(Signer));
  EXPECT_EQ(image.find(secret), std::string_view::npos);
  EXPECT_EQ(image.find(secret.substr(0, 8)), std::string_view::npos);
}

TEST(Signer, SigningAllocatesNothing) {
  ASSERT_TRUE(g_hooks_installed) << "OpenSSL allocated before the counting hooks could be installed";
  const Signer& s = test_signer();
  char out[kSignatureHexLen];
  ASSERT_EQ(s.sign_rest(1700000000000, 5000, "warm-up", out), SignerError::kOk);
  const uint64_t openssl_before = t_openssl_allocs;
  test::AllocScope scope;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(s.sign_rest(1700000000000 + i, 5000, R"({"category":"linear","symbol":"BTCUSDT"})", out),
              SignerError::kOk);
    ASSERT_EQ(s.sign_ws_auth(1700000000000 + i, out), SignerError::kOk);
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(t_openssl_allocs - openssl_before, 0u);
}

}  // namespace
}  // namespace mm
