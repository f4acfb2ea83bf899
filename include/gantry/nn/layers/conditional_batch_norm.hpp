#pragma once
// Conditional batch normalisation (BigGAN-PyTorch layers.py `ccbn`): batch norm without its
// own affine transform (running statistics as BatchNorm2d: momentum 0.1, unbiased running
// variance, ε = 10^-EpsExp, 1e-5 default), then out = x̂ · γ + β with a per-sample γ, β [B, C]
// from a Source:
//   ClassTable<K>          per-class tables gain, bias [K, C] indexed by ctx.labels, γ = 1 + gain[y]
//                          (BigGAN without G_shared; the tables are nn.Embedding, initialised by the
//                          model's scheme, N(0, 1) under the PyTorch default)
//   ClassTable<K, Gain::direct>    SAGAN's CBN: γ = gain[y] directly, gain initialised to 1, bias to 0
//   Projected<InputDim>    gain, bias = SNLinear(InputDim -> C, no bias) of the block's
//                          conditioning vector, γ = 1 + gain (BigGAN with G_shared, IC-GAN)
//   SelfModulation<Dz>     gain, bias = Linear(Dz -> Dz) -> ReLU -> Linear(Dz -> C, no bias), plain
//                          linears, of the latent, γ = 1 + gain (U-Net GAN's unconditional G)
// A conditioned block calls ctx.next_condition() once and hands the vector to each of its
// norms with forward(x, condition, ctx); forward(x, ctx) fetches it itself (ClassTable reads
// ctx.labels and ignores the vector; SelfModulation uses ctx.latent when it is not given).
// Names: gain.*, bias.* (the source's), running_mean, running_var (BigGAN's stored_mean,
// stored_var).
#include <string>
#include <utility>
#include <vector>

#include "../../autograd/ops/elementwise.hpp"
#include "../../autograd/ops/index.hpp"
#include "../../autograd/ops/reshape.hpp"
#include "activations.hpp"
#include "batch_norm.hpp"
#include "../framework/compose.hpp"
#include "../framework/epsilon.hpp"
#include "linear.hpp"
#include "../framework/module.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"
#include "spectral_norm.hpp"

namespace gantry {

template <int K, Gain G = Gain::one_plus>
struct ClassTable {
  static_assert(K > 0, "gantry: ClassTable<K> needs a positive class count");
  struct part_traits {
    static constexpr bool conditioned = false;  // reads ctx.labels
  };
  template <int C, class T, class D>
  struct module {
    Var<T, D> gain, bias;  // [K, C]

    explicit module(Init& init)
        : gain(G == Gain::direct ? ones<T, D>(Shape{K, C}) : table(init), true),
          bias(G == Gain::direct ? Tensor<T, D>::zeros(Shape{K, C}) : table(init), true) {}

    Var<T, D> default_condition(Context<T, D>&) { return {}; }
    std::pair<Var<T, D>, Var<T, D>> affine(int64_t batch, const Var<T, D>&, Context<T, D>& ctx) {
      const auto& y = ctx.labels;
      check<ShapeError>(static_cast<int64_t>(y.size()) == batch, "ConditionalBatchNorm<ClassTable<", K,
                        ">>: a batch of ", batch, " needs as many labels, found ", y.size());
      for (auto label : y)
        check<ShapeError>(0 <= label && label < K, "ConditionalBatchNorm<ClassTable<", K, ">>: label ", label,
                          " is outside [0, ", K, ")");
      auto g = index_select(gain, 0, y);
      return {G == Gain::direct ? g : add_scalar(g, T(1)), index_select(bias, 0, y)};
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      v.parameter(join_name(prefix, "gain.weight"), gain);
      v.parameter(join_name(prefix, "bias.weight"), bias);
    }

   private:
    static Tensor<T, D> table(Init& init) {
      if (init.scheme == InitScheme::pytorch_default) return to_device<D>(randn<T>(Shape{K, C}, init.gen));
      return init::weight<T, D>(Shape{K, C}, C, K, init);
    }
  };
};

template <int InputDim, int SNEpsExp = 8>
struct Projected {
  static_assert(InputDim > 0, "gantry: Projected<InputDim> needs a positive input size");
  struct part_traits {
    static constexpr bool conditioned = true;  // standalone, it takes ctx.next_condition()
    static constexpr int condition_size = InputDim;
  };
  template <int C, class T, class D>
  struct module {
    using Proj = typename SNLinear<C, Bias::off, SNEpsExp>::template module<Vector<InputDim>, T, D>;
    Proj gain, bias;

    explicit module(Init& init) : gain(init), bias(init) {}

    Var<T, D> default_condition(Context<T, D>& ctx) { return ctx.next_condition(); }
    std::pair<Var<T, D>, Var<T, D>> affine(int64_t batch, const Var<T, D>& c, Context<T, D>& ctx) {
      check<ShapeError>(c.defined(), "ConditionalBatchNorm<Projected<", InputDim,
                        ">>: no conditioning vector (the Context has none for this block)");
      check<ShapeError>(c.rank() == 2 && c.dim(0) == batch && c.dim(1) == InputDim, "ConditionalBatchNorm<Projected<",
                        InputDim, ">>: expected a condition of shape [", batch, ", ", InputDim, "], found ",
                        c.shape().str());
      return {add_scalar(gain.forward(c, ctx), T(1)), bias.forward(c, ctx)};
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      gain.visit(v, join_name(prefix, "gain"));
      bias.visit(v, join_name(prefix, "bias"));
    }
  };
};

template <int LatentDim>
struct SelfModulation {
  static_assert(LatentDim > 0, "gantry: SelfModulation<LatentDim> needs a positive latent size");
  struct part_traits {
    static constexpr bool conditioned = false;  // reads ctx.latent
  };
  template <int C, class T, class D>
  struct module {
    using Mlp = typename Sequential<Linear<LatentDim>, ReLU, Linear<C, Bias::off>>::template module<Vector<LatentDim>, T, D>;
    Mlp gain, bias;

    explicit module(Init& init) : gain(init), bias(init) {}

    Var<T, D> default_condition(Context<T, D>& ctx) { return ctx.latent; }
    std::pair<Var<T, D>, Var<T, D>> affine(int64_t batch, const Var<T, D>& condition, Context<T, D>& ctx) {
      const Var<T, D> z = condition.defined() ? condition : ctx.latent;
      check<ShapeError>(z.defined(), "SelfModulatedBatchNorm<", LatentDim, ">: the Context has no latent");
      check<ShapeError>(z.rank() == 2 && z.dim(0) == batch && z.dim(1) == LatentDim, "SelfModulatedBatchNorm<",
                        LatentDim, ">: expected a latent of shape [", batch, ", ", LatentDim, "], found ",
                        z.shape().str());
      return {add_scalar(gain.forward(z, ctx), T(1)), bias.forward(z, ctx)};
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      gain.visit(v, join_name(prefix, "gain"));
      bias.visit(v, join_name(prefix, "bias"));
    }
  };
};

// The part declares `conditioned` (and `condition_size`) as its source does, for the
// Generator's count of conditioned blocks (conditioning.hpp).
template <class Source, int EpsExp = 5>
struct ConditionalBatchNorm : Source::part_traits, SameImageShape {
  static constexpr double eps = detail::pow10_neg<EpsExp>();

  template <class In, class T, class D>
  struct module {
    static constexpr int C = In::channels;
    typename Source::template module<C, T, D> source;
    BatchStatistics<T, D> stats;

    explicit module(Init& init) : source(init), stats(C, static_cast<T>(eps)) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      return forward(x, source.default_condition(ctx), ctx);
    }
    Var<T, D> forward(const Var<T, D>& x, const Var<T, D>& condition, Context<T, D>& ctx) {
      const int64_t n = x.dim(0);
      auto [gamma, beta] = source.affine(n, condition, ctx);
      const auto y = stats.normalise(x, ctx.training, "ConditionalBatchNorm");
      return add(mul(y, reshape(gamma, {n, C, 1, 1})), reshape(beta, {n, C, 1, 1}));
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      source.visit(v, prefix);
      stats.visit(v, prefix);
    }
  };
};

template <int LatentDim, int EpsExp = 5>
using SelfModulatedBatchNorm = ConditionalBatchNorm<SelfModulation<LatentDim>, EpsExp>;

}  // namespace gantry
