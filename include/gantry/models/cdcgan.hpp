#pragma once
// Conditional DCGAN: the DCGAN nets and training (dcgan.hpp) with the class given to both nets,
// the fastest of gantry's models to draw class-recognisable Fashion-MNIST (docs/models/dcgan.md).
//
//   using Model = models::cdcgan<Image<1, 32, 32>, Classes<10>>;
//   auto model = Model::make(cpu{}, seed);                      // then train::fit
//
// The class enters by concatenation (Mirza & Osindero 2014, "Conditional GANs"; nn/layers/class_channels.hpp)
// and, in G, also through conditional batch norms:
//   G: [z, onehot(y)] -> ConvT4 (4x4, 4NGF) -> CBN(y) -> ReLU -> 2 x [ConvT4 s2 -> CBN(y) -> ReLU]
//      -> ConvT4 s2 -> tanh                    (CBN: SAGAN's per-class gain and bias, from 1 and 0)
//   D: [x, onehot planes] -> Conv4 s2 -> LReLU(0.2) -> 2 x [onehot planes -> Conv4 s2 -> BN -> LReLU]
//      -> Conv4 (-> 1 logit)
// D sees the class before every strided conv, so it can judge "is this a sandal" from its first
// step; a projection head (BigGAN's) or conditional norms in G alone learnt the classes far more
// slowly with these small nets (docs/models/dcgan.md). Training as DCGAN: the
// non-saturating loss, Adam lr 2e-4, beta1 0.5, batch 128, one D step per G step, N(0, 0.02).
#include "../nn/layers/class_channels.hpp"
#include "../nn/layers/conditional_batch_norm.hpp"
#include "dcgan.hpp"
#include "options.hpp"

namespace gantry::models {

template <class ImageShape, int K = 10, int Z = 100, int NGF = 64, int NDF = 64>
struct cdcgan_nets {
  static constexpr int C = ImageShape::channels;
  static_assert(ImageShape::height == 32 && ImageShape::width == 32, "gantry: cdcgan_nets takes Image<C, 32, 32>");
  using Norm = ConditionalBatchNorm<ClassTable<K, Gain::direct>>;
  template <int Out>
  using Deconv = ConvTranspose2d<Out, 4, 2, 1, 0, Bias::off>;
  template <int Out>
  using Strided = Conv2d<Out, 4, 2, 1, Bias::off>;
  using G = Generator<Latent<Z>, Classes<K>, ClassChannels<K>, Reshape<Z + K, 1, 1>,
                      ConvTranspose2d<4 * NGF, 4, 1, 0, 0, Bias::off>, Norm, ReLU, Deconv<2 * NGF>, Norm, ReLU,
                      Deconv<NGF>, Norm, ReLU, Deconv<C>, Tanh>;
  using D = Discriminator<ImageShape, ClassChannels<K>, Strided<NDF>, LeakyReLU<>, ClassChannels<K>,
                          Strided<2 * NDF>, BatchNorm2d<>, LeakyReLU<>, ClassChannels<K>, Strided<4 * NDF>,
                          BatchNorm2d<>, LeakyReLU<>, Conv2d<1, 4, 1, 0, Bias::off>, Flatten>;
};

// DCGAN's settings, as every paper's <paper>_hyper().
inline AdamGanHyper cdcgan_hyper() { return {}; }

inline constexpr char cdcgan_name[] = "cdcgan";
using CdcganPaper = AdamGanPaper<NonSaturating, cdcgan_name>;

namespace detail {
template <class ImageShape, class... Options>
struct cdcgan_preset {
  using O = PresetOptions<takes<Classes<1>, Latent<1>, Width<1>, Precision<void>>, Options...>;
  static_assert(O::classes() > 0,
                "gantry: cDCGAN is class-conditional: name its classes, e.g. models::cdcgan<Image<1, 32, 32>, Classes<10>>");
  using type = Gan<cdcgan_nets<ImageShape, O::classes(), O::template latent<100>, O::template width<64>, O::template width<64>>,
                   CdcganPaper, typename O::scalar>;
};
}  // namespace detail

// Options: Classes<K> (required), Latent<Z> (100), Width<Ch> (64: ngf = ndf), Precision<T> (float).
template <class ImageShape, class... Options>
using cdcgan = typename detail::cdcgan_preset<ImageShape, Options...>::type;

}  // namespace gantry::models
