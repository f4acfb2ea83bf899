// Tensor<T, cuda> in a unit built without GANTRY_WITH_CUDA is a readable compile error.
// expect-error: gantry: Tensor<T, cuda> is used in a translation unit built without CUDA.
#include <gantry/core/tensor.hpp>

#if defined(GANTRY_COMPILE_FAIL_CONTROL)
using Dev = gantry::cpu;
#else
using Dev = gantry::cuda;
#endif

int main() {
  auto t = gantry::Tensor<float, Dev>::zeros({2, 3});
  return static_cast<int>(t.numel());
}
