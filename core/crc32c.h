#pragma once
// CRC-32C (Castagnoli), the checksum of the capture and event file formats' blocks. Why CRC-32C rather than
// zlib's CRC-32: x86-64 (SSE4.2) and ARMv8 compute it in hardware, several GB/s on one core, so checking a
// multi-gigabyte recording costs a fraction of reading it.
#include <cstddef>
#include <cstdint>

namespace mm {

// Continues a CRC-32C over n bytes: crc32c(crc32c(0, a), b) == crc32c(0, a + b). crc32c(0, "123456789", 9)
// == 0xE3069283 (the standard check value).
[[nodiscard]] uint32_t crc32c(uint32_t crc, const void* data, size_t n) noexcept;

}  // namespace mm
