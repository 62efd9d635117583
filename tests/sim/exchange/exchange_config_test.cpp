#include "sim/exchange/exchange_config.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "sim/exchange/request_fields.h"

namespace mm::simx {
namespace {

std::string error_of(std::string_view text) {
  try {
    (void)parse_keys_toml(text, "keys.toml");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ExchangeConfig, DefaultKeyIsTheBuiltInTestPair) {
  const auto keys = default_keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].api_key, "mmsim-test-key");
  EXPECT_EQ(keys[0].secret, "mmsim-test-secret");
  EXPECT_EQ(keys[0].permissions, kPermContractTrade | kPermSpot | kPermWallet);
  ASSERT_EQ(keys[0].balances.size(), 1u);
  EXPECT_EQ(keys[0].balances[0].coin, "USDT");
  EXPECT_EQ(keys[0].balances[0].amount.units, 100'000 * kMoneyOne);
  EXPECT_EQ(ExchangeConfig{}.validate(), "");
}

TEST(ExchangeConfig, KeysFileParses) {
  const auto keys = parse_keys_toml(R"(
[[key]]
api_key = "k1"
secret = "s1"
uid = 7
permissions = ["ContractTrade", "Wallet", "Withdraw"]
ip_whitelist = ["127.0.0.1"]
[key.balances]
USDT = "2500.5"
BTC = 1

[[key]]
api_key = "k2"
secret = "s2"
read_only = true
)",
                                    "keys.toml");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].uid, 7u);
  EXPECT_EQ(keys[0].permissions, kPermContractTrade | kPermWallet | kPermWithdraw);
  EXPECT_EQ(keys[0].ip_whitelist, std::vector<std::string>{"127.0.0.1"});
  ASSERT_EQ(keys[0].balances.size(), 2u);
  EXPECT_EQ(keys[0].balances[0].coin, "BTC");  // in coin name order
  EXPECT_EQ(keys[0].balances[0].amount.units, kMoneyOne);
  EXPECT_EQ(keys[0].balances[1].coin, "USDT");
  EXPECT_EQ(keys[0].balances[1].amount.units, 250'050'000'000);
  EXPECT_TRUE(keys[1].read_only);
  EXPECT_EQ(keys[1].balances.at(0).coin, "USDT");  // default balance
}

TEST(ExchangeConfig, KeysFileErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of("[[key]]\napi_key = \"a\"\n"), "keys.toml:1: key[0].secret: missing");
  EXPECT_EQ(
      error_of("[[key]]\napi_key = \"a\"\nsecret = \"b\"\npermissions = [\"Trade\"]\n"),
      "keys.toml:4: key[0].permissions: unknown permission 'Trade' (ContractTrade, Spot, Options, Wallet, "
      "Withdraw, Derivatives, Exchange)");
  EXPECT_EQ(error_of("[[key]]\napi_key = \"a\"\nsecret = \"b\"\n[key.balances]\nUSDT = \"abc\"\n"),
            "keys.toml:5: key[0].balances.USDT: not a non-negative decimal with at most 8 decimals: 'abc'");
  EXPECT_EQ(error_of("[[key]]\napi_key = \"a\"\nsecret = \"b\"\n[[key]]\napi_key = \"a\"\nsecret = \"c\"\n"),
            "keys.toml:4: key[1].api_key: duplicate 'a'");
  EXPECT_EQ(error_of("[[key]]\napi_key = \"a b\"\nsecret = \"b\"\n"),
            "keys.toml:1: key[0]: api_key/secret: bad_key_char");
  EXPECT_EQ(error_of("[[key]]\napi_key = \"a\"\nsecret = \"b\"\ncolour = 1\n"),
            "keys.toml:4: key[0].colour: unknown key");
  EXPECT_NE(error_of("[[key]\n").find("keys.toml:1"), std::string::npos);
  EXPECT_EQ(error_of("x = 1\n"), "keys.toml: no [[key]] entries");
  EXPECT_THROW((void)load_keys_file("/nonexistent/keys.toml"), std::runtime_error);
}

TEST(ExchangeConfig, ValidateNamesTheField) {
  ExchangeConfig c;
  c.matching_latency_ns = -1;
  EXPECT_EQ(c.validate(), "exchange.matching_latency_ns must be >= 0");
  c = {};
  c.dcp_default_window_s = 1;
  EXPECT_EQ(c.validate(), "exchange.dcp_default_window_s must be in [3, 300]");
}

TEST(RequestFields, QueryStringDecodes) {
  RequestFields f;
  std::string scratch;
  ASSERT_TRUE(parse_query("category=linear&symbol=BTC%55SDT&orderLinkId=a+b&unknown=1&limit=", scratch, f));
  EXPECT_EQ(f.get(Field::kCategory), "linear");
  EXPECT_EQ(f.get(Field::kSymbol), "BTCUSDT");
  EXPECT_EQ(f.get(Field::kOrderLinkId), "a b");
  EXPECT_TRUE(f.has(Field::kLimit));
  EXPECT_EQ(f.get(Field::kLimit), "");
  EXPECT_FALSE(f.has(Field::kOrderId));
  EXPECT_FALSE(parse_query("symbol=%4", scratch, f));
  EXPECT_FALSE(parse_query("symbol=%G1", scratch, f));
  ASSERT_TRUE(parse_query("", scratch, f));
  EXPECT_EQ(f.present, 0u);
}

}  // namespace
}  // namespace mm::simx
