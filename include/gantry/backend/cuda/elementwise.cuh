#pragma once
// Elementwise CUDA kernels with NumPy broadcasting, and the named ops on Tensor<T, cuda>
// with the semantics, names and messages of backend/cpu/elementwise.hpp. Each formula is
// written as on the CPU, so +, -, *, /, sqrt and the comparisons give the same bits.
#include <climits>
#include <cstdint>

#include "../../core/tensor.hpp"
#include "launch.cuh"
#include "memory.hpp"

namespace gantry::cuda_detail {

template <class T, class F>
__global__ void map_kernel(const T* __restrict__ in, T* __restrict__ out, int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[i] = f(in[i]);
}

// Same shapes.
template <class T, class F>
__global__ void zip_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out, int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[i] = f(a[i], b[i]);
}

// One operand is a single element; `a_is_scalar` says which.
template <class T, class F>
__global__ void zip_scalar_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out, int64_t n,
                                  bool a_is_scalar, F f) {
  const T s = a_is_scalar ? a[0] : b[0];
  const T* __restrict__ v = a_is_scalar ? b : a;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[i] = a_is_scalar ? f(s, v[i]) : f(v[i], s);
}

template <class T, class I, class F>
__global__ void zip_broadcast_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out, I n,
                                     Broadcast<2> bc, F f) {
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < n; i += I(gridDim.x) * blockDim.x) {
    I off[2];
    bc.offsets(i, off);
    out[i] = f(a[off[0]], b[off[1]]);
  }
}

template <class T, class I>
__global__ void where_kernel(const T* __restrict__ c, const T* __restrict__ a, const T* __restrict__ b,
                             T* __restrict__ out, I n, Broadcast<3> bc) {
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < n; i += I(gridDim.x) * blockDim.x) {
    I off[3];
    bc.offsets(i, off);
    out[i] = c[off[0]] != T(0) ? a[off[1]] : b[off[2]];
  }
}

template <class T, class I>
__global__ void broadcast_copy_kernel(const T* __restrict__ a, T* __restrict__ out, I n, Broadcast<1> bc) {
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < n; i += I(gridDim.x) * blockDim.x) {
    I off[1];
    bc.offsets(i, off);
    out[i] = a[off[0]];
  }
}

// 32-bit index arithmetic where it fits (the broadcast kernels divide per element); the
// margin keeps the grid-stride loop's last step from overflowing.
inline bool fits_int32(int64_t n) { return n <= INT_MAX / 2; }

// The ops' formulas, as function objects (host and device, so the CPU can check them).
struct Add { template <class T> __host__ __device__ T operator()(T x, T y) const { return x + y; } };
struct Sub { template <class T> __host__ __device__ T operator()(T x, T y) const { return x - y; } };
struct Mul { template <class T> __host__ __device__ T operator()(T x, T y) const { return x * y; } };
struct Div { template <class T> __host__ __device__ T operator()(T x, T y) const { return x / y; } };
struct Pow { template <class T> __host__ __device__ T operator()(T x, T y) const { return d_pow(x, y); } };
struct Maximum { template <class T> __host__ __device__ T operator()(T x, T y) const { return x > y ? x : y; } };
struct Minimum { template <class T> __host__ __device__ T operator()(T x, T y) const { return x < y ? x : y; } };
struct Gt { template <class T> __host__ __device__ T operator()(T x, T y) const { return T(x > y); } };
struct Ge { template <class T> __host__ __device__ T operator()(T x, T y) const { return T(x >= y); } };
struct Eq { template <class T> __host__ __device__ T operator()(T x, T y) const { return T(x == y); } };

struct Neg { template <class T> __host__ __device__ T operator()(T x) const { return -x; } };
struct Exp { template <class T> __host__ __device__ T operator()(T x) const { return d_exp(x); } };
struct Log { template <class T> __host__ __device__ T operator()(T x) const { return d_log(x); } };
struct Sqrt { template <class T> __host__ __device__ T operator()(T x) const { return d_sqrt(x); } };
struct Rsqrt { template <class T> __host__ __device__ T operator()(T x) const { return T(1) / d_sqrt(x); } };
struct Abs { template <class T> __host__ __device__ T operator()(T x) const { return d_abs(x); } };
struct Sign { template <class T> __host__ __device__ T operator()(T x) const { return T((x > T(0)) - (x < T(0))); } };
struct Tanh { template <class T> __host__ __device__ T operator()(T x) const { return d_tanh(x); } };
struct Square { template <class T> __host__ __device__ T operator()(T x) const { return x * x; } };
// Two branches so that exp never overflows.
struct Sigmoid {
  template <class T>
  __host__ __device__ T operator()(T x) const {
    if (x >= T(0)) return T(1) / (T(1) + d_exp(-x));
    const T e = d_exp(x);
    return e / (T(1) + e);
  }
};
struct Relu { template <class T> __host__ __device__ T operator()(T x) const { return x > T(0) ? x : T(0); } };

template <class T> struct AddScalar { T s; __host__ __device__ T operator()(T x) const { return x + s; } };
template <class T> struct MulScalar { T s; __host__ __device__ T operator()(T x) const { return x * s; } };
template <class T> struct PowScalar { T p; __host__ __device__ T operator()(T x) const { return d_pow(x, p); } };
template <class T> struct RdivScalar { T s; __host__ __device__ T operator()(T x) const { return s / x; } };
template <class T> struct GtScalar { T s; __host__ __device__ T operator()(T x) const { return T(x > s); } };
template <class T> struct LeakyRelu { T slope; __host__ __device__ T operator()(T x) const { return x > T(0) ? x : slope * x; } };
template <class T> struct LeakyReluSlope { T slope; __host__ __device__ T operator()(T x) const { return x > T(0) ? T(1) : slope; } };
// As std::min(std::max(x, lo), hi): a NaN stays NaN.
template <class T> struct Clamp {
  T lo, hi;
  __host__ __device__ T operator()(T x) const {
    const T m = x < lo ? lo : x;
    return hi < m ? hi : m;
  }
};
template <class T> struct InRange { T lo, hi; __host__ __device__ T operator()(T x) const { return T(x >= lo && x <= hi); } };

}  // namespace gantry::cuda_detail

namespace gantry::ops {

// out = f(a), elementwise. `f` is a device function object (or an nvcc __device__ lambda).
template <class T, class F>
Tensor<T, cuda> unary(const Tensor<T, cuda>& a, F f) {
  Tensor<T, cuda> out(a.shape());
  const int64_t n = a.numel();
  if (n == 0) return out;
  cuda_detail::map_kernel<<<cuda_detail::grid_for(n), cuda_detail::block_size, 0, cuda_stream()>>>(a.data(), out.data(),
                                                                                                    n, f);
  cuda_detail::check_launch("unary");
  return out;
}

// out = f(a, b) with broadcasting. `name` is used in error messages.
template <class T, class F>
Tensor<T, cuda> binary(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b, const char* name, F f) {
  const Shape s = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor<T, cuda> out(s);
  const int64_t n = s.numel();
  if (n == 0) return out;
  const unsigned grid = cuda_detail::grid_for(n);
  constexpr int block = cuda_detail::block_size;
  if (a.shape() == s && b.shape() == s) {
    cuda_detail::zip_kernel<<<grid, block, 0, cuda_stream()>>>(a.data(), b.data(), out.data(), n, f);
  } else if ((a.shape() == s && b.numel() == 1) || (b.shape() == s && a.numel() == 1)) {
    const bool a_is_scalar = !(a.shape() == s && b.numel() == 1);
    cuda_detail::zip_scalar_kernel<<<grid, block, 0, cuda_stream()>>>(a.data(), b.data(), out.data(), n, a_is_scalar,
                                                                       f);
  } else {
    auto bc = cuda_detail::make_broadcast<2>(s);
    cuda_detail::set_broadcast_strides(bc, 0, a.shape(), s);
    cuda_detail::set_broadcast_strides(bc, 1, b.shape(), s);
    if (cuda_detail::fits_int32(n))
      cuda_detail::zip_broadcast_kernel<T, int32_t><<<grid, block, 0, cuda_stream()>>>(
          a.data(), b.data(), out.data(), static_cast<int32_t>(n), bc, f);
    else
      cuda_detail::zip_broadcast_kernel<T, int64_t><<<grid, block, 0, cuda_stream()>>>(a.data(), b.data(), out.data(),
                                                                                        n, bc, f);
  }
  cuda_detail::check_launch(name);
  return out;
}

// Arithmetic.
template <class T> Tensor<T, cuda> add(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "add", cuda_detail::Add{}); }
template <class T> Tensor<T, cuda> sub(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "sub", cuda_detail::Sub{}); }
template <class T> Tensor<T, cuda> mul(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "mul", cuda_detail::Mul{}); }
template <class T> Tensor<T, cuda> div(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "div", cuda_detail::Div{}); }
template <class T> Tensor<T, cuda> pow(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "pow", cuda_detail::Pow{}); }
template <class T> Tensor<T, cuda> maximum(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "maximum", cuda_detail::Maximum{}); }
template <class T> Tensor<T, cuda> minimum(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "minimum", cuda_detail::Minimum{}); }

// With a scalar.
template <class T> Tensor<T, cuda> add_scalar(const Tensor<T, cuda>& a, T s) { return unary(a, cuda_detail::AddScalar<T>{s}); }
template <class T> Tensor<T, cuda> mul_scalar(const Tensor<T, cuda>& a, T s) { return unary(a, cuda_detail::MulScalar<T>{s}); }
template <class T> Tensor<T, cuda> pow_scalar(const Tensor<T, cuda>& a, T p) {
  if (p == T(2)) return unary(a, cuda_detail::Square{});
  return unary(a, cuda_detail::PowScalar<T>{p});
}
// s / a
template <class T> Tensor<T, cuda> rdiv_scalar(T s, const Tensor<T, cuda>& a) { return unary(a, cuda_detail::RdivScalar<T>{s}); }

// Unary math.
template <class T> Tensor<T, cuda> neg(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Neg{}); }
template <class T> Tensor<T, cuda> exp(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Exp{}); }
template <class T> Tensor<T, cuda> log(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Log{}); }
template <class T> Tensor<T, cuda> sqrt(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Sqrt{}); }
template <class T> Tensor<T, cuda> rsqrt(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Rsqrt{}); }
template <class T> Tensor<T, cuda> abs(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Abs{}); }
template <class T> Tensor<T, cuda> sign(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Sign{}); }
template <class T> Tensor<T, cuda> tanh(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Tanh{}); }
template <class T> Tensor<T, cuda> sigmoid(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Sigmoid{}); }
template <class T> Tensor<T, cuda> relu(const Tensor<T, cuda>& a) { return unary(a, cuda_detail::Relu{}); }
template <class T> Tensor<T, cuda> leaky_relu(const Tensor<T, cuda>& a, T slope) { return unary(a, cuda_detail::LeakyRelu<T>{slope}); }
template <class T> Tensor<T, cuda> clamp(const Tensor<T, cuda>& a, T lo, T hi) { return unary(a, cuda_detail::Clamp<T>{lo, hi}); }

// Masks: 1 where the relation holds, else 0.
template <class T> Tensor<T, cuda> gt(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "gt", cuda_detail::Gt{}); }
template <class T> Tensor<T, cuda> ge(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "ge", cuda_detail::Ge{}); }
template <class T> Tensor<T, cuda> eq(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) { return binary(a, b, "eq", cuda_detail::Eq{}); }
template <class T> Tensor<T, cuda> gt_scalar(const Tensor<T, cuda>& a, T s) { return unary(a, cuda_detail::GtScalar<T>{s}); }
// 1 where lo <= x <= hi: the region where clamp passes gradients.
template <class T> Tensor<T, cuda> in_range(const Tensor<T, cuda>& a, T lo, T hi) { return unary(a, cuda_detail::InRange<T>{lo, hi}); }
// leaky_relu's derivative: 1 where x > 0, else slope.
template <class T> Tensor<T, cuda> leaky_relu_slope(const Tensor<T, cuda>& a, T slope) { return unary(a, cuda_detail::LeakyReluSlope<T>{slope}); }

// cond ? a : b, elementwise with broadcasting of all three (cond is nonzero for true).
template <class T>
Tensor<T, cuda> where(const Tensor<T, cuda>& cond, const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) {
  const Shape s = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor<T, cuda> out(s);
  const int64_t n = s.numel();
  if (n == 0) return out;
  auto bc = cuda_detail::make_broadcast<3>(s);
  cuda_detail::set_broadcast_strides(bc, 0, cond.shape(), s);
  cuda_detail::set_broadcast_strides(bc, 1, a.shape(), s);
  cuda_detail::set_broadcast_strides(bc, 2, b.shape(), s);
  const unsigned grid = cuda_detail::grid_for(n);
  if (cuda_detail::fits_int32(n))
    cuda_detail::where_kernel<T, int32_t><<<grid, cuda_detail::block_size, 0, cuda_stream()>>>(
        cond.data(), a.data(), b.data(), out.data(), static_cast<int32_t>(n), bc);
  else
    cuda_detail::where_kernel<T, int64_t><<<grid, cuda_detail::block_size, 0, cuda_stream()>>>(
        cond.data(), a.data(), b.data(), out.data(), n, bc);
  cuda_detail::check_launch("where");
  return out;
}

// Copies `a` broadcast to `shape` (returns `a` itself when the shapes are equal).
template <class T>
Tensor<T, cuda> broadcast_to(const Tensor<T, cuda>& a, const Shape& shape) {
  const Shape s = broadcast_shapes(a.shape(), shape, "broadcast_to");
  check<ShapeError>(s == shape, "broadcast_to: shape ", a.shape().str(), " cannot be broadcast to ", shape.str());
  if (a.shape() == shape) return a;
  Tensor<T, cuda> out(shape);
  const int64_t n = shape.numel();
  if (n == 0) return out;
  auto bc = cuda_detail::make_broadcast<1>(shape);
  cuda_detail::set_broadcast_strides(bc, 0, a.shape(), shape);
  const unsigned grid = cuda_detail::grid_for(n);
  if (cuda_detail::fits_int32(n))
    cuda_detail::broadcast_copy_kernel<T, int32_t><<<grid, cuda_detail::block_size, 0, cuda_stream()>>>(
        a.data(), out.data(), static_cast<int32_t>(n), bc);
  else
    cuda_detail::broadcast_copy_kernel<T, int64_t><<<grid, cuda_detail::block_size, 0, cuda_stream()>>>(
        a.data(), out.data(), n, bc);
  cuda_detail::check_launch("broadcast_to");
  return out;
}

}  // namespace gantry::ops
