#pragma once
// BigGAN's standing statistics (Brock et al. 2019, appendix; BigGAN-PyTorch
// utils.accumulate_standing_stats with layers.myBN): before sampling, the generator runs in
// training mode, without gradients, on `batches` batches of fresh z ~ N(0, I) (or truncated z)
// and uniform labels, and every batch norm's running mean and variance become the plain
// average over those batches of its batch mean and biased batch variance
// (nn/layers/batch_norm.hpp, batch_norm_standing). Eval-mode samples then normalise with them.
//
//   models::standing_statistics(model, 16, 50, rng);        // BigGAN-PyTorch's default 16
//   auto x = model.sample(z, labels);
//
// It acts on the generator sample() uses: with an EMA of G, the averaged generator (its
// running statistics in the EMA are replaced, so checkpoints and later samples carry them;
// later EMA updates blend G's statistics in again, as in BigGAN-PyTorch); otherwise G itself.
// Only the running means and variances change. Per batch, z is drawn before the labels, as
// utils.accumulate_standing_stats does (z.normal_(), then y.random_()).
//
// Deviation: BigGAN-PyTorch's training-mode forwards also run spectral norm's power iteration
// and keep the resulting u and σ (and a non-EMA G's BN counters). Here every other buffer is
// put back, so standing statistics change nothing a training step or a D step reads, can be
// recomputed from the same state with a different count, and a checkpoint differs only in
// the statistics. The forwards themselves use the iterating σ, as the official ones do.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../autograd/grad.hpp"
#include "../autograd/var.hpp"
#include "../core/error.hpp"
#include "../core/philox.hpp"
#include "../nn/layers/batch_norm.hpp"
#include "../nn/framework/module.hpp"
#include "../optim/ema.hpp"
#include "truncation.hpp"

namespace gantry::models {

namespace detail {
// A NetPair, or the NetPair `nets` of a model (PairedModel, HingeGan, Wgan...).
template <class M>
auto& net_pair_of(M& m) {
  if constexpr (requires { m.nets; })
    return m.nets;
  else
    return m;
}

// Every buffer of a module by name (sharing storage with the module).
template <class T, class M>
std::vector<std::pair<std::string, Tensor<T, cpu>>> buffers_of(M& m) {
  struct V : ParamVisitor<T, cpu> {
    std::vector<std::pair<std::string, Tensor<T, cpu>>> out;
    void parameter(const std::string&, Var<T, cpu>&) override {}
    void buffer(const std::string& name, Tensor<T, cpu>& b) override { out.emplace_back(name, b); }
  } v;
  m.visit(v, "");
  return std::move(v.out);
}

template <class T>
void copy_values(Tensor<T, cpu>& dst, const Tensor<T, cpu>& src) {
  DeviceMemory<cpu>::copy(dst.data(), src.data(), dst.bytes());
}
}  // namespace detail

// Standing statistics of the sampling generator of `model` (a NetPair or a model holding one
// as `nets`) over `batches` batches of `batch_size`; z is truncated to [-truncation, truncation]
// (truncated_noise) when truncation > 0. Draws from `rng`. Returns how many batch norms were
// updated (0 for a generator without batch norm, which is left as it was).
template <class Model>
int64_t standing_statistics(Model& model, int64_t batches, int64_t batch_size, Rng& rng, double truncation = 0) {
  auto& pair = detail::net_pair_of(model);
  using Pair = std::remove_cvref_t<decltype(pair)>;
  using GModule = typename Pair::GModule;
  using T = typename decltype(pair.noise(0, rng))::value_type;
  check(batches >= 1, "standing_statistics: batches must be >= 1, got ", batches);
  check(batch_size >= 1, "standing_statistics: batch_size must be >= 1, got ", batch_size);
  check(truncation >= 0, "standing_statistics: truncation must be >= 0 (0: plain normal z), got ", truncation);

  GModule* g = nullptr;
  EMA<T, cpu>* ema = nullptr;
  pair.checkpoint_parts([&](const auto& prefix, auto& part) {
    using P = std::remove_cvref_t<decltype(part)>;
    if constexpr (std::is_same_v<P, GModule>) {
      if (std::string(prefix) == "G") g = &part;
    } else if constexpr (std::is_same_v<P, EMA<T, cpu>>) {
      ema = &part;
    }
  });
  check(g != nullptr, "standing_statistics: the model has no generator part 'G'");

  // With an EMA the averaged weights go into a scratch generator (sample() refills its own
  // copy from the EMA each call, so the EMA's entries are what must change).
  std::unique_ptr<GModule> scratch;
  GModule* target = g;
  if (ema) {
    Rng scratch_rng(0);
    Init scratch_init{scratch_rng};
    scratch = std::make_unique<GModule>(scratch_init);
    ema->copy_to(*scratch);
    target = scratch.get();
  }
  auto buffers = detail::buffers_of<T>(*target);
  std::vector<Tensor<T, cpu>> saved;
  if (!ema)
    for (const auto& [name, b] : buffers) saved.push_back(b.clone());
  const auto restore = [&](const batch_norm_standing* keep) {
    for (std::size_t i = 0; i < saved.size(); ++i)
      if (!keep || !keep->rewrote(buffers[i].second.data())) detail::copy_values(buffers[i].second, saved[i]);
  };

  no_grad guard;
  batch_norm_standing standing;
  try {
    for (int64_t k = 0; k < batches; ++k) {
      const Tensor<T, cpu> z = truncation > 0 ? truncated_noise<T>(batch_size, Pair::latent_size, truncation, rng)
                                              : pair.noise(batch_size, rng);
      const auto c = pair.random_condition(batch_size, rng);
      target->forward(Var<T, cpu>(z), c.labels, c.feature_var(), true);
    }
  } catch (...) {
    restore(nullptr);  // a failed run leaves G as it was (a scratch copy needs nothing)
    throw;
  }
  restore(&standing);
  if (ema) {
    std::map<std::string, Tensor<T, cpu>> stats;
    for (const auto& [name, b] : buffers)
      if (standing.rewrote(b.data())) stats.emplace(name, b);
    ema->visit_state([&](const std::string& name, Tensor<T, cpu>& t) {
      if (const auto it = stats.find(name); it != stats.end()) detail::copy_values(t, it->second);
    });
  }
  return standing.layers();
}

}  // namespace gantry::models
