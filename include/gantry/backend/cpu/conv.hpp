#pragma once
// CPU 2-D convolution (NCHW), its input gradient, its weight gradient and the transposed
// convolution, all on the packed GEMM of gemm.hpp. The im2col matrix is never stored:
// the GEMM's packing step reads the input image directly ("implicit im2col"), so each
// element is written once, into the cache-sized packed block the micro-kernel uses.
//
//   forward      y[n]  = W[O, C*kh*kw] x col(x[n])     W packed once; small images several
//                                                        to a GEMM (columns = image x pixel)
//   input grad   dx[n] = col2im(W^T x gy[n])             in channel blocks that stay in L2,
//                                                        small images grouped as forward
//   weight grad  dW    = sum_n gy[n] x col(x[n])^T       images folded into K; x is read
//                                                        channels-last so col^T rows are runs
//
// Threads take whole images (batch >= threads; handed out as threads free up) or, for
// small batches, parts of one image's output. The forward pass and the input gradient do
// not depend on the split or on how images are grouped (each element is the same sum);
// the weight gradient sums a fixed range of images per thread and adds the partials in a
// fixed order, so it is reproducible for a given thread count.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "../../core/error.hpp"
#include "../../core/parallel.hpp"
#include "../../core/tensor.hpp"
#include "../conv_options.hpp"
#include "gemm.hpp"

namespace gantry::ops {

namespace conv_detail {

// Sizes of one convolution x[N, C, H, W] * w[O, C, kh, kw] -> y[N, O, Ho, Wo].
struct Geometry {
  int64_t N = 0, C = 0, H = 0, W = 0, O = 0, kh = 0, kw = 0, Ho = 0, Wo = 0;
  int64_t sh = 1, sw = 1, ph = 0, pw = 0;
  int64_t ckk() const { return C * kh * kw; }
  int64_t in_hw() const { return H * W; }
  int64_t out_hw() const { return Ho * Wo; }
};

inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

inline void check_options(const char* op, const Conv2dOptions& o) {
  check<ShapeError>(o.stride_h >= 1 && o.stride_w >= 1 && o.pad_h >= 0 && o.pad_w >= 0, op,
                    ": stride must be >= 1 and padding >= 0, found stride (", o.stride_h, ", ", o.stride_w,
                    ") and padding (", o.pad_h, ", ", o.pad_w, ")");
}

// Geometry from the input shape [N, C, H, W] and the weight shape [O, C, kh, kw].
inline Geometry geometry(const char* op, const Shape& x, const Shape& w, const Conv2dOptions& o,
                         const char* x_name = "input", const char* w_name = "weight") {
  check_options(op, o);
  check<ShapeError>(x.rank() == 4, op, ": ", x_name, " must have shape [N, C, H, W], found ", x.str(), " (", w_name,
                    " ", w.str(), ")");
  check<ShapeError>(w.rank() == 4, op, ": ", w_name, " must have shape [O, C, kh, kw], found ", w.str(), " (",
                    x_name, " ", x.str(), ")");
  check<ShapeError>(x[1] == w[1], op, ": ", x_name, " ", x.str(), " has ", x[1], " channels but ", w_name, " ",
                    w.str(), " expects ", w[1]);
  Geometry g;
  g.N = x[0], g.C = x[1], g.H = x[2], g.W = x[3];
  g.O = w[0], g.kh = w[2], g.kw = w[3];
  g.sh = o.stride_h, g.sw = o.stride_w, g.ph = o.pad_h, g.pw = o.pad_w;
  check<ShapeError>(g.kh >= 1 && g.kw >= 1 && g.H + 2 * g.ph >= g.kh && g.W + 2 * g.pw >= g.kw, op, ": kernel ",
                    g.kh, "x", g.kw, " of ", w_name, " ", w.str(), " does not fit the padded ", x_name, " ", x.str(),
                    " (padding ", g.ph, ", ", g.pw, ")");
  g.Ho = (g.H + 2 * g.ph - g.kh) / g.sh + 1;
  g.Wo = (g.W + 2 * g.pw - g.kw) / g.sw + 1;
  return g;
}

// dst[t] = src[t] for t in [lo, hi) and 0 for the other t in [0, n); src is read only in
// [lo, hi). With AVX-512 this is one masked load and store per vector (the masked-out
// lanes are never touched), which matters: the packing of every convolution GEMM is
// made of such short copies.
#if defined(__AVX512F__)
inline unsigned lane_mask(int64_t a, int64_t b) { return ((1u << b) - 1u) & ~((1u << a) - 1u); }  // lanes [a, b)
inline __m512 masked_load(const float* p, unsigned m) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>(m), p); }
inline __m512d masked_load(const double* p, unsigned m) { return _mm512_maskz_loadu_pd(static_cast<__mmask8>(m), p); }
inline void masked_store(float* p, unsigned m, __m512 v) { _mm512_mask_storeu_ps(p, static_cast<__mmask16>(m), v); }
inline void masked_store(double* p, unsigned m, __m512d v) { _mm512_mask_storeu_pd(p, static_cast<__mmask8>(m), v); }
#endif

template <class T>
inline void copy_span(T* dst, const T* src, int64_t n, int64_t lo, int64_t hi) {
#if defined(__AVX512F__)
  constexpr int64_t L = 64 / sizeof(T);
  for (int64_t t = 0; t < n; t += L) {
    const int64_t m = std::min(L, n - t);
    const int64_t a = std::clamp<int64_t>(lo - t, 0, m), b = std::clamp<int64_t>(hi - t, a, m);
    masked_store(dst + t, lane_mask(0, m), masked_load(src + t, lane_mask(a, b)));
  }
#else
  lo = std::clamp<int64_t>(lo, 0, n);
  hi = std::clamp<int64_t>(hi, lo, n);
  for (int64_t t = 0; t < lo; ++t) dst[t] = T(0);
  for (int64_t t = lo; t < hi; ++t) dst[t] = src[t];
  for (int64_t t = hi; t < n; ++t) dst[t] = T(0);
#endif
}

inline void zero_span(float* dst, int64_t n) { std::fill(dst, dst + n, 0.0f); }
inline void zero_span(double* dst, int64_t n) { std::fill(dst, dst + n, 0.0); }

// Output pixels [t, t + len) of one output row within a packed panel, and their position.
struct Segment {
  int64_t oh, ow, len, at;
};

// Splits the output pixels [p, p + n) into row segments; returns their count.
inline int segments(const Geometry& g, int64_t p, int64_t n, Segment* out) {
  int count = 0;
  int64_t oh = p / g.Wo, ow = p % g.Wo, at = 0;
  while (at < n) {
    const int64_t len = std::min(n - at, g.Wo - ow);
    out[count++] = {oh, ow, len, at};
    at += len;
    ow = 0;
    ++oh;
  }
  return count;
}

// Valid output columns [lo, hi) of a row segment starting at ow for kernel column kj: those
// whose input column iw = ow'*sw - pw + kj lies in [0, W).
inline void valid_columns(const Geometry& g, int64_t ow, int64_t len, int64_t kj, int64_t& lo, int64_t& hi) {
  const int64_t off = kj - g.pw;
  if (g.sw == 1) {
    lo = std::clamp<int64_t>(-off - ow, 0, len);
    hi = std::clamp<int64_t>(g.W - off - ow, lo, len);
  } else {
    lo = std::clamp<int64_t>(ceil_div(-off, g.sw) - ow, 0, len);
    hi = std::clamp<int64_t>(floor_div(g.W - 1 - off, g.sw) + 1 - ow, lo, len);
  }
}

// Row (ci, ki, kj) of the im2col matrix at the pixels of the given segments, into out[0, n).
template <class T>
inline void gather_row(const T* x_img, const Geometry& g, int64_t ci, int64_t ki, int64_t kj, const Segment* segs,
                       int nsegs, T* out) {
  const T* plane = x_img + ci * g.H * g.W;
  for (int s = 0; s < nsegs; ++s) {
    const Segment& sg = segs[s];
    T* dst = out + sg.at;
    const int64_t ih = sg.oh * g.sh - g.ph + ki;
    if (ih < 0 || ih >= g.H) {
      zero_span(dst, sg.len);
      continue;
    }
    int64_t lo, hi;
    valid_columns(g, sg.ow, sg.len, kj, lo, hi);
    const T* src = plane + ih * g.W + sg.ow * g.sw + (kj - g.pw);
    if (g.sw == 1) {
      copy_span(dst, src, sg.len, lo, hi);
    } else {
      for (int64_t t = 0; t < lo; ++t) dst[t] = T(0);
      for (int64_t t = lo; t < hi; ++t) dst[t] = src[t * g.sw];
      for (int64_t t = hi; t < sg.len; ++t) dst[t] = T(0);
    }
  }
}

// Scatter-adds one column-gradient row (ci, ki, kj) over all output pixels into the
// input-gradient image (the adjoint of gather).
template <class T>
inline void scatter_row(const T* col, const Geometry& g, int64_t ci, int64_t ki, int64_t kj, T* dx_img) {
  T* plane = dx_img + ci * g.H * g.W;
  const int64_t off = kj - g.pw;
  int64_t lo, hi;
  if (g.sw == 1) {
    lo = std::clamp<int64_t>(-off, 0, g.Wo);
    hi = std::clamp<int64_t>(g.W - off, lo, g.Wo);
  } else {
    lo = std::clamp<int64_t>(ceil_div(-off, g.sw), 0, g.Wo);
    hi = std::clamp<int64_t>(floor_div(g.W - 1 - off, g.sw) + 1, lo, g.Wo);
  }
  for (int64_t oh = 0; oh < g.Ho; ++oh) {
    const int64_t ih = oh * g.sh - g.ph + ki;
    if (ih < 0 || ih >= g.H) continue;
    T* dst = plane + ih * g.W + off;
    const T* src = col + oh * g.Wo;
    if (g.sw == 1) {
      for (int64_t t = lo; t < hi; ++t) dst[t] += src[t];
    } else {
      for (int64_t t = lo; t < hi; ++t) dst[t * g.sw] += src[t];
    }
  }
}

// Packs all K blocks of A (element (i, k) at a[i*rs + k*cs], M x K) once, for GEMMs that
// reuse the same A for every image; returns the packer that serves gemm_blocked from it.
template <class T>
struct PrepackedA {
  Tensor<T, cpu> buf;
  int64_t mpad = 0;
  PrepackedA(const T* a, int64_t rs, int64_t cs, int64_t M, int64_t K) {
    using namespace gemm_detail;
    mpad = round_up(M, Tile<T>::MR);
    buf = Tensor<T, cpu>::empty(Shape{std::max<int64_t>(mpad * K, 1)});
    const int64_t kcb = k_block<T>(K);
    for (int64_t k0 = 0; k0 < K; k0 += kcb) {
      const int64_t kc = std::min(kcb, K - k0);
      pack_a(a + k0 * cs, rs, cs, M, kc, buf.data() + k0 * mpad);
    }
  }
  // Rows [row0 + i0, ...) of the block starting at k0 (row0 a multiple of MR).
  const T* at(int64_t row0, int64_t i0, int64_t k0, int64_t kc) const {
    return buf.data() + k0 * mpad + (row0 + i0) * kc;
  }
};

// Splits [0, n) into chunks of whole `align` units, one per thread.
template <class F>
void parallel_aligned(int64_t n, int64_t align, F&& fn) {
  const int64_t units = (n + align - 1) / align;
  parallel_for(0, units, 1, [&](int64_t lo, int64_t hi) { fn(lo * align, std::min(hi * align, n)); });
}

// y[n][:, p0:p1] = W x col(x[n])[:, p0:p1] for images [n0, n1) and output pixels [p0, p1),
// as one GEMM whose columns are (image, pixel). On small images this keeps W's packed
// slivers in use for more columns per pass and, when an image has fewer pixels than a
// micro-tile has columns, fills the tiles with several images instead of padding. A
// micro-tile writes NR contiguous columns of one output row, so when tiles straddle
// images (p1 - p0 not a multiple of NR) the GEMM writes a [O, columns] matrix in ybuf,
// copied to y afterwards. Every output element is the same sum in the same order either
// way, so the grouping does not change any bit of y.
template <class T>
void forward_images(const Geometry& g, const PrepackedA<T>& wp, const T* x, T* y, int64_t n0, int64_t n1, int64_t p0,
                    int64_t p1, gemm_detail::Scratch<T>& scratch, Tensor<T, cpu>& ybuf) {
  using namespace gemm_detail;
  constexpr int NR = Tile<T>::NR;
  const int64_t kk = g.kh * g.kw, hw = g.out_hw(), span = p1 - p0, cols = (n1 - n0) * span;
  const int64_t x_stride = g.C * g.in_hw(), y_stride = g.O * hw;
  const bool straddle = n1 - n0 > 1 && span % NR != 0;
#if defined(__AVX512F__)
  // Window packing (below) loads L lanes of one image at a time: the lanes of a vector must
  // be consecutive pixels of one image. The panels repeat with a period of lcm(span, NR)
  // columns (one image: its span); per panel of a period, which lanes are inside the image
  // for each kernel column (kw masks) and each kernel row (kh masks).
  constexpr int L = gemm_detail::Simd<T>::lanes;
  const bool window = g.sw == 1 && g.sh == 1 && g.Wo == g.W && (n1 - n0 == 1 || span % L == 0) && p0 % L == 0;
  const int64_t period = n1 - n0 == 1 ? span : std::lcm(span, int64_t{NR});
  std::vector<std::uint64_t> masks;
  if (window) {
    masks.assign(static_cast<std::size_t>((period + NR - 1) / NR * (g.kw + g.kh)), 0);
    const int64_t oh0 = p0 / g.Wo, ow0 = p0 % g.Wo;
    for (int64_t t = 0, at = 0, oh = oh0, ow = ow0; t < period; ++t) {  // column t is pixel p0 + at = (oh, ow)
      std::uint64_t* m = masks.data() + (t / NR) * (g.kw + g.kh);
      const std::uint64_t bit = std::uint64_t{1} << (t % NR);
      for (int64_t q = 0; q < g.kw; ++q)
        if (ow + q - g.pw >= 0 && ow + q - g.pw < g.W) m[q] |= bit;
      for (int64_t q = 0; q < g.kh; ++q)
        if (oh + q - g.ph >= 0 && oh + q - g.ph < g.H) m[g.kw + q] |= bit;
      if (++at == span) {
        at = 0, oh = oh0, ow = ow0;
      } else if (++ow == g.Wo) {
        ow = 0, ++oh;
      }
    }
  }
#endif
  T* tmp = nullptr;
  if (straddle) {
    if (!ybuf.defined() || ybuf.numel() < g.O * cols) ybuf = Tensor<T, cpu>::empty(Shape{g.O * cols});
    tmp = ybuf.data();
  }
  gemm_blocked_at<T>(
      g.O, cols, g.ckk(),
      [&](int64_t i0, int64_t, int64_t k0, int64_t kc, T*) { return wp.at(0, i0, k0, kc); },
      [&](int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* buf) {
        for (int64_t jp = 0; jp < nc; jp += NR) {
          const int64_t n = std::min<int64_t>(NR, nc - jp), j = j0 + jp;
          T* d = buf + jp * kc;
          const int64_t ci0 = k0 / kk, ki0 = (k0 % kk) / g.kw, kj0 = k0 % g.kw;
#if defined(__AVX512F__)
          if (window) {
            // Stride 1 and Wo == W: output pixel p reads input element p + (ki-ph)*W + (kj-pw)
            // of the plane, so a panel row is one window of the plane per vector under a lane
            // mask (the lanes whose row and column fall inside the image), whatever the width.
            using S = gemm_detail::Simd<T>;
            constexpr int V = NR / L;
            const T* base[V];
            int64_t img = n0 + j / span, at = j % span;  // vector v's image and pixel (- p0)
            for (int v = 0; v < V; ++v, at += L) {
              if (at == span) at = 0, ++img;  // a vector never straddles images (span % L == 0)
              base[v] = v * L < n ? x + img * x_stride + p0 + at - g.ph * g.W - g.pw : x;
            }
            const std::uint64_t* col_ok = masks.data() + (j % period) / NR * (g.kw + g.kh);
            const std::uint64_t* row_ok = col_ok + g.kw;
            const std::uint64_t live = n == NR ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
            int64_t ci = ci0, ki = ki0, kj = kj0;
            for (int64_t k = 0; k < kc; ++k) {
              const int64_t off = ci * g.H * g.W + ki * g.W + kj;
              const std::uint64_t ok = col_ok[kj] & row_ok[ki] & live;
              T* row = d + k * NR;
              for (int v = 0; v < V; ++v) {  // no access where the mask is 0
                const unsigned m = static_cast<unsigned>(ok >> (v * L)) & lane_mask(0, L);
                S::store(row + v * L, masked_load(base[v] + off, m));
              }
              if (++kj == g.kw) {
                kj = 0;
                if (++ki == g.kh) ki = 0, ++ci;
              }
            }
            continue;
          }
#endif
          // The panel's columns in pieces of one image each, every piece in row segments.
          struct Piece {
            const T* x_img;
            int first, count;
          };
          Piece pieces[NR];
          Segment segs[NR];
          int npieces = 0, nsegs = 0;
          for (int64_t at = 0; at < n;) {
            const int64_t c = j + at, p = p0 + c % span, len = std::min(n - at, span - c % span);
            const int cnt = segments(g, p, len, segs + nsegs);
            for (int s = nsegs; s < nsegs + cnt; ++s) segs[s].at += at;
            pieces[npieces++] = {x + (n0 + c / span) * x_stride, nsegs, cnt};
            nsegs += cnt;
            at += len;
          }
          int64_t ci = ci0, ki = ki0, kj = kj0;
          for (int64_t k = 0; k < kc; ++k) {
            T* row = d + k * NR;
            for (int q = 0; q < npieces; ++q)
              gather_row(pieces[q].x_img, g, ci, ki, kj, segs + pieces[q].first, pieces[q].count, row);
            if (n < NR) zero_span(row + n, NR - n);
            if (++kj == g.kw) {
              kj = 0;
              if (++ki == g.kh) ki = 0, ++ci;
            }
          }
        }
        return static_cast<const T*>(buf);
      },
      [&](int64_t i, int64_t j) {
        return straddle ? tmp + i * cols + j : y + (n0 + j / span) * y_stride + i * hw + p0 + j % span;
      },
      straddle ? cols : hw, false, scratch);
  if (straddle)
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t o = 0; o < g.O; ++o)
        std::copy_n(tmp + o * cols + (n - n0) * span, span, y + n * y_stride + o * hw + p0);
}

// Images per GEMM of the forward pass and the input gradient: enough for about 256
// columns when the image is small (more made the packed block of B overflow L2 next to W
// on 128-channel layers). Grouping pays when micro-tiles hold whole images (out_hw a
// multiple of NR) or when one image alone leaves them partly empty: fewer pixels than NR
// (4x4 outputs: 2 images a float tile instead of 16 padding columns; 3x3: 3.5 images).
// The input gradient also groups images whose last tile is more than 1/8 padding (6x6,
// 7x7, 10x10); the forward pass does not, as its window packing (above) needs tiles that
// start on vector boundaries of one image, and without it the grouped GEMM was slower.
// No more than a thread's share of the batch, so small batches still use every thread.
// The grouping does not change the results.
template <class T>
int64_t images_per_gemm(const Geometry& g, bool input_grad) {
  constexpr int64_t NR = gemm_detail::Tile<T>::NR;
  const int64_t hw = g.out_hw(), padded = gemm_detail::round_up(hw, NR);
  const bool group = hw > 0 && (hw % NR == 0 || 2 * hw <= NR || (input_grad && (padded - hw) * 8 > padded));
  if (!group) return 1;
  const int64_t share = (g.N + num_threads() - 1) / num_threads();
  return std::clamp<int64_t>(std::min(256 / hw, share), 1, std::max<int64_t>(g.N, 1));
}

// Packs rows [k0, k0 + kc) x columns [j0, j0 + nc) of the input gradient's B: gy of images
// n0, n0 + 1, ... side by side, pixels [p0, p0 + span) of each (column j = (image, pixel)).
template <class T>
void pack_gy(const Geometry& g, const T* gy, int64_t n0, int64_t p0, int64_t span, int64_t k0, int64_t kc, int64_t j0,
             int64_t nc, T* buf) {
  using namespace gemm_detail;
  constexpr int NR = Tile<T>::NR;
  const int64_t hw = g.out_hw(), gy_stride = g.O * hw;
  for (int64_t jp = 0; jp < nc; jp += NR) {
    const int64_t n = std::min<int64_t>(NR, nc - jp), j = j0 + jp;
    T* d = buf + jp * kc;
    if (j % span + n <= span) {  // one image: a plain panel of gy[img]
      pack_b(gy + (n0 + j / span) * gy_stride + k0 * hw + p0 + j % span, hw, int64_t{1}, kc, n, d);
      continue;
    }
    // The panel's columns in pieces of one image each.
    struct Piece {
      const T* src;
      int64_t len, at;
    };
    Piece pieces[NR];
    int npieces = 0;
    for (int64_t at = 0; at < n;) {
      const int64_t c = j + at, len = std::min(n - at, span - c % span);
      pieces[npieces++] = {gy + (n0 + c / span) * gy_stride + k0 * hw + p0 + c % span, len, at};
      at += len;
    }
    for (int64_t k = 0; k < kc; ++k) {
      T* row = d + k * NR;
      for (int q = 0; q < npieces; ++q) {
        const Piece& pc = pieces[q];
        copy_span(row + pc.at, pc.src + k * hw, pc.len, 0, pc.len);
      }
      if (n < NR) zero_span(row + n, NR - n);
    }
  }
}

// Rows [i0, i1) of W^T x gy (the column gradient, ckk rows) for images [n0, n1) at pixels
// [p0, p1) of each, as one GEMM whose columns are (image, pixel): row i0 lands at out[0],
// rows ld apart. Several small images fill the micro-tiles that one would leave half empty.
// packed: B already packed by pack_gy for every K block (block k0 at packed + k0 * the
// column count rounded up to NR), for callers that run several row ranges; or null.
template <class T>
void input_grad_columns(const Geometry& g, const PrepackedA<T>& wtp, const T* gy, int64_t n0, int64_t n1, T* out,
                        int64_t ld, int64_t i0, int64_t i1, int64_t p0, int64_t p1, gemm_detail::Scratch<T>& scratch,
                        const T* packed = nullptr) {
  using namespace gemm_detail;
  const int64_t span = p1 - p0, cols = (n1 - n0) * span, colsr = round_up(cols, Tile<T>::NR);
  gemm_blocked<T>(
      i1 - i0, cols, g.O, [&](int64_t i, int64_t, int64_t k0, int64_t kc, T*) { return wtp.at(i0, i, k0, kc); },
      [&](int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* buf) {
        if (packed) return packed + k0 * colsr + j0 * kc;
        if (j0 % span + nc <= span)  // all in one image: plain panels of gy[img]
          pack_b(gy + (n0 + j0 / span) * g.O * g.out_hw() + k0 * g.out_hw() + p0 + j0 % span, g.out_hw(), int64_t{1},
                 kc, nc, buf);
        else
          pack_gy(g, gy, n0, p0, span, k0, kc, j0, nc, buf);
        return static_cast<const T*>(buf);
      },
      out, ld, false, scratch);
}

// Adds the column gradient of channels [c0, c1) (col holds their kh*kw rows each, first
// row of channel c0 at col[0], rows ld apart) into the input-gradient image.
template <class T>
void col2im(const Geometry& g, const T* col, int64_t ld, T* dx_img, int64_t c0, int64_t c1) {
#if defined(__AVX512F__)
  const int64_t kk = g.kh * g.kw;
  if (g.sw == 1 && g.sh == 1 && g.Wo == g.W && g.in_hw() <= gemm_detail::Simd<T>::lanes && kk <= 64) {
    // A plane fits one vector (4x4 images): with stride 1 and Wo == W, kernel tap (ki, kj)
    // moves output pixel p to input element p + off, so the plane gathers its kh*kw
    // shifted column rows under lane masks, in the (ki, kj) order of the loop below.
    using S = gemm_detail::Simd<T>;
    std::uint32_t ok[64] = {};
    for (int64_t t = 0; t < kk; ++t)
      for (int64_t p = 0; p < g.out_hw(); ++p) {
        const int64_t ih = p / g.Wo - g.ph + t / g.kw, iw = p % g.Wo - g.pw + t % g.kw;
        if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) ok[t] |= std::uint32_t{1} << (ih * g.W + iw);
      }
    const unsigned plane = lane_mask(0, g.in_hw());
    for (int64_t ci = c0; ci < c1; ++ci) {
      T* d = dx_img + ci * g.H * g.W;
      const T* rows = col + (ci - c0) * kk * ld;
      auto v = masked_load(d, plane);
      for (int64_t t = 0; t < kk; ++t) {
        const int64_t off = (t / g.kw - g.ph) * g.W + (t % g.kw - g.pw);  // lane q reads row[q - off]
        if (ok[t]) v = S::add(v, masked_load(rows + t * ld - off, ok[t]));
      }
      masked_store(d, plane, v);
    }
    return;
  }
  if (g.sw == 1) {
    // Each input row gathers its kw shifted contributions in a register and is written
    // once (scatter_row per kj re-reads the row kw times, in short pieces).
    using S = gemm_detail::Simd<T>;
    constexpr int64_t L = S::lanes;
    for (int64_t ci = c0; ci < c1; ++ci)
      for (int64_t ki = 0; ki < g.kh; ++ki) {
        const T* rows = col + ((ci - c0) * g.kh + ki) * g.kw * ld;  // row of kj at rows + kj*ld
        for (int64_t oh = 0; oh < g.Ho; ++oh) {
          const int64_t ih = oh * g.sh - g.ph + ki;
          if (ih < 0 || ih >= g.H) continue;
          T* d = dx_img + (ci * g.H + ih) * g.W;
          for (int64_t iw0 = 0; iw0 < g.W; iw0 += L) {
            const int64_t m = std::min(L, g.W - iw0);
            auto v = masked_load(d + iw0, lane_mask(0, m));
            for (int64_t kj = 0; kj < g.kw; ++kj) {
              const int64_t off = kj - g.pw;  // output column ow feeds input column ow + off
              const int64_t a = std::clamp<int64_t>(off - iw0, 0, m), b = std::clamp<int64_t>(off + g.Wo - iw0, a, m);
              if (a < b) v = S::add(v, masked_load(rows + kj * ld + oh * g.Wo + iw0 - off, lane_mask(a, b)));
            }
            masked_store(d + iw0, lane_mask(0, m), v);
          }
        }
      }
    return;
  }
#endif
  for (int64_t ci = c0; ci < c1; ++ci)
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj)
        scatter_row(col + (((ci - c0) * g.kh + ki) * g.kw + kj) * ld, g, ci, ki, kj, dx_img);
}

// Channels per block of the input gradient: the block's kh*kw*channels rows start on a
// micro-tile boundary (so the pre-packed W^T can be sliced) and its column gradient is a
// few hundred KB, so col2im reads it from L2 right after the GEMM wrote it (cols: the
// GEMM's column count, images x pixels).
template <class T>
void channel_blocks(const Geometry& g, int64_t cols, int64_t& unit, int64_t& block) {
  constexpr int64_t MR = gemm_detail::Tile<T>::MR;
  const int64_t kk = g.kh * g.kw;
  unit = MR / std::gcd(kk, MR);
  const int64_t rows_target = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(cols, 1));
  block = unit * std::max<int64_t>(1, std::min(rows_target, int64_t{256}) / (unit * kk));
}

// Input gradient of channels [c0, c1) of images [n0, n1), block by block, the images'
// column gradients side by side (dx zeroed before); col and bpk are the caller's buffers.
template <class T>
void input_grad_channels(const Geometry& g, const PrepackedA<T>& wtp, const T* gy, T* dx, int64_t n0, int64_t n1,
                         int64_t c0, int64_t c1, int64_t block, Tensor<T, cpu>& col, Tensor<T, cpu>& bpk,
                         gemm_detail::Scratch<T>& scratch) {
  const int64_t kk = g.kh * g.kw, hw = g.out_hw(), cols = (n1 - n0) * hw, x_stride = g.C * g.in_hw();
  const int64_t need = std::min(block, c1 - c0) * kk * cols;
  if (!col.defined() || col.numel() < need) col = Tensor<T, cpu>(Shape{need});
  // With several channel blocks, B (gy) is packed once for all of them when it is small.
  const int64_t packed_size = g.O * gemm_detail::round_up(cols, gemm_detail::Tile<T>::NR);
  const T* packed = nullptr;
  if (c1 - c0 > block && packed_size * static_cast<int64_t>(sizeof(T)) <= (int64_t{1} << 20)) {
    if (!bpk.defined() || bpk.numel() < packed_size) bpk = Tensor<T, cpu>::empty(Shape{packed_size});
    T* p = bpk.data();
    const int64_t kcb = gemm_detail::k_block<T>(g.O);
    for (int64_t k0 = 0; k0 < g.O; k0 += kcb)
      pack_gy(g, gy, n0, int64_t{0}, hw, k0, std::min(kcb, g.O - k0), int64_t{0}, cols,
              p + k0 * gemm_detail::round_up(cols, gemm_detail::Tile<T>::NR));
    packed = p;
  }
  for (int64_t b0 = c0; b0 < c1; b0 += block) {
    const int64_t b1 = std::min(c1, b0 + block);
    input_grad_columns(g, wtp, gy, n0, n1, col.data(), cols, b0 * kk, b1 * kk, 0, hw, scratch, packed);
    for (int64_t n = n0; n < n1; ++n) col2im(g, col.data() + (n - n0) * hw, cols, dx + n * x_stride, b0, b1);
  }
}

// dx = col2im(W^T gy) for input gradients and transposed convolutions; dx is [N, C, H, W].
template <class T>
void input_grad(const Geometry& g, const T* w, const T* gy, T* dx) {
  using namespace gemm_detail;
  constexpr int NR = Tile<T>::NR;
  const int64_t hw = g.out_hw(), ckk = g.ckk();
  const int64_t x_stride = g.C * g.in_hw();
  std::fill(dx, dx + g.N * x_stride, T(0));
  if (g.N == 0 || ckk == 0 || hw == 0) return;
  const PrepackedA<T> wtp(w, 1, ckk, ckk, g.O);  // A = W^T: element (r, o) at w[o*ckk + r]
  int64_t unit, block;
  if (g.N >= num_threads()) {
    const int64_t group = images_per_gemm<T>(g, true);
    channel_blocks<T>(g, group * hw, unit, block);
    parallel_chunks((g.N + group - 1) / group, [&](auto&& next) {
      Scratch<T> scratch;
      Tensor<T, cpu> col, bpk;
      for (int64_t c; (c = next()) >= 0;)
        input_grad_channels(g, wtp, gy, dx, c * group, std::min(g.N, (c + 1) * group), 0, g.C, block, col, bpk,
                            scratch);
    });
    return;
  }
  channel_blocks<T>(g, hw, unit, block);
  const int64_t units = (g.C + unit - 1) / unit;
  for (int64_t n = 0; n < g.N; ++n) {
    if (units >= num_threads()) {
      // Threads take disjoint channel ranges: their GEMM rows and col2im targets are disjoint.
      parallel_for(0, units, 1, [&](int64_t lo, int64_t hi) {
        Scratch<T> scratch;
        Tensor<T, cpu> col, bpk;
        input_grad_channels(g, wtp, gy, dx, n, n + 1, lo * unit, std::min(hi * unit, g.C), block, col, bpk, scratch);
      });
    } else {
      // Few channels: threads split the pixels of the whole column gradient, then the channels.
      Tensor<T, cpu> col(Shape{ckk * hw});
      parallel_aligned(hw, NR, [&](int64_t p0, int64_t p1) {
        Scratch<T> scratch;
        input_grad_columns(g, wtp, gy, n, n + 1, col.data() + p0, hw, 0, ckk, p0, p1, scratch);
      });
      parallel_for(0, g.C, 1, [&](int64_t c0, int64_t c1) {
        col2im(g, col.data() + c0 * g.kh * g.kw * hw, hw, dx + n * x_stride, c0, c1);
      });
    }
  }
}

// Images [n0, n1) of x in channels-last order ([n][h][w][c]): a row of the transposed
// im2col matrix (one pixel; consecutive (ki, kj, ci)) is then made of contiguous runs.
template <class T>
void to_channels_last(const Geometry& g, const T* x, int64_t n0, int64_t n1, T* out) {
  const int64_t hw = g.in_hw(), C = g.C;
  for (int64_t n = n0; n < n1; ++n) {
    const T* src = x + n * C * hw;
    T* dst = out + (n - n0) * C * hw;
    constexpr int64_t B = 16;  // 16 x 16 tiles keep both sides in cache lines
    for (int64_t c0 = 0; c0 < C; c0 += B)
      for (int64_t p0 = 0; p0 < hw; p0 += B) {
        const int64_t c1 = std::min(C, c0 + B), p1 = std::min(hw, p0 + B);
#if defined(__AVX512F__)
        if constexpr (std::is_same_v<T, float>) {
          if (c1 - c0 == B && p1 - p0 == B) {
            gemm_detail::transpose_16x16(src + c0 * hw + p0, hw, dst + p0 * C + c0, C);
            continue;
          }
        }
#endif
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t p = p0; p < p1; ++p) dst[p * C + c] = src[c * hw + p];
      }
  }
}

// dWp[o0:o1, :] (+)= sum over images [n0, n1) of gy[n][o0:o1] x col(x[n])^T, with the
// columns of dWp in (ki, kj, ci) order; xcl holds images [n0, n1) channels-last. The
// images' pixels form one long K axis, so accumulators stay in registers across images.
template <class T>
void weight_grad_rows(const Geometry& g, const T* xcl, const T* gy, int64_t n0, int64_t n1, int64_t o0, int64_t o1,
                      T* dwp, gemm_detail::Scratch<T>& scratch) {
  using namespace gemm_detail;
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  const int64_t hw = g.out_hw(), ckk = g.ckk(), kwc = g.kw * g.C, img_stride = g.C * g.in_hw();
  const int64_t gy_stride = g.O * hw;
  gemm_blocked<T>(
      o1 - o0, ckk, (n1 - n0) * hw,
      [&](int64_t i0, int64_t mc, int64_t k0, int64_t kc, T* buf) {
        // A = gy rows, K = (image, pixel): each MR-row panel is packed image piece by piece.
        for (int64_t i = 0; i < mc; i += MR) {
          const int64_t m = std::min<int64_t>(MR, mc - i);
          for (int64_t k = k0; k < k0 + kc;) {
            const int64_t n = n0 + k / hw, p = k % hw, len = std::min(hw - p, k0 + kc - k);
            pack_a(gy + n * gy_stride + (o0 + i0 + i) * hw + p, hw, int64_t{1}, m, len, buf + i * kc + (k - k0) * MR);
            k += len;
          }
        }
        return static_cast<const T*>(buf);
      },
      [&](int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* buf) {
        // B = col^T: row k is pixel k, columns (ki, kj, ci); runs of equal ki are contiguous
        // in the channels-last image.
        struct Run {
          int64_t ki, r0, len, at;
        };
        Run runs[NR];
        for (int64_t jp = 0; jp < nc; jp += NR) {
          const int64_t n = std::min<int64_t>(NR, nc - jp);
          int nruns = 0;
          for (int64_t at = 0; at < n;) {
            const int64_t j = j0 + jp + at, ki = j / kwc, r0 = j - ki * kwc, len = std::min(n - at, kwc - r0);
            runs[nruns++] = {ki, r0, len, at};
            at += len;
          }
          T* d = buf + jp * kc;
          int64_t img = k0 / hw, p = k0 % hw, oh = p / g.Wo, ow = p % g.Wo;
          for (int64_t k = 0; k < kc; ++k) {
            T* row = d + k * NR;
            const T* xi = xcl + img * img_stride;
            const int64_t iw0 = ow * g.sw - g.pw;
            const int64_t kj_lo = std::max<int64_t>(0, -iw0), kj_hi = std::min<int64_t>(g.kw, g.W - iw0);
            for (int r = 0; r < nruns; ++r) {
              const Run& run = runs[r];
              const int64_t ih = oh * g.sh - g.ph + run.ki;
              if (ih < 0 || ih >= g.H || kj_hi <= kj_lo) {
                zero_span(row + run.at, run.len);
                continue;
              }
              const int64_t lo = std::clamp<int64_t>(kj_lo * g.C - run.r0, 0, run.len);
              const int64_t hi = std::clamp<int64_t>(kj_hi * g.C - run.r0, lo, run.len);
              const T* src = xi + (ih * g.W + iw0) * g.C + run.r0;
              if (run.len == NR && lo == 0 && hi == NR) {
                // The common case (C a multiple of NR, pixel inside): a plain vector copy.
                using S = Simd<T>;
                for (int c = 0; c < NR; c += S::lanes) S::store(row + c, S::load(src + c));
              } else {
                copy_span(row + run.at, src, run.len, lo, hi);
              }
            }
            if (n < NR) zero_span(row + n, NR - n);
            if (++ow == g.Wo) {
              ow = 0;
              if (++oh == g.Ho) oh = 0, ++img;
            }
          }
        }
        return static_cast<const T*>(buf);
      },
      dwp + o0 * ckk, ckk, false, scratch);
}

template <class T>
void add_bias(const Tensor<T, cpu>& bias, int64_t N, int64_t O, int64_t hw, T* y) {
  if (!bias.defined()) return;
  const T* b = bias.data();
  parallel_for(0, N * O, std::max<int64_t>(1, 16384 / std::max<int64_t>(hw, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T v = b[r % O];
      T* row = y + r * hw;
      for (int64_t t = 0; t < hw; ++t) row[t] += v;
    }
  });
}

template <class T>
void check_bias(const char* op, const Tensor<T, cpu>& bias, int64_t channels, const Shape& w) {
  if (!bias.defined()) return;
  check<ShapeError>(bias.rank() == 1 && bias.dim(0) == channels, op, ": bias must have shape [", channels,
                    "] for weight ", w.str(), ", found ", bias.shape().str());
}

}  // namespace conv_detail

// y[N, O, Ho, Wo] = conv2d(x[N, C, H, W], w[O, C, kh, kw]) + bias[O] (bias may be an
// undefined Tensor), with Ho = (H + 2 pad_h - kh) / stride_h + 1 (PyTorch's conv2d).
template <class T>
Tensor<T, cpu> conv2d(const Tensor<T, cpu>& x, const Tensor<T, cpu>& w, const Tensor<T, cpu>& bias = {},
                      const Conv2dOptions& opts = {}) {
  using namespace conv_detail;
  using namespace gemm_detail;
  const Geometry g = geometry("conv2d", x.shape(), w.shape(), opts);
  check_bias("conv2d", bias, g.O, w.shape());
  Tensor<T, cpu> y(Shape{g.N, g.O, g.Ho, g.Wo});
  const int64_t hw = g.out_hw();
  if (y.numel() == 0) return y;
  const PrepackedA<T> wp(w.data(), g.ckk(), 1, g.O, g.ckk());
  const T* xp = x.data();
  T* yp = y.data();
  if (g.N >= num_threads()) {
    const int64_t group = images_per_gemm<T>(g, false);
    parallel_chunks((g.N + group - 1) / group, [&](auto&& next) {
      Scratch<T> scratch;
      Tensor<T, cpu> ybuf;
      for (int64_t c; (c = next()) >= 0;)
        forward_images(g, wp, xp, yp, c * group, std::min(g.N, (c + 1) * group), 0, hw, scratch, ybuf);
    });
  } else {
    for (int64_t n = 0; n < g.N; ++n)
      parallel_aligned(hw, Tile<T>::NR, [&](int64_t p0, int64_t p1) {
        Scratch<T> scratch;
        Tensor<T, cpu> ybuf;
        forward_images(g, wp, xp, yp, n, n + 1, p0, p1, scratch, ybuf);
      });
  }
  add_bias(bias, g.N, g.O, hw, yp);
  return y;
}

// dL/dx of conv2d: gy[N, O, Ho, Wo] and w[O, C, kh, kw] -> [N, C, H, W] = input_shape.
template <class T>
Tensor<T, cpu> conv2d_input_grad(const Tensor<T, cpu>& gy, const Tensor<T, cpu>& w, const Shape& input_shape,
                                 const Conv2dOptions& opts = {}) {
  using namespace conv_detail;
  const Geometry g = geometry("conv2d_input_grad", input_shape, w.shape(), opts, "input_shape", "weight");
  const Shape expect{g.N, g.O, g.Ho, g.Wo};
  check<ShapeError>(gy.shape() == expect, "conv2d_input_grad: output gradient has shape ", gy.shape().str(),
                    " but input_shape ", input_shape.str(), " and weight ", w.shape().str(), " give outputs of shape ",
                    expect.str());
  Tensor<T, cpu> dx(input_shape);
  input_grad(g, w.data(), gy.data(), dx.data());
  return dx;
}

// dL/dw of conv2d: x[N, C, H, W] and gy[N, O, Ho, Wo] -> [O, C, kh, kw] = weight_shape.
template <class T>
Tensor<T, cpu> conv2d_weight_grad(const Tensor<T, cpu>& x, const Tensor<T, cpu>& gy, const Shape& weight_shape,
                                  const Conv2dOptions& opts = {}) {
  using namespace conv_detail;
  using namespace gemm_detail;
  constexpr int MR = Tile<T>::MR;
  const Geometry g = geometry("conv2d_weight_grad", x.shape(), weight_shape, opts, "input", "weight_shape");
  const Shape expect{g.N, g.O, g.Ho, g.Wo};
  check<ShapeError>(gy.shape() == expect, "conv2d_weight_grad: output gradient has shape ", gy.shape().str(),
                    " but input ", x.shape().str(), " and weight_shape ", weight_shape.str(),
                    " give outputs of shape ", expect.str());
  Tensor<T, cpu> dw(weight_shape);
  const int64_t ckk = g.ckk(), wn = g.O * ckk, kk = g.kh * g.kw;
  if (wn == 0) return dw;
  const int64_t img = g.C * g.in_hw();
  Tensor<T, cpu> xcl(Shape{std::max<int64_t>(g.N * img, 1)});
  parallel_for(0, g.N, 1, [&](int64_t lo, int64_t hi) { to_channels_last(g, x.data(), lo, hi, xcl.data() + lo * img); });
  // parts[t] holds thread t's sum with columns in (ki, kj, ci) order.
  const int threads = g.N >= num_threads() ? num_threads() : 1;
  std::vector<Tensor<T, cpu>> parts(static_cast<std::size_t>(threads));
  for (auto& p : parts) p = Tensor<T, cpu>(Shape{wn});
  if (threads > 1) {
    // Each thread sums its images into its own partial; partials are added in thread order.
    parallel_for(0, threads, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        Scratch<T> scratch;
        const int64_t n0 = g.N * t / threads, n1 = g.N * (t + 1) / threads;
        weight_grad_rows(g, xcl.data() + n0 * img, gy.data(), n0, n1, 0, g.O, parts[static_cast<std::size_t>(t)].data(),
                         scratch);
      }
    });
  } else {
    parallel_aligned(g.O, MR, [&](int64_t o0, int64_t o1) {
      Scratch<T> scratch;
      weight_grad_rows(g, xcl.data(), gy.data(), 0, g.N, o0, o1, parts[0].data(), scratch);
    });
  }
  // dw[o, ci, ki, kj] = sum_t parts[t][o, (ki, kj, ci)].
  T* out = dw.data();
  parallel_for(0, g.O, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; ++o)
      for (int64_t q = 0; q < kk; ++q)
        for (int64_t ci = 0; ci < g.C; ++ci) {
          T s = parts[0].data()[o * ckk + q * g.C + ci];
          for (int t = 1; t < threads; ++t) s += parts[static_cast<std::size_t>(t)].data()[o * ckk + q * g.C + ci];
          out[o * ckk + ci * kk + q] = s;
        }
  });
  return dw;
}

// Transposed convolution (PyTorch's conv_transpose2d): x[N, Cin, H, W], w[Cin, Cout, kh, kw]
// -> [N, Cout, (H-1)*stride - 2*pad + kh + output_pad, ...] + bias[Cout]. It is the input
// gradient of conv2d with weight w for that output shape.
template <class T>
Tensor<T, cpu> conv_transpose2d(const Tensor<T, cpu>& x, const Tensor<T, cpu>& w, const Tensor<T, cpu>& bias = {},
                                const Conv2dOptions& opts = {}, int output_pad_h = 0, int output_pad_w = 0) {
  using namespace conv_detail;
  const char* op = "conv_transpose2d";
  check_options(op, opts);
  check<ShapeError>(x.rank() == 4 && w.rank() == 4 && x.dim(1) == w.dim(0), op,
                    ": input must be [N, Cin, H, W] and weight [Cin, Cout, kh, kw] with the same Cin, found input ",
                    x.shape().str(), " and weight ", w.shape().str());
  check<ShapeError>(output_pad_h >= 0 && output_pad_w >= 0 &&
                        output_pad_h < opts.stride_h && output_pad_w < opts.stride_w,
                    op, ": output padding (", output_pad_h, ", ", output_pad_w, ") must be >= 0 and smaller than the stride (",
                    opts.stride_h, ", ", opts.stride_w, ")");
  const int64_t Ho = (x.dim(2) - 1) * opts.stride_h - 2 * opts.pad_h + w.dim(2) + output_pad_h;
  const int64_t Wo = (x.dim(3) - 1) * opts.stride_w - 2 * opts.pad_w + w.dim(3) + output_pad_w;
  check<ShapeError>(Ho >= 1 && Wo >= 1, op, ": input ", x.shape().str(), " and weight ", w.shape().str(),
                    " with stride (", opts.stride_h, ", ", opts.stride_w, ") and padding (", opts.pad_h, ", ",
                    opts.pad_w, ") give an empty output (", Ho, " x ", Wo, ")");
  check_bias(op, bias, w.dim(1), w.shape());
  const Shape out_shape{x.dim(0), w.dim(1), Ho, Wo};
  Tensor<T, cpu> y = conv2d_input_grad(x, w, out_shape, opts);
  add_bias(bias, out_shape[0], out_shape[1], Ho * Wo, y.data());
  return y;
}

}  // namespace gantry::ops
