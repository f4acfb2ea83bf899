#pragma once
// One cuBLAS handle per device, created on first use and bound to cuda_stream(). cuBLAS
// handles may be shared by threads as long as their settings do not change, and these never
// do. Default math mode: no TF32, so float GEMMs are full FP32 as on the CPU.
#include <mutex>
#include <vector>

#include "error.hpp"
#include "runtime.hpp"

namespace gantry {

inline cublasHandle_t cublas_handle() {
  static std::mutex mu;
  static auto* handles = new std::vector<cublasHandle_t>();  // never destroyed: no cuBLAS calls at exit
  const int device = cuda_current_device();
  std::lock_guard<std::mutex> lock(mu);
  if (handles->size() <= static_cast<std::size_t>(device)) handles->resize(static_cast<std::size_t>(device) + 1, nullptr);
  cublasHandle_t& h = (*handles)[static_cast<std::size_t>(device)];
  if (!h) {
    cublasHandle_t created = nullptr;
    GANTRY_CUBLAS_CHECK(cublasCreate(&created));
    GANTRY_CUBLAS_CHECK(cublasSetStream(created, cuda_stream()));
    GANTRY_CUBLAS_CHECK(cublasSetMathMode(created, CUBLAS_DEFAULT_MATH));
    h = created;
  }
  return h;
}

}  // namespace gantry
