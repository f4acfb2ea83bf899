#pragma once
// torchvision's ResNet with bottleneck blocks (torchvision/models/resnet.py, "ResNet v1.5":
// the stride sits on the 3x3 convolution), built from gantry's parts. ResNet50 is the
// network of torchvision.models.resnet50 and of SwAV's released trunk; IC-GAN conditions on
// its 2048 pooled features (metrics/resnet_features.hpp loads the weights).
//
// Bottleneck<Planes, Stride> (expansion 4):
//   out = ReLU(bn1(conv1(x)))          conv1 1x1, In -> Planes
//   out = ReLU(bn2(conv2(out)))        conv2 3x3, stride Stride, padding 1, Planes -> Planes
//   out = bn3(conv3(out))              conv3 1x1, Planes -> 4 Planes
//   return ReLU(out + shortcut(x))     shortcut = x, or downsample(x) = bn(conv 1x1 stride
//                                      Stride) when Stride != 1 or In != 4 Planes channels
// Convolutions have no bias; batch norms are BatchNorm2d (ε 1e-5, momentum 0.1).
//
// ResNet<Width, NumClasses, B1, B2, B3, B4>:
//   conv1 7x7 stride 2 padding 3 (3 -> Width), bn1, ReLU, max pool 3 / 2 / 1,
//   layer1..layer4: B1..B4 bottlenecks of Width, 2 Width, 4 Width, 8 Width planes (strides
//   1, 2, 2, 2), global average pool -> 32 Width features, fc: Linear -> NumClasses.
// ResNet50 = ResNet<64, 1000, 3, 4, 6, 3>; a smaller Width gives the same layout for tests.
//
// Names are torchvision's state-dict keys, in its order: conv1.weight, bn1.{weight, bias,
// running_mean, running_var, num_batches_tracked}, layer1.0.conv1.weight, layer1.0.bn1.*, ...,
// layer1.0.downsample.0.weight, layer1.0.downsample.1.*, ..., fc.weight, fc.bias
// (num_batches_tracked is kept in T, where PyTorch keeps int64).
//
// The module takes images [N, 3, H, W] of any size (the static shapes below are those of the
// nominal 224 x 224 input; every layer here accepts any H, W > 0): features(x) is the pooled
// trunk output [N, 32 Width], forward(x) the logits [N, NumClasses].
#include <string>

#include "../../autograd/ops/elementwise.hpp"
#include "../framework/absent.hpp"
#include "../layers/activations.hpp"
#include "../layers/batch_norm.hpp"
#include "../framework/compose.hpp"
#include "../layers/conv2d.hpp"
#include "../layers/global_pool.hpp"
#include "../layers/linear.hpp"
#include "../framework/module.hpp"
#include "../layers/pool2d.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

template <int Planes, int Stride = 1>
struct Bottleneck {
  static_assert(Planes > 0 && Stride > 0, "gantry: Bottleneck<Planes, Stride> needs positive sizes");
  static constexpr int expansion = 4;
  static constexpr int out_channels = Planes * expansion;
  static constexpr int out_size(int n) { return (n - 1) / Stride + 1; }

  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Image<out_channels, out_size(In::height), out_size(In::width)>;

  template <class In, class T, class D>
  struct module {
    static constexpr bool has_downsample = Stride != 1 || In::channels != out_channels;
    using Mid = Image<Planes, In::height, In::width>;
    using MidOut = Image<Planes, out_size(In::height), out_size(In::width)>;
    using Downsample = Sequential<Conv2d<out_channels, 1, Stride, 0, Bias::off>, BatchNorm2d<>>;

    typename Conv2d<Planes, 1, 1, 0, Bias::off>::template module<In, T, D> conv1;
    typename BatchNorm2d<>::template module<Mid, T, D> bn1;
    typename Conv2d<Planes, 3, Stride, 1, Bias::off>::template module<Mid, T, D> conv2;
    typename BatchNorm2d<>::template module<MidOut, T, D> bn2;
    typename Conv2d<out_channels, 1, 1, 0, Bias::off>::template module<MidOut, T, D> conv3;
    typename BatchNorm2d<>::template module<output<In>, T, D> bn3;
    std::conditional_t<has_downsample, typename Downsample::template module<In, T, D>, detail::Absent<T, D>>
        downsample;

    // Constructed in torchvision's order (conv1, bn1, conv2, bn2, conv3, bn3, downsample).
    explicit module(Init& init)
        : conv1(init), bn1(init), conv2(init), bn2(init), conv3(init), bn3(init), downsample(init) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      auto h = relu(bn1.forward(conv1.forward(x, ctx), ctx));
      h = relu(bn2.forward(conv2.forward(h, ctx), ctx));
      h = bn3.forward(conv3.forward(h, ctx), ctx);
      if constexpr (has_downsample) return relu(add(h, downsample.forward(x, ctx)));
      else return relu(add(h, x));
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      conv1.visit(v, join_name(prefix, "conv1"));
      bn1.visit(v, join_name(prefix, "bn1"));
      conv2.visit(v, join_name(prefix, "conv2"));
      bn2.visit(v, join_name(prefix, "bn2"));
      conv3.visit(v, join_name(prefix, "conv3"));
      bn3.visit(v, join_name(prefix, "bn3"));
      downsample.visit(v, join_name(prefix, "downsample"));  // downsample.0 (conv), downsample.1 (bn)
    }
  };
};

namespace detail {
template <class Seq, class P, int N>
struct append_parts;
template <class... Ps, class P, int N>
struct append_parts<Sequential<Ps...>, P, N> {
  using type = typename append_parts<Sequential<Ps..., P>, P, N - 1>::type;
};
template <class... Ps, class P>
struct append_parts<Sequential<Ps...>, P, 0> {
  using type = Sequential<Ps...>;
};
}  // namespace detail

// One stage (torchvision's _make_layer): Blocks bottlenecks, the first with the stride (and
// the downsample), named 0, 1, ... as the Sequential it is.
template <int Planes, int Blocks, int Stride>
using ResNetStage =
    typename detail::append_parts<Sequential<Bottleneck<Planes, Stride>>, Bottleneck<Planes, 1>, Blocks - 1>::type;

template <int Width = 64, int NumClasses = 1000, int B1 = 3, int B2 = 4, int B3 = 6, int B4 = 3>
struct ResNet {
  static_assert(Width > 0 && NumClasses > 0 && B1 > 0 && B2 > 0 && B3 > 0 && B4 > 0,
                "gantry: ResNet<Width, NumClasses, B1, B2, B3, B4> needs positive sizes");
  static constexpr int width = Width, num_classes = NumClasses;
  static constexpr int feature_size = 8 * Width * Bottleneck<1>::expansion;  // 2048 for ResNet-50

  // Static shapes at the nominal input (the module runs at any size).
  using Input = Image<3, 224, 224>;
  using Conv1 = Conv2d<Width, 7, 2, 3, Bias::off>;
  using Pool = MaxPool2d<3, 2, 1>;
  using Layer1 = ResNetStage<Width, B1, 1>;
  using Layer2 = ResNetStage<2 * Width, B2, 2>;
  using Layer3 = ResNetStage<4 * Width, B3, 2>;
  using Layer4 = ResNetStage<8 * Width, B4, 2>;
  using Stem = typename Conv1::template output<Input>;
  using Pooled = typename Pool::template output<Stem>;
  using Out1 = typename Layer1::template output<Pooled>;
  using Out2 = typename Layer2::template output<Out1>;
  using Out3 = typename Layer3::template output<Out2>;
  using Out4 = typename Layer4::template output<Out3>;
  static_assert(Out4::channels == feature_size);

  template <class T, class D>
  struct module {
    using value_type = T;
    using device_type = D;
    static constexpr int feature_size = ResNet::feature_size, num_classes = NumClasses;

    typename Conv1::template module<Input, T, D> conv1;
    typename BatchNorm2d<>::template module<Stem, T, D> bn1;
    typename Pool::template module<Stem, T, D> maxpool;
    typename Layer1::template module<Pooled, T, D> layer1;
    typename Layer2::template module<Out1, T, D> layer2;
    typename Layer3::template module<Out2, T, D> layer3;
    typename Layer4::template module<Out3, T, D> layer4;
    typename GlobalMeanPool::template module<Out4, T, D> avgpool;
    typename Linear<NumClasses>::template module<Vector<feature_size>, T, D> fc;

    explicit module(Init& init)
        : conv1(init), bn1(init), maxpool(init), layer1(init), layer2(init), layer3(init), layer4(init),
          avgpool(init), fc(init) {}

    // x [N, 3, H, W] -> the globally averaged output of layer4 [N, feature_size] (no fc).
    Var<T, D> features(const Var<T, D>& x, Context<T, D>& ctx) {
      check<ShapeError>(x.defined() && x.rank() == 4 && x.dim(1) == 3, "ResNet: expected images [N, 3, H, W], found ",
                        x.defined() ? x.shape().str() : std::string("an undefined tensor"));
      auto h = maxpool.forward(relu(bn1.forward(conv1.forward(x, ctx), ctx)), ctx);
      h = layer4.forward(layer3.forward(layer2.forward(layer1.forward(h, ctx), ctx), ctx), ctx);
      return avgpool.forward(h, ctx);
    }
    Var<T, D> features(const Var<T, D>& x, bool training) {
      Context<T, D> ctx;
      ctx.training = training;
      return features(x, ctx);
    }
    // x [N, 3, H, W] -> logits [N, NumClasses].
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) { return fc.forward(features(x, ctx), ctx); }
    Var<T, D> forward(const Var<T, D>& x, bool training) {
      Context<T, D> ctx;
      ctx.training = training;
      return forward(x, ctx);
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      conv1.visit(v, join_name(prefix, "conv1"));
      bn1.visit(v, join_name(prefix, "bn1"));
      layer1.visit(v, join_name(prefix, "layer1"));
      layer2.visit(v, join_name(prefix, "layer2"));
      layer3.visit(v, join_name(prefix, "layer3"));
      layer4.visit(v, join_name(prefix, "layer4"));
      fc.visit(v, join_name(prefix, "fc"));
    }
  };
};

using ResNet50 = ResNet<64, 1000, 3, 4, 6, 3>;

}  // namespace gantry
