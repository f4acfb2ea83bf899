#pragma once
// WGAN with weight clipping (Arjovsky et al. 2017; SPECS.md §1d), as martinarjovsky/
// WassersteinGAN's main.py trains it: RMSprop (lr 5e-5) for both nets, every critic weight
// clamped to [-c, c] before each critic step, and 5 critic steps per generator step except
// 100 for the first 25 generator steps and every 500th, so the critic starts near optimal.
// The nets are wgan_dcgan<...> (wgan_nets.hpp) by default in the programs; any pair works.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../data/loader.hpp"
#include "../losses/wasserstein.hpp"
#include "../optim/clip.hpp"
#include "../optim/rmsprop.hpp"
#include "hyper.hpp"
#include "net_pair.hpp"

namespace gantry::models {

struct WganHyper {
  int64_t batch_size = 64;  // both nets
  double lr = 5e-5;
  double clip = 0.01;
  int64_t n_critic = 5;
  int64_t warmup_critic = 100;  // critic steps ...
  int64_t warmup_steps = 25;    // ... for the first this many G steps
  int64_t warmup_every = 500;   // ... and every this many G steps (0: never)

  template <class F>
  void fields(F&& f) {
    f("batch_size", batch_size);
    f("lr", lr);
    f("clip", clip);
    f("n_critic", n_critic);
    f("warmup_critic", warmup_critic);
    f("warmup_steps", warmup_steps);
    f("warmup_every", warmup_every);
  }
};

template <class Nets, class T = float>
class Wgan : public PairedModel<Nets, RMSprop, T> {
 public:
  using Hyper = WganHyper;
  using typename PairedModel<Nets, RMSprop, T>::Pair;
  using PairedModel<Nets, RMSprop, T>::nets;
  static constexpr const char* name = "wgan";

  Wgan(Hyper h, std::uint64_t seed)
      : PairedModel<Nets, RMSprop, T>(seed, InitScheme::normal_002, false, rmsprop(checked(h)), rmsprop(h)), hyper_(h) {}

  const Hyper& hyper() const { return hyper_; }
  int64_t batch_size() const { return hyper_.batch_size; }
  // main.py: Diters = 100 if gen_iterations < 25 or gen_iterations % 500 == 0 else 5.
  int64_t d_steps(int64_t g_step) const {
    const bool warm = g_step < hyper_.warmup_steps || (hyper_.warmup_every > 0 && g_step % hyper_.warmup_every == 0);
    return warm ? hyper_.warmup_critic : hyper_.n_critic;
  }
  void set_step(int64_t /*g_step*/) {}

  StepLosses d_step(std::span<const data::Batch> real, Rng& rng) {
    clip_parameters<T, cpu>(nets.D, hyper_.clip);
    nets.opt_D.zero_grad();
    const T scale = T(1) / static_cast<T>(real.size());
    double loss = 0;
    for (const data::Batch& b : real) {
      const Var<T, cpu> x(cast<T>(b.images));
      const Var<T, cpu> fake = nets.detached_fakes(b.size(), b.labels, rng);
      const Var<T, cpu> w =
          Wasserstein::d_loss(nets.D.forward(x, b.labels, true), nets.D.forward(fake, b.labels, true));
      mul_scalar(w, scale).backward();
      loss += w.item() * scale;
    }
    nets.opt_D.step();
    return {{"d_loss", loss}, {"wasserstein", -loss}};
  }

  StepLosses g_step(int accumulate, Rng& rng) {
    const double loss = nets.generator_backward(hyper_.batch_size, accumulate, rng,
                                                [](const Var<T, cpu>& d) { return Wasserstein::g_loss(d); });
    nets.opt_G.step();
    return {{"g_loss", loss}};
  }

 private:
  static Hyper checked(const Hyper& h) {
    check(h.batch_size > 0, "wgan: batch_size must be > 0, found ", h.batch_size);
    check(h.clip > 0, "wgan: clip must be > 0, found ", h.clip);
    check(h.n_critic >= 1 && h.warmup_critic >= 1, "wgan: critic step counts must be >= 1, found ", h.n_critic,
          " and ", h.warmup_critic);
    return h;
  }
  static RMSpropOptions rmsprop(const Hyper& h) { return {.lr = h.lr}; }

  Hyper hyper_;
};

}  // namespace gantry::models
