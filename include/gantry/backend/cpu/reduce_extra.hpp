#pragma once
// Statistics over axes beyond sum and mean: max (NaN-propagating, like torch.amax),
// logsumexp (shifted by the max, so it never overflows), and moments / var (one pass over
// memory: each chunk of up to 2048 elements is read twice from L1 for its mean and centred
// squares, and the chunks are merged in double). All fold through detail::ReducePlan;
// each output is folded by one thread in a fixed order.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "../../core/eigen.hpp"
#include "reduce.hpp"

namespace gantry::ops {

namespace detail {

// max that propagates NaN; written without branches so the lanes vectorise.
template <class T>
struct NanMax {
  T operator()(T a, T v) const { return ((v > a) | (v != v)) ? v : a; }
};

// Per-output max of a task into m[0..kn).
template <class T>
void task_max(const ReducePlan& p, const T* px, int64_t o, int64_t k0, int64_t kn, T* m) {
  task_reduce(
      p, o, k0, kn, m, -std::numeric_limits<T>::infinity(), [&](int64_t e, int64_t) { return px[e]; }, NanMax<T>{});
}

// Running count, mean and sum of squared deviations of one output, merged chunk by chunk
// (Chan et al.): each chunk's statistics are computed about its own mean, so there is no
// cancellation, and the data is read from memory once.
struct MomentsAcc {
  double n = 0, mean = 0, m2 = 0;
  void merge(double nb, double mb, double m2b) {
    if (nb == 0) return;
    if (n == 0) {
      n = nb, mean = mb, m2 = m2b;
      return;
    }
    const double t = n + nb, d = mb - mean;
    mean += d * (nb / t);
    m2 += m2b + d * d * (n * nb / t);
    n = t;
  }
};

// Elements per chunk: small enough that the chunk's second pass reads it from L1.
inline constexpr int64_t moments_chunk = 2048;

// Per-output mean and sum of squared deviations (m2) of a task into mean[0..kn), m2[0..kn);
// the mean of no elements is NaN.
template <class T>
void task_moments(const ReducePlan& p, const T* px, int64_t o, int64_t k0, int64_t kn, double* mean, double* m2) {
  MomentsAcc st[plan_chunk];
  if (p.lane_mode()) {
    // A chunk is a stretch of one run or, for short runs, several runs of one output. Per
    // chunk: the sum, then the squares about the mean rounded to T (the exact sum about the
    // mean follows: sum (x - mt)^2 - len (mb - mt)^2), both in lanes of T.
    auto fold_chunk = [&]<int NV>(MomentsAcc& acc, auto&& each_stretch, int64_t len) {
      const double dl = static_cast<double>(len);
      Lanes<T, Plus, NV> s1(T(0), Plus{});
      each_stretch([&](int64_t off, int64_t n) { s1.add(off, n, [&](int64_t e) { return px[e]; }); });
      const double mb = static_cast<double>(s1.result()) / dl;
      const T mt = static_cast<T>(mb);
      Lanes<T, Plus, NV> s2(T(0), Plus{});
      each_stretch([&](int64_t off, int64_t n) {
        s2.add(off, n, [&](int64_t e) {
          const T d = px[e] - mt;
          return d * d;
        });
      });
      const double c = mb - static_cast<double>(mt);
      acc.merge(dl, mb, std::max(0.0, static_cast<double>(s2.result()) - dl * c * c));
    };
    auto chunk = [&](MomentsAcc& acc, auto&& each_stretch, int64_t len) {
      if (len >= long_fold)
        fold_chunk.template operator()<4>(acc, each_stretch, len);
      else
        fold_chunk.template operator()<2>(acc, each_stretch, len);
    };
    const int64_t rows = static_cast<int64_t>(p.runs.size());
    if (p.run >= moments_chunk / 2) {
      for_each_run(p, o, kn, [&](int64_t off, int64_t n, int64_t j) {
        for (int64_t l = 0; l < n; l += moments_chunk) {
          const int64_t len = std::min(moments_chunk, n - l);
          chunk(
              st[j], [&](auto&& g) { g(off + l, len); }, len);
        }
      });
    } else {
      const int64_t group = std::max<int64_t>(1, moments_chunk / std::max<int64_t>(1, p.run));
      for (int64_t r0 = 0; r0 < rows; r0 += group) {
        const int64_t r1 = std::min(rows, r0 + group);
        for (int64_t j = 0; j < kn; ++j) {
          const int64_t b = p.base[static_cast<size_t>(o + j)];
          chunk(
              st[j],
              [&](auto&& g) {
                for (int64_t r = r0; r < r1; ++r) g(b + p.runs[static_cast<size_t>(r)], p.run);
              },
              (r1 - r0) * p.run);
        }
      }
    }
  } else {
    // Blocks of rows, each small enough to read twice from L1.
    const int64_t rows = static_cast<int64_t>(p.runs.size());
    const int64_t rb = std::max<int64_t>(1, moments_chunk / kn);
    const int64_t b = p.base[static_cast<size_t>(o)] + k0;
    alignas(64) double mb[plan_chunk];
    alignas(64) double qb[plan_chunk];
    for (int64_t r0 = 0; r0 < rows; r0 += rb) {
      const int64_t r1 = std::min(rows, r0 + rb);
      std::fill(mb, mb + kn, 0.0);
      std::fill(qb, qb + kn, 0.0);
      for (int64_t r = r0; r < r1; ++r) {
        const T* q = px + b + p.runs[static_cast<size_t>(r)];
        for (int64_t i = 0; i < kn; ++i) mb[i] += static_cast<double>(q[i]);
      }
      const double nb = static_cast<double>(r1 - r0);
      for (int64_t i = 0; i < kn; ++i) mb[i] /= nb;
      for (int64_t r = r0; r < r1; ++r) {
        const T* q = px + b + p.runs[static_cast<size_t>(r)];
        for (int64_t i = 0; i < kn; ++i) {
          const double d = static_cast<double>(q[i]) - mb[i];
          qb[i] += d * d;
        }
      }
      for (int64_t i = 0; i < kn; ++i) st[i].merge(nb, mb[i], qb[i]);
    }
  }
  for (int64_t j = 0; j < kn; ++j) {
    mean[j] = st[j].n > 0 ? st[j].mean : std::numeric_limits<double>::quiet_NaN();
    m2[j] = st[j].m2;
  }
}

// The shift used for exponentials: the max, or 0 when the max is infinite (all -inf, or a
// +inf), so that exp(x - shift) is never inf - inf.
template <class T>
T exp_shift(T m) {
  return std::isinf(m) ? T(0) : m;
}

// GCC 12 reports a false "maybe uninitialized" inside Eigen's AVX-512 exp; the pragma
// keeps the build clean.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// Per-output sums of exp(x - m[j]) over a task into out[0..kn), with Eigen's vectorised
// exp. The exponentials are written to y at the same offsets when y is given (softmax).
template <class T>
void task_sum_exp(const ReducePlan& p, const T* px, T* py, int64_t o, int64_t k0, int64_t kn, const T* m, double* out) {
  using A = Eigen::Array<T, Eigen::Dynamic, 1>;
  alignas(64) T tmp[plan_chunk];
  alignas(64) double acc[plan_chunk];
  std::fill(acc, acc + kn, 0.0);
  if (p.lane_mode()) {
    for_each_run(p, o, kn, [&](int64_t off, int64_t n, int64_t j) {
      for (int64_t l = 0; l < n; l += plan_chunk) {
        const int64_t len = std::min(plan_chunk, n - l);
        T* e = py ? py + off + l : tmp;
        Eigen::Map<A>(e, len) = (Eigen::Map<const A>(px + off + l, len) - m[j]).exp();
        acc[j] += static_cast<double>(lane_fold(
            0, len, T(0), [&](int64_t i) { return e[i]; }, Plus{}));
      }
    });
  } else {
    for_each_row(p, o, k0, kn, [&](int64_t off, int64_t n) {
      T* e = py ? py + off : tmp;
      Eigen::Map<A>(e, n) = (Eigen::Map<const A>(px + off, n) - Eigen::Map<const A>(m, n)).exp();
      for (int64_t i = 0; i < n; ++i) acc[i] += static_cast<double>(e[i]);
    });
  }
  std::copy(acc, acc + kn, out);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Per-output shifts for exponentials of a task: exp_shift of the max.
template <class T>
void task_shift(const ReducePlan& p, const T* px, int64_t o, int64_t k0, int64_t kn, T* m) {
  task_max(p, px, o, k0, kn, m);
  for (int64_t j = 0; j < kn; ++j) m[j] = exp_shift(m[j]);
}

// Per-output log-sum-exp of a task into out[0..kn).
template <class T>
void task_logsumexp(const ReducePlan& p, const T* px, int64_t o, int64_t k0, int64_t kn, T* out) {
  alignas(64) T m[plan_chunk];
  alignas(64) double s[plan_chunk];
  task_shift(p, px, o, k0, kn, m);
  task_sum_exp<T>(p, px, nullptr, o, k0, kn, m, s);
  for (int64_t j = 0; j < kn; ++j) out[j] = static_cast<T>(static_cast<double>(m[j]) + std::log(s[j]));
}

// Applies task(o, k0, kn, dst) over the plan and writes the per-task results into `out`
// (laid out as the plan's outputs).
template <class T, class F>
void plan_outputs(const ReducePlan& p, std::size_t reread_bytes, T* out, F&& task) {
  for_each_task(p, reread_bytes, [&](int64_t o, int64_t k0, int64_t kn) { task(o, k0, kn, out + o * p.inner + k0); });
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
  detail::plan_outputs(p, 0, out.data(), [&](int64_t o, int64_t k0, int64_t kn, T* dst) {
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
  detail::plan_outputs(p, sizeof(T), out.data(), [&](int64_t o, int64_t k0, int64_t kn, T* dst) {
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
  detail::for_each_task(p, 0, [&](int64_t o, int64_t k0, int64_t kn) {
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
  detail::for_each_task(p, 0, [&](int64_t o, int64_t k0, int64_t kn) {
    alignas(64) double mu[detail::plan_chunk];
    alignas(64) double m2[detail::plan_chunk];
    detail::task_moments(p, x.data(), o, k0, kn, mu, m2);
    for (int64_t i = 0; i < kn; ++i)
      po[o * p.inner + k0 + i] = static_cast<T>(d > 0 ? m2[i] / d : std::numeric_limits<double>::quiet_NaN());
  });
  return out;
}

}  // namespace gantry::ops
