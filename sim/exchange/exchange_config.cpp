#include "sim/exchange/exchange_config.h"

#include <toml++/toml.h>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "core/decimal.h"
#include "net/signer.h"
#include "sim/fill_engine.h"

namespace mm::simx {

uint32_t parse_permission(std::string_view name) noexcept {
  if (name == "ContractTrade") return kPermContractTrade;
  if (name == "Spot") return kPermSpot;
  if (name == "Options") return kPermOptions;
  if (name == "Wallet") return kPermWallet;
  if (name == "Withdraw") return kPermWithdraw;
  if (name == "Derivatives") return kPermDerivatives;
  if (name == "Exchange") return kPermExchange;
  return 0;
}

std::string ExchangeConfig::validate() const {
  FillEngineConfig fe;
  fe.queue = queue;
  fe.max_orders = max_orders_per_symbol;
  fe.book_window_ticks = book_window_ticks;
  if (std::string e = fe.validate(); !e.empty()) return "exchange." + e;
  if (matching_latency_ns < 0) return "exchange.matching_latency_ns must be >= 0";
  if (price_band_bps < 0 || price_band_bps > 10'000) return "exchange.price_band_bps must be in [0, 10000]";
  const int32_t limits[] = {create_per_second, amend_per_second,   cancel_per_second, cancel_all_per_second,
                            query_per_second,  setting_per_second, dcp_per_second};
  for (int32_t l : limits)
    if (l < 1 || l > 1'000'000) return "exchange rate limits must be in [1, 1000000] per second";
  if (max_batch_items < 1 || max_batch_items > 100) return "exchange.max_batch_items must be in [1, 100]";
  if (dcp_default_window_s < 3 || dcp_default_window_s > 300)
    return "exchange.dcp_default_window_s must be in [3, 300]";
  if (order_history < 1024) return "exchange.order_history must be >= 1024";
  if (execution_history < 1024) return "exchange.execution_history must be >= 1024";
  std::set<std::string> seen;
  for (size_t i = 0; i < keys.size(); ++i) {
    const KeyConfig& k = keys[i];
    const std::string where = "key[" + std::to_string(i) + "]";
    Signer probe;
    if (SignerError e = probe.init(k.api_key, k.secret); e != SignerError::kOk)
      return where + ": api_key/secret: " + std::string(to_string(e));
    if (!seen.insert(k.api_key).second) return where + ": duplicate api_key '" + k.api_key + "'";
  }
  return "";
}

std::vector<KeyConfig> default_keys() {
  KeyConfig k;
  k.api_key = std::string(kTestApiKey);
  k.secret = std::string(kTestApiSecret);
  k.uid = kTestUid;
  k.permissions = kDefaultPermissions;
  k.balances.push_back({"USDT", Money{100'000 * kMoneyOne}});
  return {k};
}

namespace {

[[noreturn]] void fail(std::string_view origin, const toml::source_region& where, const std::string& what) {
  std::string msg(origin);
  if (where.begin.line != 0) msg += ":" + std::to_string(where.begin.line);
  msg += ": " + what;
  throw std::runtime_error(msg);
}

std::string string_field(const toml::table& t, std::string_view origin, const std::string& where,
                         std::string_view name, bool required) {
  const toml::node* n = t.get(name);
  if (n == nullptr) {
    if (required) fail(origin, t.source(), where + "." + std::string(name) + ": missing");
    return "";
  }
  const auto* s = n->as_string();
  if (s == nullptr) fail(origin, n->source(), where + "." + std::string(name) + ": must be a string");
  return s->get();
}

std::vector<std::string> string_list(const toml::table& t, std::string_view origin, const std::string& where,
                                     std::string_view name) {
  std::vector<std::string> out;
  const toml::node* n = t.get(name);
  if (n == nullptr) return out;
  const auto* arr = n->as_array();
  if (arr == nullptr)
    fail(origin, n->source(), where + "." + std::string(name) + ": must be an array of strings");
  for (const toml::node& e : *arr) {
    const auto* s = e.as_string();
    if (s == nullptr)
      fail(origin, e.source(), where + "." + std::string(name) + ": must be an array of strings");
    out.push_back(s->get());
  }
  return out;
}

Money parse_balance(const toml::node& n, std::string_view origin, const std::string& where) {
  int64_t units = 0;
  if (const auto* i = n.as_integer()) {
    if (__builtin_mul_overflow(i->get(), kMoneyOne, &units) || units < 0)
      fail(origin, n.source(), where + ": out of range");
    return Money{units};
  }
  const auto* s = n.as_string();
  if (s == nullptr) fail(origin, n.source(), where + ": must be a decimal string or an integer");
  if (parse_fixed(s->get(), kMoneyScale, units) != DecimalError::kOk || units < 0)
    fail(origin, n.source(),
         where + ": not a non-negative decimal with at most 8 decimals: '" + s->get() + "'");
  return Money{units};
}

KeyConfig parse_key(const toml::table& t, size_t index, std::string_view origin) {
  const std::string where = "key[" + std::to_string(index) + "]";
  KeyConfig k;
  k.api_key = string_field(t, origin, where, "api_key", true);
  k.secret = string_field(t, origin, where, "secret", true);
  Signer probe;
  if (SignerError e = probe.init(k.api_key, k.secret); e != SignerError::kOk)
    fail(origin, t.source(), where + ": api_key/secret: " + std::string(to_string(e)));
  k.uid = kTestUid + index;
  if (const toml::node* n = t.get("uid")) {
    const auto* i = n->as_integer();
    if (i == nullptr || i->get() <= 0) fail(origin, n->source(), where + ".uid: must be a positive integer");
    k.uid = static_cast<uint64_t>(i->get());
  }
  if (t.contains("permissions")) {
    k.permissions = 0;
    for (const std::string& p : string_list(t, origin, where, "permissions")) {
      const uint32_t bit = parse_permission(p);
      if (bit == 0)
        fail(origin, t.get("permissions")->source(),
             where + ".permissions: unknown permission '" + p +
                 "' (ContractTrade, Spot, Options, Wallet, Withdraw, "
                 "Derivatives, Exchange)");
      k.permissions |= bit;
    }
  }
  if (const toml::node* n = t.get("read_only")) {
    const auto* b = n->as_boolean();
    if (b == nullptr) fail(origin, n->source(), where + ".read_only: must be true or false");
    k.read_only = b->get();
  }
  k.ip_whitelist = string_list(t, origin, where, "ip_whitelist");
  if (const toml::node* n = t.get("balances")) {
    const auto* bt = n->as_table();
    if (bt == nullptr) fail(origin, n->source(), where + ".balances: must be a table of coin = amount");
    for (const auto& [coin, value] : *bt) {
      const std::string name(coin.str());
      if (name.empty() || name.size() > 16) fail(origin, value.source(), where + ".balances: bad coin name");
      k.balances.push_back({name, parse_balance(value, origin, where + ".balances." + name)});
    }
  } else {
    k.balances.push_back({"USDT", Money{100'000 * kMoneyOne}});
  }
  for (const auto& [name, value] : t) {
    const std::string_view key = name.str();
    if (key != "api_key" && key != "secret" && key != "uid" && key != "permissions" && key != "read_only" &&
        key != "ip_whitelist" && key != "balances")
      fail(origin, value.source(), where + "." + std::string(key) + ": unknown key");
  }
  return k;
}

}  // namespace

std::vector<KeyConfig> parse_keys_toml(std::string_view text, std::string_view origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    fail(origin, e.source(), std::string(e.description()));
  }
  const toml::node* keys = root.get("key");
  if (keys == nullptr) throw std::runtime_error(std::string(origin) + ": no [[key]] entries");
  const auto* arr = keys->as_array();
  if (arr == nullptr || arr->empty())
    fail(origin, keys->source(), "key: must be an array of tables ([[key]])");
  std::vector<KeyConfig> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < arr->size(); ++i) {
    const auto* t = (*arr)[i].as_table();
    if (t == nullptr) fail(origin, (*arr)[i].source(), "key[" + std::to_string(i) + "]: must be a table");
    out.push_back(parse_key(*t, i, origin));
    if (!seen.insert(out.back().api_key).second)
      fail(origin, t->source(),
           "key[" + std::to_string(i) + "].api_key: duplicate '" + out.back().api_key + "'");
  }
  for (const auto& [name, value] : root)
    if (name.str() != "key") fail(origin, value.source(), std::string(name.str()) + ": unknown key");
  return out;
}

std::vector<KeyConfig> load_keys_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open keys file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_keys_toml(ss.str(), path);
}

}  // namespace mm::simx
