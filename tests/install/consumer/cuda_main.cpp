// Uses the installed CUDA host API from plain C++: a round trip through GPU memory.
#include <gantry/backend/cuda.hpp>

#include <iostream>

int main() {
  if (!gantry::cuda_available()) {
    std::cout << "gantry consumer_cuda: no CUDA device\n";
    return 0;
  }
  auto x = gantry::Tensor<float, gantry::cuda>::from({2, 2}, {1, 2, 3, 4});
  float sum = 0;
  for (float v : x.to_vector()) sum += v;
  std::cout << "gantry consumer_cuda: shape " << x.shape() << " sum " << sum << "\n";
  return sum == 10.0f ? 0 : 1;
}
