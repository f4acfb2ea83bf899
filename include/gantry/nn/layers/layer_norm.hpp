#pragma once
// LayerNorm: each image normalised over all of C x H x W (biased variance, ε = 1e-5), then
// a per-channel scale and offset. This is tflib's Layernorm as the
// WGAN-GP 64x64 critic calls it (improved_wgan_training, tflib/ops/layernorm.py, norm_axes
// [1, 2, 3]): statistics over [C, H, W], but `scale` and `offset` of size C only (the size of
// the first normalised axis), initialised to ones and zeros, ε 1e-5. It is not
// torch.nn.LayerNorm([C, H, W]), whose affine has C x H x W entries. Names: weight (tflib's
// scale) and bias (tflib's offset), [C].
#include <string>

#include "../../autograd/ops/elementwise.hpp"
#include "../../autograd/ops/norm.hpp"
#include "../../autograd/ops/reshape.hpp"
#include "../../core/factories.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

struct LayerNorm : SameImageShape {
  static constexpr double eps = 1e-5;

  template <class In, class T, class D>
  struct module {
    static constexpr int C = In::channels;
    Var<T, D> weight, bias;

    explicit module(Init&) : weight(ones<T, D>(Shape{C}), true), bias(Tensor<T, D>::zeros(Shape{C}), true) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) {
      check<ShapeError>(x.rank() == 4 && x.dim(1) == C, "LayerNorm: expected input [N, ", C, ", H, W], found ",
                        x.shape().str());
      auto y = normalize(x, {1, 2, 3}, static_cast<T>(eps));
      return add(mul(y, reshape(weight, {1, C, 1, 1})), reshape(bias, {1, C, 1, 1}));
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      v.parameter(join_name(prefix, "weight"), weight);
      v.parameter(join_name(prefix, "bias"), bias);
    }
  };
};

}  // namespace gantry
