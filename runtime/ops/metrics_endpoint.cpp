#include "runtime/ops/metrics_endpoint.h"

namespace mm {

void serve_metrics(HttpServer& server, const MetricsRegistry& registry) {
  server.route("/metrics", [&registry](const HttpServerRequest& req, HttpServerResponse& res) {
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      res.body = "GET only\n";
      return;
    }
    res.content_type = std::string(kPrometheusContentType);
    registry.render(res.body);
  });
}

}  // namespace mm
