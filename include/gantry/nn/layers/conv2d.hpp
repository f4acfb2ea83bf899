#pragma once
// Conv2d<Out, K, Stride, Pad>: a square-kernel convolution with zero padding; weight
// [Out, In, K, K] as in PyTorch.
#include "../../autograd/ops/conv.hpp"
#include "../framework/init.hpp"
#include "../framework/module.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

template <int Out, int K, int Stride = 1, int Pad = K / 2, Bias B = Bias::on>
struct Conv2d {
  static_assert(Out > 0 && K > 0 && Stride > 0 && Pad >= 0, "gantry: Conv2d needs positive sizes");
  template <class In>
  static constexpr int out_size(int n) {
    return (n + 2 * Pad - K) / Stride + 1;
  }
  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (ImageShape<In>) return In::height + 2 * Pad >= K && In::width + 2 * Pad >= K;
    else return false;
  }();
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Image<Out, out_size<In>(In::height), out_size<In>(In::width)>;

  template <class In, class T, class D>
  struct module {
    Var<T, D> weight, bias;
    explicit module(Init& init)
        : weight(init::weight<T, D>(Shape{Out, In::channels, K, K}, In::channels * K * K, Out * K * K, init), true),
          bias(B == Bias::on ? Var<T, D>(init::bias<T, D>(Out, In::channels * K * K, init), true) : Var<T, D>()) {}
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) {
      return conv2d(x, weight, bias, ops::Conv2dOptions::same(Stride, Pad));
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      v.parameter(join_name(prefix, "weight"), weight);
      if (B == Bias::on) v.parameter(join_name(prefix, "bias"), bias);
    }
  };
};

}  // namespace gantry
