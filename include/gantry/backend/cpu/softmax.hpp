#pragma once
// softmax and log_softmax along one axis, shifted by the max so exp never overflows.
// Three passes per output slice (max, sum of exponentials, write), the last two over data
// that is still in cache.
#include <cmath>
#include <vector>

#include "reduce_extra.hpp"

namespace gantry::ops {

namespace detail {

// Runs the softmax passes over every slice along `axis`; `log` picks log_softmax.
template <class T>
Tensor<T, cpu> softmax_impl(const Tensor<T, cpu>& x, int axis, bool log, const char* op) {
  const auto ax = reduce_axes(x.shape(), {axis}, op);
  const auto p = make_plan(x.shape(), ax);
  Tensor<T, cpu> y(x.shape());
  const T* px = x.data();
  T* py = y.data();
  for_each_task(p, [&](int64_t o, int64_t k0, int64_t kn) {
    alignas(64) T m[plan_chunk];
    alignas(64) T c[plan_chunk];
    alignas(64) double acc[plan_chunk];
    const int64_t w = task_width(p, kn);
    task_max(p, px, o, k0, kn, m);
    if (p.lane_mode()) std::fill(m, m + w, exp_shift(m[0]));
    else
      for (int64_t i = 0; i < kn; ++i) m[i] = exp_shift(m[i]);
    std::fill(acc, acc + w, 0.0);
    // softmax keeps the exponentials in y and rescales them; log_softmax only sums them.
    for_each_segment(p, o, k0, kn, [&](int64_t off, int64_t len) {
      T* e = py + off;
      exp_shifted(px + off, m, len, e);
      for (int64_t i = 0; i < len; ++i) acc[i] += static_cast<double>(e[i]);
    });
    if (p.lane_mode()) {
      double s = 0;
      for (int64_t i = 0; i < w; ++i) s += acc[i];
      std::fill(acc, acc + w, s);
    }
    // c: the factor (softmax) or log of the sum (log_softmax) applied to each element;
    // log_softmax subtracts the shift first, which keeps float results exact for large x.
    for (int64_t i = 0; i < w; ++i) c[i] = static_cast<T>(log ? std::log(acc[i]) : 1.0 / acc[i]);
    for_each_segment(p, o, k0, kn, [&](int64_t off, int64_t len) {
      T* q = py + off;
      if (log) {
        const T* xs = px + off;
        for (int64_t i = 0; i < len; ++i) q[i] = (xs[i] - m[i]) - c[i];
      } else {
        for (int64_t i = 0; i < len; ++i) q[i] *= c[i];
      }
    });
  });
  return y;
}

}  // namespace detail

// exp(x) / sum(exp(x)) along `axis` (negative counts from the end).
template <class T>
Tensor<T, cpu> softmax(const Tensor<T, cpu>& x, int axis) {
  return detail::softmax_impl(x, axis, false, "softmax");
}

// x - logsumexp(x) along `axis`.
template <class T>
Tensor<T, cpu> log_softmax(const Tensor<T, cpu>& x, int axis) {
  return detail::softmax_impl(x, axis, true, "log_softmax");
}

}  // namespace gantry::ops
