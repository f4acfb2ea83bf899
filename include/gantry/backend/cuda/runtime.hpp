#pragma once
// Device discovery, the stream, synchronisation. Every gantry op (copies, kernels, cuBLAS)
// runs on the current device's legacy default stream, whatever nvcc's --default-stream, so
// work is ordered and a freed block can be reused by the next op without events.
#include "error.hpp"

namespace gantry {

inline cudaStream_t cuda_stream() { return cudaStreamLegacy; }

// Number of usable CUDA devices; 0 when there is no device or no driver (never throws).
inline int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the error so later calls do not report it
    return 0;
  }
  return n;
}

inline bool cuda_available() { return cuda_device_count() > 0; }

inline int cuda_current_device() {
  int d = 0;
  GANTRY_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

// Waits for all queued gantry work on the current device and reports any asynchronous error.
inline void cuda_synchronize() { GANTRY_CUDA_CHECK(cudaStreamSynchronize(cuda_stream())); }

}  // namespace gantry
