#pragma once
// Shared pieces of gantry's CUDA kernels: launch sizes, the launch check, broadcasting
// index maps, and float/double overloads of the device math functions. nvcc only.
#if !defined(__CUDACC__)
#error "gantry/backend/cuda/*.cuh are CUDA kernels: include them from .cu files (nvcc), or include gantry/backend/cuda.hpp"
#endif

#include <algorithm>
#include <cstdint>

#include "../../core/shape.hpp"
#include "error.hpp"
#include "runtime.hpp"

namespace gantry::cuda_detail {

inline constexpr int block_size = 256;
inline constexpr int warp_size = 32;

// Blocks for a grid-stride loop over n items (never 0, so a launch is always valid).
inline unsigned grid_for(int64_t n, int per_block = block_size) {
  const int64_t blocks = (n + per_block - 1) / per_block;
  return static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, int64_t{1} << 16));
}

// Reports a failed launch (bad configuration, no device, an earlier asynchronous fault).
inline void check_launch(const char* kernel) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess)
    fail<CudaError>("CUDA error: launch of ", kernel, " failed (or an earlier kernel faulted): ",
                    cudaGetErrorString(err), " (", cudaGetErrorName(err), ")");
}

// Element offsets of N broadcast inputs at each position of the output (row-major,
// stride 0 along broadcast axes), in the index type I (32-bit when the output is small).
template <int N>
struct Broadcast {
  int rank = 0;
  int64_t dims[max_rank] = {};
  int64_t strides[N][max_rank] = {};

  template <class I>
  __host__ __device__ void offsets(I i, I (&off)[N]) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const I size = static_cast<I>(dims[d]);
      const I idx = i % size;
      i /= size;
      for (int k = 0; k < N; ++k) off[k] += idx * static_cast<I>(strides[k][d]);
    }
  }
};

// Strides of `in` read at the positions of `out` (0 along broadcast axes), written into row k.
template <int N>
void set_broadcast_strides(Broadcast<N>& b, int k, const Shape& in, const Shape& out) {
  int64_t s = 1;
  for (int i = in.rank() - 1, o = out.rank() - 1; i >= 0; --i, --o) {
    b.strides[k][o] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
}

template <int N>
Broadcast<N> make_broadcast(const Shape& out) {
  Broadcast<N> b;
  b.rank = out.rank();
  for (int d = 0; d < out.rank(); ++d) b.dims[d] = out[d];
  return b;
}

// Math with the float or double function chosen by overload, as std:: does.
__host__ __device__ inline float d_exp(float x) { return ::expf(x); }
__host__ __device__ inline double d_exp(double x) { return ::exp(x); }
__host__ __device__ inline float d_log(float x) { return ::logf(x); }
__host__ __device__ inline double d_log(double x) { return ::log(x); }
__host__ __device__ inline float d_sqrt(float x) { return ::sqrtf(x); }
__host__ __device__ inline double d_sqrt(double x) { return ::sqrt(x); }
__host__ __device__ inline float d_tanh(float x) { return ::tanhf(x); }
__host__ __device__ inline double d_tanh(double x) { return ::tanh(x); }
__host__ __device__ inline float d_abs(float x) { return ::fabsf(x); }
__host__ __device__ inline double d_abs(double x) { return ::fabs(x); }
__host__ __device__ inline float d_pow(float x, float y) { return ::powf(x, y); }
__host__ __device__ inline double d_pow(double x, double y) { return ::pow(x, y); }

}  // namespace gantry::cuda_detail
