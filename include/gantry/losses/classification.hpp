#pragma once
// Softmax cross-entropy and the multi-class hinge on class logits, and the auxiliary
// classifier policies of ADC-GAN, AC-GAN and TAC-GAN (ADC-GAN's train_fns.py).
#include <concepts>
#include <cstdint>
#include <vector>

#include "../autograd/backend.hpp"
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/layout.hpp"
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

// BigGAN-PyTorch's multi-class hinge (ADC-GAN's losses.loss_multi_class_hinge, `--hinge`):
// the mean over every row's K - 1 other classes j of relu(1 - l_y + l_j) (with `relu`, D's
// form) or of l_j - l_y (without, G's form).
template <class T, class D>
Var<T, D> multi_class_hinge(const Var<T, D>& logits, const std::vector<int64_t>& labels, bool relu_form) {
  const Tensor<T, D> hot = detail::one_hot<T, D>("multi_class_hinge", labels, logits.shape());
  const int64_t n = logits.dim(0), k = logits.dim(1);
  check<ShapeError>(k >= 2, "multi_class_hinge: needs at least 2 classes, got logits of shape ", logits.shape().str());
  Tensor<T, D> others(hot.shape());
  for (int64_t i = 0; i < hot.numel(); ++i) others.data()[i] = T(1) - hot.data()[i];
  const auto chosen = sum(mul(logits, Var<T, D>::constant(hot)), {1}, true);
  Var<T, D> margin = sub(logits, chosen);
  if (relu_form) margin = relu(add_scalar(margin, T(1)));
  return mul_scalar(sum(mul(margin, Var<T, D>::constant(others))), T(1) / static_cast<T>(n * (k - 1)));
}

// An auxiliary classifier's term in D's loss (ADC-GAN's classifier_loss_dis): cross-entropy,
// or the multi-class hinge with its relu.
template <class T, class D>
Var<T, D> classifier_loss_d(const Var<T, D>& logits, const std::vector<int64_t>& labels, bool hinge) {
  return hinge ? multi_class_hinge(logits, labels, true) : cross_entropy(logits, labels);
}
// ... and in G's (classifier_loss_gen): cross-entropy, or the hinge without its relu.
template <class T, class D>
Var<T, D> classifier_loss_g(const Var<T, D>& logits, const std::vector<int64_t>& labels, bool hinge) {
  return hinge ? multi_class_hinge(logits, labels, false) : cross_entropy(logits, labels);
}

// Auxiliary classifier policies: the classifier terms a discriminator step and a generator
// step add to the adversarial loss, read from D's classifier output (nn/heads/classifier_heads.hpp),
// as ADC-GAN's train_fns.py (houliangict/adcgan) orders them. Each carries its weights λ_D and
// λ_G and the choice of cross-entropy or multi-class hinge.
struct ClassifierLossOptions {
  double lambda_d = 1.0, lambda_g = 1.0;
  bool hinge = false;  // the multi-class hinge instead of cross-entropy
};

// ADC-GAN (ADCHead<K>: 2K logits; class y of real data is label 2y, of generated data 2y + 1):
//   D: λ_D [CE(C(x), 2y) + CE(C(G(z, y_g)), 2y_g + 1)]
//   G: λ_G [CE(C(G(z, y)), 2y) - CE(C(G(z, y)), 2y + 1)]
// D learns both the class and the source; G pulls its samples towards "real class y" and away
// from "generated class y".
struct ADC : ClassifierLossOptions {
  static constexpr const char* log_name = "adc";
  static std::vector<int64_t> real_labels(const std::vector<int64_t>& y) { return shifted(y, 0); }
  static std::vector<int64_t> fake_labels(const std::vector<int64_t>& y) { return shifted(y, 1); }

  template <class T, class D>
  Var<T, D> d_loss(const Var<T, D>& logits_real, const std::vector<int64_t>& y_real, const Var<T, D>& logits_fake,
                   const std::vector<int64_t>& y_fake) const {
    return mul_scalar(add(classifier_loss_d(logits_real, real_labels(y_real), hinge),
                          classifier_loss_d(logits_fake, fake_labels(y_fake), hinge)),
                      static_cast<T>(lambda_d));
  }
  template <class T, class D>
  Var<T, D> g_loss(const Var<T, D>& logits_fake, const std::vector<int64_t>& y) const {
    return mul_scalar(sub(classifier_loss_g(logits_fake, real_labels(y), hinge),
                          classifier_loss_g(logits_fake, fake_labels(y), hinge)),
                      static_cast<T>(lambda_g));
  }

 private:
  static std::vector<int64_t> shifted(const std::vector<int64_t>& y, int64_t source) {
    std::vector<int64_t> out(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) out[i] = 2 * y[i] + source;
    return out;
  }
};

// AC-GAN (ClassifierHead<K>: K logits), as ADC-GAN's code trains its AC-GAN baseline: D's
// classifier learns from real data only, G pulls its samples towards the asked class.
//   D: λ_D CE(C(x), y)        G: λ_G CE(C(G(z, y)), y)
// With `on_fake`, D's classifier also learns the asked classes of generated images, as in the
// original AC-GAN (Odena et al. 2017): D: λ_D [CE(C(x), y) + CE(C(G(z, y_g)), y_g)].
struct ACGAN : ClassifierLossOptions {
  static constexpr const char* log_name = "ac";
  bool on_fake = false;
  template <class T, class D>
  Var<T, D> d_loss(const Var<T, D>& logits_real, const std::vector<int64_t>& y_real, const Var<T, D>& logits_fake,
                   const std::vector<int64_t>& y_fake) const {
    Var<T, D> l = classifier_loss_d(logits_real, y_real, hinge);
    if (on_fake) l = add(l, classifier_loss_d(logits_fake, y_fake, hinge));
    return mul_scalar(l, static_cast<T>(lambda_d));
  }
  template <class T, class D>
  Var<T, D> g_loss(const Var<T, D>& logits_fake, const std::vector<int64_t>& y) const {
    return mul_scalar(classifier_loss_g(logits_fake, y, hinge), static_cast<T>(lambda_g));
  }
};

// TAC-GAN (TwinClassifierHead<K>: 2K logits, the first K the classifier `ac` of real data, the
// last K its twin `mi`, which learns the classes of generated data):
//   D: λ_D [CE(ac(x), y) + CE(mi(G(z, y_g)), y_g)]
//   G: λ_G [CE(ac(G(z, y)), y) - CE(mi(G(z, y)), y)]
// The twin's term cancels the conditional-entropy bias of AC-GAN's generator loss.
struct TACGAN : ClassifierLossOptions {
  static constexpr const char* log_name = "tac";
  template <class T, class D>
  Var<T, D> d_loss(const Var<T, D>& logits_real, const std::vector<int64_t>& y_real, const Var<T, D>& logits_fake,
                   const std::vector<int64_t>& y_fake) const {
    return mul_scalar(add(classifier_loss_d(halves(logits_real)[0], y_real, hinge),
                          classifier_loss_d(halves(logits_fake)[1], y_fake, hinge)),
                      static_cast<T>(lambda_d));
  }
  template <class T, class D>
  Var<T, D> g_loss(const Var<T, D>& logits_fake, const std::vector<int64_t>& y) const {
    const auto h = halves(logits_fake);
    return mul_scalar(sub(classifier_loss_g(h[0], y, hinge), classifier_loss_g(h[1], y, hinge)),
                      static_cast<T>(lambda_g));
  }

 private:
  template <class T, class D>
  static std::vector<Var<T, D>> halves(const Var<T, D>& logits) {
    check<ShapeError>(logits.shape().rank() == 2 && logits.dim(1) % 2 == 0,
                      "TACGAN: expects [N, 2K] logits (classifier, then twin), got ", logits.shape().str());
    return split(logits, {logits.dim(1) / 2, logits.dim(1) / 2}, 1);
  }
};

// An auxiliary classifier policy for the step template (models/gan.hpp).
template <class A>
concept AuxiliaryClassifier = requires(const A& a, const Var<float, cpu>& l, const std::vector<int64_t>& y) {
  { A::log_name } -> std::convertible_to<const char*>;
  { a.d_loss(l, y, l, y) } -> std::same_as<Var<float, cpu>>;
  { a.g_loss(l, y) } -> std::same_as<Var<float, cpu>>;
};

}  // namespace gantry
