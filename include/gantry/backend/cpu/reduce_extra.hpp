#pragma once
// Statistics over axes beyond sum and mean: max (NaN-propagating, like torch.amax),
// logsumexp (shifted by the max, so it never overflows), and moments / var (two passes per
// output over data that is still in cache: the mean, then the centred squares). All fold
// through detail::ReducePlan, in double for sums, one output per thread at a time.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "../../core/eigen.hpp"
#include "reduce.hpp"

namespace gantry::ops {

namespace detail {

template <class T>
inline T nan_max(T a, T v) {
  return (v > a || v != v) ? v : a;
}

// Per-output max of a task into m[0..kn).
template <class T>
void task_max(const ReducePlan& p, const T* px, int64_t o, int64_t k0, int64_t kn, T* m) {
  alignas(64) T acc[plan_chunk];
  const int64_t w = task_width(p, kn);
  std::fill(acc, acc + w, -std::numeric_limits<T>::infinity());
  for_each_segment(p, o, k0, kn, [&](int64_t off, int64_t len) {
    const T* q = px + off;
    for (int64_t i = 0; i < len; ++i) acc[i] = nan_max(acc[i], q[i]);
  });
  if (p.lane_mode()) {
    T r = acc[0];
    for (int64_t i = 1; i < w; ++i) r = nan_max(r, acc[i]);
    m[0] = r;
  } else {
    std::copy(acc, acc + kn, m);
  }
}

// Per-output mean and sum of squared deviations (m2) of a task into mean[0..kn), m2[0..kn).
template <class T>
void task_moments(const ReducePlan& p, const T* px, int64_t o, int64_t k0, int64_t kn, double* mean, double* m2) {
  alignas(64) double acc[plan_chunk];
  alignas(64) double mu[plan_chunk];
  const int64_t w = task_width(p, kn);
  const double n = static_cast<double>(p.count());
  std::fill(acc, acc + w, 0.0);
  for_each_segment(p, o, k0, kn, [&](int64_t off, int64_t len) {
    const T* q = px + off;
    for (int64_t i = 0; i < len; ++i) acc[i] += static_cast<double>(q[i]);
  });
  if (p.lane_mode()) {
    double s = 0;
    for (int64_t i = 0; i < w; ++i) s += acc[i];
    std::fill(mu, mu + w, s / n);
  } else {
    for (int64_t i = 0; i < kn; ++i) mu[i] = acc[i] / n;
  }
  std::fill(acc, acc + w, 0.0);
  for_each_segment(p, o, k0, kn, [&](int64_t off, int64_t len) {
    const T* q = px + off;
    for (int64_t i = 0; i < len; ++i) {
      const double d = static_cast<double>(q[i]) - mu[i];
      acc[i] += d * d;
    }
  });
  if (p.lane_mode()) {
    double s = 0;
    for (int64_t i = 0; i < w; ++i) s += acc[i];
    mean[0] = mu[0];
    m2[0] = s;
  } else {
    std::copy(mu, mu + kn, mean);
    std::copy(acc, acc + kn, m2);
  }
}

// exp(q[i] - m[i]) for i < n into e, vectorised through Eigen. (GCC 12 reports a false
// "maybe uninitialized" inside Eigen's AVX-512 exp; the pragma keeps the build clean.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
template <class T>
void exp_shifted(const T* q, const T* m, int64_t n, T* e) {
  using A = Eigen::Array<T, Eigen::Dynamic, 1>;
  Eigen::Map<A>(e, n) = (Eigen::Map<const A>(q, n) - Eigen::Map<const A>(m, n)).exp();
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// The shift used for exponentials: the max, or 0 when the max is infinite (all -inf, or a
// +inf), so that exp(x - shift) is never inf - inf.
template <class T>
T exp_shift(T m) {
  return std::isinf(m) ? T(0) : m;
}

// Per-output log-sum-exp of a task into out[0..kn), given the per-output shifts.
template <class T>
void task_logsumexp(const ReducePlan& p, const T* px, int64_t o, int64_t k0, int64_t kn, T* out) {
  alignas(64) T m[plan_chunk];
  alignas(64) T e[plan_chunk];
  alignas(64) double acc[plan_chunk];
  const int64_t w = task_width(p, kn);
  task_max(p, px, o, k0, kn, m);
  if (p.lane_mode()) std::fill(m, m + w, exp_shift(m[0]));
  else
    for (int64_t i = 0; i < kn; ++i) m[i] = exp_shift(m[i]);
  std::fill(acc, acc + w, 0.0);
  for_each_segment(p, o, k0, kn, [&](int64_t off, int64_t len) {
    exp_shifted(px + off, m, len, e);
    for (int64_t i = 0; i < len; ++i) acc[i] += static_cast<double>(e[i]);
  });
  if (p.lane_mode()) {
    double s = 0;
    for (int64_t i = 0; i < w; ++i) s += acc[i];
    out[0] = static_cast<T>(static_cast<double>(m[0]) + std::log(s));
  } else {
    for (int64_t i = 0; i < kn; ++i) out[i] = static_cast<T>(static_cast<double>(m[i]) + std::log(acc[i]));
  }
}

// Applies task(o, k0, kn, dst) over the plan and writes the per-task results into `out`
// (laid out as the plan's outputs).
template <class T, class F>
void plan_outputs(const ReducePlan& p, T* out, F&& task) {
  for_each_task(p, [&](int64_t o, int64_t k0, int64_t kn) { task(o, k0, kn, out + o * p.inner + k0); });
}

inline void check_nonempty(const Shape& s, const ReducePlan& p, const char* op) {
  check<ShapeError>(p.count() > 0 || p.outputs() == 0, op, ": cannot reduce over an empty axis of shape ", s.str());
}

}  // namespace detail

// Max over `axes` (all when empty). NaN propagates. Reducing an empty axis is an error.
template <class T>
Tensor<T, cpu> max(const Tensor<T, cpu>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const auto ax = detail::reduce_axes(x.shape(), std::move(axes), "max");
  const auto p = detail::make_plan(x.shape(), ax);
  detail::check_nonempty(x.shape(), p, "max");
  Tensor<T, cpu> out(detail::reduced_shape(x.shape(), ax, keepdim));
  detail::plan_outputs(p, out.data(), [&](int64_t o, int64_t k0, int64_t kn, T* dst) {
    detail::task_max(p, x.data(), o, k0, kn, dst);
  });
  return out;
}

// log(sum(exp(x))) over `axes`, computed as m + log(sum(exp(x - m))) with m the max.
template <class T>
Tensor<T, cpu> logsumexp(const Tensor<T, cpu>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const auto ax = detail::reduce_axes(x.shape(), std::move(axes), "logsumexp");
  const auto p = detail::make_plan(x.shape(), ax);
  Tensor<T, cpu> out(detail::reduced_shape(x.shape(), ax, keepdim));
  if (p.count() == 0) {  // the sum of no exponentials is 0
    std::fill(out.data(), out.data() + out.numel(), -std::numeric_limits<T>::infinity());
    return out;
  }
  detail::plan_outputs(p, out.data(), [&](int64_t o, int64_t k0, int64_t kn, T* dst) {
    detail::task_logsumexp(p, x.data(), o, k0, kn, dst);
  });
  return out;
}

// Mean and biased variance over `axes`, both with the reduced axes kept as size 1 (the
// statistics of batch norm over {0, 2, 3}, instance norm over {2, 3}, layer norm over
// {1, 2, 3} of NCHW). An empty reduction gives NaN.
template <class T>
std::pair<Tensor<T, cpu>, Tensor<T, cpu>> moments(const Tensor<T, cpu>& x, std::vector<int> axes = {}) {
  const auto ax = detail::reduce_axes(x.shape(), std::move(axes), "moments");
  const auto p = detail::make_plan(x.shape(), ax);
  const Shape kept = detail::reduced_shape(x.shape(), ax, true);
  Tensor<T, cpu> mean(kept), var(kept);
  const double n = static_cast<double>(p.count());
  T* pm = mean.data();
  T* pv = var.data();
  detail::for_each_task(p, [&](int64_t o, int64_t k0, int64_t kn) {
    alignas(64) double mu[detail::plan_chunk];
    alignas(64) double m2[detail::plan_chunk];
    detail::task_moments(p, x.data(), o, k0, kn, mu, m2);
    const int64_t at = o * p.inner + k0;
    for (int64_t i = 0; i < kn; ++i) {
      pm[at + i] = static_cast<T>(mu[i]);
      pv[at + i] = static_cast<T>(m2[i] / n);
    }
  });
  return {mean, var};
}

// Variance over `axes` (all when empty): the sum of squared deviations divided by n - 1
// when `unbiased` (as torch.var's default), else by n; NaN when that divisor is not positive.
template <class T>
Tensor<T, cpu> var(const Tensor<T, cpu>& x, std::vector<int> axes = {}, bool unbiased = true, bool keepdim = false) {
  const auto ax = detail::reduce_axes(x.shape(), std::move(axes), "var");
  const auto p = detail::make_plan(x.shape(), ax);
  Tensor<T, cpu> out(detail::reduced_shape(x.shape(), ax, keepdim));
  const double d = static_cast<double>(p.count() - (unbiased ? 1 : 0));
  T* po = out.data();
  detail::for_each_task(p, [&](int64_t o, int64_t k0, int64_t kn) {
    alignas(64) double mu[detail::plan_chunk];
    alignas(64) double m2[detail::plan_chunk];
    detail::task_moments(p, x.data(), o, k0, kn, mu, m2);
    for (int64_t i = 0; i < kn; ++i)
      po[o * p.inner + k0 + i] = static_cast<T>(d > 0 ? m2[i] / d : std::numeric_limits<double>::quiet_NaN());
  });
  return out;
}

}  // namespace gantry::ops
