#pragma once
// The resampling convolutions of improved_wgan_training (gan_cifar_resnet.py, gan_64x64.py):
//   UpsampleConv<Out, K>  nearest 2x upsampling, then a K x K 'SAME' convolution. tflib
//                         upsamples by depth_to_space of four copies of the input, which
//                         puts each pixel in a 2 x 2 block: nearest upsampling exactly.
//   ConvMeanPool<Out, K>  the convolution, then a 2 x 2 mean pool (stride 2).
//   MeanPoolConv<Out, K>  the 2 x 2 mean pool, then the convolution.
// tflib's mean pool adds four strided slices, so it needs even sizes; these parts accept
// only even sizes where they pool. 'SAME' with stride 1 pads K / 2 on each side (K odd:
// tflib uses 1 and 3 here). Each is a convolution (weight [Out, In, K, K], bias) with its
// resampling around it, so SN<> can wrap it like Conv2d.
#include "../../autograd/ops/pool.hpp"
#include "conv2d.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

namespace detail {
template <int K>
inline constexpr bool odd_kernel = K > 0 && K % 2 == 1;

template <class In>
constexpr bool even_image() {
  if constexpr (ImageShape<In>) return In::height % 2 == 0 && In::width % 2 == 0;
  else return false;
}
}  // namespace detail

template <int Out, int K, Bias B = Bias::on>
struct UpsampleConv {
  static_assert(Out > 0 && detail::odd_kernel<K>, "gantry: UpsampleConv<Out, K> needs an odd K ('SAME' padding)");
  using Conv = Conv2d<Out, K, 1, K / 2, B>;
  template <class In>
  using upsampled = Image<In::channels, 2 * In::height, 2 * In::width>;

  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Image<Out, 2 * In::height, 2 * In::width>;

  template <class In, class T, class D>
  struct module : Conv::template module<upsampled<In>, T, D> {
    using Base = typename Conv::template module<upsampled<In>, T, D>;
    using Base::Base;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) { return Base::forward(upsample_nearest2d(x, 2), ctx); }
  };
};

template <int Out, int K, Bias B = Bias::on>
struct ConvMeanPool {
  static_assert(Out > 0 && detail::odd_kernel<K>, "gantry: ConvMeanPool<Out, K> needs an odd K ('SAME' padding)");
  using Conv = Conv2d<Out, K, 1, K / 2, B>;

  template <class In>
  static constexpr bool accepts = detail::even_image<In>();
  template <class In>
  using expects = ImageWithEvenSides;
  template <class In>
  using output = Image<Out, In::height / 2, In::width / 2>;

  template <class In, class T, class D>
  struct module : Conv::template module<In, T, D> {
    using Base = typename Conv::template module<In, T, D>;
    using Base::Base;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) { return avg_pool2d(Base::forward(x, ctx), 2); }
  };
};

template <int Out, int K, Bias B = Bias::on>
struct MeanPoolConv {
  static_assert(Out > 0 && detail::odd_kernel<K>, "gantry: MeanPoolConv<Out, K> needs an odd K ('SAME' padding)");
  using Conv = Conv2d<Out, K, 1, K / 2, B>;
  template <class In>
  using pooled = Image<In::channels, In::height / 2, In::width / 2>;

  template <class In>
  static constexpr bool accepts = detail::even_image<In>();
  template <class In>
  using expects = ImageWithEvenSides;
  template <class In>
  using output = Image<Out, In::height / 2, In::width / 2>;

  template <class In, class T, class D>
  struct module : Conv::template module<pooled<In>, T, D> {
    using Base = typename Conv::template module<pooled<In>, T, D>;
    using Base::Base;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) { return Base::forward(avg_pool2d(x, 2), ctx); }
  };
};

}  // namespace gantry
