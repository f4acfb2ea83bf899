#pragma once
// The WGAN-GP gradient penalty (Gulrajani et al.; SPECS §1d):
//   lambda * mean_n (||grad_x D(x_hat)_n||_2 - 1)^2,   x_hat = real + alpha (fake - real),
// with alpha ~ U[0, 1) drawn once per sample and the norm over all of a sample's elements
// (C*H*W for images, the features for vectors). The gradient of D is taken with
// create_graph, so the returned Var is on the tape and its backward reaches the critic's
// weights (a double backward).
#include <cstdint>
#include <vector>

#include "../autograd/backend.hpp"
#include "../autograd/grad.hpp"
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../autograd/var.hpp"
#include "../core/factories.hpp"
#include "../core/process_group.hpp"

namespace gantry {

struct GradientPenalty {
  double lambda = 10.0;

  // alpha: one uniform draw per sample, shaped [N, 1, ..., 1] to broadcast over the sample.
  // It consumes N counters of `gen` (rand<T>), so a seed fixes it.
  template <class T, class D>
  static Tensor<T, D> draw_alpha(const Shape& batch_shape, Rng& gen) {
    check<ShapeError>(batch_shape.rank() >= 1 && batch_shape[0] > 0,
                      "GradientPenalty: a batch needs a leading batch axis, got shape ", batch_shape.str());
    std::vector<int64_t> dims(static_cast<std::size_t>(batch_shape.rank()), 1);
    dims[0] = batch_shape[0];
    return rand<T, D>(Shape(dims), gen);
  }

  // real + alpha (fake - real), as data (no tape).
  template <class T, class D>
  static Tensor<T, D> interpolate(const Tensor<T, D>& real, const Tensor<T, D>& fake, const Tensor<T, D>& alpha) {
    check<ShapeError>(real.shape() == fake.shape(), "GradientPenalty: real batch of shape ", real.shape().str(),
                      " and fake batch of shape ", fake.shape().str(), " differ");
    return ops::add(real, ops::mul(alpha, ops::sub(fake, real)));
  }

  // The penalty at given points x_hat (one row per sample), differentiable in the critic's
  // parameters. `critic` is any callable Var -> Var (its output is summed, so [N] and [N, 1]
  // both work).
  template <class Critic, class T, class D>
  Var<T, D> at(Critic&& critic, const Tensor<T, D>& x_hat) const {
    Var<T, D> x(x_hat, true);
    const Var<T, D> out = critic(x);
    const auto g = grad(std::vector<Var<T, D>>{sum(out)}, std::vector<Var<T, D>>{x}, {},
                        GradOptions{.create_graph = true})[0];
    std::vector<int> axes;
    for (int a = 1; a < g.rank(); ++a) axes.push_back(a);
    // A rank-1 batch (one scalar per sample) has nothing to sum: |g| is then g's norm.
    const auto sq = axes.empty() ? mul(g, g) : sum(mul(g, g), axes);
    const auto norms = sqrt(sq);
    return mul_scalar(mean(pow_scalar(add_scalar(norms, T(-1)), T(2))), static_cast<T>(lambda));
  }

  // Draws alpha from `gen`, interpolates between real and fake (both used as data: neither
  // gets a gradient from the penalty) and returns the penalty.
  template <class Critic, class T, class D>
  Var<T, D> operator()(Critic&& critic, const Var<T, D>& real, const Var<T, D>& fake, Rng& gen) const {
    const auto alpha = draw_alpha<T, D>(real.shape(), gen);
    return at(critic, interpolate(real.value(), fake.value(), alpha));
  }

  // As a regulariser policy (regulariser.hpp): added to the critic's loss, logged as "gp".
  static constexpr const char* log_name = "gp";
  template <class Critic, class T, class D>
  Var<T, D> d_penalty(Critic&& critic, const Var<T, D>& real, const Var<T, D>& fake, Rng& gen) const {
    return (*this)(critic, real, fake, gen);
  }
  // Data-parallel: alpha drawn for all ranks' rows, this rank's kept (core/process_group.hpp),
  // so that the ranks together draw what one process with the whole batch draws.
  template <class Critic, class T, class D>
  Var<T, D> d_penalty(Critic&& critic, const Var<T, D>& real, const Var<T, D>& fake, Rng& gen,
                      const ProcessGroup* group) const {
    std::vector<int64_t> all = real.shape().vec();
    all[0] *= group_size(group);
    const auto alpha = rank_rows(draw_alpha<T, D>(Shape(all), gen), group, "GradientPenalty");
    return at(critic, interpolate(real.value(), fake.value(), alpha));
  }
};

}  // namespace gantry
