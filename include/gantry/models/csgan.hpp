#pragma once
// CSGAN (Kancharagunta & Dubey 2019, "CSGAN: Cyclic-Synthesized Generative Adversarial
// Networks for image-to-image transformation") and CycleGAN (Zhu et al. 2017) as its μ = 0
// case: presets of the translation step (translation.hpp) over CycleGAN's nets.
//
//   using Model = models::csgan<Image<3, 256, 256>>;        // or models::cyclegan<...>
//   Model m(Model::paper_hyper(), seed);   // then train::Trainer with a data::PairLoader
//
// Nets (pytorch-CycleGAN-and-pix2pix networks.py, the authors' framework):
//   resnet_generator<In, OutC, Ngf, Blocks>: ReflectionPad 3 -> Conv 7x7 -> IN -> ReLU ->
//     2 x [Conv 3x3 s2 -> IN -> ReLU] -> Blocks x CycleResnetBlock -> 2 x [ConvTranspose 3x3 s2
//     (output padding 1) -> IN -> ReLU] -> ReflectionPad 3 -> Conv 7x7 -> tanh; Blocks 9
//     ('resnet_9blocks', the paper's 256x256) or 6 ('resnet_6blocks', 128x128). Instance norm
//     without affine or running statistics, every conv with a bias; names `model.<i>.*` as
//     the official state dicts (so official generators load as they are: csgan_official.hpp).
//   patchgan<In, Ndf, Layers>: the n-layer PatchGAN (Layers 3: the 70x70 'basic' D):
//     Conv 4x4 s2 -> LReLU 0.2, (Layers - 1) x [Conv 4x4 s2 -> IN -> LReLU], Conv 4x4 s1 -> IN
//     -> LReLU, Conv 4x4 s1 -> one logit per patch; widths Ndf·min(2^n, 8).
// Paper (SPECS: csgan.py and the authors' CDGAN options): least-squares loss, cycle L1 with
// λ_A = λ_B = 10, cyclic-synthesized L1 with μ_A = μ_B = 30 (the cycled image detached),
// identity weight 0 (CycleGAN's own default for photo tasks is 0.5: set lambda_identity),
// history pools of 50, Adam lr 2e-4 (0.5, 0.999) for both, batch 1, N(0, 0.02) weights and
// zero biases, and the 'lambda' schedule: constant for `constant_epochs` epochs, then linear
// decay to 0 over `decay_epochs` (an epoch is `epoch_steps` iterations: the data set's size
// over the batch; 0 keeps the rate constant).
#include <algorithm>
#include <cstdint>
#include <tuple>

#include "../losses/cycle.hpp"
#include "../losses/least_squares.hpp"
#include "../nn/layers/activations.hpp"
#include "../nn/layers/conv2d.hpp"
#include "../nn/layers/conv_transpose2d.hpp"
#include "../nn/blocks/cycle_resnet_block.hpp"
#include "../nn/layers/instance_norm.hpp"
#include "../nn/framework/model.hpp"
#include "../nn/heads/patchgan_head.hpp"
#include "../nn/layers/reflection_pad2d.hpp"
#include "../nn/framework/translator.hpp"
#include "../optim/adam.hpp"
#include "options.hpp"
#include "translation.hpp"

namespace gantry::models {

using CycleNorm = InstanceNorm2d<Affine::off, 5>;  // affine off, ε 1e-5

template <class In, int OutC = In::channels, int Ngf = 64, int Blocks = 9>
using resnet_generator =
    Translator<In, ReflectionPad2d<3>, Conv2d<Ngf, 7, 1, 0>, CycleNorm, ReLU,                  //
               Conv2d<2 * Ngf, 3, 2, 1>, CycleNorm, ReLU, Conv2d<4 * Ngf, 3, 2, 1>, CycleNorm, ReLU,  //
               Repeat<Blocks, CycleResnetBlock>,                                                    //
               ConvTranspose2d<2 * Ngf, 3, 2, 1, 1>, CycleNorm, ReLU,                               //
               ConvTranspose2d<Ngf, 3, 2, 1, 1>, CycleNorm, ReLU,                                   //
               ReflectionPad2d<3>, Conv2d<OutC, 7, 1, 0>, Tanh>;

namespace csgan_detail {
constexpr int width_mult(int n) { return std::min(1 << n, 8); }
template <int Ndf, int N, int Layers, class... Acc>
struct patch_layers : patch_layers<Ndf, N + 1, Layers, Acc..., Conv2d<Ndf * width_mult(N), 4, 2, 1>, CycleNorm,
                                   LeakyReLU<>> {};
template <int Ndf, int Layers, class... Acc>
struct patch_layers<Ndf, Layers, Layers, Acc...> {
  template <class In>
  using net = Discriminator<In, Conv2d<Ndf, 4, 2, 1>, LeakyReLU<>, Acc..., Conv2d<Ndf * width_mult(Layers), 4, 1, 1>,
                            CycleNorm, LeakyReLU<>, PatchGANHead>;
};
}  // namespace csgan_detail

template <class In, int Ndf = 64, int Layers = 3>
using patchgan = typename csgan_detail::patch_layers<Ndf, 1, Layers>::template net<In>;

// G_A: A -> B, G_B: B -> A, D_A judges B, D_B judges A (the official names).
template <class ImageA, class ImageB = ImageA, int Ngf = 64, int Ndf = 64, int Blocks = 9, int DLayers = 3>
struct cycle_nets {
  static_assert(ImageA::height == ImageB::height && ImageA::width == ImageB::width,
                "gantry: cycle_nets: the two domains' images must have the same height and width");
  static_assert(ImageA::height % 4 == 0 && ImageA::width % 4 == 0,
                "gantry: cycle_nets: the ResNet generator halves the image twice and doubles it back; height and "
                "width must be multiples of 4");
  using G_A = resnet_generator<ImageA, ImageB::channels, Ngf, Blocks>;
  using G_B = resnet_generator<ImageB, ImageA::channels, Ngf, Blocks>;
  using D_A = patchgan<ImageB, Ndf, DLayers>;
  using D_B = patchgan<ImageA, Ndf, DLayers>;
};

struct CycleHyper {
  int64_t batch_size = 1;
  double lr = 2e-4;  // both nets
  double beta1 = 0.5, beta2 = 0.999;
  double lambda_a = 10, lambda_b = 10;  // cycle consistency
  double mu_a = 30, mu_b = 30;          // cyclic-synthesized (0: CycleGAN)
  double lambda_identity = 0;           // identity, times the domain's λ
  int64_t pool_size = 50;
  int64_t epoch_steps = 0;  // iterations per epoch for the schedule (0: constant learning rate)
  int64_t constant_epochs = 100, decay_epochs = 100;  // the official niter, niter_decay

  template <class F>
  void fields(F&& f) {
    f("batch_size", batch_size);
    f("lr", lr);
    f("beta1", beta1);
    f("beta2", beta2);
    f("lambda_a", lambda_a);
    f("lambda_b", lambda_b);
    f("mu_a", mu_a);
    f("mu_b", mu_b);
    f("lambda_identity", lambda_identity);
    f("pool_size", pool_size);
    f("epoch_steps", epoch_steps);
    f("constant_epochs", constant_epochs);
    f("decay_epochs", decay_epochs);
  }
};

// The official 'lambda' policy: during (0-based) epoch e the rate is
// lr · (1 - max(0, e + 2 - constant_epochs) / (decay_epochs + 1)) (epoch_count 1), so the last
// of constant + decay epochs runs at 0; beyond the schedule it stays 0.
inline double cycle_learning_rate(const CycleHyper& h, int64_t step) {
  if (h.epoch_steps <= 0) return h.lr;
  const int64_t e = step / h.epoch_steps;
  const double f = 1.0 - static_cast<double>(std::max<int64_t>(0, e + 2 - h.constant_epochs)) /
                             static_cast<double>(h.decay_epochs + 1);
  return h.lr * std::max(0.0, f);
}

// The papers' settings: CSGAN's (the struct's defaults) and CycleGAN's (the same without the
// cycle-synthesized terms, mu = 0).
inline CycleHyper cycle_hyper(bool cyclic_synthesized) {
  CycleHyper h;
  if (!cyclic_synthesized) h.mu_a = h.mu_b = 0;
  return h;
}
inline CycleHyper csgan_hyper() { return cycle_hyper(true); }
inline CycleHyper cyclegan_hyper() { return cycle_hyper(false); }

template <const char* Name, bool CyclicSynthesized_>
struct CyclePaper {
  static constexpr const char* name = Name;
  using Hyper = CycleHyper;
  using Loss = LeastSquares;
  template <class T, class D>
  using Optimizer = Adam<T, D>;
  static constexpr InitScheme init = InitScheme::normal_002;
  static constexpr bool zero_biases = true;

  static Hyper hyper() { return cycle_hyper(CyclicSynthesized_); }
  static Hyper checked(const Hyper& h) {
    check(h.batch_size > 0, name, ": batch_size must be > 0, found ", h.batch_size);
    check(h.lr > 0, name, ": lr must be > 0, found ", h.lr);
    check(h.pool_size >= 0, name, ": pool_size must be >= 0, found ", h.pool_size);
    check(h.epoch_steps >= 0, name, ": epoch_steps must be >= 0, found ", h.epoch_steps);
    check(h.constant_epochs >= 0 && h.decay_epochs >= 0, name,
          ": constant_epochs and decay_epochs must be >= 0, found ", h.constant_epochs, " and ", h.decay_epochs);
    check(h.lambda_identity >= 0, name, ": lambda_identity must be >= 0, found ", h.lambda_identity);
    return h;
  }
  static int64_t batch_size(const Hyper& h) { return h.batch_size; }
  static int64_t pool_size(const Hyper& h) { return h.pool_size; }
  static double learning_rate(const Hyper& h, int64_t step) { return cycle_learning_rate(h, step); }
  static AdamOptions g_optimizer(const Hyper& h) { return {.lr = h.lr, .beta1 = h.beta1, .beta2 = h.beta2}; }
  static AdamOptions d_optimizer(const Hyper& h) { return g_optimizer(h); }
  static std::tuple<CycleConsistency, CyclicSynthesized, Identity> terms(const Hyper& h) {
    return {CycleConsistency{h.lambda_a, h.lambda_b}, CyclicSynthesized{h.mu_a, h.mu_b},
            Identity{h.lambda_identity * h.lambda_b, h.lambda_identity * h.lambda_a}};
  }
};

inline constexpr char csgan_name[] = "csgan";
inline constexpr char cyclegan_name[] = "cyclegan";
using CsganPaper = CyclePaper<csgan_name, true>;
using CycleganPaper = CyclePaper<cyclegan_name, false>;

namespace detail {
template <class Paper, class ImageA, class... Options>
struct translation_preset {
  using O = PresetOptions<takes<Target<void>, Width<1>, ResidualBlocks<1>, PatchLayers<1>, Precision<void>>, Options...>;
  using type = Translation<cycle_nets<ImageA, typename O::template target<ImageA>, O::template width<64>,
                                      O::template width<64>, O::template residual_blocks<9>,
                                      O::template patch_layers<3>>,
                           Paper, typename O::scalar>;
};
}  // namespace detail

// Options: Target<ImageB> (the second domain's images; the first's by default), Width<Ch> (64:
// ngf = ndf), ResidualBlocks<N> (9), PatchLayers<N> (3: the 70x70 PatchGAN), Precision<T> (float).
template <class ImageA, class... Options>
using csgan = typename detail::translation_preset<CsganPaper, ImageA, Options...>::type;
template <class ImageA, class... Options>
using cyclegan = typename detail::translation_preset<CycleganPaper, ImageA, Options...>::type;

}  // namespace gantry::models
