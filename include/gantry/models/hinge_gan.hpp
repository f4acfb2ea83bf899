#pragma once
// The step policy SAGAN, BigGAN and BigGAN-deep share (SPECS.md §2, §3; BigGAN-PyTorch's
// train_fns.GAN_training_function): class-conditional nets, the hinge loss, Adam with separate
// learning rates for G and D (TTUR), d_steps discriminator steps per generator step, an EMA of
// G for sampling, and optionally BigGAN's modified orthogonal regularisation.
//
// A discriminator step draws fresh z and uniform labels for the fakes; the real batch brings
// its own labels. With `concat_real_fake` (BigGAN-PyTorch's G_D) real and fake go through D
// in one forward pass (so spectral norm's power iteration runs once per step); otherwise in
// two. A paper is a `Paper` type: name, init scheme, TF-style zero biases, and its
// hyper-parameters (`Paper::hyper()`, also `HingeGan::paper_hyper()`).
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../autograd/grad.hpp"
#include "../autograd/ops/layout.hpp"
#include "../core/eigen.hpp"
#include "../data/loader.hpp"
#include "../losses/hinge.hpp"
#include "../optim/adam.hpp"
#include "hyper.hpp"
#include "net_pair.hpp"

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

// BigGAN-PyTorch utils.ortho: for every weight W (viewed as [rows, rest]) not in the blacklist,
// grad += strength * 2 (W W^T ⊙ (1 - I)) W — the "modified" form that leaves the norms free.
// Parameters with fewer than two axes (biases, gains) are skipped.
template <class T>
void add_orthogonal_regularisation(const ParamList<T, cpu>& params, double strength,
                                   const std::vector<std::string>& blacklist_prefixes) {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (const auto& p : params) {
    if (p.var.rank() < 2) continue;
    if (std::any_of(blacklist_prefixes.begin(), blacklist_prefixes.end(),
                    [&](const std::string& b) { return p.name.rfind(b, 0) == 0; }))
      continue;
    const Var<T, cpu> g = p.var.grad();
    if (!g.defined()) continue;
    const int64_t rows = p.var.dim(0), cols = p.var.numel() / rows;
    const Eigen::Map<const Mat> w(p.var.value().data(), rows, cols);
    Tensor<T, cpu> gt = g.value();  // shares the gradient's storage
    Eigen::Map<Mat> gm(gt.data(), rows, cols);
    Mat wwt = w * w.transpose();
    wwt.diagonal().setZero();
    gm.noalias() += (static_cast<T>(2 * strength) * wwt) * w;
  }
}

template <class Nets, class Paper, class T = float>
class HingeGan : public PairedModel<Nets, Adam, T> {
 public:
  using Hyper = HingeGanHyper;
  using typename PairedModel<Nets, Adam, T>::Pair;
  using PairedModel<Nets, Adam, T>::nets;
  static constexpr const char* name = Paper::name;

  HingeGan(Hyper h, std::uint64_t seed)
      : PairedModel<Nets, Adam, T>(seed, Paper::init, Paper::zero_biases, adam(checked(h), h.g_lr), adam(h, h.d_lr)),
        hyper_(h) {
    if (h.ema_decay > 0) nets.enable_ema(h.ema_decay, h.ema_start);
  }

  static Hyper paper_hyper() { return Paper::hyper(); }
  const Hyper& hyper() const { return hyper_; }
  int64_t batch_size() const { return hyper_.batch_size; }
  int64_t d_steps(int64_t /*g_step*/) const { return hyper_.d_steps; }
  void set_step(int64_t g_step) { step_ = g_step; }

  StepLosses d_step(std::span<const data::Batch> real, Rng& rng) {
    nets.opt_D.zero_grad();
    const T scale = T(1) / static_cast<T>(real.size());
    double loss = 0, on_real = 0, on_fake = 0;
    for (const data::Batch& b : real) {
      const int64_t n = b.size();
      const std::vector<int64_t> y_fake = nets.random_labels(n, rng);
      const Var<T, cpu> x(cast<T>(b.images));
      const Var<T, cpu> fake = nets.detached_fakes(n, y_fake, rng);
      Var<T, cpu> d_real, d_fake;
      if (hyper_.concat_real_fake) {
        std::vector<int64_t> y = b.labels;
        y.insert(y.end(), y_fake.begin(), y_fake.end());
        const auto both = split(nets.D.forward(concat(std::vector<Var<T, cpu>>{x, fake}, 0), y, true), {n, n}, 0);
        d_real = both[0];
        d_fake = both[1];
      } else {
        d_real = nets.D.forward(x, b.labels, true);
        d_fake = nets.D.forward(fake, y_fake, true);
      }
      const Var<T, cpu> l = Hinge::d_loss(d_real, d_fake);
      mul_scalar(l, scale).backward();
      loss += l.item() * scale;
      on_real += mean(d_real).item() * scale;
      on_fake += mean(d_fake).item() * scale;
    }
    nets.opt_D.step();
    return {{"d_loss", loss}, {"d_real", on_real}, {"d_fake", on_fake}};
  }

  StepLosses g_step(int accumulate, Rng& rng) {
    const double loss = nets.generator_backward(hyper_.batch_size, accumulate, rng,
                                                [](const Var<T, cpu>& d) { return Hinge::g_loss(d); });
    // The shared class embedding is left out, as BigGAN-PyTorch's blacklist does.
    if (hyper_.ortho > 0) add_orthogonal_regularisation(nets.opt_G.params(), hyper_.ortho, {"shared."});
    nets.opt_G.step();
    nets.update_ema(step_ + 1);  // BigGAN-PyTorch counts iterations from 1
    return {{"g_loss", loss}};
  }

 private:
  static Hyper checked(const Hyper& h) {
    check(h.batch_size > 0, Paper::name, ": batch_size must be > 0, found ", h.batch_size);
    check(h.d_steps >= 1, Paper::name, ": d_steps must be >= 1, found ", h.d_steps);
    check(h.ema_decay >= 0 && h.ema_decay < 1, Paper::name, ": ema_decay must be in [0, 1), found ", h.ema_decay);
    check(h.ortho >= 0, Paper::name, ": ortho must be >= 0, found ", h.ortho);
    return h;
  }
  static AdamOptions adam(const Hyper& h, double lr) {
    return {.lr = lr, .beta1 = h.beta1, .beta2 = h.beta2, .eps = h.adam_eps};
  }

  Hyper hyper_;
  int64_t step_ = 0;
};

}  // namespace gantry::models
