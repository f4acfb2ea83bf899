#pragma once
// Reductions over a set of axes (sum, and mean built on it), and sum_to: the reduction
// that undoes broadcasting. Float sums accumulate in double for accuracy; the order of
// accumulation is fixed (and each output is folded by one thread), so results are
// reproducible.
#include <algorithm>
#include <cstdint>
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

// A reduction laid out as contiguous segments, for kernels that fold many elements per
// output (sums, moments, softmax). Output element o * inner + k (o < outer, k < inner)
// folds the elements at base[o] + r + k + l for r in runs and l < run. At most one of
// `inner` and `run` exceeds 1: `run` is the length of the last (merged) axis when it is
// reduced, so each segment is contiguous; `inner` is its length when it is kept, so
// neighbouring outputs are folded side by side over contiguous rows.
struct ReducePlan {
  int64_t outer = 1, inner = 1, run = 1;
  std::vector<int64_t> base, runs;
  int64_t count() const { return static_cast<int64_t>(runs.size()) * run; }
  int64_t outputs() const { return outer * inner; }
  // Lane mode (inner == 1): a task folds one output through `lanes` partial accumulators.
  bool lane_mode() const { return inner == 1; }
};

// Partial accumulators per output in lane mode, and outputs per task otherwise.
inline constexpr int64_t plan_lanes = 64;
inline constexpr int64_t plan_chunk = 256;

inline ReducePlan make_plan(const Shape& s, const std::vector<int>& axes) {
  std::vector<int64_t> dims;
  std::vector<char> red;
  for (int i = 0; i < s.rank(); ++i) {
    const char r = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (s[i] == 1) continue;
    if (!dims.empty() && red.back() == r) {
      dims.back() *= s[i];
    } else {
      dims.push_back(s[i]);
      red.push_back(r);
    }
  }
  const int nd = static_cast<int>(dims.size());
  std::vector<int64_t> stride(static_cast<size_t>(nd), 1);
  for (int d = nd - 2; d >= 0; --d)
    stride[static_cast<size_t>(d)] = stride[static_cast<size_t>(d + 1)] * dims[static_cast<size_t>(d + 1)];
  ReducePlan p;
  int last = nd;  // the merged axes before `last` enumerate base offsets and runs
  if (nd > 0) {
    last = nd - 1;
    if (red[static_cast<size_t>(last)]) p.run = dims[static_cast<size_t>(last)];
    else p.inner = dims[static_cast<size_t>(last)];
  }
  // Offsets of every combination of the kept (or reduced) axes before `last`, row-major.
  auto offsets = [&](char want) {
    std::vector<int64_t> out{0};
    for (int d = 0; d < last; ++d) {
      if (red[static_cast<size_t>(d)] != want) continue;
      std::vector<int64_t> next;
      next.reserve(out.size() * static_cast<size_t>(dims[static_cast<size_t>(d)]));
      for (int64_t o : out)
        for (int64_t i = 0; i < dims[static_cast<size_t>(d)]; ++i) next.push_back(o + i * stride[static_cast<size_t>(d)]);
      out.swap(next);
    }
    return out;
  };
  p.base = offsets(0);
  p.runs = offsets(1);
  p.outer = static_cast<int64_t>(p.base.size());
  return p;
}

// Runs task(o, k0, kn) over the plan's work in parallel: in lane mode one task per output
// (k0 = 0, kn = 1), otherwise chunks of up to plan_chunk neighbouring outputs. A task
// covers whole outputs, so the split across threads never changes a result.
template <class F>
void for_each_task(const ReducePlan& p, F&& task) {
  const int64_t chunks = p.lane_mode() ? 1 : (p.inner + plan_chunk - 1) / plan_chunk;
  const int64_t per_task = std::max<int64_t>(1, p.count() * (p.lane_mode() ? 1 : std::min(p.inner, plan_chunk)));
  parallel_for(0, p.outer * chunks, std::max<int64_t>(1, (1 << 15) / per_task), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t o = t / chunks, k0 = (t % chunks) * plan_chunk;
      task(o, k0, p.lane_mode() ? int64_t(1) : std::min(plan_chunk, p.inner - k0));
    }
  });
}

// Calls seg(offset, n) for each contiguous segment of a task, in a fixed order; element i
// of a segment belongs to accumulator i (a lane in lane mode, an output otherwise).
template <class F>
void for_each_segment(const ReducePlan& p, int64_t o, int64_t k0, int64_t kn, F&& seg) {
  const int64_t b = p.base[static_cast<size_t>(o)] + k0;
  if (!p.lane_mode()) {
    for (int64_t r : p.runs) seg(b + r, kn);
    return;
  }
  for (int64_t r : p.runs)
    for (int64_t l = 0; l < p.run; l += plan_lanes) seg(b + r + l, std::min(plan_lanes, p.run - l));
}

// Number of accumulators a task uses.
inline int64_t task_width(const ReducePlan& p, int64_t kn) { return p.lane_mode() ? plan_lanes : kn; }

// Sums (or means, when `average`) per output, accumulated in double.
template <class T>
Tensor<T, cpu> plan_sum(const Tensor<T, cpu>& x, const std::vector<int>& axes, bool keepdim, bool average) {
  const ReducePlan p = make_plan(x.shape(), axes);
  Tensor<T, cpu> out(reduced_shape(x.shape(), axes, keepdim));
  const int64_t n = p.count();
  auto finish = [&](double s) { return static_cast<T>(!average ? s : n ? s / static_cast<double>(n) : 0.0); };
  const T* px = x.data();
  T* po = out.data();
  for_each_task(p, [&](int64_t o, int64_t k0, int64_t kn) {
    alignas(64) double acc[plan_chunk];
    const int64_t w = task_width(p, kn);
    std::fill(acc, acc + w, 0.0);
    for_each_segment(p, o, k0, kn, [&](int64_t off, int64_t len) {
      const T* q = px + off;
      for (int64_t i = 0; i < len; ++i) acc[i] += static_cast<double>(q[i]);
    });
    if (p.lane_mode()) {
      double s = 0;
      for (int64_t i = 0; i < w; ++i) s += acc[i];
      po[o] = finish(s);
    } else {
      for (int64_t i = 0; i < kn; ++i) po[o * p.inner + k0 + i] = finish(acc[i]);
    }
  });
  return out;
}

}  // namespace detail

// Sum over `axes` (all axes when empty).
template <class T>
Tensor<T, cpu> sum(const Tensor<T, cpu>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const auto ax = detail::reduce_axes(x.shape(), std::move(axes), "sum");
  return detail::plan_sum(x, ax, keepdim, false);
}

template <class T>
Tensor<T, cpu> mean(const Tensor<T, cpu>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const auto ax = detail::reduce_axes(x.shape(), std::move(axes), "mean");
  return detail::plan_sum(x, ax, keepdim, true);
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
