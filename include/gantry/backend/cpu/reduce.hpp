#pragma once
// Reductions over a set of axes (sum, and mean built on it), and sum_to: the reduction
// that undoes broadcasting. Float sums accumulate in double for accuracy; the order of
// accumulation is fixed (and each output is folded by one thread), so results are
// reproducible.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../../core/parallel.hpp"
#include "../../core/tensor.hpp"
#include "../reduce_axes.hpp"

namespace gantry::ops {

namespace detail {

// reduce_axes and reduced_shape come from backend/reduce_axes.hpp (shared with cuda).
using gantry::reduce_detail::reduce_axes;
using gantry::reduce_detail::reduced_shape;

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
// reduced, so each run is contiguous and is folded through vector lanes (lane mode);
// `inner` is its length when it is kept, so neighbouring outputs are folded side by side
// over contiguous rows.
struct ReducePlan {
  int64_t outer = 1, inner = 1, run = 1;
  std::vector<int64_t> base, runs;
  int64_t count() const { return static_cast<int64_t>(runs.size()) * run; }
  int64_t outputs() const { return outer * inner; }
  bool lane_mode() const { return inner == 1; }
};

// Most outputs one task handles.
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
      const int64_t n = dims[static_cast<size_t>(d)], st = stride[static_cast<size_t>(d)];
      std::vector<int64_t> next;
      next.reserve(out.size() * static_cast<size_t>(n));
      for (int64_t o : out)
        for (int64_t i = 0; i < n; ++i) next.push_back(o + i * st);
      out.swap(next);
    }
    return out;
  };
  p.base = offsets(0);
  p.runs = offsets(1);
  p.outer = static_cast<int64_t>(p.base.size());
  return p;
}

// Data that a kernel reads again after its first pass over a task should fit in this
// many bytes, so the later passes find it in cache.
inline constexpr int64_t plan_cache_bytes = int64_t(1) << 19;

// Runs task(o, k0, kn) over the plan's work in parallel. A task handles kn outputs:
// o * inner + k0 + j for j < kn. In lane mode (k0 = 0) that is a block of outputs o..o+kn,
// read run by run across the block, so that when the reduced axes lie outside the kept
// ones (batch norm) the reads stream through long contiguous stretches. `reread_bytes` is
// how many bytes per element the kernel reads again after its first pass (0 for one
// pass); it caps the block at plan_cache_bytes. Otherwise a task is up to plan_chunk
// neighbouring outputs. Every output is folded by one task in a fixed order that does not
// depend on the block, so neither the split nor the thread count changes a result.
template <class F>
void for_each_task(const ReducePlan& p, std::size_t reread_bytes, F&& task) {
  int64_t block = plan_chunk, tasks = 0, chunks = 1, per_task = 1;
  if (p.lane_mode()) {
    block = std::clamp<int64_t>((p.outer + 4 * num_threads() - 1) / (4 * num_threads()), 1, plan_chunk);
    if (reread_bytes > 0)
      block = std::min(block, std::max<int64_t>(1, plan_cache_bytes / std::max<int64_t>(
                                                       1, p.count() * static_cast<int64_t>(reread_bytes))));
    tasks = (p.outer + block - 1) / block;
    per_task = p.count() * block;
  } else {
    chunks = (p.inner + plan_chunk - 1) / plan_chunk;
    tasks = p.outer * chunks;
    per_task = p.count() * std::min(p.inner, plan_chunk);
  }
  parallel_for(0, tasks, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, per_task)), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      if (p.lane_mode()) {
        task(t * block, int64_t(0), std::min(block, p.outer - t * block));
      } else {
        const int64_t o = t / chunks, k0 = (t % chunks) * plan_chunk;
        task(o, k0, std::min(plan_chunk, p.inner - k0));
      }
    }
  });
}

// The contiguous segments of a task, in a fixed order. Lane mode: seg(offset, n, j) for
// each run of output j of the task (runs in order, the task's outputs interleaved).
template <class F>
void for_each_run(const ReducePlan& p, int64_t o, int64_t kn, F&& seg) {
  const int64_t* b = p.base.data() + o;
  for (int64_t r : p.runs)
    for (int64_t j = 0; j < kn; ++j) seg(b[j] + r, p.run, j);
}
// Otherwise: seg(offset, kn) for each row, whose element i belongs to output i of the task.
template <class F>
void for_each_row(const ReducePlan& p, int64_t o, int64_t k0, int64_t kn, F&& seg) {
  const int64_t b = p.base[static_cast<size_t>(o)] + k0;
  for (int64_t r : p.runs) seg(b + r, kn);
}

// Folds f(e) over one or more contiguous stretches through NV vectors of partial results
// (then one vector, then a scalar for the last few elements of each stretch), combined
// pairwise at the end. The order is fixed, and only constant indices touch the lanes, so
// they stay in registers. Four vectors hide the latency of long folds; two keep the final
// combination cheap for short ones.
template <class A, class Op, int NV = 4>
struct Lanes {
  static constexpr int64_t V = 64 / static_cast<int64_t>(sizeof(A)), W = NV * V;
  A acc[W];
  A tail;
  Op op;

  Lanes(A init, Op o) : tail(init), op(o) {
    for (int64_t i = 0; i < W; ++i) acc[i] = init;
  }
  template <class F>
  void add(int64_t off, int64_t n, F&& f) {
    int64_t l = 0;
    for (; l + W <= n; l += W)
      for (int64_t i = 0; i < W; ++i) acc[i] = op(acc[i], f(off + l + i));
    for (; l + V <= n; l += V)
      for (int64_t i = 0; i < V; ++i) acc[i] = op(acc[i], f(off + l + i));
    for (; l < n; ++l) tail = op(tail, f(off + l));
  }
  A result() {
    halve<W / 2>();
    return op(acc[0], tail);
  }

 private:
  // Folds the upper half of the first 2H lanes onto the lower half, down to one lane; the
  // compile-time sizes keep every index constant.
  template <int64_t H>
  void halve() {
    for (int64_t i = 0; i < H; ++i) acc[i] = op(acc[i], acc[i + H]);
    if constexpr (H > 1) halve<H / 2>();
  }
};

// Stretches at least this long are folded through four vectors, shorter ones through two.
inline constexpr int64_t long_fold = 1024;

// The fold of f(e) for e in [off, off + n) through Lanes.
template <class A, class F, class Op>
A lane_fold(int64_t off, int64_t n, A init, F&& f, Op&& op) {
  if (n >= long_fold) {
    Lanes<A, std::decay_t<Op>, 4> lanes(init, op);
    lanes.add(off, n, f);
    return lanes.result();
  }
  Lanes<A, std::decay_t<Op>, 2> lanes(init, op);
  lanes.add(off, n, f);
  return lanes.result();
}

// Per-output folds of a task: out[j] (j < kn) folds f(e, j) over the elements e (flat
// offsets) of the task's output j with op, starting from init (op's identity). In lane
// mode each run is folded through lanes and the runs are folded in order.
template <class A, class F, class Op>
void task_reduce(const ReducePlan& p, int64_t o, int64_t k0, int64_t kn, A* out, A init, F&& f, Op&& op) {
  alignas(64) A acc[plan_chunk];
  std::fill(acc, acc + kn, init);
  if (p.lane_mode()) {
    for_each_run(p, o, kn, [&](int64_t off, int64_t n, int64_t j) {
      acc[j] = op(acc[j], lane_fold(off, n, init, [&](int64_t e) { return f(e, j); }, op));
    });
  } else {
    for_each_row(p, o, k0, kn, [&](int64_t off, int64_t n) {
      for (int64_t i = 0; i < n; ++i) acc[i] = op(acc[i], f(off + i, i));
    });
  }
  std::copy(acc, acc + kn, out);
}

// Calls f(e, j) for every element e of a task, j its output within the task.
template <class F>
void task_apply(const ReducePlan& p, int64_t o, int64_t k0, int64_t kn, F&& f) {
  if (p.lane_mode())
    for_each_run(p, o, kn, [&](int64_t off, int64_t n, int64_t j) {
      for (int64_t i = 0; i < n; ++i) f(off + i, j);
    });
  else
    for_each_row(p, o, k0, kn, [&](int64_t off, int64_t n) {
      for (int64_t i = 0; i < n; ++i) f(off + i, i);
    });
}

struct Plus {
  template <class A>
  A operator()(A a, A b) const {
    return a + b;
  }
};

// Elements per chunk of a sum: the chunk is summed in lanes of the input type (at most 32
// values per lane for float), the chunk totals in double.
inline constexpr int64_t sum_chunk = 2048;

// Sum of f(e) (of type T) for e in [off, off + n).
template <class T, class F>
double chunked_sum(int64_t off, int64_t n, F&& f) {
  double s = 0;
  for (int64_t l = 0; l < n; l += sum_chunk)
    s += static_cast<double>(lane_fold(off + l, std::min(sum_chunk, n - l), T(0), f, Plus{}));
  return s;
}

// Per-output sums of a task: out[j] (j < kn) sums f(e, j) (of type T) over the elements e
// of the task's output j, run after run; rows accumulate in double.
template <class T, class F>
void task_sum(const ReducePlan& p, int64_t o, int64_t k0, int64_t kn, double* out, F&& f) {
  alignas(64) double acc[plan_chunk];
  std::fill(acc, acc + kn, 0.0);
  if (p.lane_mode()) {
    for_each_run(p, o, kn, [&](int64_t off, int64_t n, int64_t j) {
      acc[j] += chunked_sum<T>(off, n, [&](int64_t e) { return f(e, j); });
    });
  } else {
    for_each_row(p, o, k0, kn, [&](int64_t off, int64_t n) {
      for (int64_t i = 0; i < n; ++i) acc[i] += static_cast<double>(f(off + i, i));
    });
  }
  std::copy(acc, acc + kn, out);
}

// Two per-output sums of a task in one sweep: out1[j] of f1(e, j) and out2[j] of f2(e, j)
// (each folded exactly as task_sum would). Each stretch is read by f2 right after f1,
// while it is still in L1.
template <class T, class F1, class F2>
void task_sum2(const ReducePlan& p, int64_t o, int64_t k0, int64_t kn, double* out1, double* out2, F1&& f1,
               F2&& f2) {
  alignas(64) double a1[plan_chunk];
  alignas(64) double a2[plan_chunk];
  std::fill(a1, a1 + kn, 0.0);
  std::fill(a2, a2 + kn, 0.0);
  if (p.lane_mode()) {
    for_each_run(p, o, kn, [&](int64_t off, int64_t n, int64_t j) {
      for (int64_t l = 0; l < n; l += sum_chunk) {
        const int64_t len = std::min(sum_chunk, n - l);
        a1[j] += static_cast<double>(lane_fold(off + l, len, T(0), [&](int64_t e) { return f1(e, j); }, Plus{}));
        a2[j] += static_cast<double>(lane_fold(off + l, len, T(0), [&](int64_t e) { return f2(e, j); }, Plus{}));
      }
    });
  } else {
    for_each_row(p, o, k0, kn, [&](int64_t off, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        a1[i] += static_cast<double>(f1(off + i, i));
        a2[i] += static_cast<double>(f2(off + i, i));
      }
    });
  }
  std::copy(a1, a1 + kn, out1);
  std::copy(a2, a2 + kn, out2);
}

// Sums (or means, when `average`) per output, accumulated in double.
template <class T>
Tensor<T, cpu> plan_sum(const Tensor<T, cpu>& x, const std::vector<int>& axes, bool keepdim, bool average) {
  const ReducePlan p = make_plan(x.shape(), axes);
  Tensor<T, cpu> out(reduced_shape(x.shape(), axes, keepdim));
  const double n = static_cast<double>(p.count());
  const T* px = x.data();
  T* po = out.data();
  for_each_task(p, 0, [&](int64_t o, int64_t k0, int64_t kn) {
    alignas(64) double s[plan_chunk];
    task_sum<T>(p, o, k0, kn, s, [&](int64_t e, int64_t) { return px[e]; });
    for (int64_t j = 0; j < kn; ++j)
      po[o * p.inner + k0 + j] = static_cast<T>(!average ? s[j] : n > 0 ? s[j] / n : 0.0);
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
  const auto axes = reduce_detail::sum_to_axes(x.shape(), shape, broadcast_shapes(shape, x.shape(), "sum_to"));
  if (axes.empty()) return x.reshape(shape.vec());
  return sum(x, axes, true).reshape(shape.vec());
}

}  // namespace gantry::ops
