#pragma once
// The project's pseudo-random numbers (backtester, latency models, synthetic market generator): xoshiro256**
// seeded through splitmix64 (Blackman & Vigna).
// Why our own generator: std::mt19937 is portable but the std distributions are not (libstdc++ and libc++
// map the same bits to different values), and a backtest must give byte-identical results for the same
// seed on any build. Every draw here is integer arithmetic only.
#include <cstdint>

namespace mm {

// One splitmix64 step: advances `state` and returns a well-mixed 64-bit value.
constexpr uint64_t splitmix64(uint64_t& state) noexcept {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The seed of one independent stream (entry, response, feed latency, ...) derived from one configured seed.
constexpr uint64_t derive_stream_seed(uint64_t seed, uint64_t stream) noexcept {
  uint64_t s = seed ^ (stream * 0xD1B54A32D192ED03ull);
  return splitmix64(s);
}

class SimRng {
 public:
  explicit constexpr SimRng(uint64_t seed = 0) noexcept { reseed(seed); }

  // Any seed (0 included) gives a valid, non-zero state.
  constexpr void reseed(uint64_t seed) noexcept {
    uint64_t s = seed;
    for (uint64_t& w : s_) w = splitmix64(s);
  }

  constexpr uint64_t next() noexcept {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) by Lemire's multiply-shift (bias below n / 2^64, negligible for n < 2^40, and the
  // same on every machine). Precondition: n > 0.
  constexpr uint64_t below(uint64_t n) noexcept {
    __extension__ typedef unsigned __int128 U128;
    return static_cast<uint64_t>((static_cast<U128>(next()) * n) >> 64);
  }

  // Uniform doubles from the top 53 bits of one draw (exact, the same on every IEEE-754 machine).
  constexpr double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  constexpr double uniform_pos() noexcept {                                                      // (0, 1]
    return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53;
  }

 private:
  static constexpr uint64_t rotl(uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4] = {};
};

}  // namespace mm
