#pragma once
// DeviceMemory<cuda>: how Tensor<T, cuda> allocates (through CudaAllocator) and copies
// (CUDA runtime, ordered on cuda_stream()). Plain host code: any C++ compiler
// can use it in a unit that links gantry::cuda.
#include <cstddef>
#include <memory>

#include "../../core/storage.hpp"
#include "../../core/tensor.hpp"
#include "allocator.hpp"
#include "error.hpp"
#include "runtime.hpp"

namespace gantry {

template <>
struct DeviceMemory<cuda> {
  static std::shared_ptr<Storage> allocate(std::size_t bytes) {
    void* p = CudaAllocator::instance().allocate(bytes);
    return std::make_shared<Storage>(p, bytes, [](void* q, std::size_t n) {
      CudaAllocator::instance().deallocate(q, n);
    });
  }
  // Host transfers wait for completion: the host buffer may be freed or read right after.
  static void copy_from_host(void* dst, const void* src, std::size_t bytes) {
    if (bytes == 0) return;
    GANTRY_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, cuda_stream()));
    GANTRY_CUDA_CHECK(cudaStreamSynchronize(cuda_stream()));
  }
  static void copy_to_host(void* dst, const void* src, std::size_t bytes) {
    if (bytes == 0) return;
    GANTRY_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, cuda_stream()));
    GANTRY_CUDA_CHECK(cudaStreamSynchronize(cuda_stream()));
  }
  // Device-side work is queued and returns at once.
  static void copy(void* dst, const void* src, std::size_t bytes) {
    if (bytes == 0) return;
    GANTRY_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cuda_stream()));
  }
  static void fill_zero(void* dst, std::size_t bytes) {
    if (bytes == 0) return;
    GANTRY_CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, cuda_stream()));
  }
};

}  // namespace gantry
