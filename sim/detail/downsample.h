#pragma once
// Min/max-per-bucket downsampling for the HTML report's plots (cold path). Why min/max and not every k-th
// point: a one-sample spike (a price jump, a drawdown trough) must survive in the plot.
#include <cstddef>
#include <vector>

namespace mm::detail {

struct XySeries {
  std::vector<double> x, y;  // y NaN = gap (no value: no quote, no mid)
};

// Copies `in` when it has at most max_points points; otherwise splits it into max_points / 2 buckets of
// consecutive points and keeps, per bucket, the points with the smallest and the largest y (in their original
// order; one point when they coincide), or a single gap (x of the bucket's first point, y NaN) when the
// bucket has no value. Every bucket is represented, so the x range is preserved up to one bucket's width.
// Preconditions: in.x.size() == in.y.size(); x non-decreasing; max_points >= 2.
[[nodiscard]] XySeries downsample_min_max(const XySeries& in, size_t max_points);

// Keeps at most max_points of `in` by a constant stride (markers such as fills, where each point is one
// event and extremes matter less than density). Same preconditions.
[[nodiscard]] XySeries downsample_stride(const XySeries& in, size_t max_points);

}  // namespace mm::detail
