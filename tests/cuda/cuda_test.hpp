#pragma once
// Shared by the CUDA tests. Without a device (or a driver) every CUDA test case is skipped,
// so the programs pass on CPU-only machines; CTest reports them as skipped.
#include <doctest/doctest.h>

#include <gantry/backend/cuda/runtime.hpp>

namespace gantry_test {

inline bool cuda_missing() {
  static const bool missing = gantry::cuda_device_count() == 0;
  return missing;
}

}  // namespace gantry_test

// A test case that needs a CUDA device; skipped (not failed) without one.
#define GANTRY_CUDA_TEST_CASE(name) TEST_CASE(name * doctest::skip(::gantry_test::cuda_missing()))
