#include "sim/synthetic_capture.h"

#include "core/capture.h"
#include "core/decimal.h"

namespace mm {

std::string synthetic_instruments_body(const GenParams& p) {
  const int places = decimal_places(p.tick);
  const std::string scale = std::to_string(places < 0 ? 0 : places);
  return R"({"retCode":0,"retMsg":"OK","result":{"category":")" + std::string(to_string(p.category)) +
         R"(","list":[{"symbol":")" + p.symbol + R"(","status":"Trading","priceScale":")" + scale +
         R"(","priceFilter":{"tickSize":")" + p.tick + R"("},"lotSizeFilter":{"qtyStep":")" + p.qty_step +
         R"(","minOrderQty":")" + p.qty_step + R"(","maxOrderQty":"1000000","minNotionalValue":"5",)" +
         R"("basePrecision":")" + p.qty_step + R"(","minOrderAmt":"5"}}],"nextPageCursor":""},)" +
         R"("retExtInfo":{},"time":)" + std::to_string(p.start_ms) + "}";
}

GenResult write_synthetic_capture(const GenParams& p, const std::string& path) {
  GenResult fail;
  CaptureWriter w;
  const int64_t start_ns = p.start_ms * 1'000'000;
  if (w.open(path, start_ns, kCaptureFlagSynthetic) != CaptureError::kOk) {
    fail.status = CaptureError::kIo;
    fail.message = std::string(w.error());
    return fail;
  }
  const std::string url =
      "https://api.bybit.com/v5/market/instruments-info?category=" + std::string(to_string(p.category)) +
      "&symbol=" + p.symbol;
  constexpr uint32_t kRestConn = 0xFFFF;  // distinct from the generator's public connection id
  if (p.conn_id == kRestConn) {
    fail.status = CaptureError::kInvalid;
    fail.message = "conn_id 65535 is reserved for the instruments response";
    return fail;
  }
  if (w.write_http(kRestConn, start_ns - 1'000'000, url, synthetic_instruments_body(p)) !=
      CaptureError::kOk) {
    fail.status = CaptureError::kIo;
    fail.message = std::string(w.error());
    return fail;
  }
  GenResult r = generate_market(p, w);
  if (r.status != CaptureError::kOk) {
    w.abort();  // `path` keeps what it held: a stream cut short must never look like a market
    return r;
  }
  if (const CaptureError closed = w.close(); closed != CaptureError::kOk) {
    r.status = closed;
    r.message = std::string(w.error());
  }
  return r;
}

}  // namespace mm
