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
  for_each_task(p, 2 * sizeof(T), [&](int64_t o, int64_t k0, int64_t kn) {
    alignas(64) T m[plan_chunk];
    alignas(64) T c[plan_chunk];
    alignas(64) double s[plan_chunk];
    task_shift(p, px, o, k0, kn, m);
    // softmax keeps the exponentials in y and rescales them; log_softmax only sums them.
    task_sum_exp<T>(p, px, log ? nullptr : py, o, k0, kn, m, s);
    // c: the factor (softmax) or the log of the sum (log_softmax) for each output;
    // log_softmax subtracts the shift first, which keeps float results exact for large x.
    for (int64_t j = 0; j < kn; ++j) c[j] = static_cast<T>(log ? std::log(s[j]) : 1.0 / s[j]);
    if (log)
      task_apply(p, o, k0, kn, [&](int64_t e, int64_t j) { py[e] = (px[e] - m[j]) - c[j]; });
    else
      task_apply(p, o, k0, kn, [&](int64_t e, int64_t j) { py[e] *= c[j]; });
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
