#pragma once
// What every paper's step policy trains: a generator and a discriminator built from one
// seed, an optimiser for each (TTUR: their own options), and optionally an EMA copy of G
// for sampling. It also draws the step's noise and conditioning (uniform labels; for an
// instance-conditioned G, IC-GAN's draws from the instance set given to set_instances),
// samples in eval mode and saves or loads the whole state under PyTorch-style prefixes:
//   G.*, D.*, opt_G.*, opt_D.* (moments and step counts), G_ema.* (when the EMA is on),
// through checkpoint_parts (train/checkpoint.hpp writes them).
//
// Data-parallel (DataParallel, data_parallel.hpp: set_group, average_gradients, share_buffers):
// every rank draws the noise and conditioning of all ranks' batch with the same generator
// state and keeps its own rows (train_noise, train_condition), so N ranks of batch B / N draw
// what one process of batch B draws and their generators stay in step, and rank 0's
// checkpoint is the run's.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../autograd/grad.hpp"
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/var.hpp"
#include "../core/factories.hpp"
#include "../core/process_group.hpp"
#include "../data/instances.hpp"
#include "../losses/latent_optimisation.hpp"
#include "../nn/framework/model.hpp"
#include "../optim/ema.hpp"
#include "../optim/params.hpp"
#include "condition.hpp"
#include "data_parallel.hpp"
#include "step_losses.hpp"

namespace gantry::models {

// While some nets are updated, others' weights need no gradient: marking them saves their
// backward (D during a G step; G during a D step that back-propagates through G). Restored
// when the scope ends.
template <class T, class D, class... M>
struct FrozenWeights {
  std::tuple<M&...> nets;
  explicit FrozenWeights(M&... m) : nets(m...) { set(false); }
  ~FrozenWeights() { set(true); }
  FrozenWeights(const FrozenWeights&) = delete;
  FrozenWeights& operator=(const FrozenWeights&) = delete;
  void set(bool on) {
    std::apply(
        [on](auto&... m) {
          (for_each_parameter<T, D>(m, [on](const std::string&, Var<T, D>& p) { p.requires_grad_(on); }), ...);
        },
        nets);
  }
};

template <class Nets, template <class, class> class Opt, class T = float>
class NetPair : public DataParallel<T> {
 public:
  using GNet = typename Nets::G;
  using DNet = typename Nets::D;
  using GModule = typename GNet::template module<T, cpu>;
  using DModule = typename DNet::template module<T, cpu>;
  using value_type = T;
  using Optimizer = Opt<T, cpu>;
  using OptimizerOptions = std::remove_cvref_t<decltype(std::declval<const Optimizer&>().options())>;
  static constexpr int latent_size = GNet::latent_size;
  static constexpr int num_classes = GNet::num_classes;
  static constexpr int feature_size = GNet::feature_size;  // > 0: instance-conditioned (IC-GAN)
  using Cond = Condition<T, cpu>;

  NetPair(std::uint64_t seed, InitScheme scheme, bool zero_biases, OptimizerOptions g_opt, OptimizerOptions d_opt)
      : init_rng_(seed),
        init_{init_rng_, scheme, zero_biases},
        G(init_),
        D(init_),
        opt_G(named_parameters<T, cpu>(G), g_opt),
        opt_D(named_parameters<T, cpu>(D), d_opt) {}
  NetPair(const NetPair&) = delete;
  NetPair& operator=(const NetPair&) = delete;

 private:
  Rng init_rng_;
  Init init_;

 public:
  GModule G;
  DModule D;
  Optimizer opt_G, opt_D;

  // Keeps an exponential moving average of G (parameters and buffers) from `start_step` on;
  // sample() then uses it.
  void enable_ema(double decay, int64_t start_step) {
    ema_ = std::make_unique<EMA<T, cpu>>(G, decay, start_step);
    G_ema_ = std::make_unique<GModule>(init_);
    ema_->copy_to(*G_ema_);
  }
  bool has_ema() const { return static_cast<bool>(ema_); }
  void update_ema(int64_t step) {
    if (ema_) ema_->update(G, step);
  }

  // z from the latent prior, [n, latent_size]: N(0, I) unless the paper sets another
  // (LOGAN: U(-1, 1)). Training, sampling and evaluation all draw through this.
  Tensor<T, cpu> noise(int64_t n, Rng& rng) const { return draw_latents<T, cpu>(prior_, n, latent_size, rng); }
  void set_prior(LatentPrior p) { prior_ = p; }
  LatentPrior prior() const { return prior_; }
  // n labels drawn uniformly (none for an unconditional G).
  std::vector<int64_t> random_labels(int64_t n, Rng& rng) const {
    std::vector<int64_t> y;
    if constexpr (num_classes > 0)
      for (int64_t i = 0; i < n; ++i)
        y.push_back(std::min<int64_t>(static_cast<int64_t>(rng.uniform() * num_classes), num_classes - 1));
    return y;
  }

  // IC-GAN: the instance set G's conditioning is drawn from (data/instances.hpp), shared with
  // the loader that pairs D's real images with it.
  void set_instances(std::shared_ptr<const data::Instances> set) {
    check(set != nullptr, "NetPair::set_instances: no instance set");
    set->validate();
    check<ShapeError>(set->feature_size() == feature_size, "NetPair::set_instances: G takes features of size ",
                      feature_size, ", the instance set has ", set->feature_size());
    check(num_classes == 0 || !set->labels.empty(),
          "NetPair::set_instances: a class-conditional G (cc-IC-GAN) needs the instance set's labels; it has none");
    instances_ = std::move(set);
  }
  const data::Instances* instances() const { return instances_.get(); }

  // The conditioning of n fakes: uniform labels (none for an unconditional G), or for an
  // instance-conditioned G n draws from the instance set (data::draw_instances).
  Cond random_condition(int64_t n, Rng& rng) const {
    if constexpr (feature_size > 0) {
      check(instances_ != nullptr, "NetPair: an instance-conditioned G (IC-GAN) draws its conditioning from an "
            "instance set; none was given (set_instances)");
      data::InstanceDraw d = data::draw_instances(*instances_, n, rng);
      return Cond(num_classes > 0 ? std::move(d.labels) : std::vector<int64_t>{}, cast<T>(d.features));
    } else {
      return Cond(random_labels(n, rng));
    }
  }

  // The training step's draws for this rank's n rows: its rows of the draws for all ranks.
  Tensor<T, cpu> train_noise(int64_t n, Rng& rng) const {
    const ProcessGroup* g = this->group();
    return rank_rows(noise(n * group_size(g), rng), g, "NetPair::train_noise");
  }
  Cond train_condition(int64_t n, Rng& rng) const {
    const ProcessGroup* g = this->group();
    if (group_size(g) == 1) return random_condition(n, rng);
    const Cond all = random_condition(n * group_size(g), rng);
    return Cond(rank_rows(all.labels, g, "NetPair::train_condition"),
                rank_rows(all.features, g, "NetPair::train_condition"));
  }

  // A batch of fakes from the training G (training-mode norms), off the tape: for D steps.
  Var<T, cpu> detached_fakes(int64_t n, const Cond& c, Rng& rng) {
    no_grad guard;
    const Var<T, cpu> z(train_noise(n, rng));
    return Var<T, cpu>(G.forward(z, c.labels, c.feature_var(), true).value());
  }

  using FreezeD = FrozenWeights<T, cpu, DModule>;
  using FreezeG = FrozenWeights<T, cpu, GModule>;

  // The latents G sees for a batch drawn from the prior, by default as drawn. A latent policy
  // (LOGAN's optimisation) passes a callable (z, condition, rng) -> OptimisedLatent instead.
  struct AsDrawn {
    OptimisedLatent<T, cpu> operator()(const Tensor<T, cpu>& z, const Cond&, Rng&) const {
      return {Var<T, cpu>(z), {}, 0.0};
    }
  };

  // The backward half of a generator update: `accumulate` micro-batches of fresh z (and
  // conditioning c), each adding (g_loss(G(z', c), c) + cost) / accumulate to G's
  // gradients, with D's weights frozen (g_loss runs D); z' and the cost come from `latent`.
  // Returns the mean loss; the caller adds regularisers and steps opt_G.
  // Data-parallel: `batch` is all ranks' together; this rank takes its rows.
  template <class GLoss, class Latent = AsDrawn>
  double generator_backward(int64_t batch, int accumulate, Rng& rng, GLoss&& g_loss, Latent&& latent = {}) {
    opt_G.zero_grad();
    FreezeD frozen(D);
    const T scale = T(1) / static_cast<T>(accumulate);
    const ShardRows rows = shard_rows(batch, this->group(), "the generator step");
    const int64_t n = rows.end - rows.begin;
    double loss = 0;
    for (int a = 0; a < accumulate; ++a) {
      const Cond c = train_condition(n, rng);
      const OptimisedLatent<T, cpu> z = latent(train_noise(n, rng), c, rng);
      Var<T, cpu> g = g_loss(G.forward(z.z, c.labels, c.feature_var(), true), c);
      if (z.cost.defined()) g = add(g, z.cost);
      mul_scalar(g, scale).backward();
      loss += g.item() * scale;
    }
    return loss;
  }

  // The generator that samples: the EMA copy (brought up to date) when there is one, else G.
  GModule& sampling_generator() {
    if (!ema_) return G;
    ema_->copy_to(*G_ema_);
    return *G_ema_;
  }

  // Samples for pictures and metrics: eval mode, the EMA generator when there is one.
  Tensor<T, cpu> sample(const Tensor<T, cpu>& z, const Cond& c) {
    no_grad guard;
    return sampling_generator().forward(Var<T, cpu>(z), c.labels, c.feature_var(), false).value();
  }

  void set_lr(double g_lr, double d_lr) {
    opt_G.set_lr(g_lr);
    opt_D.set_lr(d_lr);
  }

  // f(prefix, part) for every piece of state a checkpoint holds: the nets (modules, with
  // parameters and buffers) and the optimisers and EMA (visit_state). train/checkpoint.hpp
  // saves and loads through this.
  template <class F>
  void checkpoint_parts(F&& f) {
    f("G", G);
    f("D", D);
    f("opt_G", opt_G);
    f("opt_D", opt_D);
    if (ema_) f("G_ema", *ema_);
  }

 private:
  std::unique_ptr<EMA<T, cpu>> ema_;
  std::unique_ptr<GModule> G_ema_;
  LatentPrior prior_ = LatentPrior::normal;
  std::shared_ptr<const data::Instances> instances_;
};

// What every step policy exposes besides its steps: its NetPair `nets`, sampling and the
// checkpoint parts (the trainer and train/evaluate.hpp use these).
template <class NetsT, template <class, class> class Opt, class T>
struct PairedModel {
  using Nets = NetsT;  // the nets struct (G, D): e.g. what load_official_biggan<Nets, T> takes
  using Pair = NetPair<Nets, Opt, T>;
  Pair nets;

  template <class... Args>
  explicit PairedModel(Args&&... args) : nets(std::forward<Args>(args)...) {}
  Tensor<T, cpu> sample(const Tensor<T, cpu>& z, const Condition<T, cpu>& c) { return nets.sample(z, c); }
  // n samples for a picture (eval mode, the EMA generator when there is one), z drawn from a
  // stream of `seed`; a class-conditional G's labels cycle through the classes (so a grid of
  // K columns has a class per column), an instance-conditioned G's instances are drawn.
  Tensor<T, cpu> sample(int64_t n, std::uint64_t seed = 0) {
    check(n >= 1, "sample: n must be >= 1, found ", n);
    Rng rng(seed);
    Condition<T, cpu> c;
    if constexpr (Pair::feature_size > 0) {
      c = nets.random_condition(n, rng);
    } else if constexpr (Pair::num_classes > 0) {
      for (int64_t i = 0; i < n; ++i) c.labels.push_back(i % Pair::num_classes);
    }
    return nets.sample(nets.noise(n, rng), c);
  }
  template <class F>
  void checkpoint_parts(F&& f) {
    nets.checkpoint_parts(f);
  }
};

}  // namespace gantry::models
