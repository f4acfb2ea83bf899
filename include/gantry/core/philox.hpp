#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3").
// Counter-based: element i of a draw depends only on (seed, offset + i), so the CPU and
// the GPU produce the same numbers, and any thread can compute any slice.
#include <array>
#include <math.h>
#include <cstdint>

#if defined(__CUDACC__)
#define GANTRY_HD __host__ __device__
#else
#define GANTRY_HD
#endif

namespace gantry {

struct Philox {
  using Block = std::array<std::uint32_t, 4>;

  GANTRY_HD static void round(std::uint32_t c[4], const std::uint32_t k[2]) {
    const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * c[0];
    const std::uint64_t p1 = std::uint64_t{0xCD9E8D57u} * c[2];
    const std::uint32_t hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
    const std::uint32_t hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
    const std::uint32_t n0 = hi1 ^ c[1] ^ k[0], n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
  }

  // Four 32-bit words for counter `ctr` under key `seed`.
  GANTRY_HD static void generate(std::uint64_t seed, std::uint64_t ctr, std::uint32_t out[4]) {
    std::uint32_t c[4] = {static_cast<std::uint32_t>(ctr), static_cast<std::uint32_t>(ctr >> 32), 0u, 0u};
    std::uint32_t k[2] = {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
    for (int i = 0; i < 10; ++i) {
      round(c, k);
      k[0] += 0x9E3779B9u;
      k[1] += 0xBB67AE85u;
    }
    for (int i = 0; i < 4; ++i) out[i] = c[i];
  }

  // Uniform in (0, 1]: never 0, so log() is safe.
  GANTRY_HD static double to_unit(std::uint32_t hi, std::uint32_t lo) {
    const std::uint64_t bits = (std::uint64_t{hi} << 21) ^ lo;  // 53 bits
    return (static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) + 1.0) * (1.0 / 9007199254740992.0);
  }

  // Element i of a uniform(0,1] stream and of a standard normal stream (Box-Muller on
  // counter i, one normal per counter so element i never depends on neighbours).
  GANTRY_HD static double uniform(std::uint64_t seed, std::uint64_t i) {
    std::uint32_t w[4];
    generate(seed, i, w);
    return to_unit(w[0], w[1]);
  }
  GANTRY_HD static double normal(std::uint64_t seed, std::uint64_t i) {
    std::uint32_t w[4];
    generate(seed, i, w);
    const double u1 = to_unit(w[0], w[1]), u2 = to_unit(w[2], w[3]);
    return ::sqrt(-2.0 * ::log(u1)) * ::cos(6.283185307179586 * u2);
  }
};

// A seeded stream. Each draw of n numbers consumes counters [offset, offset + n).
// Its state (seed, offset) is two integers, so checkpoints can store it exactly.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0, std::uint64_t offset = 0) : seed_(seed), offset_(offset) {}
  std::uint64_t seed() const { return seed_; }
  std::uint64_t offset() const { return offset_; }
  // Reserve n counters; returns the first.
  std::uint64_t advance(std::uint64_t n) {
    const std::uint64_t first = offset_;
    offset_ += n;
    return first;
  }
  double uniform() { return Philox::uniform(seed_, advance(1)); }
  double normal() { return Philox::normal(seed_, advance(1)); }

 private:
  std::uint64_t seed_;
  std::uint64_t offset_;
};

}  // namespace gantry
