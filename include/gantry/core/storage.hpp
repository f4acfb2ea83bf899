#pragma once
// Reference-counted raw memory on one device. Type-erased so that its layout is the same
// whichever device it lives on and whether or not the unit is compiled by nvcc.
#include <cstddef>
#include <memory>

namespace gantry {

struct Storage {
  using Release = void (*)(void* ptr, std::size_t bytes);
  void* ptr = nullptr;
  std::size_t bytes = 0;
  Release release = nullptr;

  Storage(void* p, std::size_t n, Release r) : ptr(p), bytes(n), release(r) {}
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (release) release(ptr, bytes);
  }
};

// How a device allocates and copies. Specialised for cpu in core/ and for cuda in
// backend/cuda/memory.hpp (only there, so CUDA-free builds never see the runtime).
template <class D>
struct DeviceMemory;

}  // namespace gantry
