#pragma once
// Elementwise CPU kernels with NumPy broadcasting: the generic binary and unary loops and
// the named ops built on them. Comparison ops return 0/1 tensors of the same type.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../../core/parallel.hpp"
#include "../../core/tensor.hpp"

namespace gantry::ops {

template <class T>
using CpuTensor = Tensor<T, cpu>;

namespace detail {

inline constexpr int64_t elementwise_grain = 1 << 15;

// Strides of `in` when read at the positions of `out` (0 along broadcast axes).
inline std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> st(static_cast<size_t>(out.rank()), 0);
  int64_t s = 1;
  for (int i = in.rank() - 1, o = out.rank() - 1; i >= 0; --i, --o) {
    st[static_cast<size_t>(o)] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
  return st;
}

// Calls f(out_row_start, a_offset, b_offset, a_inner_stride, b_inner_stride, len) for
// every run along the last axis of `out`, for two broadcast inputs.
template <class F>
void for_each_row(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, F&& f) {
  const int r = out.rank();
  const int64_t len = r ? out[r - 1] : 1;
  const int64_t rows = len ? out.numel() / len : 0;
  const int64_t ia = r ? sa[static_cast<size_t>(r - 1)] : 0, ib = r ? sb[static_cast<size_t>(r - 1)] : 0;
  parallel_for(0, rows, std::max<int64_t>(1, elementwise_grain / std::max<int64_t>(len, 1)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t row = lo; row < hi; ++row) {
                   int64_t rem = row, oa = 0, ob = 0;
                   for (int d = r - 2; d >= 0; --d) {
                     const int64_t idx = rem % out[d];
                     rem /= out[d];
                     oa += idx * sa[static_cast<size_t>(d)];
                     ob += idx * sb[static_cast<size_t>(d)];
                   }
                   f(row * len, oa, ob, ia, ib, len);
                 }
               });
}

}  // namespace detail

// out = f(a, b) with broadcasting. `name` is used in error messages.
template <class T, class F>
CpuTensor<T> binary(const CpuTensor<T>& a, const CpuTensor<T>& b, const char* name, F f) {
  const Shape s = broadcast_shapes(a.shape(), b.shape(), name);
  CpuTensor<T> out(s);
  T* o = out.data();
  const T* pa = a.data();
  const T* pb = b.data();
  const int64_t n = s.numel();
  if (a.shape() == s && b.shape() == s) {
    parallel_for(0, n, detail::elementwise_grain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = f(pa[i], pb[i]);
    });
  } else if (a.shape() == s && b.numel() == 1) {
    const T vb = pb[0];
    parallel_for(0, n, detail::elementwise_grain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = f(pa[i], vb);
    });
  } else if (b.shape() == s && a.numel() == 1) {
    const T va = pa[0];
    parallel_for(0, n, detail::elementwise_grain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = f(va, pb[i]);
    });
  } else {
    const auto sa = detail::broadcast_strides(a.shape(), s), sb = detail::broadcast_strides(b.shape(), s);
    detail::for_each_row(s, sa, sb, [&](int64_t oo, int64_t oa, int64_t ob, int64_t ia, int64_t ib, int64_t len) {
      T* op = o + oo;
      const T* ap = pa + oa;
      const T* bp = pb + ob;
      if (ia == 1 && ib == 1) {
        for (int64_t j = 0; j < len; ++j) op[j] = f(ap[j], bp[j]);
      } else if (ia == 1 && ib == 0) {
        const T vb = bp[0];
        for (int64_t j = 0; j < len; ++j) op[j] = f(ap[j], vb);
      } else if (ia == 0 && ib == 1) {
        const T va = ap[0];
        for (int64_t j = 0; j < len; ++j) op[j] = f(va, bp[j]);
      } else {
        for (int64_t j = 0; j < len; ++j) op[j] = f(ap[j * ia], bp[j * ib]);
      }
    });
  }
  return out;
}

// out = f(a), elementwise.
template <class T, class F>
CpuTensor<T> unary(const CpuTensor<T>& a, F f) {
  CpuTensor<T> out(a.shape());
  T* o = out.data();
  const T* p = a.data();
  parallel_for(0, a.numel(), detail::elementwise_grain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) o[i] = f(p[i]);
  });
  return out;
}

// Arithmetic.
template <class T> CpuTensor<T> add(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "add", [](T x, T y) { return x + y; }); }
template <class T> CpuTensor<T> sub(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "sub", [](T x, T y) { return x - y; }); }
template <class T> CpuTensor<T> mul(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "mul", [](T x, T y) { return x * y; }); }
template <class T> CpuTensor<T> div(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "div", [](T x, T y) { return x / y; }); }
template <class T> CpuTensor<T> pow(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "pow", [](T x, T y) { return std::pow(x, y); }); }
template <class T> CpuTensor<T> maximum(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "maximum", [](T x, T y) { return x > y ? x : y; }); }
template <class T> CpuTensor<T> minimum(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "minimum", [](T x, T y) { return x < y ? x : y; }); }

// With a scalar.
template <class T> CpuTensor<T> add_scalar(const CpuTensor<T>& a, T s) { return unary(a, [s](T x) { return x + s; }); }
template <class T> CpuTensor<T> mul_scalar(const CpuTensor<T>& a, T s) { return unary(a, [s](T x) { return x * s; }); }
template <class T> CpuTensor<T> pow_scalar(const CpuTensor<T>& a, T p) {
  if (p == T(2)) return unary(a, [](T x) { return x * x; });
  return unary(a, [p](T x) { return std::pow(x, p); });
}
// s / a
template <class T> CpuTensor<T> rdiv_scalar(T s, const CpuTensor<T>& a) { return unary(a, [s](T x) { return s / x; }); }

// Unary math.
template <class T> CpuTensor<T> neg(const CpuTensor<T>& a) { return unary(a, [](T x) { return -x; }); }
template <class T> CpuTensor<T> exp(const CpuTensor<T>& a) { return unary(a, [](T x) { return std::exp(x); }); }
template <class T> CpuTensor<T> log(const CpuTensor<T>& a) { return unary(a, [](T x) { return std::log(x); }); }
template <class T> CpuTensor<T> sqrt(const CpuTensor<T>& a) { return unary(a, [](T x) { return std::sqrt(x); }); }
template <class T> CpuTensor<T> rsqrt(const CpuTensor<T>& a) { return unary(a, [](T x) { return T(1) / std::sqrt(x); }); }
template <class T> CpuTensor<T> abs(const CpuTensor<T>& a) { return unary(a, [](T x) { return std::abs(x); }); }
template <class T> CpuTensor<T> sign(const CpuTensor<T>& a) { return unary(a, [](T x) { return T((x > T(0)) - (x < T(0))); }); }
template <class T> CpuTensor<T> tanh(const CpuTensor<T>& a) { return unary(a, [](T x) { return std::tanh(x); }); }
template <class T> CpuTensor<T> sigmoid(const CpuTensor<T>& a) {
  // Two branches so that exp never overflows.
  return unary(a, [](T x) {
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  });
}
template <class T> CpuTensor<T> relu(const CpuTensor<T>& a) { return unary(a, [](T x) { return x > T(0) ? x : T(0); }); }
template <class T> CpuTensor<T> leaky_relu(const CpuTensor<T>& a, T slope) { return unary(a, [slope](T x) { return x > T(0) ? x : slope * x; }); }
template <class T> CpuTensor<T> clamp(const CpuTensor<T>& a, T lo, T hi) { return unary(a, [lo, hi](T x) { return std::min(std::max(x, lo), hi); }); }

// Masks: 1 where the relation holds, else 0.
template <class T> CpuTensor<T> gt(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "gt", [](T x, T y) { return T(x > y); }); }
template <class T> CpuTensor<T> ge(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "ge", [](T x, T y) { return T(x >= y); }); }
template <class T> CpuTensor<T> eq(const CpuTensor<T>& a, const CpuTensor<T>& b) { return binary(a, b, "eq", [](T x, T y) { return T(x == y); }); }
template <class T> CpuTensor<T> gt_scalar(const CpuTensor<T>& a, T s) { return unary(a, [s](T x) { return T(x > s); }); }
// 1 where lo <= x <= hi: the region where clamp passes gradients.
template <class T> CpuTensor<T> in_range(const CpuTensor<T>& a, T lo, T hi) { return unary(a, [lo, hi](T x) { return T(x >= lo && x <= hi); }); }
// leaky_relu's derivative: 1 where x > 0, else slope.
template <class T> CpuTensor<T> leaky_relu_slope(const CpuTensor<T>& a, T slope) { return unary(a, [slope](T x) { return x > T(0) ? T(1) : slope; }); }

// cond ? a : b, elementwise with broadcasting of all three (cond is nonzero for true).
template <class T>
CpuTensor<T> where(const CpuTensor<T>& cond, const CpuTensor<T>& a, const CpuTensor<T>& b) {
  const Shape s = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  CpuTensor<T> out(s);
  const auto sc = detail::broadcast_strides(cond.shape(), s), sa = detail::broadcast_strides(a.shape(), s),
             sb = detail::broadcast_strides(b.shape(), s);
  const int r = s.rank();
  T* o = out.data();
  parallel_for(0, s.numel(), detail::elementwise_grain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      int64_t rem = i, oc = 0, oa = 0, ob = 0;
      for (int d = r - 1; d >= 0; --d) {
        const int64_t idx = rem % s[d];
        rem /= s[d];
        oc += idx * sc[static_cast<size_t>(d)];
        oa += idx * sa[static_cast<size_t>(d)];
        ob += idx * sb[static_cast<size_t>(d)];
      }
      o[i] = cond.data()[oc] != T(0) ? a.data()[oa] : b.data()[ob];
    }
  });
  return out;
}

// Copies `a` broadcast to `shape`.
template <class T>
CpuTensor<T> broadcast_to(const CpuTensor<T>& a, const Shape& shape) {
  const Shape s = broadcast_shapes(a.shape(), shape, "broadcast_to");
  check<ShapeError>(s == shape, "broadcast_to: shape ", a.shape().str(), " cannot be broadcast to ", shape.str());
  if (a.shape() == shape) return a;
  CpuTensor<T> out(shape);
  const auto sa = detail::broadcast_strides(a.shape(), shape);
  const std::vector<int64_t> none(sa.size(), 0);
  T* o = out.data();
  const T* pa = a.data();
  detail::for_each_row(shape, sa, none, [&](int64_t oo, int64_t oa, int64_t, int64_t ia, int64_t, int64_t len) {
    for (int64_t j = 0; j < len; ++j) o[oo + j] = pa[oa + j * ia];
  });
  return out;
}

}  // namespace gantry::ops
