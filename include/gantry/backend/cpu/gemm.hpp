#pragma once
// CPU matrix multiplication: a cache-blocked, packed GEMM (Goto/BLIS scheme) around a
// register-tiled SIMD micro-kernel, threaded by splitting the output rows (or columns)
// across gantry's pool. Eigen's own GEMM reaches about 70% of this machine's peak and its
// threading does not help the tall, narrow products of convolutions, so gantry carries
// its own. Each output element is summed in the same order whatever the thread count
// and whichever thread computes it, so results are bit-identical for 1, 2 or n threads.
//
//   ops::matmul(a, b, trans_a, trans_b)   2-D x 2-D, or 3-D x 3-D (batched, batch 1 broadcast)
//   ops::bmm(a, b, trans_a, trans_b)      3-D x 3-D
//   ops::gemm(M, N, K, A, B, C, ...)      raw strided GEMM, for other kernels
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#endif

#include "../../core/error.hpp"
#include "../../core/parallel.hpp"
#include "../../core/tensor.hpp"
#include "../matmul_shapes.hpp"

namespace gantry::ops {

namespace gemm_detail {

// One SIMD register of T and the handful of operations the micro-kernel needs, for the
// widest vector unit the translation unit is compiled for (-march=native picks AVX-512 on
// this project's machines). MR x NV registers of accumulators form the micro-tile.
template <class T>
struct Simd;

#if defined(__AVX512F__)
template <>
struct Simd<float> {
  using V = __m512;
  static constexpr int lanes = 16, mr = 8, nv = 2;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
};
template <>
struct Simd<double> {
  using V = __m512d;
  static constexpr int lanes = 8, mr = 8, nv = 2;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
  static V set1(double x) { return _mm512_set1_pd(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
};
#elif defined(__AVX2__) && defined(__FMA__)
template <>
struct Simd<float> {
  using V = __m256;
  static constexpr int lanes = 8, mr = 6, nv = 2;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
};
template <>
struct Simd<double> {
  using V = __m256d;
  static constexpr int lanes = 4, mr = 6, nv = 2;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V set1(double x) { return _mm256_set1_pd(x); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
};
#else
// Portable fallback: 16-byte GCC/Clang vectors (SSE2, NEON, ...), multiply-add unfused.
template <class T>
struct Simd {
  typedef T V __attribute__((vector_size(16)));
  static constexpr int lanes = 16 / sizeof(T), mr = 4, nv = 2;
  static V zero() { return V{}; }
  static V load(const T* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
  }
  static void store(T* p, V v) { std::memcpy(p, &v, sizeof(V)); }
  static V set1(T x) { return V{} + x; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V add(V a, V b) { return a + b; }
};
#endif

template <class T>
struct Tile {
  static constexpr int MR = Simd<T>::mr;
  static constexpr int NR = Simd<T>::nv * Simd<T>::lanes;
  // Cache blocking: an MR x KC sliver of packed A stays in L1, a KC x NC block of packed B
  // in L2, an MC x KC block of packed A in L3.
  static constexpr int64_t KC = sizeof(T) == 4 ? 256 : 192;
  static constexpr int64_t NC = sizeof(T) == 4 ? 512 : 256;
  static constexpr int64_t MC = 1024 / MR * MR;
};

// C[MR x NR] (+)= sum_k a[k*MR + r] * b[k*NR + c] over kc steps, for a full tile.
template <class T>
inline void micro_full(int64_t kc, const T* __restrict a, const T* __restrict b, T* c, int64_t ldc, bool accumulate) {
  using S = Simd<T>;
  using V = typename S::V;
  constexpr int MR = S::mr, NV = S::nv, L = S::lanes, NR = NV * L;
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = S::zero();
  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = S::load(b + v * L);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const V av = S::set1(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = S::fma(av, bv[v], acc[r][v]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      T* p = c + r * ldc + v * L;
      S::store(p, accumulate ? S::add(acc[r][v], S::load(p)) : acc[r][v]);
    }
}

// Edge tiles (m < MR or n < NR): compute the full tile into a buffer, copy the valid part.
template <class T>
inline void micro(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, int m, int n, bool accumulate) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  if (m == MR && n == NR) {
    micro_full(kc, a, b, c, ldc, accumulate);
    return;
  }
  alignas(64) T tmp[MR * NR];
  micro_full(kc, a, b, tmp, NR, false);
  for (int r = 0; r < m; ++r)
    for (int j = 0; j < n; ++j) c[r * ldc + j] = accumulate ? c[r * ldc + j] + tmp[r * NR + j] : tmp[r * NR + j];
}

#if defined(__AVX512F__)
// Eight rows of 16 floats (row stride rs) into the packed-A order: 16 groups of the eight
// rows' values at one k. In-register transpose; scalar stores with stride 8 were a
// third of the time of a tall GEMM with few columns.
inline void transpose_8x16(const float* src, int64_t rs, float* dst) {
  const __m512 r0 = _mm512_loadu_ps(src), r1 = _mm512_loadu_ps(src + rs), r2 = _mm512_loadu_ps(src + 2 * rs),
               r3 = _mm512_loadu_ps(src + 3 * rs), r4 = _mm512_loadu_ps(src + 4 * rs),
               r5 = _mm512_loadu_ps(src + 5 * rs), r6 = _mm512_loadu_ps(src + 6 * rs),
               r7 = _mm512_loadu_ps(src + 7 * rs);
  // (maskz forms throughout: GCC 12 warns that the plain forms' undefined pass-through is
  // uninitialised)
  const __m512 t0 = _mm512_maskz_unpacklo_ps(0xFFFF, r0, r1), t1 = _mm512_maskz_unpackhi_ps(0xFFFF, r0, r1);
  const __m512 t2 = _mm512_maskz_unpacklo_ps(0xFFFF, r2, r3), t3 = _mm512_maskz_unpackhi_ps(0xFFFF, r2, r3);
  const __m512 t4 = _mm512_maskz_unpacklo_ps(0xFFFF, r4, r5), t5 = _mm512_maskz_unpackhi_ps(0xFFFF, r4, r5);
  const __m512 t6 = _mm512_maskz_unpacklo_ps(0xFFFF, r6, r7), t7 = _mm512_maskz_unpackhi_ps(0xFFFF, r6, r7);
  // u[m] lane L: rows 0-3 at k = 4L + m; v[m] lane L: rows 4-7 at k = 4L + m.
  const __m512 u[4] = {_mm512_maskz_shuffle_ps(0xFFFF, t0, t2, 0x44), _mm512_maskz_shuffle_ps(0xFFFF, t0, t2, 0xEE),
                       _mm512_maskz_shuffle_ps(0xFFFF, t1, t3, 0x44), _mm512_maskz_shuffle_ps(0xFFFF, t1, t3, 0xEE)};
  const __m512 v[4] = {_mm512_maskz_shuffle_ps(0xFFFF, t4, t6, 0x44), _mm512_maskz_shuffle_ps(0xFFFF, t4, t6, 0xEE),
                       _mm512_maskz_shuffle_ps(0xFFFF, t5, t7, 0x44), _mm512_maskz_shuffle_ps(0xFFFF, t5, t7, 0xEE)};
  const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const __m512i hi = _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  __m512 y[4], z[4];  // y[m]: k = m and 4 + m; z[m]: k = 8 + m and 12 + m (8 rows each)
  for (int m = 0; m < 4; ++m) {
    y[m] = _mm512_permutex2var_ps(u[m], lo, v[m]);
    z[m] = _mm512_permutex2var_ps(u[m], hi, v[m]);
  }
  _mm512_storeu_ps(dst + 0, _mm512_maskz_shuffle_f32x4(0xFFFF, y[0], y[1], 0x44));    // k 0, 1
  _mm512_storeu_ps(dst + 16, _mm512_maskz_shuffle_f32x4(0xFFFF, y[2], y[3], 0x44));   // k 2, 3
  _mm512_storeu_ps(dst + 32, _mm512_maskz_shuffle_f32x4(0xFFFF, y[0], y[1], 0xEE));   // k 4, 5
  _mm512_storeu_ps(dst + 48, _mm512_maskz_shuffle_f32x4(0xFFFF, y[2], y[3], 0xEE));   // k 6, 7
  _mm512_storeu_ps(dst + 64, _mm512_maskz_shuffle_f32x4(0xFFFF, z[0], z[1], 0x44));   // k 8, 9
  _mm512_storeu_ps(dst + 80, _mm512_maskz_shuffle_f32x4(0xFFFF, z[2], z[3], 0x44));   // k 10, 11
  _mm512_storeu_ps(dst + 96, _mm512_maskz_shuffle_f32x4(0xFFFF, z[0], z[1], 0xEE));   // k 12, 13
  _mm512_storeu_ps(dst + 112, _mm512_maskz_shuffle_f32x4(0xFFFF, z[2], z[3], 0xEE));  // k 14, 15
}

// A 16 x 16 block (row r at src + r*ld) transposed into dst (row k at dst + k*ldd).
inline void transpose_16x16(const float* src, int64_t ld, float* dst, int64_t ldd) {
  __m512 r[16], t[16], u[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * ld);
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_maskz_unpacklo_ps(0xFFFF, r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_maskz_unpackhi_ps(0xFFFF, r[2 * i], r[2 * i + 1]);
  }
  // u[4i + m] lane L: rows 4i..4i+3 at column 4L + m.
  for (int i = 0; i < 4; ++i) {
    u[4 * i + 0] = _mm512_maskz_shuffle_ps(0xFFFF, t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm512_maskz_shuffle_ps(0xFFFF, t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm512_maskz_shuffle_ps(0xFFFF, t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm512_maskz_shuffle_ps(0xFFFF, t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int m = 0; m < 4; ++m) {
    const __m512 v0 = _mm512_maskz_shuffle_f32x4(0xFFFF, u[m], u[4 + m], 0x88);
    const __m512 w0 = _mm512_maskz_shuffle_f32x4(0xFFFF, u[8 + m], u[12 + m], 0x88);
    const __m512 v1 = _mm512_maskz_shuffle_f32x4(0xFFFF, u[m], u[4 + m], 0xDD);
    const __m512 w1 = _mm512_maskz_shuffle_f32x4(0xFFFF, u[8 + m], u[12 + m], 0xDD);
    _mm512_storeu_ps(dst + m * ldd, _mm512_maskz_shuffle_f32x4(0xFFFF, v0, w0, 0x88));
    _mm512_storeu_ps(dst + (8 + m) * ldd, _mm512_maskz_shuffle_f32x4(0xFFFF, v0, w0, 0xDD));
    _mm512_storeu_ps(dst + (4 + m) * ldd, _mm512_maskz_shuffle_f32x4(0xFFFF, v1, w1, 0x88));
    _mm512_storeu_ps(dst + (12 + m) * ldd, _mm512_maskz_shuffle_f32x4(0xFFFF, v1, w1, 0xDD));
  }
}
#endif

// Packs rows [0, mc) x cols [0, kc) of A (element (i, k) at a[i*rs + k*cs]) into MR-row
// panels, k-major inside a panel; rows past mc are zero.
template <class T>
inline void pack_a(const T* a, int64_t rs, int64_t cs, int64_t mc, int64_t kc, T* dst) {
  constexpr int MR = Tile<T>::MR;
  for (int64_t i = 0; i < mc; i += MR) {
    const int m = static_cast<int>(std::min<int64_t>(MR, mc - i));
    const T* src = a + i * rs;
    if (cs == 1) {
      // Rows are contiguous: read each row once, write it with stride MR.
      int64_t k0 = 0;
#if defined(__AVX512F__)
      if constexpr (std::is_same_v<T, float> && MR == 8) {
        if (m == MR)
          for (; k0 + 16 <= kc; k0 += 16) transpose_8x16(src + k0, rs, dst + k0 * MR);
      }
#endif
      for (int r = 0; r < m; ++r) {
        const T* row = src + r * rs;
        for (int64_t k = k0; k < kc; ++k) dst[k * MR + r] = row[k];
      }
      for (int r = m; r < MR; ++r)
        for (int64_t k = 0; k < kc; ++k) dst[k * MR + r] = T(0);
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const T* col = src + k * cs;
        for (int r = 0; r < MR; ++r) dst[k * MR + r] = r < m ? col[r * rs] : T(0);
      }
    }
    dst += kc * MR;
  }
}

// Packs rows [0, kc) x cols [0, nc) of B (element (k, j) at b[k*rs + j*cs]) into NR-column
// panels, k-major inside a panel; columns past nc are zero.
template <class T>
inline void pack_b(const T* b, int64_t rs, int64_t cs, int64_t kc, int64_t nc, T* dst) {
  constexpr int NR = Tile<T>::NR;
  for (int64_t j = 0; j < nc; j += NR) {
    const int n = static_cast<int>(std::min<int64_t>(NR, nc - j));
    const T* src = b + j * cs;
    if (cs == 1) {
      for (int64_t k = 0; k < kc; ++k) {
        const T* row = src + k * rs;
        T* out = dst + k * NR;
        for (int c = 0; c < n; ++c) out[c] = row[c];
        for (int c = n; c < NR; ++c) out[c] = T(0);
      }
    } else {
      // Columns are contiguous (B transposed): read each column once, write with stride NR.
      int64_t k0 = 0;
#if defined(__AVX512F__)
      if constexpr (std::is_same_v<T, float> && NR % 16 == 0) {
        if (rs == 1 && n == NR)
          for (; k0 + 16 <= kc; k0 += 16)
            for (int c = 0; c < NR; c += 16) transpose_16x16(src + c * cs + k0, cs, dst + k0 * NR + c, NR);
      }
#endif
      for (int c = 0; c < n; ++c) {
        const T* col = src + c * cs;
        for (int64_t k = k0; k < kc; ++k) dst[k * NR + c] = col[k * rs];
      }
      for (int c = n; c < NR; ++c)
        for (int64_t k = 0; k < kc; ++k) dst[k * NR + c] = T(0);
    }
    dst += kc * NR;
  }
}

// Size of the K blocks: as even as possible, at most KC.
template <class T>
inline int64_t k_block(int64_t K) {
  const int64_t nk = (K + Tile<T>::KC - 1) / Tile<T>::KC;
  return nk ? (K + nk - 1) / nk : 0;
}

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Scratch for the packed blocks, from the caching allocator (so repeated calls reuse it).
template <class T>
struct Scratch {
  Tensor<T, cpu> a, b;
  T* a_data(int64_t n) {
    if (!a.defined() || a.numel() < n) a = Tensor<T, cpu>::empty(Shape{n});
    return a.data();
  }
  T* b_data(int64_t n) {
    if (!b.defined() || b.numel() < n) b = Tensor<T, cpu>::empty(Shape{n});
    return b.data();
  }
};

// Single-threaded blocked GEMM over C[M x N], with packing delegated:
//   pack_a(i0, mc, k0, kc, buf) -> const T* to MR-panels of A[i0:i0+mc, k0:k0+kc]
//   pack_b(k0, kc, j0, nc, buf) -> const T* to NR-panels of B[k0:k0+kc, j0:j0+nc]
// (a packer may ignore buf and return a pointer into data it packed earlier), and
//   c_at(i, j) -> T* to C(i, j), for i a multiple of MR and j a multiple of NR; the
//   rows of a micro-tile are ldc apart and its NR columns contiguous.
// c_at lets one GEMM write several images' outputs (columns = image x pixel) in place.
// accumulate: C += A B, otherwise C = A B.
template <class T, class PackA, class PackB, class CAt>
void gemm_blocked_at(int64_t M, int64_t N, int64_t K, PackA&& pack_a_fn, PackB&& pack_b_fn, CAt&& c_at, int64_t ldc,
                     bool accumulate, Scratch<T>& scratch) {
  using Tl = Tile<T>;
  constexpr int MR = Tl::MR, NR = Tl::NR;
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < M; i += MR)
        for (int64_t j = 0; j < N; j += NR) {
          T* p = c_at(i, j);
          for (int64_t r = 0; r < std::min<int64_t>(MR, M - i); ++r)
            std::fill(p + r * ldc, p + r * ldc + std::min<int64_t>(NR, N - j), T(0));
        }
    return;
  }
  const int64_t kcb = k_block<T>(K);
  const int64_t mcb = std::min<int64_t>(round_up(M, MR), Tl::MC);
  const int64_t ncb = std::min<int64_t>(round_up(N, NR), Tl::NC);
  T* abuf = scratch.a_data(mcb * kcb);
  T* bbuf = scratch.b_data(ncb * kcb);
  for (int64_t i0 = 0; i0 < M; i0 += Tl::MC) {
    const int64_t mc = std::min<int64_t>(Tl::MC, M - i0);
    for (int64_t k0 = 0; k0 < K; k0 += kcb) {
      const int64_t kc = std::min<int64_t>(kcb, K - k0);
      const bool acc = accumulate || k0 > 0;
      const T* ap = pack_a_fn(i0, mc, k0, kc, abuf);
      for (int64_t j0 = 0; j0 < N; j0 += Tl::NC) {
        const int64_t nc = std::min<int64_t>(Tl::NC, N - j0);
        const T* bp = pack_b_fn(k0, kc, j0, nc, bbuf);
        for (int64_t ir = 0; ir < mc; ir += MR) {
          const int m = static_cast<int>(std::min<int64_t>(MR, mc - ir));
          for (int64_t jr = 0; jr < nc; jr += NR) {
            const int n = static_cast<int>(std::min<int64_t>(NR, nc - jr));
            micro(kc, ap + ir * kc, bp + jr * kc, c_at(i0 + ir, j0 + jr), ldc, m, n, acc);
          }
        }
      }
    }
  }
}

// The same over a plain row-major C with leading dimension ldc.
template <class T, class PackA, class PackB>
void gemm_blocked(int64_t M, int64_t N, int64_t K, PackA&& pack_a_fn, PackB&& pack_b_fn, T* c, int64_t ldc,
                  bool accumulate, Scratch<T>& scratch) {
  gemm_blocked_at<T>(
      M, N, K, pack_a_fn, pack_b_fn, [c, ldc](int64_t i, int64_t j) { return c + i * ldc + j; }, ldc, accumulate,
      scratch);
}

// Runs worker(next) once on each of up to num_threads() threads; next() hands out chunk
// indices 0, 1, ... (then -1) to whichever thread asks first. A thread that shares its
// core with another process then does fewer chunks instead of holding up the rest (a
// static split runs at the speed of its slowest thread). Only for work whose result does
// not depend on which thread runs a chunk.
template <class W>
void parallel_chunks(int64_t chunks, W&& worker) {
  std::atomic<int64_t> counter{0};
  auto next = [&]() -> int64_t {
    const int64_t c = counter.fetch_add(1, std::memory_order_relaxed);
    return c < chunks ? c : -1;
  };
  const int64_t workers = std::min<int64_t>(num_threads(), chunks);
  if (workers <= 1) {
    worker(next);
    return;
  }
  parallel_for(0, workers, 1, [&](int64_t, int64_t) { worker(next); });
}

// Chunks for splitting `tiles` micro-tiles over the threads: 2 to 4 per thread, but never
// fewer than 16 tiles each (every chunk packs its own copy of the other operand).
inline int64_t tile_chunks(int64_t tiles) {
  const int64_t t = num_threads();
  return std::max<int64_t>(1, std::min(tiles, std::clamp<int64_t>(tiles / 16, t, 4 * t)));
}

}  // namespace gemm_detail

// Raw GEMM: C[M x N] (+)= A[M x K] B[K x N] with element (i, k) of A at a[i*rsa + k*csa],
// (k, j) of B at b[k*rsb + j*csb] and C row-major with leading dimension ldc. Threads
// split C's rows (or columns, when there are more column panels than row panels); pass
// parallel = false from inside a task that is already parallel.
template <class T>
void gemm(int64_t M, int64_t N, int64_t K, const T* a, int64_t rsa, int64_t csa, const T* b, int64_t rsb,
          int64_t csb, T* c, int64_t ldc, bool accumulate = false, bool parallel = true) {
  using namespace gemm_detail;
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  if (M <= 0 || N <= 0) return;
  auto run = [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
    Scratch<T> scratch;
    gemm_blocked<T>(
        i1 - i0, j1 - j0, K,
        [&](int64_t i, int64_t mc, int64_t k, int64_t kc, T* buf) {
          pack_a(a + (i0 + i) * rsa + k * csa, rsa, csa, mc, kc, buf);
          return static_cast<const T*>(buf);
        },
        [&](int64_t k, int64_t kc, int64_t j, int64_t nc, T* buf) {
          pack_b(b + k * rsb + (j0 + j) * csb, rsb, csb, kc, nc, buf);
          return static_cast<const T*>(buf);
        },
        c + i0 * ldc + j0, ldc, accumulate, scratch);
  };
  const int64_t mt = (M + MR - 1) / MR, nt = (N + NR - 1) / NR;
  const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  if (!parallel || num_threads() == 1 || flops < 4e6) {
    run(0, M, 0, N);
  } else if (mt >= nt) {
    const int64_t chunks = tile_chunks(mt);
    parallel_chunks(chunks, [&](auto&& next) {
      for (int64_t c; (c = next()) >= 0;) run(mt * c / chunks * MR, std::min(mt * (c + 1) / chunks * MR, M), 0, N);
    });
  } else {
    const int64_t chunks = tile_chunks(nt);
    parallel_chunks(chunks, [&](auto&& next) {
      for (int64_t c; (c = next()) >= 0;) run(0, M, nt * c / chunks * NR, std::min(nt * (c + 1) / chunks * NR, N));
    });
  }
}

namespace gemm_detail {

using gantry::matmul_detail::check_matmul_operands;

}  // namespace gemm_detail

// Batched product: a[B or 1, M, K] x b[B or 1, K, N] -> [B, M, N] (with transposes applied
// to the last two axes of each operand). A batch of 1 is broadcast.
template <class T>
Tensor<T, cpu> bmm(const Tensor<T, cpu>& a, const Tensor<T, cpu>& b, bool trans_a = false, bool trans_b = false) {
  gemm_detail::check_matmul_operands("bmm", a.shape(), b.shape(), trans_a, trans_b, 3);
  const int64_t batch = std::max(a.dim(0), b.dim(0));
  const int64_t M = trans_a ? a.dim(2) : a.dim(1), K = trans_a ? a.dim(1) : a.dim(2);
  const int64_t N = trans_b ? b.dim(1) : b.dim(2);
  Tensor<T, cpu> out(Shape{batch, M, N});
  const int64_t sa = a.dim(0) == 1 ? 0 : a.dim(1) * a.dim(2), sb = b.dim(0) == 1 ? 0 : b.dim(1) * b.dim(2);
  const int64_t lda = a.dim(2), ldb = b.dim(2);
  const int64_t rsa = trans_a ? 1 : lda, csa = trans_a ? lda : 1;
  const int64_t rsb = trans_b ? 1 : ldb, csb = trans_b ? ldb : 1;
  const T* pa = a.data();
  const T* pb = b.data();
  T* pc = out.data();
  const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  if (batch >= num_threads() && flops * static_cast<double>(batch) >= 4e6) {
    // Enough matrices: one thread per group of them, each GEMM single-threaded.
    gemm_detail::parallel_chunks(batch, [&](auto&& next) {
      for (int64_t i; (i = next()) >= 0;)
        gemm<T>(M, N, K, pa + i * sa, rsa, csa, pb + i * sb, rsb, csb, pc + i * M * N, N, false, false);
    });
  } else {
    for (int64_t i = 0; i < batch; ++i)
      gemm<T>(M, N, K, pa + i * sa, rsa, csa, pb + i * sb, rsb, csb, pc + i * M * N, N, false, true);
  }
  return out;
}

// Matrix product with optional transposes: a[M, K] x b[K, N] -> [M, N]. Rank-3 operands
// are batched (see bmm).
template <class T>
Tensor<T, cpu> matmul(const Tensor<T, cpu>& a, const Tensor<T, cpu>& b, bool trans_a = false, bool trans_b = false) {
  if (a.rank() == 3 && b.rank() == 3) return bmm(a, b, trans_a, trans_b);
  check<ShapeError>(a.rank() == 2 && b.rank() == 2, "matmul: shapes ", a.shape().str(), " and ", b.shape().str(),
                    " must both have rank 2 (rows, cols) or both rank 3 (batch, rows, cols)");
  gemm_detail::check_matmul_operands("matmul", a.shape(), b.shape(), trans_a, trans_b, 2);
  const int64_t M = trans_a ? a.dim(1) : a.dim(0), K = trans_a ? a.dim(0) : a.dim(1);
  const int64_t N = trans_b ? b.dim(0) : b.dim(1);
  Tensor<T, cpu> out(Shape{M, N});
  const int64_t lda = a.dim(1), ldb = b.dim(1);
  gemm<T>(M, N, K, a.data(), trans_a ? 1 : lda, trans_a ? lda : 1, b.data(), trans_b ? 1 : ldb, trans_b ? ldb : 1,
          out.data(), N);
  return out;
}

}  // namespace gantry::ops
