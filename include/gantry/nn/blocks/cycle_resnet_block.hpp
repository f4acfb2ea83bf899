#pragma once
// CycleResnetBlock: the residual block of CycleGAN's ResNet generator
// (junyanz/pytorch-CycleGAN-and-pix2pix networks.py `ResnetBlock` with padding_type 'reflect',
// norm 'instance', use_dropout False; SPECS §4a):
//   block = ReflectionPad(1) -> Conv3x3 (C -> C, bias) -> InstanceNorm -> ReLU
//           -> ReflectionPad(1) -> Conv3x3 (C -> C, bias) -> InstanceNorm
//   return x + block(x)       (no activation after the sum)
// InstanceNorm2d without affine transform or running statistics, ε 1e-5. The convolutions
// keep their bias, as CycleGAN does with instance norm. Names as CycleGAN's state dict:
// conv_block.1 and conv_block.5 (the Sequential positions of the two convolutions).
#include "../../autograd/ops/elementwise.hpp"
#include "../layers/conv2d.hpp"
#include "../layers/instance_norm.hpp"
#include "../framework/module.hpp"
#include "../layers/reflection_pad2d.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

struct CycleResnetBlock {
  using Pad = ReflectionPad2d<1>;
  template <class In>
  static constexpr bool accepts = Pad::template accepts<In>;
  template <class In>
  using expects = typename Pad::template expects<In>;
  template <class In>
  using output = In;

  template <class In, class T, class D>
  struct module {
    static constexpr int C = In::channels;
    using Padded = typename Pad::template output<In>;

    typename Pad::template module<In, T, D> pad;
    typename Conv2d<C, 3, 1, 0>::template module<Padded, T, D> conv1, conv2;
    typename InstanceNorm2d<>::template module<In, T, D> norm1, norm2;

    explicit module(Init& init) : pad(init), conv1(init), conv2(init), norm1(init), norm2(init) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      auto h = relu(norm1.forward(conv1.forward(pad.forward(x, ctx), ctx), ctx));
      h = norm2.forward(conv2.forward(pad.forward(h, ctx), ctx), ctx);
      return add(x, h);
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      conv1.visit(v, join_name(prefix, "conv_block.1"));
      norm1.visit(v, join_name(prefix, "conv_block.2"));
      conv2.visit(v, join_name(prefix, "conv_block.5"));
      norm2.visit(v, join_name(prefix, "conv_block.6"));
    }
  };
};

}  // namespace gantry
