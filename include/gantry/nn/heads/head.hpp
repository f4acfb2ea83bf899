#pragma once
// What a discriminator head is. A head is a part that ends a discriminator; it declares its
// `role` among the discriminator's outputs (adversarial logit, class logits, per-pixel map).
// Heads that read the pooled feature φ = Σ_hw ReLU(h) (SN-GAN / BigGAN-PyTorch) declare
// `pooled = true` and give their module `forward_pooled(φ, ctx)`, so that several heads on
// the same features (Heads<...>) pool once.
#include <cstdint>
#include <string>
#include <vector>

#include "../../autograd/ops/elementwise.hpp"
#include "../../autograd/ops/reduce.hpp"
#include "../framework/absent.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

enum class HeadRole { adversarial, classifier, per_pixel };

// Everything a discriminator computes. Slots without a head stay undefined.
template <class T, class D>
struct DiscriminatorOutput {
  Var<T, D> adversarial;  // real/fake logits: [B, 1] per image, or PatchGAN's [B, 1, H, W]
  Var<T, D> classifier;   // class logits: [B, K] (AC-GAN) or [B, 2K] (ADC-GAN)
  Var<T, D> per_pixel;    // U-Net decoder logits [B, 1, H, W]

  Var<T, D>& operator[](HeadRole r) {
    return r == HeadRole::adversarial ? adversarial : r == HeadRole::classifier ? classifier : per_pixel;
  }
  // The defined outputs in slot order (adversarial, classifier, per_pixel).
  std::vector<Var<T, D>> defined() const {
    std::vector<Var<T, D>> out;
    for (const auto* v : {&adversarial, &classifier, &per_pixel})
      if (v->defined()) out.push_back(*v);
    return out;
  }
};

// Static shapes of the outputs; NoOutput marks an empty slot.
struct NoOutput {};
template <class Adversarial, class Classifier = NoOutput, class PerPixel = NoOutput>
struct OutputShapes {
  using adversarial = Adversarial;
  using classifier = Classifier;
  using per_pixel = PerPixel;
};

namespace detail {

template <class P>
consteval HeadRole role_of() {
  if constexpr (requires { P::role; }) return P::role;
  else return HeadRole::adversarial;  // a plain last part (Linear<1>, a conv) gives the adversarial output
}

template <class P>
concept PooledHead = requires { P::pooled; } && P::pooled;

// OutputShapes with `Shape` in the slot of `role`.
template <HeadRole R, class Shape>
using single_output = std::conditional_t<
    R == HeadRole::adversarial, OutputShapes<Shape>,
    std::conditional_t<R == HeadRole::classifier, OutputShapes<NoOutput, Shape>, OutputShapes<NoOutput, NoOutput, Shape>>>;

// φ = Σ_hw ReLU(h): [B, C, H, W] -> [B, C].
template <class T, class D>
Var<T, D> pooled_features(const Var<T, D>& h) {
  return sum(relu(h), {2, 3});
}

inline void check_head_labels(const char* head, const std::vector<int64_t>& labels, int64_t batch) {
  check<ShapeError>(static_cast<int64_t>(labels.size()) == batch, head, ": a batch of ", batch,
                    " needs as many class labels, found ", labels.size());
}

template <class T, class D>
void check_head_features(const char* head, const Var<T, D>& features, int64_t batch, int64_t dim) {
  check<ShapeError>(features.defined(), head, ": needs instance features [", batch, ", ", dim,
                    "] in the context, found none");
  check<ShapeError>(features.rank() == 2 && features.dim(0) == batch && features.dim(1) == dim, head,
                    ": expected instance features of shape [", batch, ", ", dim, "], found ", features.shape().str());
}

}  // namespace detail

// What a head wants when it cannot take its input: an image with an even number of
// channels (heads that split the channels between two projections).
struct ImageWithEvenChannels {};

}  // namespace gantry
