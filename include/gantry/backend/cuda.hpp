#pragma once
// backend/cuda: Tensor<T, cuda> and its ops, in namespace gantry::ops. Needs GANTRY_WITH_CUDA
// (link gantry::cuda). Memory, copies, the caching allocator and cuBLAS matmul are host code
// and work from any C++ compiler; the elementwise and reduction kernels are compiled only by
// nvcc, so those ops exist in .cu files.
#include "cuda/allocator.hpp"
#include "cuda/blas.hpp"
#include "cuda/error.hpp"
#include "cuda/matmul.hpp"
#include "cuda/memory.hpp"
#include "cuda/runtime.hpp"

#if defined(__CUDACC__)
#include "cuda/elementwise.cuh"
#include "cuda/launch.cuh"
#include "cuda/reduce.cuh"
#endif
