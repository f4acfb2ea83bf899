#pragma once
// CPU 2-D convolution (NCHW), its input gradient, its weight gradient and the transposed
// convolution, all on the packed GEMM of gemm.hpp. The im2col matrix is never stored:
// the GEMM's packing step reads the input image directly ("implicit im2col"), so each
// element is written once, into the cache-sized packed block the micro-kernel uses.
//
//   forward      y[n]  = W[O, C*kh*kw] x col(x[n])            (per image, W packed once)
//   input grad   dx[n] = col2im(W^T x gy[n])                    (scratch column block)
//   weight grad  dW    = sum_n gy[n] x col(x[n])^T              (images folded into K)
//
// Threads take whole images (batch >= threads) or, for small batches, parts of one
// image's output; partial weight gradients are added in a fixed order, so results are
// reproducible for a given thread count.
#include <algorithm>
#include <cstdint>
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

// Values of im2col row (ci, ki, kj) at n consecutive output pixels starting at (oh, ow),
// written to out[0], out[os], out[2*os], ...; pixels that fall in the padding are zero.
template <class T>
inline void gather(const T* x_img, const Geometry& g, int64_t ci, int64_t ki, int64_t kj, int64_t oh, int64_t ow,
                   int64_t n, T* out, int64_t os) {
  const T* plane = x_img + ci * g.H * g.W;
  while (n > 0) {
    const int64_t len = std::min(n, g.Wo - ow);
    const int64_t ih = oh * g.sh - g.ph + ki;
    int64_t lo = len, hi = len;  // valid pixels are [lo, hi) of this row segment
    if (ih >= 0 && ih < g.H) {
      const int64_t off = kj - g.pw;  // iw = (ow + t) * sw + off
      if (g.sw == 1) {
        lo = std::clamp<int64_t>(-off - ow, 0, len);
        hi = std::clamp<int64_t>(g.W - off - ow, lo, len);
      } else {
        lo = std::clamp<int64_t>(ceil_div(-off, g.sw) - ow, 0, len);
        hi = std::clamp<int64_t>(floor_div(g.W - 1 - off, g.sw) + 1 - ow, lo, len);
      }
      const T* src = plane + ih * g.W + ow * g.sw + off;
      if (os == 1 && g.sw == 1) {
        for (int64_t t = lo; t < hi; ++t) out[t] = src[t];
      } else {
        for (int64_t t = lo; t < hi; ++t) out[t * os] = src[t * g.sw];
      }
    }
    for (int64_t t = 0; t < lo; ++t) out[t * os] = T(0);
    for (int64_t t = hi; t < len; ++t) out[t * os] = T(0);
    out += len * os;
    n -= len;
    ow = 0;
    ++oh;
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

// y[n][:, p0:p1] = W x col(x[n])[:, p0:p1] for output pixels [p0, p1).
template <class T>
void forward_image(const Geometry& g, const PrepackedA<T>& wp, const T* x_img, T* y_img, int64_t p0, int64_t p1,
                   gemm_detail::Scratch<T>& scratch) {
  using namespace gemm_detail;
  constexpr int NR = Tile<T>::NR;
  const int64_t kk = g.kh * g.kw;
  gemm_blocked<T>(
      g.O, p1 - p0, g.ckk(),
      [&](int64_t i0, int64_t, int64_t k0, int64_t kc, T*) { return wp.at(0, i0, k0, kc); },
      [&](int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* buf) {
        for (int64_t jp = 0; jp < nc; jp += NR) {
          const int64_t n = std::min<int64_t>(NR, nc - jp), p = p0 + j0 + jp;
          const int64_t oh = p / g.Wo, ow = p % g.Wo;
          T* d = buf + jp * kc;
          int64_t ci = k0 / kk, ki = (k0 % kk) / g.kw, kj = k0 % g.kw;
          for (int64_t k = 0; k < kc; ++k) {
            T* row = d + k * NR;
            gather(x_img, g, ci, ki, kj, oh, ow, n, row, 1);
            for (int64_t c = n; c < NR; ++c) row[c] = T(0);
            if (++kj == g.kw) {
              kj = 0;
              if (++ki == g.kh) ki = 0, ++ci;
            }
          }
        }
        return static_cast<const T*>(buf);
      },
      y_img + p0, g.out_hw(), false, scratch);
}

// col[ckk rows i0..i1, pixels p0..p1] = W^T x gy[n] for one image (col has out_hw columns).
template <class T>
void input_grad_columns(const Geometry& g, const PrepackedA<T>& wtp, const T* gy_img, T* col, int64_t i0, int64_t i1,
                        int64_t p0, int64_t p1, gemm_detail::Scratch<T>& scratch) {
  using namespace gemm_detail;
  const int64_t hw = g.out_hw();
  gemm_blocked<T>(
      i1 - i0, p1 - p0, g.O,
      [&](int64_t i, int64_t, int64_t k0, int64_t kc, T*) { return wtp.at(i0, i, k0, kc); },
      [&](int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* buf) {
        pack_b(gy_img + k0 * hw + p0 + j0, hw, int64_t{1}, kc, nc, buf);
        return static_cast<const T*>(buf);
      },
      col + i0 * hw + p0, hw, false, scratch);
}

// dW[o0:o1, :] (+)= sum over images [n0, n1) of gy[n][o0:o1] x col(x[n])^T. The images'
// pixels form one long K axis, so the accumulator tile stays in registers across images.
template <class T>
void weight_grad_rows(const Geometry& g, const T* x, const T* gy, int64_t n0, int64_t n1, int64_t o0, int64_t o1,
                      T* dw, bool accumulate, gemm_detail::Scratch<T>& scratch) {
  using namespace gemm_detail;
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  const int64_t hw = g.out_hw(), kk = g.kh * g.kw, ckk = g.ckk();
  const int64_t x_stride = g.C * g.in_hw(), gy_stride = g.O * hw;
  // Calls fn(image, first pixel, count, offset in the block) for the pieces of [k0, k0+kc).
  auto pieces = [&](int64_t k0, int64_t kc, auto&& fn) {
    for (int64_t k = k0; k < k0 + kc;) {
      const int64_t n = n0 + k / hw, p = k % hw, len = std::min(hw - p, k0 + kc - k);
      fn(n, p, len, k - k0);
      k += len;
    }
  };
  gemm_blocked<T>(
      o1 - o0, ckk, (n1 - n0) * hw,
      [&](int64_t i0, int64_t mc, int64_t k0, int64_t kc, T* buf) {
        for (int64_t i = 0; i < mc; i += MR) {
          const int m = static_cast<int>(std::min<int64_t>(MR, mc - i));
          T* d = buf + i * kc;
          pieces(k0, kc, [&](int64_t n, int64_t p, int64_t len, int64_t at) {
            for (int r = 0; r < MR; ++r) {
              T* out = d + at * MR + r;
              if (r < m) {
                const T* src = gy + n * gy_stride + (o0 + i0 + i + r) * hw + p;
                for (int64_t t = 0; t < len; ++t) out[t * MR] = src[t];
              } else {
                for (int64_t t = 0; t < len; ++t) out[t * MR] = T(0);
              }
            }
          });
        }
        return static_cast<const T*>(buf);
      },
      [&](int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* buf) {
        for (int64_t jp = 0; jp < nc; jp += NR) {
          const int64_t n = std::min<int64_t>(NR, nc - jp);
          T* d = buf + jp * kc;
          for (int64_t c = 0; c < NR; ++c) {
            if (c >= n) {
              for (int64_t k = 0; k < kc; ++k) d[k * NR + c] = T(0);
              continue;
            }
            const int64_t j = j0 + jp + c, ci = j / kk, ki = (j % kk) / g.kw, kj = j % g.kw;
            pieces(k0, kc, [&](int64_t img, int64_t p, int64_t len, int64_t at) {
              gather(x + img * x_stride, g, ci, ki, kj, p / g.Wo, p % g.Wo, len, d + at * NR + c, NR);
            });
          }
        }
        return static_cast<const T*>(buf);
      },
      dw + o0 * ckk, ckk, accumulate, scratch);
}

// dx = col2im(W^T gy) for input gradients and transposed convolutions; dx is [N, C, H, W].
template <class T>
void input_grad(const Geometry& g, const T* w, const T* gy, T* dx) {
  using namespace gemm_detail;
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  const int64_t hw = g.out_hw(), ckk = g.ckk();
  const int64_t x_stride = g.C * g.in_hw(), gy_stride = g.O * hw;
  std::fill(dx, dx + g.N * x_stride, T(0));
  if (g.N == 0 || ckk == 0 || hw == 0) return;
  const PrepackedA<T> wtp(w, 1, ckk, ckk, g.O);  // A = W^T: element (ckk, o) at w[o*ckk + ckk]
  auto col2im = [&](const T* col, T* dx_img, int64_t c0, int64_t c1) {
    for (int64_t ci = c0; ci < c1; ++ci)
      for (int64_t ki = 0; ki < g.kh; ++ki)
        for (int64_t kj = 0; kj < g.kw; ++kj) scatter_row(col + ((ci * g.kh + ki) * g.kw + kj) * hw, g, ci, ki, kj, dx_img);
  };
  if (g.N >= num_threads()) {
    parallel_for(0, g.N, 1, [&](int64_t lo, int64_t hi) {
      Scratch<T> scratch;
      Tensor<T, cpu> col(Shape{ckk * hw});
      for (int64_t n = lo; n < hi; ++n) {
        input_grad_columns(g, wtp, gy + n * gy_stride, col.data(), 0, ckk, 0, hw, scratch);
        col2im(col.data(), dx + n * x_stride, 0, g.C);
      }
    });
  } else {
    Tensor<T, cpu> col(Shape{ckk * hw});
    const bool by_rows = (ckk + MR - 1) / MR >= (hw + NR - 1) / NR;
    for (int64_t n = 0; n < g.N; ++n) {
      if (by_rows) {
        parallel_aligned(ckk, MR, [&](int64_t i0, int64_t i1) {
          Scratch<T> scratch;
          input_grad_columns(g, wtp, gy + n * gy_stride, col.data(), i0, i1, 0, hw, scratch);
        });
      } else {
        parallel_aligned(hw, NR, [&](int64_t p0, int64_t p1) {
          Scratch<T> scratch;
          input_grad_columns(g, wtp, gy + n * gy_stride, col.data(), 0, ckk, p0, p1, scratch);
        });
      }
      parallel_for(0, g.C, 1, [&](int64_t c0, int64_t c1) { col2im(col.data(), dx + n * x_stride, c0, c1); });
    }
  }
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
  const int64_t hw = g.out_hw(), x_stride = g.C * g.in_hw(), y_stride = g.O * hw;
  if (y.numel() == 0) return y;
  const PrepackedA<T> wp(w.data(), g.ckk(), 1, g.O, g.ckk());
  const T* xp = x.data();
  T* yp = y.data();
  if (g.N >= num_threads()) {
    parallel_for(0, g.N, 1, [&](int64_t lo, int64_t hi) {
      Scratch<T> scratch;
      for (int64_t n = lo; n < hi; ++n) forward_image(g, wp, xp + n * x_stride, yp + n * y_stride, 0, hw, scratch);
    });
  } else {
    for (int64_t n = 0; n < g.N; ++n)
      parallel_aligned(hw, Tile<T>::NR, [&](int64_t p0, int64_t p1) {
        Scratch<T> scratch;
        forward_image(g, wp, xp + n * x_stride, yp + n * y_stride, p0, p1, scratch);
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
  const int64_t ckk = g.ckk(), wn = g.O * ckk;
  if (wn == 0) return dw;
  const int threads = num_threads();
  if (g.N >= threads && threads > 1) {
    // Each thread sums its images into its own partial; partials are added in thread order.
    std::vector<Tensor<T, cpu>> parts(static_cast<std::size_t>(threads));
    parallel_for(0, threads, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        Scratch<T> scratch;
        const int64_t n0 = g.N * t / threads, n1 = g.N * (t + 1) / threads;
        T* out = t == 0 ? dw.data() : (parts[static_cast<std::size_t>(t)] = Tensor<T, cpu>(Shape{wn})).data();
        weight_grad_rows(g, x.data(), gy.data(), n0, n1, 0, g.O, out, false, scratch);
      }
    });
    T* out = dw.data();
    parallel_for(0, wn, 4096, [&](int64_t lo, int64_t hi) {
      for (int t = 1; t < threads; ++t) {
        const T* part = parts[static_cast<std::size_t>(t)].data();
        for (int64_t i = lo; i < hi; ++i) out[i] += part[i];
      }
    });
  } else {
    parallel_aligned(g.O, MR, [&](int64_t o0, int64_t o1) {
      Scratch<T> scratch;
      weight_grad_rows(g, x.data(), gy.data(), 0, g.N, o0, o1, dw.data(), false, scratch);
    });
  }
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
