#pragma once
// 2-D pooling and nearest upsampling on the last two axes (H, W), plane by plane, with
// square windows: avg_pool2d (count_include_pad, as PyTorch's default) and its adjoint,
// max_pool2d with the argmax of each window, the scatter and gather by those indices,
// upsample_nearest2d and its adjoint sum_pool2d (the sum over each scale x scale block).
//
// The inner loops run along W with the stride as a compile-time constant for the common
// cases, so they vectorise; planes are split across threads.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "../../core/parallel.hpp"
#include "../../core/tensor.hpp"
#include "pad.hpp"

namespace gantry::ops {

namespace detail {

// A square pooling window on (H, W) planes, with the sizes it implies.
struct Pool2d {
  int64_t k, s, p;        // kernel, stride, padding
  int64_t h, w, oh, ow;   // input and output plane
  int64_t planes;
  Shape out_shape;
};

// Output size of PyTorch's pooling (floor mode). Checks the window as PyTorch does:
// padding at most half the kernel, and the padded plane at least one window.
inline Pool2d pool2d_geometry(const Shape& s, int kernel, int stride, int padding, const char* op) {
  check<ShapeError>(s.rank() >= 2, op, ": needs a tensor with at least 2 axes (..., H, W), found shape ", s.str());
  check<ShapeError>(kernel >= 1 && stride >= 1 && padding >= 0, op, ": kernel ", kernel, ", stride ", stride,
                    ", padding ", padding, " are invalid (kernel and stride must be >= 1, padding >= 0)");
  check<ShapeError>(2 * padding <= kernel, op, ": padding ", padding, " must be at most half the kernel ", kernel);
  Pool2d g{kernel, stride, padding, s[s.rank() - 2], s[s.rank() - 1], 0, 0, plane_count(s), s};
  check<ShapeError>(g.h + 2 * g.p >= g.k && g.w + 2 * g.p >= g.k, op, ": kernel ", kernel, " with padding ", padding,
                    " does not fit shape ", s.str());
  g.oh = (g.h + 2 * g.p - g.k) / g.s + 1;
  g.ow = (g.w + 2 * g.p - g.k) / g.s + 1;
  g.out_shape[s.rank() - 2] = g.oh;
  g.out_shape[s.rank() - 1] = g.ow;
  return g;
}

// Checks that a gradient (or index tensor: `what`) has the pooled shape of `input_shape`.
inline Pool2d pool2d_backward_geometry(const Shape& grad_shape, const Shape& input_shape, int kernel, int stride,
                                       int padding, const char* op, const char* what = "gradient") {
  Pool2d g = pool2d_geometry(input_shape, kernel, stride, padding, op);
  check<ShapeError>(grad_shape == g.out_shape, op, ": ", what, " of shape ", grad_shape.str(),
                    " does not match the pooled shape ", g.out_shape.str(), " of input shape ", input_shape.str());
  return g;
}

// Window sums go in two passes over a row buffer with p zeros on each side: the vertical
// pass adds the window's input rows (contiguous), the horizontal pass sums k neighbours
// with stride s (S: the stride as a compile-time constant, 0 when it is not). Neither
// pass needs bounds checks, and both vectorise.

// o[x] = scale * sum over kx of t[x * s + kx], x in [0, ow).
template <int S, class T>
void window_sum_row(T* o, const T* t, const Pool2d& g, T scale) {
  const int64_t s = S ? S : g.s;
  if (S == 2 && g.k == 2) {
    for (int64_t x = 0; x < g.ow; ++x) o[x] = (t[2 * x] + t[2 * x + 1]) * scale;
    return;
  }
  for (int64_t x = 0; x < g.ow; ++x) o[x] = t[x * s];
  for (int64_t kx = 1; kx < g.k; ++kx)
    for (int64_t x = 0; x < g.ow; ++x) o[x] += t[x * s + kx];
  if (scale != T(1))
    for (int64_t x = 0; x < g.ow; ++x) o[x] *= scale;
}

// The adjoint: t (zeroed, w + 2p wide) receives scale * v[x] at every x * s + kx.
template <int S, class T>
void window_scatter_row(T* t, const T* v, const Pool2d& g, T scale) {
  const int64_t s = S ? S : g.s;
  if (S == 2 && g.k == 2) {
    for (int64_t x = 0; x < g.ow; ++x) t[2 * x] = t[2 * x + 1] = v[x] * scale;
    return;
  }
  for (int64_t kx = 0; kx < g.k; ++kx)
    for (int64_t x = 0; x < g.ow; ++x) t[x * s + kx] += v[x] * scale;
}

// Input rows [ya, yb) of output row y's windows (never empty: padding <= kernel / 2).
inline std::pair<int64_t, int64_t> window_rows(const Pool2d& g, int64_t y) {
  const int64_t y0 = y * g.s - g.p;
  return {std::max<int64_t>(y0, 0), std::min(y0 + g.k, g.h)};
}

// out = scale * (sum over each window), zero padding.
template <int S, class T>
void pool_sum_planes(const T* src, T* dst, const Pool2d& g, T scale) {
  parallel_for(0, g.planes, plane_grain(g.h * g.w), [&](int64_t lo, int64_t hi) {
    std::vector<T> buf(static_cast<std::size_t>(g.w + 2 * g.p), T(0));
    T* mid = buf.data() + g.p;
    for (int64_t pl = lo; pl < hi; ++pl) {
      const T* in = src + pl * g.h * g.w;
      for (int64_t y = 0; y < g.oh; ++y) {
        const auto [ya, yb] = window_rows(g, y);
        std::memcpy(mid, in + ya * g.w, static_cast<std::size_t>(g.w) * sizeof(T));
        for (int64_t iy = ya + 1; iy < yb; ++iy) {
          const T* r = in + iy * g.w;
          for (int64_t x = 0; x < g.w; ++x) mid[x] += r[x];
        }
        window_sum_row<S>(dst + (pl * g.oh + y) * g.ow, buf.data(), g, scale);
      }
    }
  });
}

// The adjoint: every input element receives scale * the sum of the gradients of the
// windows that contain it.
template <int S, class T>
void pool_scatter_planes(const T* src, T* dst, const Pool2d& g, T scale) {
  // Windows that neither overlap nor pad write each input row once: assign, don't add.
  const bool tiles = g.k == g.s && g.p == 0;
  parallel_for(0, g.planes, plane_grain(g.h * g.w), [&](int64_t lo, int64_t hi) {
    std::vector<T> buf(static_cast<std::size_t>(g.w + 2 * g.p));
    T* mid = buf.data() + g.p;
    for (int64_t pl = lo; pl < hi; ++pl) {
      T* in = dst + pl * g.h * g.w;
      if (tiles) std::fill(in + g.oh * g.k * g.w, in + g.h * g.w, T(0));  // rows past the last window
      else std::fill(in, in + g.h * g.w, T(0));
      for (int64_t y = 0; y < g.oh; ++y) {
        std::fill(buf.begin(), buf.end(), T(0));
        window_scatter_row<S>(buf.data(), src + (pl * g.oh + y) * g.ow, g, scale);
        const auto [ya, yb] = window_rows(g, y);
        for (int64_t iy = ya; iy < yb; ++iy) {
          T* r = in + iy * g.w;
          if (tiles) std::memcpy(r, mid, static_cast<std::size_t>(g.w) * sizeof(T));
          else
            for (int64_t x = 0; x < g.w; ++x) r[x] += mid[x];
        }
      }
    }
  });
}

// Dispatch on the stride so the common ones (1, 2) are compile-time constants.
template <class T>
void pool_sum(const T* src, T* dst, const Pool2d& g, T scale) {
  if (g.s == 1) pool_sum_planes<1>(src, dst, g, scale);
  else if (g.s == 2) pool_sum_planes<2>(src, dst, g, scale);
  else pool_sum_planes<0>(src, dst, g, scale);
}

template <class T>
void pool_scatter(const T* src, T* dst, const Pool2d& g, T scale) {
  if (g.s == 1) pool_scatter_planes<1>(src, dst, g, scale);
  else if (g.s == 2) pool_scatter_planes<2>(src, dst, g, scale);
  else pool_scatter_planes<0>(src, dst, g, scale);
}

// Window offset idx = ky * k + kx of output (y, x) sits at (y s - p) w + x s - p + offset[idx]
// in the input plane (a table, so the scatter and gather need no division).
struct WindowTable {
  std::vector<int64_t> offset;
  explicit WindowTable(const Pool2d& g) : offset(static_cast<std::size_t>(g.k * g.k)) {
    for (int64_t i = 0; i < g.k * g.k; ++i) offset[static_cast<std::size_t>(i)] = (i / g.k) * g.w + i % g.k;
  }
  int64_t at(const Pool2d& g, int64_t y, int64_t x, int64_t idx) const {
    return (y * g.s - g.p) * g.w + x * g.s - g.p + offset[static_cast<std::size_t>(idx)];
  }
};

// Max pool of every plane: row by row, window offset (ky, kx) in order, all output columns
// at once; a vectorised compare-and-blend keeps the first maximum (or the last NaN), which
// is the element PyTorch's scan picks. S: the stride at compile time (0: g.s).
template <int S, class T>
void max_pool_planes(const T* src, T* dst, T* index, const Pool2d& g) {
  const int64_t s = S ? S : g.s;
  parallel_for(0, g.planes, plane_grain(g.h * g.w), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      const T* in = src + pl * g.h * g.w;
      for (int64_t y = 0; y < g.oh; ++y) {
        T* o = dst + (pl * g.oh + y) * g.ow;
        T* id = index + (pl * g.oh + y) * g.ow;
        const int64_t y0 = y * s - g.p;
        const auto [ya, yb] = window_rows(g, y);
        // Where nothing beats -inf the index stays at the window's first element in the plane.
        for (int64_t x = 0; x < g.ow; ++x) {
          o[x] = -std::numeric_limits<T>::infinity();
          id[x] = static_cast<T>((ya - y0) * g.k + std::max<int64_t>(0, g.p - x * s));
        }
        for (int64_t iy = ya; iy < yb; ++iy) {
          const T* r = in + iy * g.w;
          for (int64_t kx = 0; kx < g.k; ++kx) {
            const T at = static_cast<T>((iy - y0) * g.k + kx);
            // Columns whose tap kx lands inside the row: 0 <= x * s - p + kx < w.
            const int64_t xa = std::min(g.ow, (std::max<int64_t>(g.p - kx, 0) + s - 1) / s);
            const int64_t last = g.w - 1 + g.p - kx;
            const int64_t xb = last < 0 ? xa : std::clamp(last / s + 1, xa, g.ow);
            const T* rr = r + kx - g.p;
            for (int64_t x = xa; x < xb; ++x) {
              const T v = rr[x * s];
              const bool take = v > o[x] || v != v;
              o[x] = take ? v : o[x];
              id[x] = take ? at : id[x];
            }
          }
        }
      }
    }
  });
}

}  // namespace detail

// Mean over each kernel x kernel window; padded zeros count in the divisor (PyTorch's
// default count_include_pad = true), floor output size.
template <class T>
Tensor<T, cpu> avg_pool2d(const Tensor<T, cpu>& x, int kernel, int stride, int padding = 0) {
  const auto g = detail::pool2d_geometry(x.shape(), kernel, stride, padding, "avg_pool2d");
  Tensor<T, cpu> out(g.out_shape);
  detail::pool_sum(x.data(), out.data(), g, T(1) / static_cast<T>(g.k * g.k));
  return out;
}

// The adjoint of avg_pool2d: `grad` (the pooled shape) spread evenly over each window.
template <class T>
Tensor<T, cpu> avg_pool2d_backward(const Tensor<T, cpu>& grad, const Shape& input_shape, int kernel, int stride,
                                   int padding = 0) {
  const auto g =
      detail::pool2d_backward_geometry(grad.shape(), input_shape, kernel, stride, padding, "avg_pool2d_backward");
  Tensor<T, cpu> out(input_shape);
  detail::pool_scatter(grad.data(), out.data(), g, T(1) / static_cast<T>(g.k * g.k));
  return out;
}

// Sum over each non-overlapping kernel x kernel block (rows and columns past the last
// whole block are dropped); the adjoint of upsample_nearest2d.
template <class T>
Tensor<T, cpu> sum_pool2d(const Tensor<T, cpu>& x, int kernel) {
  const auto g = detail::pool2d_geometry(x.shape(), kernel, kernel, 0, "sum_pool2d");
  Tensor<T, cpu> out(g.out_shape);
  detail::pool_sum(x.data(), out.data(), g, T(1));
  return out;
}

// Each element repeated into a scale x scale block.
template <class T>
Tensor<T, cpu> upsample_nearest2d(const Tensor<T, cpu>& x, int scale) {
  const Shape& s = x.shape();
  check<ShapeError>(s.rank() >= 2, "upsample_nearest2d: needs a tensor with at least 2 axes (..., H, W), found shape ",
                    s.str());
  check<ShapeError>(scale >= 1, "upsample_nearest2d: scale must be >= 1, found ", scale);
  const int64_t h = s[s.rank() - 2], w = s[s.rank() - 1], k = scale, ow = w * k;
  Shape os = s;
  os[s.rank() - 2] = h * k;
  os[s.rank() - 1] = ow;
  Tensor<T, cpu> out(os);
  const T* src = x.data();
  T* dst = out.data();
  auto widen = [&]<int S>(T* o, const T* in) {
    const int64_t sc = S ? S : k;
    for (int64_t i = 0; i < w; ++i)
      for (int64_t j = 0; j < sc; ++j) o[i * sc + j] = in[i];
  };
  parallel_for(0, detail::plane_count(s), detail::plane_grain(h * w * k * k), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      for (int64_t y = 0; y < h; ++y) {
        const T* in = src + (pl * h + y) * w;
        T* o = dst + (pl * h + y) * k * ow;
        if (k == 2) widen.template operator()<2>(o, in);
        else widen.template operator()<0>(o, in);
        for (int64_t r = 1; r < k; ++r) std::memcpy(o + r * ow, o, static_cast<std::size_t>(ow) * sizeof(T));
      }
    }
  });
  return out;
}

// Max over each window (padding never wins) and, per output element, the offset
// ky * kernel + kx of the first maximum within its window, as in PyTorch (where a NaN
// wins, and a later NaN over an earlier one).
// The offsets are small integers, exact in T, so they live in a tensor of the same type.
template <class T>
std::pair<Tensor<T, cpu>, Tensor<T, cpu>> max_pool2d_with_index(const Tensor<T, cpu>& x, int kernel, int stride,
                                                               int padding = 0) {
  const auto g = detail::pool2d_geometry(x.shape(), kernel, stride, padding, "max_pool2d");
  Tensor<T, cpu> out(g.out_shape), index(g.out_shape);
  if (g.s == 1) detail::max_pool_planes<1>(x.data(), out.data(), index.data(), g);
  else if (g.s == 2) detail::max_pool_planes<2>(x.data(), out.data(), index.data(), g);
  else detail::max_pool_planes<0>(x.data(), out.data(), index.data(), g);
  return {out, index};
}

template <class T>
Tensor<T, cpu> max_pool2d(const Tensor<T, cpu>& x, int kernel, int stride, int padding = 0) {
  return max_pool2d_with_index(x, kernel, stride, padding).first;
}

// The adjoint of max_pool2d at fixed indices: each element of `grad` (pooled shape) is
// added to the input element its window's index points at; all others are zero.
template <class T>
Tensor<T, cpu> max_pool2d_backward(const Tensor<T, cpu>& grad, const Tensor<T, cpu>& index, const Shape& input_shape,
                                   int kernel, int stride, int padding = 0) {
  const auto g =
      detail::pool2d_backward_geometry(grad.shape(), input_shape, kernel, stride, padding, "max_pool2d_backward");
  check<ShapeError>(index.shape() == grad.shape(), "max_pool2d_backward: index of shape ", index.shape().str(),
                    " does not match the gradient of shape ", grad.shape().str());
  auto out = Tensor<T, cpu>::zeros(input_shape);
  const detail::WindowTable table(g);
  const T* gr = grad.data();
  const T* id = index.data();
  T* dst = out.data();
  parallel_for(0, g.planes, detail::plane_grain(g.h * g.w), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      T* in = dst + pl * g.h * g.w;
      for (int64_t y = 0; y < g.oh; ++y)
        for (int64_t x = 0; x < g.ow; ++x) {
          const int64_t q = (pl * g.oh + y) * g.ow + x;
          in[table.at(g, y, x, static_cast<int64_t>(id[q]))] += gr[q];
        }
    }
  });
  return out;
}

// Reads x (input shape) at the indices of a max_pool2d: max_pool2d_gather(x, index_of(x))
// equals max_pool2d(x), and it is the adjoint of max_pool2d_backward.
template <class T>
Tensor<T, cpu> max_pool2d_gather(const Tensor<T, cpu>& x, const Tensor<T, cpu>& index, int kernel, int stride,
                                 int padding = 0) {
  const auto g = detail::pool2d_backward_geometry(index.shape(), x.shape(), kernel, stride, padding,
                                                  "max_pool2d_gather", "index");
  Tensor<T, cpu> out(g.out_shape);
  const detail::WindowTable table(g);
  const T* src = x.data();
  const T* id = index.data();
  T* o = out.data();
  parallel_for(0, g.planes, detail::plane_grain(g.h * g.w), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      const T* in = src + pl * g.h * g.w;
      for (int64_t y = 0; y < g.oh; ++y)
        for (int64_t x = 0; x < g.ow; ++x) {
          const int64_t q = (pl * g.oh + y) * g.ow + x;
          o[q] = in[table.at(g, y, x, static_cast<int64_t>(id[q]))];
        }
    }
  });
  return out;
}

}  // namespace gantry::ops
