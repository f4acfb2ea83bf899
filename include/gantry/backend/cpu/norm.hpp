#pragma once
// Fused normalisation kernels: y = (x - mean) / sqrt(var + eps) over a set of axes (biased
// variance, as batch, instance and layer norm use), and its gradient
// dx = rstd * (g - mean(g) - y * mean(g * y)). Each output slice is processed by one
// thread in three passes, the last two over data still in cache.
#include <cmath>
#include <type_traits>
#include <vector>

#include "reduce_extra.hpp"

namespace gantry::ops {

template <class T>
struct Normalized {
  Tensor<T, cpu> y;     // the normalised input
  Tensor<T, cpu> mean;  // per slice, with the reduced axes kept as 1
  Tensor<T, cpu> rstd;  // 1 / sqrt(var + eps), same shape as mean
};

// (x - mean) / sqrt(var + eps) over `axes`, with the statistics it used.
template <class T>
Normalized<T> normalize_stats(const Tensor<T, cpu>& x, std::vector<int> axes, std::type_identity_t<T> eps) {
  const auto ax = detail::reduce_axes(x.shape(), std::move(axes), "normalize");
  const auto p = detail::make_plan(x.shape(), ax);
  const Shape kept = detail::reduced_shape(x.shape(), ax, true);
  Normalized<T> r{Tensor<T, cpu>(x.shape()), Tensor<T, cpu>(kept), Tensor<T, cpu>(kept)};
  const double n = static_cast<double>(p.count());
  const T* px = x.data();
  T* py = r.y.data();
  detail::for_each_task(p, sizeof(T), [&](int64_t o, int64_t k0, int64_t kn) {
    alignas(64) double mu[detail::plan_chunk];
    alignas(64) double m2[detail::plan_chunk];
    alignas(64) T m[detail::plan_chunk];
    alignas(64) T rs[detail::plan_chunk];
    detail::task_moments(p, px, o, k0, kn, mu, m2);
    const int64_t at = o * p.inner + k0;
    for (int64_t j = 0; j < kn; ++j) {
      m[j] = static_cast<T>(mu[j]);
      rs[j] = static_cast<T>(1.0 / std::sqrt(m2[j] / n + static_cast<double>(eps)));
      r.mean.data()[at + j] = m[j];
      r.rstd.data()[at + j] = rs[j];
    }
    detail::task_apply(p, o, k0, kn, [&](int64_t e, int64_t j) { py[e] = (px[e] - m[j]) * rs[j]; });
  });
  return r;
}

template <class T>
Tensor<T, cpu> normalize(const Tensor<T, cpu>& x, std::vector<int> axes, std::type_identity_t<T> eps) {
  return normalize_stats(x, std::move(axes), eps).y;
}

// The gradient of normalize with respect to x, from its output y, the incoming gradient g
// and rstd (reduced axes kept as 1): rstd * (g - mean(g) - y * mean(g * y)) over `axes`.
template <class T>
Tensor<T, cpu> normalize_backward(const Tensor<T, cpu>& y, const Tensor<T, cpu>& g, const Tensor<T, cpu>& rstd,
                                  std::vector<int> axes) {
  const auto ax = detail::reduce_axes(y.shape(), std::move(axes), "normalize_backward");
  const Shape kept = detail::reduced_shape(y.shape(), ax, true);
  check<ShapeError>(g.shape() == y.shape() && rstd.shape() == kept, "normalize_backward: output ", y.shape().str(),
                    ", gradient ", g.shape().str(), " and rstd ", rstd.shape().str(), " do not match (rstd must be ",
                    kept.str(), ")");
  const auto p = detail::make_plan(y.shape(), ax);
  Tensor<T, cpu> dx(y.shape());
  const double n = static_cast<double>(p.count());
  const T* py = y.data();
  const T* pg = g.data();
  T* pd = dx.data();
  detail::for_each_task(p, 2 * sizeof(T), [&](int64_t o, int64_t k0, int64_t kn) {
    alignas(64) double sg[detail::plan_chunk];
    alignas(64) double sgy[detail::plan_chunk];
    alignas(64) T a[detail::plan_chunk];
    alignas(64) T b[detail::plan_chunk];
    alignas(64) T rs[detail::plan_chunk];
    const int64_t at = o * p.inner + k0;
    detail::task_sum2<T>(
        p, o, k0, kn, sg, sgy, [&](int64_t e, int64_t) { return pg[e]; },
        [&](int64_t e, int64_t) { return pg[e] * py[e]; });
    // dx = rs * g - rs * mean(g) - y * (rs * mean(g y)) = rs * g - a - y * b
    for (int64_t j = 0; j < kn; ++j) {
      const double r = static_cast<double>(rstd.data()[at + j]);
      rs[j] = static_cast<T>(r);
      a[j] = static_cast<T>(r * sg[j] / n);
      b[j] = static_cast<T>(r * sgy[j] / n);
    }
    detail::task_apply(p, o, k0, kn, [&](int64_t e, int64_t j) { pd[e] = rs[j] * pg[e] - a[j] - py[e] * b[j]; });
  });
  return dx;
}

}  // namespace gantry::ops
