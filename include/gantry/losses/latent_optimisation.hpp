#pragma once
// Latent policies: where a step's latents come from and what happens to them before G.
//
// `GaussianLatent`: z ~ N(0, I), used as drawn (every paper but LOGAN).
//
// `LatentOptimisation` (LOGAN, Wu et al. 2019; SPECS §5): z ~ U(-1, 1), then `steps` times
//   f = D(G(z)) per sample;  g = ∂f/∂z
//   gradient descent:  Δz = α g        natural gradient:  Δz = α g / (β + ‖g‖²)  (per sample:
//                                      the empirical Fisher g gᵀ + β I inverted by Sherman-Morrison)
//   z ← clip(z + m ⊙ Δz, -1, 1)
// The mask m chooses what is optimised, drawn once per batch with P(1) = c: whole latents
// (per sample, StudioGAN's reading of "a fraction c of z") or single dimensions (per
// dimension). g is taken with create_graph, so the final z' is a function of D's and G's
// weights and an update that back-propagates through it gets LOGAN's second-order terms;
// `second_order = false` treats each Δz as data (first-order LOGAN, for ablation).
// The transport cost w_r · Σ_steps mean_n ‖Δz_n‖² (of the unmasked step, as StudioGAN) is
// returned on the tape; the paper and StudioGAN add it to both D's and G's loss.
//
// Every one of `steps` steps is taken (StudioGAN's `latent_optimise` returns inside its loop
// and so takes one step whatever lo_steps says; gantry does not copy that).
#include <cstdint>
#include <string>
#include <vector>

#include "../autograd/grad.hpp"
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../autograd/var.hpp"
#include "../core/error.hpp"
#include "../core/factories.hpp"

namespace gantry {

enum class LatentPrior { normal, uniform };

// What a latent policy hands the step: the latents G sees and a cost to add to the losses
// (undefined when there is none), with the mean step length for the log.
template <class T, class D>
struct OptimisedLatent {
  Var<T, D> z;
  Var<T, D> cost;
  double step_norm = 0;
};

struct GaussianLatent {
  static constexpr bool optimises = false;
  LatentPrior prior() const { return LatentPrior::normal; }
  bool active() const { return false; }
};

enum class LatentStepRule { gradient_descent, natural_gradient };
enum class LatentMask { per_sample, per_dimension };

struct LatentOptimisation {
  static constexpr bool optimises = true;

  LatentStepRule rule = LatentStepRule::natural_gradient;
  double alpha = 0.9;  // step size α
  double beta = 5.0;   // NGD's damping β
  double rate = 0.5;   // c: the fraction of latents (or dimensions) optimised
  double w_r = 300.0;  // weight of the transport cost
  int steps = 1;       // latent steps per update, each taken; 0: none (the prior alone)
  LatentMask mask = LatentMask::per_sample;
  bool second_order = true;  // back-propagate through Δz
  bool cost_in_d = true;     // add the transport cost to D's loss ...
  bool cost_in_g = true;     // ... and to G's

  LatentPrior prior() const { return LatentPrior::uniform; }
  bool active() const { return steps > 0; }

  // Throws naming the field when a setting is out of range.
  void validate() const {
    check(steps >= 0, "LatentOptimisation: steps must be >= 0 (0: no latent optimisation), got ", steps);
    check(alpha > 0, "LatentOptimisation: alpha must be > 0, got ", alpha);
    check(rule == LatentStepRule::gradient_descent || beta > 0, "LatentOptimisation: beta must be > 0, got ", beta);
    check(rate >= 0 && rate <= 1, "LatentOptimisation: rate (the fraction c optimised) must be in [0, 1], got ", rate);
    check(w_r >= 0, "LatentOptimisation: w_r must be >= 0, got ", w_r);
  }

  // The mask for a [n, dim] batch of latents: 1 where optimised, P(1) = rate. Draws n
  // (per sample) or n * dim (per dimension) uniforms from `rng`.
  template <class T, class D>
  Tensor<T, D> draw_mask(int64_t n, int64_t dim, Rng& rng) const {
    const Shape s = mask == LatentMask::per_sample ? Shape{n, 1} : Shape{n, dim};
    return ops::gt_scalar(rand<T, D>(s, rng), static_cast<T>(1.0 - rate));
  }

  // Optimises z0 ([n, dim], as data) against `score` (Var z -> D(G(z)) per sample, [n] or
  // [n, 1]) with the given mask; see the top of this file.
  template <class Score, class T, class D>
  OptimisedLatent<T, D> operator()(Score&& score, const Tensor<T, D>& z0, const Tensor<T, D>& m) const {
    check<ShapeError>(z0.rank() == 2, "LatentOptimisation: latents must be [batch, dim], got ", z0.shape().str());
    Var<T, D> z(z0, true);
    const Var<T, D> mask = Var<T, D>::constant(m);
    Var<T, D> cost;
    double step_norm = 0;
    for (int k = 0; k < steps; ++k) {
      const Var<T, D> f = score(z);
      Var<T, D> g = grad(std::vector<Var<T, D>>{sum(f)}, std::vector<Var<T, D>>{z}, {},
                         GradOptions{.create_graph = second_order})[0];
      if (!second_order) g = Var<T, D>::constant(g.value());
      Var<T, D> dz = mul_scalar(g, static_cast<T>(alpha));
      if (rule == LatentStepRule::natural_gradient)
        dz = div(dz, add_scalar(sum(mul(g, g), {1}, true), static_cast<T>(beta)));
      const Var<T, D> sq = mean(sum(mul(dz, dz), {1}));
      cost = cost.defined() ? add(cost, sq) : sq;
      step_norm += mean(sqrt(sum(mul(dz, dz), {1}))).item() / steps;
      z = clamp(add(z, mul(mask, dz)), T(-1), T(1));
      // First order: z' does not depend on the weights, so each step starts from a fresh leaf
      // (a plain backward frees the graph it walked, which reaches back through earlier steps).
      if (!second_order) z = Var<T, D>(z.value(), true);
    }
    return {z, mul_scalar(cost, static_cast<T>(w_r)), step_norm};
  }
};

// The latent prior as data: N(0, I) or U(-1, 1), [n, dim].
template <class T, class D>
Tensor<T, D> draw_latents(LatentPrior prior, int64_t n, int64_t dim, Rng& rng) {
  if (prior == LatentPrior::normal) return randn<T, D>(Shape{n, dim}, rng);
  return ops::add_scalar(ops::mul_scalar(rand<T, D>(Shape{n, dim}, rng), T(2)), T(-1));
}

}  // namespace gantry
