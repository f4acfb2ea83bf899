#pragma once
// Spectral normalisation, BigGAN-PyTorch flavour (layers.py `SN.W_`, `power_iteration`):
// W_mat = W.view(W.size(0), -1) and a stored row vector u in R^{1 x W.size(0)} (randn at
// construction). Each forward runs one power iteration without recording,
//   v = normalize(u W_mat), u' = normalize(v W_matᵀ),   normalize(a) = a / max(|a|, eps),
// and uses W / σ with σ = v W_matᵀ u'ᵀ, differentiable in W (u', v are constants). In
// training u <- u' and sv <- σ; in eval σ is recomputed from the stored u and nothing is
// stored. The update depends only on the mode, not on grad mode (BigGAN updates u under
// torch.no_grad() too).
//
// SN<Part, EpsExp> wraps any part whose module has a `weight` Var (Linear, Conv2d and
// every later weight-bearing layer): the wrapper swaps W/σ into the inner module for the
// duration of its forward, so the inner forward is reused unchanged. ε = 10^-EpsExp:
// 8 (BigGAN-PyTorch default), 6 (BigGAN ImageNet, U-Net GAN, IC-GAN, ADC-GAN scripts),
// 12 (SAGAN TF), 4 (BigGAN TF Hub). Names: the inner part's (`weight`, `bias`) plus the
// buffers `u` [1, W.size(0)] and `sv` [1] (BigGAN's `u0`, `sv0`). Every weight is viewed with
// W.size(0) rows, as BigGAN does: for ConvTranspose2d ([In, Out, K, K]) that is In rows, as in
// heykeetae's SAGAN SpectralNorm (torch.nn.utils.spectral_norm would take dim 1 there).
#include <cmath>
#include <concepts>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/linalg.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../autograd/ops/reshape.hpp"
#include "../core/factories.hpp"
#include "conv2d.hpp"
#include "embedding.hpp"
#include "epsilon.hpp"
#include "init.hpp"
#include "linear.hpp"
#include "module.hpp"
#include "shapes.hpp"

namespace gantry {

namespace detail {
inline thread_local bool sn_frozen = false;
}  // namespace detail

// Within this scope every spectral norm reuses the vectors v, u' of its last forward instead
// of iterating (and stores nothing), so W -> W/σ is one fixed differentiable function: what
// the gradient describes. For gradchecks of parts that contain SN, whose finite differences
// would otherwise also move v and u'. A norm that has not run yet iterates once first.
class spectral_norm_frozen {
 public:
  spectral_norm_frozen() : prev_(detail::sn_frozen) { detail::sn_frozen = true; }
  ~spectral_norm_frozen() { detail::sn_frozen = prev_; }
  spectral_norm_frozen(const spectral_norm_frozen&) = delete;
  spectral_norm_frozen& operator=(const spectral_norm_frozen&) = delete;

 private:
  bool prev_;
};

// The state of one spectral norm: the power-iteration vector u and the last σ.
template <class T, class D>
struct SpectralNorm {
  Tensor<T, D> u, sv;
  T eps;
  Tensor<T, D> last_v, last_u;  // the vectors of the last forward (not state: for spectral_norm_frozen)

  // `rows` = weight.size(0); u is drawn from the model's generator, as BigGAN's randn.
  SpectralNorm(int64_t rows, T eps_, Init& init)
      : u(to_device<D>(randn<T>(Shape{1, rows}, init.gen))), sv(ones<T, D>(Shape{1})), eps(eps_) {}

  // W / σ, with one power iteration; u and sv are updated when `training`.
  Var<T, D> normalise(const Var<T, D>& weight, bool training) {
    const int64_t rows = weight.dim(0);
    check<ShapeError>(u.numel() == rows, "spectral norm: u has ", u.numel(), " entries but the weight ",
                      weight.shape().str(), " has ", rows, " rows");
    Var<T, D> w_mat = reshape(weight, {rows, -1});
    const bool frozen = detail::sn_frozen && last_v.defined() && last_v.numel() == w_mat.dim(1);
    if (!frozen) {
      no_grad guard;
      const auto w = Var<T, D>::constant(w_mat.value());
      const auto v = unit(matmul(Var<T, D>::constant(u), w));  // [1, cols]
      last_v = v.value();
      last_u = unit(matmul(v, w, false, true)).value();  // [1, rows]
    }
    const auto v = Var<T, D>::constant(last_v), un = Var<T, D>::constant(last_u);
    const auto sigma = sum(mul(matmul(v, w_mat, false, true), un), {1}, true);  // [1, 1]
    if (training && !detail::sn_frozen) {
      copy_into(u, un.value());
      copy_into(sv, sigma.value());
    }
    return div(weight, sigma);
  }

  void visit(ParamVisitor<T, D>& vis, const std::string& prefix) {
    vis.buffer(join_name(prefix, "u"), u);
    vis.buffer(join_name(prefix, "sv"), sv);
  }

 private:
  Var<T, D> unit(const Var<T, D>& a) const {
    const auto norm = sqrt(sum(mul(a, a), {1}, true));
    return div(a, clamp(norm, eps, std::numeric_limits<T>::infinity()));
  }
  // In place, so that anything sharing the buffer (a checkpoint view) sees the update.
  static void copy_into(Tensor<T, D>& dst, const Tensor<T, D>& src) {
    DeviceMemory<D>::copy(dst.data(), src.data(), dst.bytes());
  }
};

namespace detail {
// A part's module opts into SN by having a `weight` Var that its forward reads.
template <class M, class T, class D>
concept HasWeight = requires(M m) {
  { m.weight } -> std::convertible_to<Var<T, D>>;
};
}  // namespace detail

template <class Part, int EpsExp = 8>
struct SN {
  static constexpr double eps = detail::pow10_neg<EpsExp>();

  template <class In>
  static constexpr bool accepts = Part::template accepts<In>;
  template <class In>
  using expects = typename Part::template expects<In>;
  template <class In>
  using output = typename Part::template output<In>;

  template <class In, class T, class D>
  struct module {
    using Inner = typename Part::template module<In, T, D>;
    static_assert(detail::HasWeight<Inner, T, D>,
                  "gantry: SN<Part> needs a part whose module has a `weight` (Linear, Conv2d, ...)");
    Inner inner;
    SpectralNorm<T, D> sn;

    explicit module(Init& init) : inner(init), sn(inner.weight.dim(0), static_cast<T>(eps), init) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      Swap swap(inner.weight, sn.normalise(inner.weight, ctx.training));
      return inner.forward(x, ctx);
    }
    // Embedding-like parts: rows of W/σ for the labels.
    Var<T, D> forward_labels(const std::vector<int64_t>& labels, bool training)
      requires requires(Inner m) { m.forward_labels(labels); }
    {
      Swap swap(inner.weight, sn.normalise(inner.weight, training));
      return inner.forward_labels(labels);
    }
    // The normalised weight as the next forward would use it (without updating u).
    Var<T, D> normalised_weight() { return sn.normalise(inner.weight, false); }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      inner.visit(v, prefix);
      sn.visit(v, prefix);
    }

   private:
    // Puts W/σ in place of the parameter for one forward and puts the parameter back after,
    // also when the forward throws.
    struct Swap {
      Var<T, D>& slot;
      Var<T, D> saved;
      Swap(Var<T, D>& s, Var<T, D> w) : slot(s), saved(std::exchange(s, std::move(w))) {}
      ~Swap() { slot = std::move(saved); }
      Swap(const Swap&) = delete;
      Swap& operator=(const Swap&) = delete;
    };
  };
};

// Shorthands for the BigGAN layers.
template <int Out, bool Bias = true, int EpsExp = 8>
using SNLinear = SN<Linear<Out, Bias>, EpsExp>;
template <int Out, int K, int Stride = 1, int Pad = K / 2, bool Bias = true, int EpsExp = 8>
using SNConv2d = SN<Conv2d<Out, K, Stride, Pad, Bias>, EpsExp>;

// SNEmbedding<Num, Dim>: the [Num, Dim] table normalised as a matrix with Num rows (u in
// R^{1 x Num}, BigGAN's SNEmbedding); rows for ctx.labels as a part, or
// forward_labels(labels, training) as a sub-module (projection heads).
template <int Num, int Dim, int EpsExp = 8>
using SNEmbedding = SN<Embedding<Num, Dim>, EpsExp>;

}  // namespace gantry
