#pragma once
// Linear<Out>: y = x Wᵀ + b on [N, In] -> [N, Out]; weight [Out, In] as in PyTorch.
#include "../../autograd/ops/elementwise.hpp"
#include "../../autograd/ops/linalg.hpp"
#include "../framework/init.hpp"
#include "../framework/module.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

template <int Out, Bias B = Bias::on>
struct Linear {
  template <class In>
  static constexpr bool accepts = VectorShape<In>;
  template <class In>
  using expects = AnyVector;
  template <class In>
  using output = Vector<Out>;

  template <class In, class T, class D>
  struct module {
    Var<T, D> weight, bias;
    explicit module(Init& init)
        : weight(init::weight<T, D>(Shape{Out, In::size}, In::size, Out, init), true),
          bias(B == Bias::on ? Var<T, D>(init::bias<T, D>(Out, In::size, init), true) : Var<T, D>()) {}
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) {
      auto y = matmul(x, weight, false, true);
      return B == Bias::on ? add(y, bias) : y;
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      v.parameter(join_name(prefix, "weight"), weight);
      if (B == Bias::on) v.parameter(join_name(prefix, "bias"), bias);
    }
  };
};

}  // namespace gantry
