#pragma once
// InstanceNorm2d<Affine = false, EpsExp = 5>: each image's channels normalised over H x W
// (biased variance, ε = 10^-EpsExp), as PyTorch's InstanceNorm2d with its defaults
// (no running statistics, so training and eval agree). CycleGAN's ResNet generator uses it
// without affine; with Affine, weight and bias [C] start at ones and zeros.
#include <string>

#include "../../autograd/ops/elementwise.hpp"
#include "../../autograd/ops/norm.hpp"
#include "../../autograd/ops/reshape.hpp"
#include "../../core/factories.hpp"
#include "../framework/epsilon.hpp"
#include "../framework/module.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

template <Affine A = Affine::off, int EpsExp = 5>
struct InstanceNorm2d : SameImageShape {
  static constexpr bool affine = A == Affine::on;
  static constexpr double eps = detail::pow10_neg<EpsExp>();

  template <class In, class T, class D>
  struct module {
    static constexpr int C = In::channels;
    Var<T, D> weight, bias;

    explicit module(Init&)
        : weight(affine ? Var<T, D>(ones<T, D>(Shape{C}), true) : Var<T, D>()),
          bias(affine ? Var<T, D>(Tensor<T, D>::zeros(Shape{C}), true) : Var<T, D>()) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) {
      check<ShapeError>(x.rank() == 4 && x.dim(1) == C, "InstanceNorm2d: expected input [N, ", C, ", H, W], found ",
                        x.shape().str());
      check<ShapeError>(x.dim(2) * x.dim(3) > 1, "InstanceNorm2d: expected more than 1 spatial element, found input ",
                        x.shape().str());
      auto y = normalize(x, {2, 3}, static_cast<T>(eps));
      if constexpr (!affine) return y;
      else return add(mul(y, reshape(weight, {1, C, 1, 1})), reshape(bias, {1, C, 1, 1}));
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      if (affine) {
        v.parameter(join_name(prefix, "weight"), weight);
        v.parameter(join_name(prefix, "bias"), bias);
      }
    }
  };
};

}  // namespace gantry
