#pragma once
// Matrix products on Tensor<T, cuda> through cuBLAS, with the CPU backend's semantics and
// messages (backend/cpu/gemm.hpp): matmul is 2-D x 2-D or 3-D x 3-D, bmm is 3-D x 3-D, and
// a batch of 1 is broadcast. Host code only: usable from any C++ compiler.
//
// cuBLAS is column-major. A row-major [r, c] matrix is the column-major [c, r] matrix with
// the same memory, its transpose; so row-major C = op(A) op(B) is computed as column-major
// C^T = op(B)^T op(A)^T, i.e. cuBLAS's gemm with the operands swapped and the same flags.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <type_traits>

#include "../../core/error.hpp"
#include "../../core/tensor.hpp"
#include "../matmul_shapes.hpp"
#include "blas.hpp"
#include "memory.hpp"

namespace gantry {

namespace cuda_detail {

using gantry::matmul_detail::check_matmul_operands;

inline int blas_int(int64_t v, const char* op) {
  check<ShapeError>(v <= INT_MAX, op, ": dimension ", v, " exceeds cuBLAS's 32-bit limit");
  return static_cast<int>(v);
}

// Row-major C[batch, M, N] = op(A) op(B); `lda`/`ldb` are the row lengths of A and B as
// stored, `sa`/`sb` their batch strides in elements (0 broadcasts one matrix).
template <class T>
void gemm_batched(const char* op, int64_t batch, int64_t M, int64_t N, int64_t K, const T* a, int64_t lda, int64_t sa,
                  bool ta, const T* b, int64_t ldb, int64_t sb, bool tb, T* c) {
  if (batch == 0 || M == 0 || N == 0) return;
  if (K == 0) {
    DeviceMemory<cuda>::fill_zero(c, static_cast<std::size_t>(batch * M * N) * sizeof(T));
    return;
  }
  const T one = T(1), zero = T(0);
  const cublasOperation_t opb = tb ? CUBLAS_OP_T : CUBLAS_OP_N, opa = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int m = blas_int(N, op), n = blas_int(M, op), k = blas_int(K, op);
  const int ld_b = blas_int(std::max<int64_t>(ldb, 1), op), ld_a = blas_int(std::max<int64_t>(lda, 1), op);
  const int nb = blas_int(batch, op);
  cublasHandle_t h = cublas_handle();
  if constexpr (std::is_same_v<T, float>) {
    if (batch == 1)
      GANTRY_CUBLAS_CHECK(cublasSgemm(h, opb, opa, m, n, k, &one, b, ld_b, a, ld_a, &zero, c, m));
    else
      GANTRY_CUBLAS_CHECK(cublasSgemmStridedBatched(h, opb, opa, m, n, k, &one, b, ld_b, sb, a, ld_a, sa, &zero, c, m,
                                                    M * N, nb));
  } else {
    if (batch == 1)
      GANTRY_CUBLAS_CHECK(cublasDgemm(h, opb, opa, m, n, k, &one, b, ld_b, a, ld_a, &zero, c, m));
    else
      GANTRY_CUBLAS_CHECK(cublasDgemmStridedBatched(h, opb, opa, m, n, k, &one, b, ld_b, sb, a, ld_a, sa, &zero, c, m,
                                                    M * N, nb));
  }
}

}  // namespace cuda_detail

namespace ops {

// Batched product: a[B or 1, M, K] x b[B or 1, K, N] -> [B, M, N] (with transposes applied
// to the last two axes of each operand). A batch of 1 is broadcast.
template <class T>
Tensor<T, cuda> bmm(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b, bool trans_a = false, bool trans_b = false) {
  cuda_detail::check_matmul_operands("bmm", a.shape(), b.shape(), trans_a, trans_b, 3);
  const int64_t batch = std::max(a.dim(0), b.dim(0));
  const int64_t M = trans_a ? a.dim(2) : a.dim(1), K = trans_a ? a.dim(1) : a.dim(2);
  const int64_t N = trans_b ? b.dim(1) : b.dim(2);
  Tensor<T, cuda> out(Shape{batch, M, N});
  const int64_t sa = a.dim(0) == 1 ? 0 : a.dim(1) * a.dim(2), sb = b.dim(0) == 1 ? 0 : b.dim(1) * b.dim(2);
  cuda_detail::gemm_batched<T>("bmm", batch, M, N, K, a.data(), a.dim(2), sa, trans_a, b.data(), b.dim(2), sb, trans_b,
                               out.data());
  return out;
}

// Matrix product with optional transposes: a[M, K] x b[K, N] -> [M, N]. Rank-3 operands
// are batched (see bmm).
template <class T>
Tensor<T, cuda> matmul(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b, bool trans_a = false, bool trans_b = false) {
  if (a.rank() == 3 && b.rank() == 3) return bmm(a, b, trans_a, trans_b);
  check<ShapeError>(a.rank() == 2 && b.rank() == 2, "matmul: shapes ", a.shape().str(), " and ", b.shape().str(),
                    " must both have rank 2 (rows, cols) or both rank 3 (batch, rows, cols)");
  cuda_detail::check_matmul_operands("matmul", a.shape(), b.shape(), trans_a, trans_b, 2);
  const int64_t M = trans_a ? a.dim(1) : a.dim(0), K = trans_a ? a.dim(0) : a.dim(1);
  const int64_t N = trans_b ? b.dim(0) : b.dim(1);
  Tensor<T, cuda> out(Shape{M, N});
  cuda_detail::gemm_batched<T>("matmul", 1, M, N, K, a.data(), a.dim(1), 0, trans_a, b.data(), b.dim(1), 0, trans_b,
                               out.data());
  return out;
}

}  // namespace ops
}  // namespace gantry
