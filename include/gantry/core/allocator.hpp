#pragma once
// Caching host allocator: 64-byte aligned blocks, freed blocks are kept in per-size
// free lists and reused, so a training step that repeats the same shapes does not
// call malloc for every op. Sizes are rounded to 1/8-octave classes to raise reuse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

namespace gantry {

inline constexpr std::size_t tensor_alignment = 64;

namespace detail {
// Round up to a size class: multiples of 64 bytes below 4 KiB, then 8 classes per octave.
inline std::size_t size_class(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes <= 4096) return (bytes + 63) & ~std::size_t{63};
  int top = 63 - __builtin_clzll(bytes);
  std::size_t step = std::size_t{1} << (top - 3);
  return (bytes + step - 1) & ~(step - 1);
}
}  // namespace detail

struct AllocatorStats {
  std::size_t system_allocations = 0;  // calls that reached the system allocator
  std::size_t cache_hits = 0;          // requests served from the cache
  std::size_t bytes_in_use = 0;
  std::size_t bytes_cached = 0;
};

class HostAllocator {
 public:
  static HostAllocator& instance() {
    static HostAllocator* a = new HostAllocator();  // never destroyed: tensors may outlive statics
    return *a;
  }

  void* allocate(std::size_t bytes) {
    const std::size_t cls = detail::size_class(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(cls);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        stats_.cache_hits++;
        stats_.bytes_cached -= cls;
        stats_.bytes_in_use += cls;
        return p;
      }
      stats_.system_allocations++;
      stats_.bytes_in_use += cls;
    }
    void* p = std::aligned_alloc(tensor_alignment, cls);
    if (!p) {
      empty_cache();
      p = std::aligned_alloc(tensor_alignment, cls);
      if (!p) throw std::bad_alloc();
    }
    return p;
  }

  void deallocate(void* p, std::size_t bytes) {
    if (!p) return;
    const std::size_t cls = detail::size_class(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    free_[cls].push_back(p);
    stats_.bytes_in_use -= cls;
    stats_.bytes_cached += cls;
  }

  // Returns every cached block to the system.
  void empty_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [cls, list] : free_)
      for (void* p : list) std::free(p);
    free_.clear();
    stats_.bytes_cached = 0;
  }

  AllocatorStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  HostAllocator() = default;
  mutable std::mutex mu_;
  std::map<std::size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

}  // namespace gantry
