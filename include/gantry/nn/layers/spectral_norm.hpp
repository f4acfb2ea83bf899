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
//
// SNStyle::torch (TorchSN<Part>, ε default 1e-12) is torch.nn.utils.spectral_norm's
// convention instead, which StudioGAN and most PyTorch GAN code use: the parameter is named
// `weight_orig`, the buffers `weight_u` [rows] and `weight_v` [cols] (both kept, drawn
// normalised); a training forward runs the same power iteration (v, then u) and stores both;
// an eval forward runs none and uses the stored u and v as they are: σ = uᵀ W v. So weights
// trained under either convention load with their own names and compute the same function
// in both modes.
#include <cmath>
#include <concepts>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../../autograd/ops/elementwise.hpp"
#include "../../autograd/ops/linalg.hpp"
#include "../../autograd/ops/reduce.hpp"
#include "../../autograd/ops/reshape.hpp"
#include "../../core/factories.hpp"
#include "conv2d.hpp"
#include "embedding.hpp"
#include "../framework/epsilon.hpp"
#include "../framework/init.hpp"
#include "linear.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

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

// Whose spectral-norm convention: state names, and what an eval forward does (above).
enum class SNStyle { biggan, torch };

// The state of one spectral norm: the power-iteration vector u and the last σ (BigGAN), or
// the vectors u and v (torch).
template <class T, class D>
struct SpectralNorm {
  Tensor<T, D> u, sv, v;  // biggan: u [1, rows], sv [1]; torch: u [rows], v [cols]
  T eps;
  SNStyle style;
  Tensor<T, D> last_v, last_u;  // the vectors of the last forward (not state: for spectral_norm_frozen)

  // `rows` = weight.size(0); u is drawn from the model's generator, as BigGAN's randn (torch:
  // u and v drawn and normalised, as torch.nn.utils.spectral_norm).
  SpectralNorm(int64_t rows, int64_t cols, T eps_, Init& init, SNStyle style_ = SNStyle::biggan)
      : eps(eps_), style(style_) {
    if (style == SNStyle::biggan) {
      u = to_device<D>(randn<T>(Shape{1, rows}, init.gen));
      sv = ones<T, D>(Shape{1});
    } else {
      u = unit(Var<T, D>::constant(to_device<D>(randn<T>(Shape{1, rows}, init.gen)))).value().reshape({rows});
      v = unit(Var<T, D>::constant(to_device<D>(randn<T>(Shape{1, cols}, init.gen)))).value().reshape({cols});
    }
  }

  // W / σ. BigGAN: one power iteration, u and sv updated when `training`. torch: in training
  // the same iteration with u and v stored; in eval the stored u and v as they are.
  Var<T, D> normalise(const Var<T, D>& weight, bool training) {
    const int64_t rows = weight.dim(0);
    check<ShapeError>(u.numel() == rows, "spectral norm: u has ", u.numel(), " entries but the weight ",
                      weight.shape().str(), " has ", rows, " rows");
    Var<T, D> w_mat = reshape(weight, {rows, -1});
    const bool frozen = detail::sn_frozen && last_v.defined() && last_v.numel() == w_mat.dim(1);
    const bool stored = style == SNStyle::torch && !training;
    if (stored) {
      check<ShapeError>(v.numel() == w_mat.dim(1), "spectral norm: v has ", v.numel(), " entries but the weight ",
                        weight.shape().str(), " has ", w_mat.dim(1), " columns");
      last_v = v.reshape({1, w_mat.dim(1)});
      last_u = u.reshape({1, rows});
    } else if (!frozen) {
      no_grad guard;
      const auto w = Var<T, D>::constant(w_mat.value());
      const auto start = style == SNStyle::torch ? u.reshape({1, rows}) : u;
      const auto vv = unit(matmul(Var<T, D>::constant(start), w));  // [1, cols]
      last_v = vv.value();
      last_u = unit(matmul(vv, w, false, true)).value();  // [1, rows]
    }
    const auto vc = Var<T, D>::constant(last_v), un = Var<T, D>::constant(last_u);
    const auto sigma = sum(mul(matmul(vc, w_mat, false, true), un), {1}, true);  // [1, 1]
    if (training && !detail::sn_frozen) {
      copy_into(u, un.value());
      if (style == SNStyle::biggan) copy_into(sv, sigma.value());
      else copy_into(v, vc.value());
    }
    return div(weight, sigma);
  }

  void visit(ParamVisitor<T, D>& vis, const std::string& prefix) {
    if (style == SNStyle::biggan) {
      vis.buffer(join_name(prefix, "u"), u);
      vis.buffer(join_name(prefix, "sv"), sv);
    } else {
      vis.buffer(join_name(prefix, "weight_u"), u);
      vis.buffer(join_name(prefix, "weight_v"), v);
    }
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

// A parameter visitor that shows `weight` as `weight_orig` (torch.nn.utils.spectral_norm's name).
template <class T, class D>
struct WeightOrigNames : ParamVisitor<T, D> {
  ParamVisitor<T, D>& inner;
  explicit WeightOrigNames(ParamVisitor<T, D>& v) : inner(v) {}
  static std::string renamed(const std::string& n) {
    const bool weight = n == "weight" || (n.size() > 7 && n.compare(n.size() - 7, 7, ".weight") == 0);
    return weight ? n + "_orig" : n;
  }
  void parameter(const std::string& name, Var<T, D>& p) override { inner.parameter(renamed(name), p); }
  void buffer(const std::string& name, Tensor<T, D>& b) override { inner.buffer(name, b); }
};
}  // namespace detail

template <class Part, int EpsExp = 8, SNStyle Style = SNStyle::biggan>
struct SN {
  static constexpr double eps = detail::pow10_neg<EpsExp>();
  static constexpr SNStyle style = Style;

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

    explicit module(Init& init)
        : inner(init),
          sn(inner.weight.dim(0), inner.weight.numel() / inner.weight.dim(0), static_cast<T>(eps), init, Style) {}

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
      if constexpr (Style == SNStyle::torch) {
        detail::WeightOrigNames<T, D> names(v);
        inner.visit(names, prefix);
      } else {
        inner.visit(v, prefix);
      }
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
template <int Out, Bias B = Bias::on, int EpsExp = 8>
using SNLinear = SN<Linear<Out, B>, EpsExp>;
template <int Out, int K, int Stride = 1, int Pad = K / 2, Bias B = Bias::on, int EpsExp = 8>
using SNConv2d = SN<Conv2d<Out, K, Stride, Pad, B>, EpsExp>;

// torch.nn.utils.spectral_norm's convention (ε 1e-12, its default): TorchSN<Linear<Out>> etc.
template <class Part, int EpsExp = 12>
using TorchSN = SN<Part, EpsExp, SNStyle::torch>;

// SNEmbedding<Num, Dim>: the [Num, Dim] table normalised as a matrix with Num rows (u in
// R^{1 x Num}, BigGAN's SNEmbedding); rows for ctx.labels as a part, or
// forward_labels(labels, training) as a sub-module (projection heads).
template <int Num, int Dim, int EpsExp = 8>
using SNEmbedding = SN<Embedding<Num, Dim>, EpsExp>;

}  // namespace gantry
