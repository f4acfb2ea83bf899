#pragma once
// CUDA runtime and cuBLAS failures as gantry::Error, naming the call that failed and where.
#if !defined(GANTRY_WITH_CUDA)
#error "gantry/backend/cuda needs GANTRY_WITH_CUDA: link the target gantry::cuda (CMake option GANTRY_CUDA=ON)"
#endif

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include "../../core/error.hpp"

namespace gantry {

// A failed CUDA runtime or cuBLAS call.
class CudaError : public Error {
 public:
  using Error::Error;
};

namespace cuda_detail {

inline void check_cuda(cudaError_t err, const char* call, const char* file, int line) {
  if (err == cudaSuccess) return;
  fail<CudaError>("CUDA error: ", call, " failed: ", cudaGetErrorString(err), " (", cudaGetErrorName(err), ") at ",
                  file, ":", line);
}

inline void check_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  fail<CudaError>("cuBLAS error: ", call, " failed: ", cublasGetStatusString(status), " (", cublasGetStatusName(status),
                  ") at ", file, ":", line);
}

}  // namespace cuda_detail
}  // namespace gantry

// Throws gantry::CudaError when a CUDA runtime call does not return cudaSuccess.
#define GANTRY_CUDA_CHECK(call) ::gantry::cuda_detail::check_cuda((call), #call, __FILE__, __LINE__)
// Throws gantry::CudaError when a cuBLAS call does not return CUBLAS_STATUS_SUCCESS.
#define GANTRY_CUBLAS_CHECK(call) ::gantry::cuda_detail::check_cublas((call), #call, __FILE__, __LINE__)
