#pragma once
// The networks of WGAN (Arjovsky et al., weight clipping) and WGAN-GP (Gulrajani et al.), as
// Generator / Discriminator aliases (SPECS.md §1). Each struct has `G` and `D`:
//
// wgan_gp_resnet<Image<C, S, S>, Dim = 128, Z = 128>: gan_cifar_resnet.py (§1b).
//   G: Linear(Z -> b*b*Dim) -> (Dim, b, b) -> ResBlock-up (Dim -> Dim) x n, BN -> ReLU ->
//      Conv3x3(Dim -> C) -> tanh, BN in the blocks. S = 32: b = 4, n = 3 (the paper's net);
//      S = 28 (MNIST-sized, not in the paper): b = 7, n = 2, the same blocks.
//   D: OptimizedBlock(C -> Dim), ResBlock-down(Dim -> Dim), 2 x ResBlock(Dim -> Dim, identity
//      shortcut), no norm, ReLU -> global MEAN pool -> Linear(Dim -> 1). S even, S/2 even.
// wgan_gp_64<Image<3, 64, 64>, Dim = 64, Z = 128>: gan_64x64.py's GoodGenerator /
//   GoodDiscriminator (§1c), ResidualBlock in its 64x64 layout (WGAN64).
//   G: Linear(Z -> 4*4*8Dim) -> 4 ResBlock-up 8Dim -> 8Dim -> 4Dim -> 2Dim -> Dim (BN),
//      BN -> ReLU -> Conv3x3(Dim -> C) -> tanh.
//   D: Conv3x3(C -> Dim) -> 4 ResBlock-down Dim -> 2Dim -> 4Dim -> 8Dim -> 8Dim with tflib's
//      LayerNorm over [C, H, W] -> flatten 4*4*8Dim -> Linear(-> 1).
// wgan_gp_toy<Dim = 512>: gan_toy.py. G: z in R^2 -> 3 x (Linear(-> Dim), ReLU) -> Linear(-> 2);
//   D: x in R^2 -> 3 x (Linear(-> Dim), ReLU) -> Linear(-> 1). (gan_toy.py's ReLULayer is a
//   Linear with bias then ReLU; the last layers are plain Linears; FIXED_GENERATOR not modelled.)
// wgan_dcgan<Image<C, 32, 32>, Z = 100, NGF = 64, NDF = 64>: models/dcgan.py of
//   martinarjovsky/WassersteinGAN (DCGAN_G, DCGAN_D, isize 32, no extra layers), all convs
//   without bias (§1d). G: z -> (Z, 1, 1) -> ConvT4 s1 p0 (-> 4NGF, 4x4) -> BN -> ReLU ->
//   ConvT4 s2 p1 (-> 2NGF) -> BN -> ReLU -> ConvT4 s2 p1 (-> NGF) -> BN -> ReLU ->
//   ConvT4 s2 p1 (-> C) -> tanh. D: Conv4 s2 p1 (-> NDF) -> LReLU(0.2) -> Conv4 s2 p1 (-> 2NDF)
//   -> BN -> LReLU -> Conv4 s2 p1 (-> 4NDF) -> BN -> LReLU -> Conv4 s1 p0 (-> 1) -> [B, 1].
//   The original averages this over the batch in forward; here the critic returns one score per
//   sample and the loss takes the mean.
#include "../nn.hpp"
#include "options.hpp"

namespace gantry::models {

template <class ImageShape, int Dim = 128, int Z = 128>
struct wgan_gp_resnet {
  static constexpr int C = ImageShape::channels, S = ImageShape::height;
  static_assert(ImageShape::width == S && (S == 32 || S == 28),
                "gantry: wgan_gp_resnet<Image<C, S, S>>: S is 32 (the paper's CIFAR net) or 28");
  static constexpr int base = S == 32 ? 4 : 7;  // G's first feature map, base * 2^ups = S
  using Block = WGANResBlock<Dim, Up, BatchNorm2d<>>;
  template <class... Ups>
  using GeneratorWith = Generator<Latent<Z>, Linear<base * base * Dim>, Reshape<Dim, base, base>, Ups...,
                                  BatchNorm2d<>, ReLU, Conv2d<C, 3>, Tanh>;
  using G = std::conditional_t<S == 32, GeneratorWith<Block, Block, Block>, GeneratorWith<Block, Block>>;
  using D = Discriminator<ImageShape, WGANOptimizedBlock<Dim>, WGANResBlock<Dim, Down>, WGANResBlock<Dim, None>,
                          WGANResBlock<Dim, None>, ReLU, GlobalMeanPool, Linear<1>>;
};

template <class ImageShape, int Dim = 64, int Z = 128>
struct wgan_gp_64 {
  static constexpr int C = ImageShape::channels;
  static_assert(ImageShape::height == 64 && ImageShape::width == 64, "gantry: wgan_gp_64 takes Image<C, 64, 64>");
  template <int Out>
  using GUp = WGANResBlock<Out, Up, BatchNorm2d<>, WGAN64>;
  template <int Out>
  using DDown = WGANResBlock<Out, Down, LayerNorm, WGAN64>;
  using G = Generator<Latent<Z>, Linear<4 * 4 * 8 * Dim>, Reshape<8 * Dim, 4, 4>, GUp<8 * Dim>, GUp<4 * Dim>,
                      GUp<2 * Dim>, GUp<Dim>, BatchNorm2d<>, ReLU, Conv2d<C, 3>, Tanh>;
  using D = Discriminator<ImageShape, Conv2d<Dim, 3>, DDown<2 * Dim>, DDown<4 * Dim>, DDown<8 * Dim>, DDown<8 * Dim>,
                          Flatten, Linear<1>>;
};

template <int Dim = 512>
struct wgan_gp_toy {
  using G = Generator<Latent<2>, Linear<Dim>, ReLU, Linear<Dim>, ReLU, Linear<Dim>, ReLU, Linear<2>>;
  using D = Discriminator<Vector<2>, Linear<Dim>, ReLU, Linear<Dim>, ReLU, Linear<Dim>, ReLU, Linear<1>>;
};

template <class ImageShape, int Z = 100, int NGF = 64, int NDF = 64>
struct wgan_dcgan {
  static constexpr int C = ImageShape::channels;
  static_assert(ImageShape::height == 32 && ImageShape::width == 32, "gantry: wgan_dcgan takes Image<C, 32, 32>");
  template <int Out>
  using Deconv = ConvTranspose2d<Out, 4, 2, 1, 0, Bias::off>;
  template <int Out>
  using Strided = Conv2d<Out, 4, 2, 1, Bias::off>;
  using G = Generator<Latent<Z>, Reshape<Z, 1, 1>, ConvTranspose2d<4 * NGF, 4, 1, 0, 0, Bias::off>,
                      BatchNorm2d<>, ReLU, Deconv<2 * NGF>, BatchNorm2d<>, ReLU, Deconv<NGF>, BatchNorm2d<>, ReLU,
                      Deconv<C>, Tanh>;
  using D = Discriminator<ImageShape, Strided<NDF>, LeakyReLU<>, Strided<2 * NDF>, BatchNorm2d<>, LeakyReLU<>,
                          Strided<4 * NDF>, BatchNorm2d<>, LeakyReLU<>, Conv2d<1, 4, 1, 0, Bias::off>, Flatten>;
};

namespace detail {
// The WGAN family's nets for a data shape and options: the toy MLPs for Vector<2>; for images
// the ResNets (28, 32: wgan_gp_resnet, Width 128; 64: wgan_gp_64, Width 64) or DCGAN's
// (Architecture<Arch::dcgan>: wgan_dcgan, Width = ngf = ndf 64, Latent 100).
template <class Shape, Arch DefaultArch, class... Options>
struct wgan_family_nets {
  using O = PresetOptions<takes<Width<1>, Latent<1>, Architecture<Arch::resnet>, Precision<void>>, Options...>;
  static constexpr Arch arch = O::template architecture<DefaultArch>;
  static constexpr auto pick() {
    if constexpr (VectorShape<Shape>) {
      static_assert(Shape::size == 2, "gantry: the WGAN family's MLPs are gan_toy.py's, for Vector<2> data");
      static_assert(std::is_void_v<typename O::template get<Latent<1>, void>>,
                    "gantry: the toy MLPs' latent is fixed at 2 (gan_toy.py): drop Latent<Z>");
      return std::type_identity<wgan_gp_toy<O::template width<512>>>{};
    } else if constexpr (arch == Arch::dcgan) {
      return std::type_identity<wgan_dcgan<Shape, O::template latent<100>, O::template width<64>, O::template width<64>>>{};
    } else if constexpr (Shape::height == 64) {
      return std::type_identity<wgan_gp_64<Shape, O::template width<64>, O::template latent<128>>>{};
    } else {
      return std::type_identity<wgan_gp_resnet<Shape, O::template width<128>, O::template latent<128>>>{};
    }
  }
  using type = typename decltype(pick())::type;
};
}  // namespace detail

}  // namespace gantry::models
