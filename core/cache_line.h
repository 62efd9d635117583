#pragma once
// Cache-line size used to keep independently written data on separate lines.
// Why a constant and not std::hardware_destructive_interference_size: GCC warns (-Winterference-size) when
// that value is used in a header because it may differ between translation units built with other -mtune.
#include <cstddef>

namespace mm {

inline constexpr std::size_t kCacheLineSize = 64;

}  // namespace mm
