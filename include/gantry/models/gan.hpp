#pragma once
// The one training step every paper shares, `Gan<Nets, Paper>`: what differs between papers
// is a policy, not a loop. `Nets` has the G and D aliases; `Paper` (the GanPaper concept
// below) names the adversarial loss, the regularisers, the optimiser and its settings, the
// init scheme, the schedule of discriminator steps and learning rates, and whether real and
// fake go through D in one pass. WGAN, WGAN-GP, SAGAN, BigGAN, BigGAN-deep, DCGAN and LSGAN
// are such papers (wgan.hpp, wgan_gp.hpp, hinge_gan.hpp, dcgan.hpp).
//
// A discriminator step, for each real micro-batch (gradient accumulation: each loss / K):
//   regularisers' before_d_step(D)             (weight clipping)
//   y_fake ~ U(classes) (none for an unconditional G), fake = G(z, y_fake) off the tape
//     (with latent optimisation: fake = G(z', y_fake) on the tape, G's weights frozen)
//   D(real, y), D(fake, y_fake)                 one concatenated pass or two
//   loss = Loss::d_loss + regularisers' d_penalty(D, real, fake)      (gradient penalty)
//          + the latent policy's cost                                  (LOGAN)
//   backward(loss / K); then one optimiser step.
// A generator step: K micro-batches of (Loss::g_loss(D(G(z', y), y)) + latent cost) / K with D
// frozen (z' = z without latent optimisation), regularisers' after_g_backward(G) (orthogonal
// regularisation), the optimiser step, EMA.
//
// With an auxiliary classifier (ADC-GAN, AC-GAN, TAC-GAN: `Paper::classifier(h)`, an
// AuxiliaryClassifier of losses/classification.hpp) D's passes return its class logits too
// (forward_all), its d_loss(logits_real, y, logits_fake, y_fake) joins D's loss and its
// g_loss(logits, y) G's; logged as d_aux and g_aux.
//
// With a per-pixel output (U-Net GAN's D: UNet<...>, nn/framework/unet.hpp) the adversarial loss is
// applied to both outputs, (1 - w) Loss(D_enc) + w Loss(D_dec) with w = pixel_weight (0.5), in
// D's and G's steps; a paper may add CutMix (`Paper::cutmix(h)`, an optional CutMix of
// losses/cutmix.hpp): in a mixing D step the mix M ⊙ x + (1 - M) ⊙ G(z) goes through D in the
// same pass as x and G(z), and its CutMix and consistency terms join D's loss (logged as cutmix,
// consistency, and mixed: 1 for a mixing step, 0 otherwise).
//
// Data-parallel (nets.set_group, core/process_group.hpp): each rank runs the step on its rows
// of the batch and of every per-sample draw (noise, labels, the penalty's alpha, CutMix and
// latent masks: drawn for all ranks, its rows kept); gradients are averaged over the ranks
// before each optimiser step, rank 0's buffers are shared after it, batch norm is per rank or
// synchronised (nets.sync_batch_norm()), and the logged losses are the ranks' means.
//
// Logged: d_loss (with penalties), d_real and d_fake (mean D outputs), the loss's own
// estimate (Wasserstein: "wasserstein" = -its d_loss), each penalty by its log_name, g_loss;
// with latent optimisation lo_cost (its cost in the D step) and dz_norm (mean |Δz|).
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/layout.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../data/loader.hpp"
#include "../losses/adversarial.hpp"
#include "../losses/classification.hpp"
#include "../losses/cutmix.hpp"
#include "../losses/latent_optimisation.hpp"
#include "../losses/regulariser.hpp"
#include "../nn/layers/batch_norm.hpp"
#include "hyper.hpp"
#include "net_pair.hpp"

namespace gantry::models {

// How a discriminator step shows D the real and the fake batch: in one forward pass of their
// concatenation (BigGAN-PyTorch's G_D: spectral norm's power iteration and batch statistics
// run once) or in two.
enum class DPass { separate, concatenated };

// The per-paper numbers the loop reads from the hyper-parameters.
struct GanSettings {
  int64_t batch_size = 64;    // per D micro-batch (the data loader's batch)
  int64_t g_batch_size = 64;  // per G micro-batch
  DPass d_pass = DPass::separate;
  double ema_decay = 0;       // 0: no EMA of G
  int64_t ema_start = 0;      // plain copies before this G step
  double pixel_weight = 0.5;  // a per-pixel D output's share of the adversarial loss
};

namespace gan_detail {
// The paper's latent policy (losses/latent_optimisation.hpp): `Paper::latent(h)` when it has
// one (LOGAN), else z ~ N(0, I) as drawn.
template <class Paper>
auto latent_policy(const typename Paper::Hyper& h) {
  if constexpr (requires { Paper::latent(h); })
    return Paper::latent(h);
  else
    return GaussianLatent{};
}

// No auxiliary classifier: the step reads D's adversarial output only.
struct NoClassifier {};

template <class Paper>
auto classifier_policy(const typename Paper::Hyper& h) {
  if constexpr (requires { Paper::classifier(h); })
    return Paper::classifier(h);
  else
    return NoClassifier{};
}

// The paper's CutMix policy (U-Net GAN), if any.
template <class Paper>
std::optional<CutMix> cutmix_policy(const typename Paper::Hyper& h) {
  if constexpr (requires { Paper::cutmix(h); })
    return Paper::cutmix(h);
  else
    return std::nullopt;
}

// D's outputs on one group of images: the adversarial scores, the class logits (with an
// auxiliary classifier) and the per-pixel logits (U-Net D).
template <class T, class D>
struct DOut {
  Var<T, D> scores, logits, pixels;
};

template <class T, class D>
Var<T, D> sum_defined(const Var<T, D>& a, const Var<T, D>& b) {
  return a.defined() ? (b.defined() ? add(a, b) : a) : b;
}
}  // namespace gan_detail

// A Paper policy. Optional: `static Classifier classifier(h)` (an auxiliary classifier policy
// of losses/classification.hpp; D must then have a classifier head), `static Latent latent(h)`
// (a latent policy, as LatentOptimisation;
// GaussianLatent without it), `static std::pair<double, double> learning_rates(h, g_step)`
// (G's and D's, for the G step g_step and the D steps before it; constant without it) and
// `static Hyper hyper()` (the paper's values; Hyper{} without it).
template <class P>
concept GanPaper = requires(const typename P::Hyper& h, int64_t g_step) {
  { P::name } -> std::convertible_to<const char*>;
  { P::init } -> std::convertible_to<InitScheme>;
  { P::zero_biases } -> std::convertible_to<bool>;
  requires AdversarialLoss<typename P::Loss>;
  { P::checked(h) } -> std::same_as<typename P::Hyper>;  // validates, throws naming the field
  { P::settings(h) } -> std::same_as<GanSettings>;
  { P::d_steps(h, g_step) } -> std::convertible_to<int64_t>;
  P::g_optimizer(h);   // options of P::Optimizer for G ...
  P::d_optimizer(h);   // ... and for D
  P::regularisers(h);  // a std::tuple of regulariser policies (losses/regulariser.hpp)
};

template <class Nets, GanPaper Paper, class T = float>
class Gan : public PairedModel<Nets, Paper::template Optimizer, T> {
  using Base = PairedModel<Nets, Paper::template Optimizer, T>;
  using Device = cpu;
  using V = Var<T, Device>;
  using Cond = Condition<T, Device>;

 public:
  using Hyper = typename Paper::Hyper;
  using Loss = typename Paper::Loss;
  using Regularisers = decltype(Paper::regularisers(std::declval<const Hyper&>()));
  using Latent = decltype(gan_detail::latent_policy<Paper>(std::declval<const Hyper&>()));
  using Classifier = decltype(gan_detail::classifier_policy<Paper>(std::declval<const Hyper&>()));
  static constexpr bool has_classifier = !std::is_same_v<Classifier, gan_detail::NoClassifier>;
  static constexpr bool has_pixel = !std::is_same_v<typename Nets::D::outputs::per_pixel, NoOutput>;
  using typename Base::Pair;
  using Base::nets;
  static constexpr const char* name = Paper::name;

  Gan(Hyper h, std::uint64_t seed)
      : Base(seed, Paper::init, Paper::zero_biases, Paper::g_optimizer(Paper::checked(h)), Paper::d_optimizer(h)),
        hyper_(h),
        settings_(Paper::settings(h)),
        regularisers_(Paper::regularisers(h)),
        latent_(gan_detail::latent_policy<Paper>(h)),
        classifier_(gan_detail::classifier_policy<Paper>(h)),
        cutmix_(gan_detail::cutmix_policy<Paper>(h)) {

    static_assert(!has_classifier || AuxiliaryClassifier<Classifier>,
                  "gantry: Gan: Paper::classifier(h) must return an auxiliary classifier policy with "
                  "d_loss(logits_real, y_real, logits_fake, y_fake), g_loss(logits, y) and a log_name "
                  "(losses/classification.hpp: ADC, ACGAN, TACGAN)");
    static_assert(!has_classifier || !std::is_same_v<typename Nets::D::outputs::classifier, NoOutput>,
                  "gantry: Gan: the paper has an auxiliary classifier but D has no classifier head: end D with "
                  "Heads<adversarial head, ADCHead<K> | ClassifierHead<K> | TwinClassifierHead<K>>");
    static_assert(all_regularisers(static_cast<Regularisers*>(nullptr)),
                  "gantry: Gan: Paper::regularisers(h) must return a std::tuple of regulariser policies, each "
                  "with before_d_step(D), d_penalty(critic, real, fake, rng) or after_g_backward(G) "
                  "(losses/regulariser.hpp)");
    if (settings_.ema_decay > 0) nets.enable_ema(settings_.ema_decay, settings_.ema_start);
    if constexpr (Latent::optimises) latent_.validate();
    if (cutmix_) cutmix_->validate();
    check(has_pixel || !cutmix_, Paper::name, ": CutMix needs a discriminator with a per-pixel output (a U-Net D: "
          "UNet<Encoder<...>, head, Decoder<...>, PerPixelHead<>>); this D has none (turn CutMix off, e.g. mixup=false)");
    nets.set_prior(latent_.prior());
  }

  static Hyper paper_hyper() {
    if constexpr (requires { Paper::hyper(); })
      return Paper::hyper();
    else
      return Hyper{};
  }
  // The model on a device, with the paper's hyper-parameters unless given:
  //   auto model = models::sagan<Image<1, 32, 32>, 10>::make(cpu{}, /*seed=*/1);
  template <class Dev>
  static Gan make(Dev, std::uint64_t seed, const Hyper& h = paper_hyper()) {
    static_assert(std::is_same_v<Dev, cpu>,
                  "gantry: Gan::make: the models train on the cpu for now (make(cpu{}, seed)); training on cuda{} "
                  "waits for the CUDA backend's layers, optimisers and step");
    return Gan(h, seed);
  }
  const Hyper& hyper() const { return hyper_; }
  const Latent& latent() const { return latent_; }
  int64_t batch_size() const { return settings_.batch_size; }
  int64_t d_steps(int64_t g_step) const { return Paper::d_steps(hyper_, g_step); }

  // LOGAN's latent optimisation at sampling time: `steps` first-order steps of the paper's
  // latent policy (its rule, α, β and mask) against D(G(z)) in eval mode with the sampling G,
  // so a sampled z' stays in [-1, 1]. The mask draws from `rng`.
  Tensor<T, Device> optimise_latents(const Tensor<T, Device>& z0, const Cond& y, int steps, Rng& rng)
    requires(Latent::optimises)
  {
    LatentOptimisation lo = latent_;
    lo.steps = steps;
    lo.second_order = false;
    lo.validate();
    if (steps == 0) return z0;
    auto& g = nets.sampling_generator();
    const Tensor<T, Device> mask = lo.template draw_mask<T, Device>(z0.dim(0), z0.dim(1), rng);
    return lo([&](const V& z) { return this->d_forward(g.forward(z, y.labels, y.feature_var(), false), y, false); },
              z0, mask)
        .z.value();
  }

  // D's decisions on `images` in eval mode, off the tape: with a U-Net D the per-image logits
  // and the per-pixel map (gantry sample --decision-map draws these).
  DiscriminatorOutput<T, Device> decisions(const Tensor<T, Device>& images, const Cond& c) {
    no_grad guard;
    return nets.D.forward_all(V(images), c.labels, c.feature_var(), false);
  }

  // Called before the D steps of G step `g_step` (0-based): learning rates, EMA step count.
  void set_step(int64_t g_step) {
    step_ = g_step;
    if constexpr (requires { Paper::learning_rates(hyper_, g_step); }) {
      const auto [g_lr, d_lr] = Paper::learning_rates(hyper_, g_step);
      nets.set_lr(g_lr, d_lr);
    }
  }

  // Data-parallel (nets.set_group): `real` is this rank's rows of the batch; the losses
  // returned are the means over ranks.
  StepLosses d_step(std::span<const data::Batch> real, Rng& rng) {
    batch_norm_sync sync(nets.sync_batch_norm() ? nets.group() : nullptr);
    // (this->: GCC 12 does not find the base's `nets` inside a generic lambda.)
    for_each_regulariser([&](auto& r) {
      if constexpr (clips_d<decltype(r)>) r.before_d_step(this->nets.D);
    });
    nets.opt_D.zero_grad();
    // Latent optimisation makes the fakes a function of D's weights through G: G stays on the
    // tape, its weights frozen.
    std::optional<typename Pair::FreezeG> frozen_g;
    if (latent_.active()) frozen_g.emplace(nets.G);
    const T scale = T(1) / static_cast<T>(real.size());
    double loss = 0, on_real = 0, on_fake = 0, adversarial = 0, lo_cost = 0, dz_norm = 0, aux = 0, mix = 0, cons = 0;
    std::vector<double> penalties(penalty_names().size(), 0.0);
    // CutMix: whether this D step mixes (always, or with the schedule's probability), and its
    // coefficient; a full-batch mixing step drops the ordinary real/fake terms.
    const bool mixing = cutmix_ && (!cutmix_->replaces_batch() || rng.uniform() < cutmix_->mix_probability(step_));
    const bool adversarial_terms = !(mixing && cutmix_->replaces_batch());
    for (const data::Batch& b : real) {
      const int64_t n = b.size();
      // IC-GAN's pairs: the real images come with the features of the instance they neighbour.
      const Cond real_c(b.labels, b.features.defined() ? cast<T>(b.features) : Tensor<T, Device>());
      // A mix is of one class: its fakes take the real labels.
      const Cond fake_c =
          mixing && (Pair::num_classes > 0 || Pair::feature_size > 0) ? real_c : nets.train_condition(n, rng);
      const std::vector<int64_t>& y_fake = fake_c.labels;
      const V x(cast<T>(b.images));
      V fake, cost;
      if (latent_.active()) {
        OptimisedLatent<T, Device> z = optimised_latent(nets.train_noise(n, rng), fake_c, rng);
        fake = nets.G.forward(z.z, fake_c.labels, fake_c.feature_var(), true);
        if (cost_in_d()) cost = z.cost;
        lo_cost += z.cost.item() * scale;
        dz_norm += z.step_norm * scale;
      } else {
        fake = nets.detached_fakes(n, fake_c, rng);
      }
      Tensor<T, Device> masks;
      std::vector<V> images{x, fake};
      if (mixing) {
        masks = rank_rows(cutmix_masks<T, Device>(n * group_size(nets.group()), x.dim(2), x.dim(3), rng),
                          nets.group(), "CutMix");
        images.emplace_back(cutmix_images(x.value(), fake.value(), masks));
      }
      const std::vector<gan_detail::DOut<T, Device>> out =
          discriminate(images, {&real_c, &fake_c, &real_c});
      const V& d_real = out[0].scores;
      const V& d_fake = out[1].scores;
      V adv, total = cost;
      if (adversarial_terms) {
        adv = adversarial_loss([](const V& r, const V& f) { return Loss::d_loss(r, f); }, out[0], out[1]);
        total = gan_detail::sum_defined(total, adv);
      }
      if constexpr (has_pixel) {
        if (mixing) {
          const double c = cutmix_->coefficient(step_);
          const V m = CutMix::mix_loss(out[2].pixels, out[2].scores, masks, c);
          const V k = cutmix_->consistency_loss(out[2].pixels, out[0].pixels, out[1].pixels, masks, c);
          total = gan_detail::sum_defined(total, add(m, k));
          mix += m.item() * scale;
          cons += k.item() * scale;
        }
      }
      if constexpr (has_classifier) {
        const V c = classifier_.d_loss(out[0].logits, b.labels, out[1].logits, y_fake);
        total = gan_detail::sum_defined(total, c);
        aux += c.item() * scale;
      }
      std::size_t k = 0;
      for_each_regulariser([&](auto& r) {
        if constexpr (penalises_d<decltype(r)>) {
          const V p = penalty(r, Critic{this, &real_c}, x, fake, rng);
          total = gan_detail::sum_defined(total, p);
          penalties[k++] += p.item() * scale;
        }
      });
      mul_scalar(total, scale).backward();
      loss += total.item() * scale;
      if (adv.defined()) adversarial += adv.item() * scale;
      on_real += mean(d_real).item() * scale;
      on_fake += mean(d_fake).item() * scale;
    }
    nets.average_gradients(nets.D);
    nets.opt_D.step();
    share_buffers();
    StepLosses out{{"d_loss", loss}, {"d_real", on_real}, {"d_fake", on_fake}};
    if constexpr (d_estimate_name<Loss>() != nullptr) out.emplace_back(d_estimate_name<Loss>(), -adversarial);
    const auto names = penalty_names();
    for (std::size_t k = 0; k < names.size(); ++k) out.emplace_back(names[k], penalties[k]);
    if constexpr (has_classifier) out.emplace_back("d_aux", aux);
    if (cutmix_) {
      out.emplace_back("cutmix", mix);
      out.emplace_back("consistency", cons);
      out.emplace_back("mixed", mixing ? 1.0 : 0.0);
    }
    if (latent_.active()) {
      out.emplace_back("lo_cost", lo_cost);
      out.emplace_back("dz_norm", dz_norm);
    }
    return nets.average(std::move(out));
  }

  StepLosses g_step(int accumulate, Rng& rng) {
    batch_norm_sync sync(nets.sync_batch_norm() ? nets.group() : nullptr);
    double aux = 0;
    const T aux_scale = T(1) / static_cast<T>(accumulate);
    const auto g_loss = [&](const V& fake, const Cond& y) {
      const gan_detail::DOut<T, Device> d = this->run_d(fake, y);
      const V adv = this->adversarial_loss([](const V& s, const V&) { return Loss::g_loss(s); }, d, d);
      if constexpr (has_classifier) {
        const V c = this->classifier_.g_loss(d.logits, y.labels);
        aux += c.item() * aux_scale;
        return add(adv, c);
      } else {
        return adv;
      }
    };
    const auto optimised = [&](const Tensor<T, Device>& z0, const Cond& y, Rng& r) {
      auto z = this->optimised_latent(z0, y, r);
      if (!this->cost_in_g()) z.cost = V();
      return z;
    };
    const double loss = latent_.active()
                            ? nets.generator_backward(settings_.g_batch_size, accumulate, rng, g_loss, optimised)
                            : nets.generator_backward(settings_.g_batch_size, accumulate, rng, g_loss);
    nets.average_gradients(nets.G);
    for_each_regulariser([&](auto& r) {
      if constexpr (acts_on_g<decltype(r)>) r.after_g_backward(this->nets.G);
    });
    nets.opt_G.step();
    share_buffers();
    nets.update_ema(step_ + 1);  // counted from 1, as BigGAN-PyTorch's iterations
    StepLosses out{{"g_loss", loss}};
    if constexpr (has_classifier) out.emplace_back("g_aux", aux);
    return nets.average(std::move(out));
  }

 private:
  using GModule = typename Pair::GModule;
  using DModule = typename Pair::DModule;

  template <class... R>
  static constexpr bool all_regularisers(std::tuple<R...>*) {
    return ((RegulariserFor<R, GModule, DModule, T, Device> && (clips_d<R> || acts_on_g<R> || penalises_d<R>)) && ...);
  }
  template <class U>
  static constexpr bool all_regularisers(U*) {
    return false;
  }

  // Both nets ran in training mode (D on G's fakes, G for D's): rank 0's batch-norm
  // statistics become every rank's.
  void share_buffers() {
    nets.share_buffers(nets.G, nets.D);
  }

  // A regulariser's penalty; one that draws per sample (the gradient penalty's alpha) draws
  // for all ranks' rows and keeps this rank's when it takes the group.
  template <class R, class C>
  V penalty(R& r, const C& critic, const V& x, const V& fake, Rng& rng) {
    if constexpr (requires { r.d_penalty(critic, x, fake, rng, nets.group()); })
      return r.d_penalty(critic, x, fake, rng, nets.group());
    else
      return r.d_penalty(critic, x, fake, rng);
  }

  // D's adversarial output on images with their conditioning.
  V d_forward(const V& images, const Cond& c, bool training) {
    return nets.D.forward(images, c.labels, c.feature_var(), training);
  }

  // D's outputs on one group of images, in training mode.
  gan_detail::DOut<T, Device> run_d(const V& images, const Cond& c) {
    if constexpr (has_classifier || has_pixel) {
      const DiscriminatorOutput<T, Device> d = nets.D.forward_all(images, c.labels, c.feature_var(), true);
      return {d.adversarial, d.classifier, d.per_pixel};
    } else {
      return {d_forward(images, c, true), V(), V()};
    }
  }

  // D on groups of images with their labels (real, fake and maybe a CutMix mix), in one
  // concatenated pass (spectral norm's power iteration and batch statistics run once) or one
  // pass each.
  std::vector<gan_detail::DOut<T, Device>> discriminate(const std::vector<V>& images,
                                                        const std::vector<const Cond*>& conditions) {
    std::vector<gan_detail::DOut<T, Device>> out;
    if (settings_.d_pass == DPass::separate) {
      for (std::size_t i = 0; i < images.size(); ++i) out.push_back(run_d(images[i], *conditions[i]));
      return out;
    }
    std::vector<int64_t> sizes;
    Cond all_c;
    std::vector<Tensor<T, Device>> features;
    for (std::size_t i = 0; i < images.size(); ++i) {
      sizes.push_back(images[i].dim(0));
      // (An unconditional D takes no labels, though the data set may have some.)
      const Cond& c = *conditions[i];
      if (Pair::num_classes > 0) all_c.labels.insert(all_c.labels.end(), c.labels.begin(), c.labels.end());
      if (c.features.defined()) features.push_back(c.features);
    }
    if (!features.empty()) all_c.features = ops::concat(features, 0);
    const gan_detail::DOut<T, Device> all = run_d(concat(images, 0), all_c);
    out.resize(images.size());
    const auto split_into = [&](const V& v, V gan_detail::DOut<T, Device>::*slot) {
      if (!v.defined()) return;
      const std::vector<V> parts = split(v, sizes, 0);
      for (std::size_t i = 0; i < parts.size(); ++i) out[i].*slot = parts[i];
    };
    split_into(all.scores, &gan_detail::DOut<T, Device>::scores);
    split_into(all.logits, &gan_detail::DOut<T, Device>::logits);
    split_into(all.pixels, &gan_detail::DOut<T, Device>::pixels);
    return out;
  }

  // A loss of D's outputs on two groups, on the adversarial scores alone or, with a per-pixel
  // output, (1 - w) loss(scores) + w loss(pixels).
  template <class F>
  V adversarial_loss(F&& loss, const gan_detail::DOut<T, Device>& a, const gan_detail::DOut<T, Device>& b) const {
    if constexpr (has_pixel) {
      const T w = static_cast<T>(settings_.pixel_weight);
      return add(mul_scalar(loss(a.scores, b.scores), T(1) - w), mul_scalar(loss(a.pixels, b.pixels), w));
    } else {
      return loss(a.scores, b.scores);
    }
  }

  // z0 after the latent policy's steps against D(G(., y), y) (training mode), with its mask
  // drawn from `rng`.
  bool cost_in_d() const {
    if constexpr (Latent::optimises) return latent_.cost_in_d;
    return false;
  }
  bool cost_in_g() const {
    if constexpr (Latent::optimises) return latent_.cost_in_g;
    return false;
  }

  // (Never called unless the policy optimises: active() is false otherwise.)
  OptimisedLatent<T, Device> optimised_latent(const Tensor<T, Device>& z0, const Cond& y, Rng& rng) {
    if constexpr (Latent::optimises) {
      const Tensor<T, Device> mask =
          rank_rows(latent_.template draw_mask<T, Device>(z0.dim(0) * group_size(nets.group()), z0.dim(1), rng),
                    nets.group(), "the latent mask");
      return latent_(
          [&](const V& z) { return this->d_forward(this->nets.G.forward(z, y.labels, y.feature_var(), true), y, true); },
          z0, mask);
    } else {
      return {V(z0), {}, 0.0};
    }
  }

  template <class F>
  void for_each_regulariser(F&& f) {
    std::apply([&](auto&... r) { (f(r), ...); }, regularisers_);
  }

  // D on the real batch's conditioning, for penalties that evaluate it at other points.
  struct Critic {
    Gan* gan;
    const Cond* c;
    V operator()(const V& v) const { return gan->d_forward(v, *c, true); }
  };

  // Which hooks a regulariser has (losses/regulariser.hpp), for these nets.
  template <class R>
  static constexpr bool clips_d = requires(std::remove_cvref_t<R>& r, DModule& d) { r.before_d_step(d); };
  template <class R>
  static constexpr bool acts_on_g = requires(std::remove_cvref_t<R>& r, GModule& g) { r.after_g_backward(g); };
  template <class R>
  static constexpr bool penalises_d = requires(const std::remove_cvref_t<R>& r, const V& x, Rng& rng) {
    { r.d_penalty(std::declval<Critic>(), x, x, rng) } -> std::same_as<V>;
  };

  std::vector<std::string> penalty_names() const {
    std::vector<std::string> names;
    std::apply(
        [&](const auto&... r) {
          (
              [&] {
                using R = std::remove_cvref_t<decltype(r)>;
                if constexpr (penalises_d<R>) names.emplace_back(R::log_name);
              }(),
              ...);
        },
        regularisers_);
    return names;
  }

  Hyper hyper_;
  GanSettings settings_;
  Regularisers regularisers_;
  Latent latent_;
  Classifier classifier_;
  std::optional<CutMix> cutmix_;
  int64_t step_ = 0;
};

}  // namespace gantry::models
