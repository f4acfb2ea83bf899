#pragma once
// Reductions on Tensor<T, cuda> over a set of axes (sum, mean) and sum_to, with the
// semantics and messages of backend/cpu/reduce.hpp. Sums accumulate in double. The kernel
// and its launch shape depend only on the tensor's shape, and every partial sum is combined
// in a fixed order, so results are reproducible bit for bit (though not equal to the CPU's
// bits: the order of the additions differs).
#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

#include "../../core/tensor.hpp"
#include "../reduce_axes.hpp"
#include "launch.cuh"
#include "memory.hpp"

namespace gantry::cuda_detail {

using gantry::reduce_detail::reduce_axes;
using gantry::reduce_detail::reduced_shape;

// The input seen as kept and reduced index spaces. Adjacent axes of the same kind are
// merged and size-1 axes dropped, so most reductions have one or two of each.
struct ReducePlan {
  int n_kept = 0, n_red = 0;
  int64_t kept_dims[max_rank] = {}, kept_strides[max_rank] = {};
  int64_t red_dims[max_rank] = {}, red_strides[max_rank] = {};
  int64_t red_count = 1;

  __host__ __device__ int64_t base(int64_t oi) const {
    int64_t off = 0;
    for (int k = n_kept - 1; k >= 0; --k) {
      off += (oi % kept_dims[k]) * kept_strides[k];
      oi /= kept_dims[k];
    }
    return off;
  }
  // The offset of reduced index r. A 64-bit division is a long subroutine on the GPU, so one
  // reduced axis takes a multiplication and up to 2^31 reduced elements 32-bit divisions.
  __host__ __device__ int64_t offset(int64_t r) const {
    if (n_red == 1) return r * red_strides[0];
    int64_t off = 0;
    if (red_count <= INT32_MAX) {
      auto q = static_cast<uint32_t>(r);
      for (int k = n_red - 1; k >= 0; --k) {
        const auto d = static_cast<uint32_t>(red_dims[k]);
        off += static_cast<int64_t>(q % d) * red_strides[k];
        q /= d;
      }
      return off;
    }
    for (int k = n_red - 1; k >= 0; --k) {
      off += (r % red_dims[k]) * red_strides[k];
      r /= red_dims[k];
    }
    return off;
  }
};

// Sums q[offset(r)] for r = first, first + step, ... < end in double, four loads in flight
// (independent accumulators, combined in a fixed order: reproducible).
template <class T>
__device__ double strided_sum(const T* __restrict__ q, const ReducePlan& p, int64_t first, int64_t end, int64_t step) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t r = first;
  for (; r + 3 * step < end; r += 4 * step) {
    a0 += static_cast<double>(q[p.offset(r)]);
    a1 += static_cast<double>(q[p.offset(r + step)]);
    a2 += static_cast<double>(q[p.offset(r + 2 * step)]);
    a3 += static_cast<double>(q[p.offset(r + 3 * step)]);
  }
  for (; r < end; r += step) a0 += static_cast<double>(q[p.offset(r)]);
  return (a0 + a1) + (a2 + a3);
}

inline ReducePlan make_reduce_plan(const Shape& s, const std::vector<int>& axes) {
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
  ReducePlan p;
  int64_t stride = 1;
  for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
    const auto i = static_cast<std::size_t>(d);
    if (red[i]) {
      p.red_dims[p.n_red] = dims[i];
      p.red_strides[p.n_red++] = stride;
      p.red_count *= dims[i];
    } else {
      p.kept_dims[p.n_kept] = dims[i];
      p.kept_strides[p.n_kept++] = stride;
    }
    stride *= dims[i];
  }
  // Collected innermost first; the kernels walk them innermost last.
  std::reverse(p.red_dims, p.red_dims + p.n_red);
  std::reverse(p.red_strides, p.red_strides + p.n_red);
  std::reverse(p.kept_dims, p.kept_dims + p.n_kept);
  std::reverse(p.kept_strides, p.kept_strides + p.n_kept);
  return p;
}

template <class T>
struct SumFinish {
  __host__ __device__ T operator()(double acc) const { return static_cast<T>(acc); }
};
template <class T>
struct MeanFinish {
  int64_t n;
  __host__ __device__ T operator()(double acc) const { return static_cast<T>(n ? acc / static_cast<double>(n) : 0.0); }
};

// Short reductions: one thread per output.
template <class T, class Fin>
__global__ void reduce_thread_kernel(const T* __restrict__ in, T* __restrict__ out, int64_t n_out, ReducePlan p,
                                     Fin fin) {
  for (int64_t oi = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; oi < n_out; oi += int64_t{gridDim.x} * blockDim.x) {
    const T* q = in + p.base(oi);
    out[oi] = fin(strided_sum(q, p, 0, p.red_count, 1));
  }
}

// Many outputs: one warp per output, lanes interleaved along the reduced index (coalesced
// when the last axis is reduced), combined by a fixed shuffle tree.
template <class T, class Fin>
__global__ void reduce_warp_kernel(const T* __restrict__ in, T* __restrict__ out, int64_t n_out, ReducePlan p,
                                   Fin fin) {
  const int lane = threadIdx.x % warp_size;
  const int64_t warps = int64_t{gridDim.x} * (blockDim.x / warp_size);
  for (int64_t oi = blockIdx.x * int64_t{blockDim.x / warp_size} + threadIdx.x / warp_size; oi < n_out; oi += warps) {
    const T* q = in + p.base(oi);
    double acc = strided_sum(q, p, lane, p.red_count, warp_size);
    for (int s = warp_size / 2; s > 0; s /= 2) acc += __shfl_down_sync(0xffffffffu, acc, s);
    if (lane == 0) out[oi] = fin(acc);
  }
}

// Few, long outputs: each block sums one chunk of one output, combined by a fixed tree in
// shared memory; with several chunks the partials go to `partial` for a second pass.
template <class T, class Fin>
__global__ void reduce_block_kernel(const T* __restrict__ in, T* __restrict__ out, double* __restrict__ partial,
                                    int64_t n_out, int64_t chunks, int64_t chunk_len, ReducePlan p, Fin fin) {
  __shared__ double buf[block_size];
  for (int64_t task = blockIdx.x; task < n_out * chunks; task += gridDim.x) {
    const int64_t oi = task / chunks, ch = task % chunks;
    const T* q = in + p.base(oi);
    const int64_t lo = ch * chunk_len, hi = lo + chunk_len < p.red_count ? lo + chunk_len : p.red_count;
    buf[threadIdx.x] = strided_sum(q, p, lo + threadIdx.x, hi, blockDim.x);
    __syncthreads();
    for (int s = block_size / 2; s > 0; s /= 2) {
      if (static_cast<int>(threadIdx.x) < s) buf[threadIdx.x] += buf[threadIdx.x + s];
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      if (chunks == 1) out[oi] = fin(buf[0]);
      else partial[task] = buf[0];
    }
    __syncthreads();  // buf is reused by the next task
  }
}

template <class T, class Fin>
__global__ void reduce_chunks_kernel(const double* __restrict__ partial, T* __restrict__ out, int64_t n_out,
                                     int64_t chunks, Fin fin) {
  for (int64_t oi = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; oi < n_out; oi += int64_t{gridDim.x} * blockDim.x) {
    double acc = 0.0;
    for (int64_t c = 0; c < chunks; ++c) acc += partial[oi * chunks + c];
    out[oi] = fin(acc);
  }
}

// Sums `in` over `axes` (normalised) into a new tensor; fin turns each double sum into T.
// `op` names the caller in error messages.
template <class T, class Fin>
Tensor<T, cuda> reduce(const char* op, const Tensor<T, cuda>& in, const std::vector<int>& axes, bool keepdim, Fin fin) {
  Tensor<T, cuda> out(reduced_shape(in.shape(), axes, keepdim));
  const int64_t n_out = out.numel();
  if (n_out == 0) return out;
  const ReducePlan p = make_reduce_plan(in.shape(), axes);
  const T* src = in.data();
  T* dst = out.data();
  if (p.red_count <= warp_size) {
    reduce_thread_kernel<<<grid_for(n_out), block_size, 0, cuda_stream()>>>(src, dst, n_out, p, fin);
  } else if (n_out >= 1024) {
    reduce_warp_kernel<<<grid_for(n_out, block_size / warp_size), block_size, 0, cuda_stream()>>>(src, dst, n_out, p,
                                                                                                 fin);
  } else {
    // About 32 elements per thread per chunk, at most 1024 chunks per output.
    constexpr int64_t target = int64_t{block_size} * 32;
    const int64_t chunks = std::min<int64_t>((p.red_count + target - 1) / target, 1024);
    const int64_t chunk_len = (p.red_count + chunks - 1) / chunks;
    const unsigned grid = static_cast<unsigned>(std::min<int64_t>(n_out * chunks, int64_t{1} << 16));
    if (chunks == 1) {
      reduce_block_kernel<<<grid, block_size, 0, cuda_stream()>>>(src, dst, nullptr, n_out, chunks, chunk_len, p, fin);
    } else {
      Tensor<double, cuda> partial(Shape{n_out * chunks});
      reduce_block_kernel<<<grid, block_size, 0, cuda_stream()>>>(src, dst, partial.data(), n_out, chunks, chunk_len,
                                                                  p, fin);
      check_launch(op);
      reduce_chunks_kernel<<<grid_for(n_out), block_size, 0, cuda_stream()>>>(partial.data(), dst, n_out, chunks, fin);
    }
  }
  check_launch(op);
  return out;
}

}  // namespace gantry::cuda_detail

namespace gantry::ops {

// Sum over `axes` (all axes when empty).
template <class T>
Tensor<T, cuda> sum(const Tensor<T, cuda>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const auto ax = cuda_detail::reduce_axes(x.shape(), std::move(axes), "sum");
  return cuda_detail::reduce("sum", x, ax, keepdim, cuda_detail::SumFinish<T>{});
}

template <class T>
Tensor<T, cuda> mean(const Tensor<T, cuda>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const auto ax = cuda_detail::reduce_axes(x.shape(), std::move(axes), "mean");
  int64_t n = 1;
  for (int a : ax) n *= x.dim(a);
  return cuda_detail::reduce("mean", x, ax, keepdim, cuda_detail::MeanFinish<T>{n});
}

// Sums `x` down to `shape`, which `x`'s shape was broadcast from (the gradient of broadcasting).
template <class T>
Tensor<T, cuda> sum_to(const Tensor<T, cuda>& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const auto axes = reduce_detail::sum_to_axes(x.shape(), shape, broadcast_shapes(shape, x.shape(), "sum_to"));
  if (axes.empty()) return x.reshape(shape.vec());
  return sum(x, axes, true).reshape(shape.vec());
}

}  // namespace gantry::ops
