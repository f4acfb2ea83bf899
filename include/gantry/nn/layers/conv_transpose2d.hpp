#pragma once
// ConvTranspose2d<Out, K, Stride, Pad, OutputPad, Bias>: PyTorch's transposed convolution
// with a square kernel; weight [In, Out, K, K] as in PyTorch. Output size
// (H - 1)·Stride - 2·Pad + K + OutputPad (e.g. K 3, Stride 2, Pad 1, OutputPad 1 doubles it,
// as in the CycleGAN ResNet generator).
#include "../../autograd/ops/conv.hpp"
#include "../framework/init.hpp"
#include "../framework/module.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

template <int Out, int K, int Stride = 1, int Pad = 0, int OutputPad = 0, Bias B = Bias::on>
struct ConvTranspose2d {
  static_assert(Out > 0 && K > 0 && Stride > 0 && Pad >= 0 && OutputPad >= 0,
                "gantry: ConvTranspose2d needs positive Out, K, Stride and non-negative Pad, OutputPad");
  static_assert(OutputPad < Stride, "gantry: ConvTranspose2d needs OutputPad < Stride (as PyTorch)");
  static constexpr int out_size(int n) { return (n - 1) * Stride - 2 * Pad + K + OutputPad; }
  // The smallest input side with a non-empty output.
  static constexpr int min_size = [] {
    int n = 1;
    while (out_size(n) < 1) ++n;
    return n;
  }();

  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (ImageShape<In>) return In::height >= min_size && In::width >= min_size;
    else return false;
  }();
  template <class In>
  using expects = ImageAtLeast<min_size, min_size>;
  template <class In>
  using output = Image<Out, out_size(In::height), out_size(In::width)>;

  template <class In, class T, class D>
  struct module {
    Var<T, D> weight, bias;
    // PyTorch takes the fan-in of a transposed convolution's weight from its second axis
    // (Out·K·K), for the weight and the bias.
    explicit module(Init& init)
        : weight(init::weight<T, D>(Shape{In::channels, Out, K, K}, Out * K * K, In::channels * K * K, init), true),
          bias(B == Bias::on ? Var<T, D>(init::bias<T, D>(Out, Out * K * K, init), true) : Var<T, D>()) {}
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) {
      return conv_transpose2d(x, weight, bias, ops::Conv2dOptions::same(Stride, Pad), OutputPad, OutputPad);
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      v.parameter(join_name(prefix, "weight"), weight);
      if (B == Bias::on) v.parameter(join_name(prefix, "bias"), bias);
    }
  };
};

}  // namespace gantry
