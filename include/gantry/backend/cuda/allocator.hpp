#pragma once
// Caching device allocator: freed blocks are kept per (device, size class) and handed out
// again, so a training step that repeats its shapes stops calling cudaMalloc (which also
// synchronises the device). Size classes are core/allocator.hpp's. Reuse is safe without
// events because every op is ordered on one stream (cuda_stream() in runtime.hpp).
#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../../core/allocator.hpp"
#include "error.hpp"

namespace gantry {

class CudaAllocator {
 public:
  static CudaAllocator& instance() {
    static CudaAllocator* a = new CudaAllocator();  // never destroyed: tensors may outlive statics
    return *a;
  }

  // A block of at least `bytes` on the current device.
  void* allocate(std::size_t bytes) {
    int device = 0;
    GANTRY_CUDA_CHECK(cudaGetDevice(&device));
    const std::size_t cls = detail::size_class(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find({device, cls});
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        owner_[p] = device;
        stats_.cache_hits++;
        stats_.bytes_cached -= cls;
        stats_.bytes_in_use += cls;
        return p;
      }
    }
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, cls);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      empty_cache();  // cached blocks of other sizes may make room
      err = cudaMalloc(&p, cls);
    }
    if (err != cudaSuccess) {
      (void)cudaGetLastError();
      const AllocatorStats s = stats();
      fail<CudaError>("CUDA error: cudaMalloc(", cls, " bytes) on device ", device,
                      " failed: ", cudaGetErrorString(err), " (", cudaGetErrorName(err), "); gantry holds ",
                      s.bytes_in_use, " bytes in tensors and ", s.bytes_cached, " bytes cached");
    }
    std::lock_guard<std::mutex> lock(mu_);
    owner_[p] = device;
    stats_.system_allocations++;
    stats_.bytes_in_use += cls;
    return p;
  }

  // Returns a block to the cache. Makes no CUDA call, so it is safe in destructors and at exit.
  void deallocate(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    const std::size_t cls = detail::size_class(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = owner_.find(p);
    const int device = it != owner_.end() ? it->second : 0;
    if (it != owner_.end()) owner_.erase(it);
    free_[{device, cls}].push_back(p);
    stats_.bytes_in_use -= cls;
    stats_.bytes_cached += cls;
  }

  // Frees every cached block (cudaFree), on the device it came from.
  void empty_cache() {
    std::map<Key, std::vector<void*>> blocks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      blocks.swap(free_);
      stats_.bytes_cached = 0;
    }
    if (blocks.empty()) return;
    int current = 0;
    GANTRY_CUDA_CHECK(cudaGetDevice(&current));
    for (auto& [key, list] : blocks) {
      GANTRY_CUDA_CHECK(cudaSetDevice(key.first));
      for (void* p : list) GANTRY_CUDA_CHECK(cudaFree(p));
    }
    GANTRY_CUDA_CHECK(cudaSetDevice(current));
  }

  AllocatorStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  using Key = std::pair<int, std::size_t>;  // (device, size class)
  CudaAllocator() = default;
  mutable std::mutex mu_;
  std::map<Key, std::vector<void*>> free_;
  std::unordered_map<void*, int> owner_;  // device of each block in use
  AllocatorStats stats_;
};

}  // namespace gantry
