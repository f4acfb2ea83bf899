#pragma once
// Softmax cross-entropy on class logits, and the ADC-GAN classifier terms (SPECS §8b).
//
// ADC-GAN's classifier head has 2K outputs: class y of real data is label 2y, class y of
// generated data is label 2y + 1. The discriminator learns to tell both the class and the
// source; the generator pulls its samples towards "real class y" and away from "fake class y".
#include <cstdint>
#include <vector>

#include "../autograd/backend.hpp"
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../autograd/ops/softmax.hpp"
#include "../autograd/var.hpp"

namespace gantry {

namespace detail {
// The [N, K] one-hot matrix of `labels` (a constant: labels carry no gradient).
template <class T, class D>
Tensor<T, D> one_hot(const char* op, const std::vector<int64_t>& labels, const Shape& logits_shape) {
  check<ShapeError>(logits_shape.rank() == 2, op, ": logits must be [N, K], got ", logits_shape.str());
  const int64_t n = logits_shape[0], k = logits_shape[1];
  check<ShapeError>(static_cast<int64_t>(labels.size()) == n, op, ": logits of shape ", logits_shape.str(), " and ",
                    labels.size(), " labels (one per row needed)");
  std::vector<T> v(static_cast<std::size_t>(n * k), T(0));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t y = labels[static_cast<std::size_t>(i)];
    check<ShapeError>(y >= 0 && y < k, op, ": label ", y, " of row ", i, " is outside [0, ", k, ") for logits of shape ",
                      logits_shape.str());
    v[static_cast<std::size_t>(i * k + y)] = T(1);
  }
  return Tensor<T, D>::from(logits_shape, v);
}
}  // namespace detail

// mean_n -log softmax(logits_n)[labels_n] (torch.nn.functional.cross_entropy), for logits
// [N, K] and N labels in [0, K). Built on log_softmax, so large logits are safe and the
// second derivative is exact.
template <class T, class D>
Var<T, D> cross_entropy(const Var<T, D>& logits, const std::vector<int64_t>& labels) {
  const auto target = Var<T, D>::constant(detail::one_hot<T, D>("cross_entropy", labels, logits.shape()));
  const auto picked = sum(mul(log_softmax(logits, 1), target), {1});
  return neg(mean(picked));
}

struct ADC {
  // 2y for real data, 2y + 1 for generated data.
  static std::vector<int64_t> real_labels(const std::vector<int64_t>& y) { return shifted(y, 0); }
  static std::vector<int64_t> fake_labels(const std::vector<int64_t>& y) { return shifted(y, 1); }

  // CE(C(x_real), 2 y_real) + CE(C(G(z, y_fake)), 2 y_fake + 1); the trainer scales it by
  // lambda_D and adds it to the adversarial loss.
  template <class T, class D>
  static Var<T, D> d_loss(const Var<T, D>& logits_real, const std::vector<int64_t>& y_real,
                          const Var<T, D>& logits_fake, const std::vector<int64_t>& y_fake) {
    return add(cross_entropy(logits_real, real_labels(y_real)), cross_entropy(logits_fake, fake_labels(y_fake)));
  }

  // CE(C(G(z, y)), 2y) - CE(C(G(z, y)), 2y + 1); scaled by lambda_G in the trainer.
  template <class T, class D>
  static Var<T, D> g_loss(const Var<T, D>& logits_fake, const std::vector<int64_t>& y) {
    return sub(cross_entropy(logits_fake, real_labels(y)), cross_entropy(logits_fake, fake_labels(y)));
  }

 private:
  static std::vector<int64_t> shifted(const std::vector<int64_t>& y, int64_t source) {
    std::vector<int64_t> out(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) out[i] = 2 * y[i] + source;
    return out;
  }
};

}  // namespace gantry
