#pragma once
// The settings SAGAN, BigGAN and BigGAN-deep share (SPECS.md §2, §3; BigGAN-PyTorch's
// train_fns.GAN_training_function), as a paper policy of the step template (gan.hpp):
// class-conditional nets, the hinge loss, Adam with separate learning rates for G and D
// (TTUR), d_steps discriminator steps per generator step, an EMA of G for sampling, and
// optionally BigGAN's modified orthogonal regularisation (losses/orthogonal.hpp).
//
// With `concat_real_fake` (BigGAN-PyTorch's G_D) real and fake go through D in one forward
// pass (so spectral norm's power iteration runs once per step); otherwise in two. A paper is
// an `Info` type: name, init scheme, TF-style zero biases, and its hyper-parameters
// (`Info::hyper()`, also `HingeGan::paper_hyper()`).
#include <cstdint>
#include <tuple>

#include "../losses/hinge.hpp"
#include "../losses/orthogonal.hpp"
#include "../optim/adam.hpp"
#include "gan.hpp"
#include "hyper.hpp"

namespace gantry::models {

struct HingeGanHyper {
  int64_t batch_size = 50;    // per D micro-batch and per G micro-batch
  int64_t d_steps = 4;        // D steps per G step
  double g_lr = 2e-4, d_lr = 2e-4;
  double beta1 = 0.0, beta2 = 0.999;
  double adam_eps = 1e-8;
  double ema_decay = 0.9999;  // 0: no EMA
  int64_t ema_start = 1000;   // plain copies before this G step
  double ortho = 0.0;         // BigGAN's orthogonal regularisation strength (paper 1e-4), on G
  bool concat_real_fake = true;

  template <class F>
  void fields(F&& f) {
    f("batch_size", batch_size);
    f("d_steps", d_steps);
    f("g_lr", g_lr);
    f("d_lr", d_lr);
    f("beta1", beta1);
    f("beta2", beta2);
    f("adam_eps", adam_eps);
    f("ema_decay", ema_decay);
    f("ema_start", ema_start);
    f("ortho", ortho);
    f("concat_real_fake", concat_real_fake);
  }
};

// What names a hinge paper: its name (checkpoints), init scheme, TF-style zero biases and
// its hyper-parameters. SaganPaper, BigganPaper, BigganOrthoPaper, BigganDeepPaper are these.
template <const char* Name, InitScheme Init, bool ZeroBiases, HingeGanHyper (*Hyper)()>
struct HingeInfo {
  static constexpr const char* name = Name;
  static constexpr InitScheme init = Init;
  static constexpr bool zero_biases = ZeroBiases;
  static HingeGanHyper hyper() { return Hyper(); }
};

// A hinge paper (SAGAN, BigGAN, BigGAN-deep) as a policy of the step template (gan.hpp).
// `Info` names the paper (a HingeInfo, or any type with the same members).
template <class Info>
struct HingePaper {
  static constexpr const char* name = Info::name;
  using Hyper = HingeGanHyper;
  using Loss = Hinge;
  template <class T, class D>
  using Optimizer = Adam<T, D>;
  static constexpr InitScheme init = Info::init;
  static constexpr bool zero_biases = Info::zero_biases;
  static Hyper hyper() { return Info::hyper(); }

  static Hyper checked(const Hyper& h) {
    check(h.batch_size > 0, name, ": batch_size must be > 0, found ", h.batch_size);
    check(h.d_steps >= 1, name, ": d_steps must be >= 1, found ", h.d_steps);
    check(h.ema_decay >= 0 && h.ema_decay < 1, name, ": ema_decay must be in [0, 1), found ", h.ema_decay);
    check(h.ortho >= 0, name, ": ortho must be >= 0, found ", h.ortho);
    return h;
  }
  static GanSettings settings(const Hyper& h) {
    return {.batch_size = h.batch_size,
            .g_batch_size = h.batch_size,
            .d_pass = h.concat_real_fake ? DPass::concatenated : DPass::separate,
            .ema_decay = h.ema_decay,
            .ema_start = h.ema_start};
  }
  static int64_t d_steps(const Hyper& h, int64_t /*g_step*/) { return h.d_steps; }
  static AdamOptions g_optimizer(const Hyper& h) { return adam(h, h.g_lr); }
  static AdamOptions d_optimizer(const Hyper& h) { return adam(h, h.d_lr); }
  // The shared class embedding is left out, as BigGAN-PyTorch's blacklist does.
  static std::tuple<OrthogonalRegularisation> regularisers(const Hyper& h) {
    return {OrthogonalRegularisation{h.ortho, {"shared."}}};
  }

 private:
  static AdamOptions adam(const Hyper& h, double lr) {
    return {.lr = lr, .beta1 = h.beta1, .beta2 = h.beta2, .eps = h.adam_eps};
  }
};

template <class Nets, class Info, class T = float>
using HingeGan = Gan<Nets, HingePaper<Info>, T>;

}  // namespace gantry::models
