// doctest main for the CUDA tests: says plainly when there is no device to test on.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdio>

#include "cuda_test.hpp"

int main(int argc, char** argv) {
  if (gantry_test::cuda_missing()) {
    int n = 0;
    const cudaError_t err = cudaGetDeviceCount(&n);
    std::printf("no CUDA device: skipped (cudaGetDeviceCount: %s)\n",
                err == cudaSuccess ? "0 devices" : cudaGetErrorString(err));
  }
  doctest::Context context(argc, argv);
  return context.run();
}
