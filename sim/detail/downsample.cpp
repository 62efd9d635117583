#include "sim/detail/downsample.h"

#include <cmath>

namespace mm::detail {

XySeries downsample_min_max(const XySeries& in, size_t max_points) {
  const size_t n = in.x.size();
  if (n <= max_points) return in;
  const size_t buckets = max_points / 2;
  XySeries out;
  out.x.reserve(buckets * 2);
  out.y.reserve(buckets * 2);
  for (size_t b = 0; b < buckets; ++b) {
    // Bucket b covers [n*b/buckets, n*(b+1)/buckets): sizes differ by at most one, all points covered.
    const size_t i0 = n * b / buckets, i1 = n * (b + 1) / buckets;
    size_t imin = i1, imax = i1;
    for (size_t i = i0; i < i1; ++i) {
      const double v = in.y[i];
      if (std::isnan(v)) continue;
      if (imin == i1 || v < in.y[imin]) imin = i;
      if (imax == i1 || v > in.y[imax]) imax = i;
    }
    if (imin == i1) {
      out.x.push_back(in.x[i0]);
      out.y.push_back(NAN);
      continue;
    }
    const size_t first = imin < imax ? imin : imax, second = imin < imax ? imax : imin;
    out.x.push_back(in.x[first]);
    out.y.push_back(in.y[first]);
    if (second != first) {
      out.x.push_back(in.x[second]);
      out.y.push_back(in.y[second]);
    }
  }
  return out;
}

XySeries downsample_stride(const XySeries& in, size_t max_points) {
  const size_t n = in.x.size();
  if (n <= max_points) return in;
  XySeries out;
  out.x.reserve(max_points);
  out.y.reserve(max_points);
  for (size_t k = 0; k < max_points; ++k) {
    const size_t i = n * k / max_points;
    out.x.push_back(in.x[i]);
    out.y.push_back(in.y[i]);
  }
  return out;
}

}  // namespace mm::detail
