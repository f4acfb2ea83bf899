// Uses the installed headers: a tensor, an Eigen view of it, and the thread pool.
#include <gantry/core.hpp>

#include <atomic>
#include <iostream>

int main() {
  using gantry::Tensor;
  auto x = Tensor<float>::from({2, 3}, {1, 2, 3, 4, 5, 6});
  auto m = gantry::as_matrix(x);
  const float gram_trace = (m * m.transpose()).trace();  // 1+4+9+16+25+36

  std::atomic<std::int64_t> visited{0};
  gantry::parallel_for(0, x.numel(), 1, [&](std::int64_t lo, std::int64_t hi) { visited += hi - lo; });

  std::cout << "gantry consumer: shape " << x.shape() << " trace " << gram_trace << " visited " << visited
            << "\n";
  return gram_trace == 91.0f && visited == x.numel() ? 0 : 1;
}
