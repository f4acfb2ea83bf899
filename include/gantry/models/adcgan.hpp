#pragma once
// ADC-GAN (Hou et al., ICML 2022: "Conditional GANs with Auxiliary Discriminative
// Classifier") and the classifier-based baselines it is compared with, AC-GAN and TAC-GAN, as
// the official code (houliangict/adcgan, a BigGAN-PyTorch fork) trains them: BigGAN's G and
// D (biggan.hpp) whose D ends in an unconditional adversarial head beside a classifier on the
// same pooled features, the hinge loss, and the classifier terms of an auxiliary classifier
// policy (losses/classification.hpp):
//   adcgan  Heads<LinearHead, ADCHead<K>>             2K classes: real k -> 2k, fake k -> 2k + 1
//   acgan   Heads<LinearHead, ClassifierHead<K>>      K classes, learnt on real data
//   tacgan  Heads<LinearHead, TwinClassifierHead<K>>  K classes and a twin for generated data
// The projection discriminator (models::biggan) is the fourth baseline of the paper.
//
// Settings (AuxGanHyper): the CIFAR-10 scripts (launch_cifar10_ema_{adc,ac,tac}gan.sh) are
// BigGAN's CIFAR script (biggan_hyper) with λ_D = λ_G = 1 (AC-GAN: 0.2); the Tiny-ImageNet
// scripts' optimiser settings are adcgan_tiny_imagenet_hyper() (λ 0.5, AC-GAN 0.2), with
// their conditioning as the *_hier_nets (shared embedding, hierarchical z, attention) and
// orthogonal init as the *OrthoPaper policies.
#include <cstdint>

#include "../losses/classification.hpp"
#include "biggan.hpp"

namespace gantry::models {

template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 64, int Attn = 0, int Z = 128>
using adcgan_nets = biggan_nets<ImageShape, K, Ch, Attn, Z, Heads<LinearHead<>, ADCHead<K>>>;
template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 64, int Attn = 0, int Z = 128>
using acgan_nets = biggan_nets<ImageShape, K, Ch, Attn, Z, Heads<LinearHead<>, ClassifierHead<K>>>;
template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 64, int Attn = 0, int Z = 128>
using tacgan_nets = biggan_nets<ImageShape, K, Ch, Attn, Z, Heads<LinearHead<>, TwinClassifierHead<K>>>;

// The Tiny-ImageNet conditioning at 32x32: shared class embedding, hierarchical z, attention.
template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 64, int Attn = 0, int Z = 128>
using adcgan_hier_nets = biggan_hier_nets<ImageShape, K, Ch, Attn, Z, Heads<LinearHead<>, ADCHead<K>>>;
template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 64, int Attn = 0, int Z = 128>
using acgan_hier_nets =
    biggan_hier_nets<ImageShape, K, Ch, Attn, Z, Heads<LinearHead<>, ClassifierHead<K>>>;
template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 64, int Attn = 0, int Z = 128>
using tacgan_hier_nets =
    biggan_hier_nets<ImageShape, K, Ch, Attn, Z, Heads<LinearHead<>, TwinClassifierHead<K>>>;

struct AuxGanHyper : HingeGanHyper {
  double lambda_d = 1.0;     // weight of the classifier term in D's loss
  double lambda_g = 1.0;     // ... and in G's
  bool class_hinge = false;  // the multi-class hinge instead of cross-entropy (`--hinge`)
  bool ac_on_fake = false;   // AC-GAN: D's classifier also learns generated images (original AC-GAN)

  template <class F>
  void fields(F&& f) {
    HingeGanHyper::fields(f);
    f("lambda_d", lambda_d);
    f("lambda_g", lambda_g);
    f("class_hinge", class_hinge);
    f("ac_on_fake", ac_on_fake);
  }
};

// launch_cifar10_ema_{adc,tac}gan.sh: BigGAN's CIFAR script with λ = 1.
inline AuxGanHyper adcgan_hyper() {
  AuxGanHyper h;
  static_cast<HingeGanHyper&>(h) = biggan_hyper();
  return h;
}
// launch_cifar10_ema_acgan.sh: λ = 0.2.
inline AuxGanHyper acgan_hyper() {
  AuxGanHyper h = adcgan_hyper();
  h.lambda_d = h.lambda_g = 0.2;
  return h;
}
// launch_tinyimagenet_ema_{adc,tac}gan.sh: batch 50 (x 2 micro-batches: Trainer accumulate),
// 2 D steps, G 1e-4 / D 4e-4, Adam ε 1e-6, EMA from 20000, λ = 0.5 (AC-GAN's script: 0.2).
inline AuxGanHyper adcgan_tiny_imagenet_hyper() {
  AuxGanHyper h = adcgan_hyper();
  h.d_steps = 2;
  h.g_lr = 1e-4;
  h.d_lr = 4e-4;
  h.adam_eps = 1e-6;
  h.ema_start = 20000;
  h.lambda_d = h.lambda_g = 0.5;
  return h;
}

namespace detail {
inline constexpr char adcgan_name[] = "adcgan";
inline constexpr char acgan_name[] = "acgan";
inline constexpr char tacgan_name[] = "tacgan";
}  // namespace detail

// A hinge paper with an auxiliary classifier policy `Aux` (ADC, ACGAN, TACGAN).
template <class Aux, const char* Name, AuxGanHyper (*Settings)(), InitScheme Init = InitScheme::normal_002>
struct AuxClassifierPaper : HingePaper<HingeInfo<Name, Init, false, biggan_hyper>> {
  using Base = HingePaper<HingeInfo<Name, Init, false, biggan_hyper>>;
  using Hyper = AuxGanHyper;
  static Hyper hyper() { return Settings(); }
  static Hyper checked(const Hyper& h) {
    Base::checked(h);
    check(h.lambda_d >= 0, Name, ": lambda_d must be >= 0, found ", h.lambda_d);
    check(h.lambda_g >= 0, Name, ": lambda_g must be >= 0, found ", h.lambda_g);
    return h;
  }
  static Aux classifier(const Hyper& h) {
    Aux a;
    a.lambda_d = h.lambda_d;
    a.lambda_g = h.lambda_g;
    a.hinge = h.class_hinge;
    if constexpr (requires { a.on_fake; }) a.on_fake = h.ac_on_fake;
    return a;
  }
};

using AdcganPaper = AuxClassifierPaper<ADC, detail::adcgan_name, adcgan_hyper>;
using AcganPaper = AuxClassifierPaper<ACGAN, detail::acgan_name, acgan_hyper>;
using TacganPaper = AuxClassifierPaper<TACGAN, detail::tacgan_name, adcgan_hyper>;
// The Tiny-ImageNet scripts' orthogonal init.
using AdcganOrthoPaper = AuxClassifierPaper<ADC, detail::adcgan_name, adcgan_tiny_imagenet_hyper, InitScheme::orthogonal>;

namespace detail {
template <int K>
using adc_heads = Heads<LinearHead<>, ADCHead<K>>;
template <int K>
using ac_heads = Heads<LinearHead<>, ClassifierHead<K>>;
template <int K>
using tac_heads = Heads<LinearHead<>, TwinClassifierHead<K>>;

// BigGAN's nets with the classifier heads, and the paper with the chosen init.
template <template <int> class Head, class Aux, const char* Name, AuxGanHyper (*Settings)(), class ImageShape,
          class... Options>
struct aux_preset {
  using O = PresetOptions<biggan_takes, Options...>;
  using type = Gan<typename biggan_preset_nets<ImageShape, Head, Options...>::type,
                   AuxClassifierPaper<Aux, Name, Settings, O::template init<InitScheme::normal_002>>,
                   typename O::scalar>;
};
}  // namespace detail

// Options: biggan's (biggan.hpp): Classes<K> (required), Width<Ch> (64), AttentionAt<Attn> (0),
// Latent<Z> (128), Hierarchical, WeightInit<S> (normal_002), Precision<T> (float).
template <class ImageShape, class... Options>
using adcgan = typename detail::aux_preset<detail::adc_heads, ADC, detail::adcgan_name, adcgan_hyper, ImageShape,
                                           Options...>::type;
template <class ImageShape, class... Options>
using acgan = typename detail::aux_preset<detail::ac_heads, ACGAN, detail::acgan_name, acgan_hyper, ImageShape,
                                          Options...>::type;
template <class ImageShape, class... Options>
using tacgan = typename detail::aux_preset<detail::tac_heads, TACGAN, detail::tacgan_name, adcgan_hyper, ImageShape,
                                           Options...>::type;

}  // namespace gantry::models
