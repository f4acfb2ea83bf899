#pragma once
// LOGAN (Wu et al. 2019, "LOGAN: Latent Optimisation for Generative Adversarial Networks";
// SPECS.md §5): BigGAN-deep with the paper's changes, trained with latent optimisation.
//
// Nets: biggan_deep_nets (biggan_deep.hpp) with a latent of Z = 256 (the paper's ImageNet
// size; a template parameter), z ~ U(-1, 1) (the latent policy's prior, consistent with the
// clipping), and LeakyReLU(0.2) for every ReLU of the blocks and G's output (Act; ReLU gives
// plain BigGAN-deep nets). The projection head's pooling keeps its ReLU.
// Step: the hinge loss and settings of BigGAN-deep (hinge_gan.hpp), and before every D and G
// update the latents take `lo_steps` natural-gradient steps up D(G(z)) with the second-order
// terms (losses/latent_optimisation.hpp).
//
// Hyper-parameters: BigGAN-deep's (biggan_deep_hyper) plus the latent step's. The paper's
// values: α 0.9, β 5, c 0.5 (of each latent, per sample), w_r 300, one step; the transport
// cost in both losses (as the paper and StudioGAN). StudioGAN's CIFAR-10 config differs
// (β 0.1, c 0.8, w_r 0.1; two steps asked, one taken): `logan_studiogan_hyper()`.
#include <cstdint>
#include <ratio>

#include "../losses/latent_optimisation.hpp"
#include "biggan_deep.hpp"
#include "hinge_gan.hpp"
#include "options.hpp"

namespace gantry::models {

template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 32, int Z = 256, class Act = LeakyReLU<>>
using logan_nets = biggan_deep_nets<ImageShape, K, Ch, Z, 128, 0, 0, 6, Act>;

struct LoganHyper : HingeGanHyper {
  int64_t lo_steps = 1;          // latent steps per update (0: LO off, the uniform prior alone)
  bool lo_natural_gradient = true;  // NGD; false: plain gradient steps (LOGAN-GD)
  double lo_alpha = 0.9, lo_beta = 5.0;
  double lo_rate = 0.5;          // c, the fraction optimised
  bool lo_per_dimension = false;  // mask single dimensions instead of whole latents
  double lo_w_r = 300.0;
  bool lo_second_order = true;   // back-propagate through Δz
  bool lo_cost_in_d = true;

  template <class F>
  void fields(F&& f) {
    HingeGanHyper::fields(f);
    f("lo_steps", lo_steps);
    f("lo_natural_gradient", lo_natural_gradient);
    f("lo_alpha", lo_alpha);
    f("lo_beta", lo_beta);
    f("lo_rate", lo_rate);
    f("lo_per_dimension", lo_per_dimension);
    f("lo_w_r", lo_w_r);
    f("lo_second_order", lo_second_order);
    f("lo_cost_in_d", lo_cost_in_d);
  }
};

inline LoganHyper logan_hyper() {
  LoganHyper h;
  static_cast<HingeGanHyper&>(h) = biggan_deep_hyper();
  return h;
}

// StudioGAN's CIFAR-10 LOGAN.yaml latent settings, on the same BigGAN-deep step.
inline LoganHyper logan_studiogan_hyper() {
  LoganHyper h = logan_hyper();
  h.lo_beta = 0.1;
  h.lo_rate = 0.8;
  h.lo_w_r = 0.1;
  return h;
}

inline constexpr char logan_name[] = "logan";

struct LoganInfo {
  static constexpr const char* name = logan_name;
  static constexpr InitScheme init = InitScheme::orthogonal;
  static constexpr bool zero_biases = false;
};

struct LoganPaper : HingePaper<LoganInfo> {
  using Hyper = LoganHyper;
  static Hyper hyper() { return logan_hyper(); }
  static Hyper checked(const Hyper& h) {
    HingePaper<LoganInfo>::checked(h);
    latent(h).validate();
    return h;
  }
  static LatentOptimisation latent(const Hyper& h) {
    return {.rule = h.lo_natural_gradient ? LatentStepRule::natural_gradient : LatentStepRule::gradient_descent,
            .alpha = h.lo_alpha,
            .beta = h.lo_beta,
            .rate = h.lo_rate,
            .w_r = h.lo_w_r,
            .steps = static_cast<int>(h.lo_steps),
            .mask = h.lo_per_dimension ? LatentMask::per_dimension : LatentMask::per_sample,
            .second_order = h.lo_second_order,
            .cost_in_d = h.lo_cost_in_d,
            .cost_in_g = true};
  }
};

namespace detail {
template <class ImageShape, class... Options>
struct logan_preset {
  using O = PresetOptions<takes<Classes<1>, Width<1>, Latent<1>, Precision<void>>, Options...>;
  static_assert(O::classes() > 0,
                "gantry: LOGAN (BigGAN-deep's nets) is class-conditional: name its classes, e.g. "
                "models::logan<Image<3, 32, 32>, Classes<10>>");
  using type = Gan<logan_nets<ImageShape, O::classes(), O::template width<32>, O::template latent<256>>, LoganPaper,
                   typename O::scalar>;
};
}  // namespace detail

// Options: Classes<K> (required), Width<Ch> (32), Latent<Z> (256), Precision<T> (float).
template <class ImageShape, class... Options>
using logan = typename detail::logan_preset<ImageShape, Options...>::type;

}  // namespace gantry::models
