# CUDA backend: the gantry::cuda target, the CUDA tests and benchmarks, and the compile-fail checks.
#
# gantry::cuda = gantry::gantry + the CUDA runtime + cuBLAS + GANTRY_WITH_CUDA. A unit that
# links it may use Tensor<T, cuda> (memory, copies, matmul) from any C++ compiler; the
# elementwise and reduction kernels are compiled in .cu files only. Targets with .cu
# sources should use the shared CUDA runtime (CUDA_RUNTIME_LIBRARY Shared), as cuBLAS does.
if(GANTRY_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    # Turing machine code + PTX (JIT for Ampere/Ada), and Hopper machine code.
    set(CMAKE_CUDA_ARCHITECTURES 75 90)
  endif()
  if(NOT DEFINED CMAKE_CUDA_RUNTIME_LIBRARY)
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)

  add_library(gantry_cuda INTERFACE)
  add_library(gantry::cuda ALIAS gantry_cuda)
  target_link_libraries(gantry_cuda INTERFACE gantry::gantry CUDA::cudart CUDA::cublas)
  target_compile_definitions(gantry_cuda INTERFACE GANTRY_WITH_CUDA)
  if("cuda_std_20" IN_LIST CMAKE_CUDA_COMPILE_FEATURES)
    target_compile_features(gantry_cuda INTERFACE cuda_std_20)
  else()
    # CMake < 3.26 does not know nvcc's C++20 mode; nvcc 12+ has it.
    target_compile_options(gantry_cuda INTERFACE $<$<COMPILE_LANGUAGE:CUDA>:-std=c++20>)
  endif()
  # Device lambdas for ops::unary / ops::binary with user functions.
  target_compile_options(gantry_cuda INTERFACE $<$<COMPILE_LANGUAGE:CUDA>:--extended-lambda>)

  # gantry::nccl: the GPU collectives (distributed/nccl.hpp) when the toolkit has NCCL.
  find_path(GANTRY_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  find_library(GANTRY_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
  if(GANTRY_NCCL_INCLUDE_DIR AND GANTRY_NCCL_LIBRARY)
    add_library(gantry_nccl INTERFACE)
    add_library(gantry::nccl ALIAS gantry_nccl)
    target_include_directories(gantry_nccl INTERFACE ${GANTRY_NCCL_INCLUDE_DIR})
    target_link_libraries(gantry_nccl INTERFACE gantry::cuda ${GANTRY_NCCL_LIBRARY})
  else()
    message(STATUS "gantry: no NCCL in the CUDA toolkit, so no gantry::nccl (GPU collectives)")
  endif()
endif()

if(GANTRY_BUILD_TESTS)
  enable_testing()
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/compile_fail ${PROJECT_BINARY_DIR}/tests/compile_fail)
  if(GANTRY_CUDA)
    add_subdirectory(${PROJECT_SOURCE_DIR}/tests/cuda ${PROJECT_BINARY_DIR}/tests/cuda)
  endif()
endif()
if(GANTRY_CUDA AND GANTRY_BUILD_BENCH)
  add_subdirectory(${PROJECT_SOURCE_DIR}/bench/cuda ${PROJECT_BINARY_DIR}/bench/cuda)
endif()
