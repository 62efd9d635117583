#pragma once
// `/metrics`: the registry rendered as Prometheus text exposition format 0.0.4 on an HttpServer.
#include <string_view>

#include "core/metrics.h"
#include "runtime/ops/http_server.h"

namespace mm {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// Routes GET /metrics of `server` to `registry` (which must outlive the server). Call before server.start().
void serve_metrics(HttpServer& server, const MetricsRegistry& registry);

}  // namespace mm
