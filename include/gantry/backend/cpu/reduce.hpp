#pragma once
// Reductions over a set of axes (sum, and mean built on it), and sum_to: the reduction
// that undoes broadcasting. Float sums accumulate in double for accuracy; the order of
// accumulation is fixed, so results are reproducible.
#include <algorithm>
#include <vector>

#include "../../core/parallel.hpp"
#include "../../core/tensor.hpp"

namespace gantry::ops {

namespace detail {

// Normalised, sorted, unique axes; an empty list means all axes.
inline std::vector<int> reduce_axes(const Shape& s, std::vector<int> axes, const char* op) {
  if (axes.empty()) {
    for (int i = 0; i < s.rank(); ++i) axes.push_back(i);
    return axes;
  }
  for (int& a : axes) {
    const int n = a < 0 ? a + s.rank() : a;
    check<ShapeError>(n >= 0 && n < s.rank(), op, ": axis ", a, " is out of range for shape ", s.str());
    a = n;
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

inline Shape reduced_shape(const Shape& s, const std::vector<int>& axes, bool keepdim) {
  std::vector<int64_t> out;
  for (int i = 0; i < s.rank(); ++i) {
    const bool r = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!r) out.push_back(s[i]);
    else if (keepdim) out.push_back(1);
  }
  return Shape(out);
}

// Generic reduction: out[o] = fold over the reduced sub-space of in, starting from init,
// with acc = step(acc, x) and a final finish(acc). Axes are merged into runs of kept and
// reduced dimensions so the inner loop is contiguous whenever the last axis is reduced.
template <class T, class Acc, class Step, class Finish>
Tensor<T, cpu> reduce(const Tensor<T, cpu>& in, const std::vector<int>& axes, bool keepdim, Acc init, Step step,
                      Finish finish) {
  const Shape& s = in.shape();
  std::vector<int64_t> dims;
  std::vector<char> red;
  for (int i = 0; i < s.rank(); ++i) {
    const char r = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (s[i] == 1) continue;  // size-1 axes change nothing
    if (!dims.empty() && red.back() == r) {
      dims.back() *= s[i];
    } else {
      dims.push_back(s[i]);
      red.push_back(r);
    }
  }
  Tensor<T, cpu> out(reduced_shape(s, axes, keepdim));
  const int nd = static_cast<int>(dims.size());
  std::vector<int64_t> stride(static_cast<size_t>(nd), 1);
  for (int d = nd - 2; d >= 0; --d) stride[static_cast<size_t>(d)] = stride[static_cast<size_t>(d + 1)] * dims[static_cast<size_t>(d + 1)];
  std::vector<int> kept, reduced;
  for (int d = 0; d < nd; ++d) (red[static_cast<size_t>(d)] ? reduced : kept).push_back(d);
  int64_t red_count = 1;
  for (int d : reduced) red_count *= dims[static_cast<size_t>(d)];
  const bool inner_contig = nd > 0 && red[static_cast<size_t>(nd - 1)];
  const int64_t inner = inner_contig ? dims[static_cast<size_t>(nd - 1)] : 1;
  const int64_t outer_count = red_count / inner;
  const int64_t n_out = out.numel();
  const T* p = in.data();
  T* o = out.data();
  parallel_for(0, n_out, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(red_count, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t oi = lo; oi < hi; ++oi) {
      int64_t base = 0, rem = oi;
      for (int k = static_cast<int>(kept.size()) - 1; k >= 0; --k) {
        const int d = kept[static_cast<size_t>(k)];
        base += (rem % dims[static_cast<size_t>(d)]) * stride[static_cast<size_t>(d)];
        rem /= dims[static_cast<size_t>(d)];
      }
      Acc acc = init;
      const int nr = static_cast<int>(reduced.size()) - (inner_contig ? 1 : 0);
      for (int64_t r = 0; r < outer_count; ++r) {
        int64_t off = base, rr = r;
        for (int k = nr - 1; k >= 0; --k) {
          const int d = reduced[static_cast<size_t>(k)];
          off += (rr % dims[static_cast<size_t>(d)]) * stride[static_cast<size_t>(d)];
          rr /= dims[static_cast<size_t>(d)];
        }
        const T* q = p + off;
        for (int64_t j = 0; j < inner; ++j) acc = step(acc, q[j]);
      }
      o[oi] = finish(acc, red_count);
    }
  });
  return out;
}

template <class T>
using acc_t = double;

}  // namespace detail

// Sum over `axes` (all axes when empty).
template <class T>
Tensor<T, cpu> sum(const Tensor<T, cpu>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const auto ax = detail::reduce_axes(x.shape(), std::move(axes), "sum");
  return detail::reduce(x, ax, keepdim, 0.0, [](double a, T v) { return a + static_cast<double>(v); },
                        [](double a, int64_t) { return static_cast<T>(a); });
}

template <class T>
Tensor<T, cpu> mean(const Tensor<T, cpu>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const auto ax = detail::reduce_axes(x.shape(), std::move(axes), "mean");
  return detail::reduce(x, ax, keepdim, 0.0, [](double a, T v) { return a + static_cast<double>(v); },
                        [](double a, int64_t n) { return static_cast<T>(n ? a / static_cast<double>(n) : 0.0); });
}

// Sums `x` down to `shape`, which `x`'s shape was broadcast from (the gradient of broadcasting).
template <class T>
Tensor<T, cpu> sum_to(const Tensor<T, cpu>& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const Shape& s = x.shape();
  check<ShapeError>(broadcast_shapes(shape, s, "sum_to") == s, "sum_to: shape ", s.str(), " was not broadcast from ",
                    shape.str());
  std::vector<int> axes;
  const int lead = s.rank() - shape.rank();
  for (int i = 0; i < s.rank(); ++i)
    if (i < lead || (shape[i - lead] == 1 && s[i] != 1)) axes.push_back(i);
  if (axes.empty()) return x.reshape(shape.vec());
  return sum(x, axes, true).reshape(shape.vec());
}

}  // namespace gantry::ops
