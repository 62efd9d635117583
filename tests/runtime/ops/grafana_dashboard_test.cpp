// The Grafana dashboard (tools/ops/grafana/mm.json) charts only metrics that mm exports: every mm_* name in
// every query expression is a series of the rendered LiveMetrics registry.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/money.h"
#include "runtime/ops/live_metrics.h"

namespace mm {
namespace {

const std::string kDashboard = std::string(MM_SOURCE_DIR) + "/tools/ops/grafana/mm.json";

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
}

// The mm_* identifiers of a PromQL expression.
std::vector<std::string> metric_names(std::string_view expr) {
  std::vector<std::string> out;
  for (size_t i = 0; i < expr.size();) {
    if (!name_char(expr[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < expr.size() && name_char(expr[j])) ++j;
    const std::string_view word = expr.substr(i, j - i);
    if (word.rfind("mm_", 0) == 0) out.emplace_back(word);
    i = j;
  }
  return out;
}

// Every series name the registry renders (histograms as _bucket, _sum, _count).
std::set<std::string> exported_series() {
  MetricsRegistry registry;
  LiveMetrics metrics(registry, 0.001, kMoneyOne);
  std::set<std::string> out;
  std::istringstream text(registry.render());
  for (std::string line; std::getline(text, line);) {
    if (line.empty() || line[0] == '#') continue;
    out.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return out;
}

// Collects the string values of "expr" and "definition" keys anywhere in the document.
void collect(simdjson::dom::element e, std::vector<std::string>& exprs) {
  if (e.is_array()) {
    for (simdjson::dom::element c : e.get_array()) collect(c, exprs);
  } else if (e.is_object()) {
    for (auto [key, value] : e.get_object()) {
      if ((key == "expr" || key == "definition") && value.is_string()) {
        exprs.emplace_back(std::string_view(value));
      } else {
        collect(value, exprs);
      }
    }
  }
}

TEST(GrafanaDashboard, EveryExpressionNamesAnExportedMetric) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load(kDashboard).get(doc), simdjson::SUCCESS) << kDashboard;
  std::vector<std::string> exprs;
  collect(doc, exprs);
  ASSERT_GE(exprs.size(), 10u);
  const std::set<std::string> exported = exported_series();
  std::set<std::string> used;
  for (const std::string& expr : exprs) {
    const auto names = metric_names(expr);
    EXPECT_FALSE(names.empty()) << "no mm_ metric in: " << expr;
    for (const std::string& n : names) {
      EXPECT_TRUE(exported.contains(n)) << n << " (in " << expr << ") is not exported";
      used.insert(n);
    }
  }
  // The views the issue asks for: latency percentiles, PnL and position, risk state, rejects, reconnects.
  for (const char* must :
       {"mm_tick_to_quote_seconds_bucket", "mm_order_ack_seconds_bucket", "mm_pnl_realized", "mm_position",
        "mm_risk_state", "mm_order_rejects_total", "mm_reconnects_total"}) {
    EXPECT_TRUE(used.contains(must)) << must << " is not charted";
  }
}

TEST(GrafanaDashboard, EveryPanelHasAQueryAndAnImportableDatasource) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load(kDashboard).get(doc), simdjson::SUCCESS);
  simdjson::dom::array panels;
  ASSERT_EQ(doc["panels"].get_array().get(panels), simdjson::SUCCESS);
  for (simdjson::dom::element p : panels) {
    simdjson::dom::array targets;
    ASSERT_EQ(p["targets"].get_array().get(targets), simdjson::SUCCESS);
    EXPECT_GE(targets.size(), 1u) << std::string_view(p["title"]);
    EXPECT_EQ(std::string_view(p["datasource"]["uid"]), "${DS_PROMETHEUS}");
  }
  EXPECT_EQ(std::string_view(doc["__inputs"].at(0)["name"]), "DS_PROMETHEUS");
}

TEST(GrafanaDashboard, NameExtractionSeesEveryMetric) {
  EXPECT_EQ(
      metric_names("histogram_quantile(0.99, sum by (le) (rate(mm_a_seconds_bucket{job=~\"$job\"}[5m])))"),
      std::vector<std::string>{"mm_a_seconds_bucket"});
  EXPECT_EQ(metric_names("mm_x + mm_y{a=\"mm_z\"}"), (std::vector<std::string>{"mm_x", "mm_y", "mm_z"}));
}

}  // namespace
}  // namespace mm
