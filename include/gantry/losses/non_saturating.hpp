#pragma once
// The non-saturating GAN loss (binary cross-entropy on logits, Goodfellow et al.; U-Net GAN
// SPECS §6c) and the helpers it is built from: softplus and bce_with_logits.
//
// softplus(x) = log(1 + exp(x)) is written as m x + log(1 + exp(s x)) with the constant
// masks m = [x > 0] and s = 1 - 2m (so s x = -|x|): exp never sees a positive argument, so
// nothing overflows at logits of +-100 in float, and because m and s are constants the
// tape holds only mul, exp and log, whose backward rules are differentiable again (exact
// second derivatives for gradient penalties). The derivative is m + s sigmoid(s x), which
// is sigmoid(x) everywhere, including 1/2 at x = 0 (a form with relu and |x| would give 0
// there, since their gradients at 0 are 0).
#include "../autograd/backend.hpp"
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../autograd/var.hpp"

namespace gantry {

// log(1 + exp(x)), elementwise, stable for any x and differentiable to any order.
template <class T, class D>
Var<T, D> softplus(const Var<T, D>& x) {
  const Tensor<T, D> m = ops::gt_scalar(x.value(), T(0));
  const Tensor<T, D> s = ops::add_scalar(ops::mul_scalar(m, T(-2)), T(1));
  const auto neg_abs = mul(x, Var<T, D>::constant(s));
  return add(mul(x, Var<T, D>::constant(m)), log(add_scalar(exp(neg_abs), T(1))));
}

// mean over all elements of -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))], computed as
// softplus(x) - t x (torch.nn.functional.binary_cross_entropy_with_logits). The target has
// the logits' shape; it may be soft (CutMix masks, label smoothing) and may carry a gradient.
template <class T, class D>
Var<T, D> bce_with_logits(const Var<T, D>& logits, const Var<T, D>& target) {
  check<ShapeError>(logits.shape() == target.shape(), "bce_with_logits: logits of shape ", logits.shape().str(),
                    " and target of shape ", target.shape().str(), " differ");
  return mean(sub(softplus(logits), mul(target, logits)));
}

template <class T, class D>
Var<T, D> bce_with_logits(const Var<T, D>& logits, const Tensor<T, D>& target) {
  return bce_with_logits(logits, Var<T, D>::constant(target));
}

// The same with every target equal to `target` (1 for real, 0 for fake).
template <class T, class D>
Var<T, D> bce_with_logits(const Var<T, D>& logits, std::type_identity_t<T> target) {
  if (target == T(1)) return mean(softplus(neg(logits)));
  if (target == T(0)) return mean(softplus(logits));
  return mean(sub(softplus(logits), mul_scalar(logits, target)));
}

// D: BCE(real, 1) + BCE(fake, 0) = mean softplus(-real) + mean softplus(fake).
// G: BCE(fake, 1) = mean softplus(-fake) (the non-saturating form, not -BCE(fake, 0)).
// Each mean is over all of its logits, so per-pixel maps (U-Net decoder) and scalar
// outputs are both fine, and real and fake batches may differ in size.
struct NonSaturating {
  template <class T, class D>
  static Var<T, D> d_loss(const Var<T, D>& real, const Var<T, D>& fake) {
    return add(bce_with_logits(real, T(1)), bce_with_logits(fake, T(0)));
  }
  template <class T, class D>
  static Var<T, D> g_loss(const Var<T, D>& fake) {
    return bce_with_logits(fake, T(1));
  }
};

}  // namespace gantry
