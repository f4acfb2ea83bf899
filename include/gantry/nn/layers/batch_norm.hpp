#pragma once
// Batch normalisation of images (NCHW) over the batch and both spatial axes, as PyTorch's
// BatchNorm2d: batch statistics in training (biased variance to normalise), running
// statistics in eval. The running statistics follow PyTorch: momentum 0.1, the unbiased
// batch variance, and they update in every training forward whether or not gradients are
// recorded (a generator run under no_grad in the discriminator's step updates them too, as
// in BigGAN-PyTorch). ε = 10^-EpsExp (1e-5 default; BigGAN's TF original uses 1e-4).
// Within a batch_norm_standing scope the update is BigGAN's standing statistics instead (below).
// Within a batch_norm_sync scope (a data-parallel step with synchronised batch norm) the
// training statistics are those of all ranks' batches together (autograd/ops/all_reduce.hpp).
//
// BatchNorm2d<Affine = true, EpsExp = 5> (and BatchNorm1d on vectors): names weight, bias [C] (ones, zeros),
// buffers running_mean [C] (zeros), running_var [C] (ones), num_batches_tracked [] (0; kept in
// T, where PyTorch keeps int64).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../../autograd/ops/all_reduce.hpp"
#include "../../autograd/ops/elementwise.hpp"
#include "../../autograd/ops/norm.hpp"
#include "../../autograd/ops/reshape.hpp"
#include "../../core/factories.hpp"
#include "../framework/epsilon.hpp"
#include "../framework/module.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

namespace detail {
// Copies src into dst's storage (buffers are updated in place, as PyTorch's are).
template <class T, class D>
void assign_buffer(Tensor<T, D>& dst, const Tensor<T, D>& src) {
  DeviceMemory<D>::copy(dst.data(), src.data(), dst.bytes());
}

// The standing-statistics accumulation in progress on this thread (null: none).
struct StandingAccumulation {
  std::map<const void*, int64_t> batches;  // per BatchStatistics: the batches averaged so far
  std::set<const void*> buffers;           // storage of every running statistic it rewrote
};
inline thread_local StandingAccumulation* bn_standing = nullptr;
inline thread_local const ProcessGroup* bn_sync = nullptr;
}  // namespace detail

// While one lives, batch norm in training mode takes its statistics over the batches of all
// ranks of `group` (synchronised batch norm; a null group or one rank: the local batch).
class batch_norm_sync {
 public:
  explicit batch_norm_sync(const ProcessGroup* group) : prev_(detail::bn_sync) { detail::bn_sync = group; }
  ~batch_norm_sync() { detail::bn_sync = prev_; }
  batch_norm_sync(const batch_norm_sync&) = delete;
  batch_norm_sync& operator=(const batch_norm_sync&) = delete;

 private:
  const ProcessGroup* prev_;
};

// BigGAN's standing statistics (BigGAN-PyTorch layers.myBN with accumulate_standing). Within
// this scope every training-mode batch norm sets its running mean and variance to the plain
// average, over the batches it has seen in the scope, of the batch mean and of the biased
// batch variance (myBN's E[x²] - E[x]², the variance training normalises with) instead of the
// momentum update; its first batch replaces what they held (myBN's reset_stats). Eval-mode
// forwards, and everything outside a scope, are unchanged. models::standing_statistics runs
// the generator in one.
class batch_norm_standing {
 public:
  batch_norm_standing() : prev_(detail::bn_standing) { detail::bn_standing = &state_; }
  ~batch_norm_standing() { detail::bn_standing = prev_; }
  batch_norm_standing(const batch_norm_standing&) = delete;
  batch_norm_standing& operator=(const batch_norm_standing&) = delete;

  // How many batch norms accumulated, and whether `data` is the storage of one of their
  // running statistics (so a caller can tell them from the rest of a module's buffers).
  int64_t layers() const { return static_cast<int64_t>(state_.batches.size()); }
  bool rewrote(const void* data) const { return state_.buffers.count(data) > 0; }

 private:
  detail::StandingAccumulation state_;
  detail::StandingAccumulation* prev_;
};

// Running mean and variance of C channels and the normalisation without affine transform
// (shared by the batch norms and the conditional batch norms).
template <class T, class D>
struct BatchStatistics {
  static constexpr double momentum = 0.1;
  Tensor<T, D> running_mean, running_var;
  T eps;

  BatchStatistics(int64_t channels, T eps_)
      : running_mean(Tensor<T, D>::zeros(Shape{channels})), running_var(ones<T, D>(Shape{channels})), eps(eps_) {}

  // x̂ of x [N, C, H, W] (or [N, C]): batch statistics and a running-statistics update in
  // training, the running statistics in eval.
  Var<T, D> normalise(const Var<T, D>& x, bool training, const char* who, bool image = true) {
    const int64_t c = running_mean.numel();
    check<ShapeError>(x.rank() == (image ? 4 : 2) && x.dim(1) == c, who, ": expected input [N, ", c,
                      image ? ", H, W]" : "]", ", found ", x.shape().str());
    const std::vector<int64_t> kept = image ? std::vector<int64_t>{1, c, 1, 1} : std::vector<int64_t>{1, c};
    if (!training) {
      const auto mean = Var<T, D>::constant(running_mean.reshape(kept));
      const auto rstd = Var<T, D>::constant(ops::rsqrt(ops::add_scalar(running_var, eps)).reshape(kept));
      return mul(sub(x, mean), rstd);
    }
    const int64_t n = x.numel() / c;
    check<ShapeError>(n > 1, who, ": expected more than 1 value per channel in training, found input ",
                      x.shape().str());
    const std::vector<int> axes = image ? std::vector<int>{0, 2, 3} : std::vector<int>{0};
    if (const ProcessGroup* g = detail::bn_sync; g && g->size() > 1) {
      // Synchronised: the statistics of all ranks' batches together, on the tape.
      const GlobalMoments<T, D> m = global_moments(x, axes, *g);
      track(m.mean.value().reshape({c}), m.var.value().reshape({c}), m.count);
      return sync_normalize(x, m, eps);
    }
    auto [mean, var] = ops::moments(x.value(), axes);
    track(mean.reshape({c}), var.reshape({c}), n);
    return normalize(x, axes, eps);
  }

  // The running statistics (or standing statistics' averages) after a training batch of
  // `n` values per channel with these moments.
  void track(const Tensor<T, D>& mean, const Tensor<T, D>& var, int64_t n) {
    if (detail::bn_standing) {
      accumulate_standing(*detail::bn_standing, mean, var);
      return;
    }
    const T m = static_cast<T>(momentum);
    const T unbias = static_cast<T>(static_cast<double>(n) / static_cast<double>(n - 1));
    detail::assign_buffer(running_mean, ops::add(ops::mul_scalar(running_mean, T(1) - m), ops::mul_scalar(mean, m)));
    detail::assign_buffer(running_var,
                          ops::add(ops::mul_scalar(running_var, T(1) - m), ops::mul_scalar(var, m * unbias)));
  }

  void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
    v.buffer(join_name(prefix, "running_mean"), running_mean);
    v.buffer(join_name(prefix, "running_var"), running_var);
  }

 private:
  // running <- running + (batch - running) / k for the k-th batch of the scope: the mean of
  // the k batch statistics (PyTorch's momentum=None update). The first batch is copied, so
  // non-finite old statistics do not leak in through 0 · inf.
  void accumulate_standing(detail::StandingAccumulation& s, const Tensor<T, D>& mean, const Tensor<T, D>& var) {
    const int64_t k = ++s.batches[this];
    s.buffers.insert(running_mean.data());
    s.buffers.insert(running_var.data());
    if (k == 1) {
      detail::assign_buffer(running_mean, mean);
      detail::assign_buffer(running_var, var);
      return;
    }
    const T f = T(1) / static_cast<T>(k);
    detail::assign_buffer(running_mean, ops::add(ops::mul_scalar(running_mean, T(1) - f), ops::mul_scalar(mean, f)));
    detail::assign_buffer(running_var, ops::add(ops::mul_scalar(running_var, T(1) - f), ops::mul_scalar(var, f)));
  }
};

namespace detail {
// The module of BatchNorm2d (images, channels = In::channels) and BatchNorm1d (vectors,
// channels = In::size).
template <bool Affine, bool Image, int C, class T, class D>
struct batch_norm_module {
  Var<T, D> weight, bias;
  BatchStatistics<T, D> stats;
  Tensor<T, D> num_batches_tracked;

  explicit batch_norm_module(double eps)
      : weight(Affine ? Var<T, D>(ones<T, D>(Shape{C}), true) : Var<T, D>()),
        bias(Affine ? Var<T, D>(Tensor<T, D>::zeros(Shape{C}), true) : Var<T, D>()),
        stats(C, static_cast<T>(eps)),
        num_batches_tracked(Tensor<T, D>::zeros(Shape{})) {}

  Var<T, D> apply(const Var<T, D>& x, Context<T, D>& ctx, const char* who) {
    auto y = stats.normalise(x, ctx.training, who, Image);
    if (ctx.training) assign_buffer(num_batches_tracked, ops::add_scalar(num_batches_tracked, T(1)));
    if constexpr (!Affine) {
      return y;
    } else {
      const std::vector<int64_t> kept = Image ? std::vector<int64_t>{1, C, 1, 1} : std::vector<int64_t>{1, C};
      return add(mul(y, reshape(weight, kept)), reshape(bias, kept));
    }
  }
  void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
    if (Affine) {
      v.parameter(join_name(prefix, "weight"), weight);
      v.parameter(join_name(prefix, "bias"), bias);
    }
    stats.visit(v, prefix);
    v.buffer(join_name(prefix, "num_batches_tracked"), num_batches_tracked);
  }
};
}  // namespace detail

template <Affine A = Affine::on, int EpsExp = 5>
struct BatchNorm2d : SameImageShape {
  static constexpr double eps = detail::pow10_neg<EpsExp>();

  template <class In, class T, class D>
  struct module : detail::batch_norm_module<A == Affine::on, true, In::channels, T, D> {
    explicit module(Init&) : detail::batch_norm_module<A == Affine::on, true, In::channels, T, D>(eps) {}
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) { return this->apply(x, ctx, "BatchNorm2d"); }
  };
};

// BatchNorm1d: the same over the batch axis of vectors (PyTorch's BatchNorm1d on [N, C]; the
// BN after the linear layer of the WGAN-GP DCGAN-style generator, tflib's axes [0]).
template <Affine A = Affine::on, int EpsExp = 5>
struct BatchNorm1d {
  static constexpr double eps = detail::pow10_neg<EpsExp>();
  template <class In>
  static constexpr bool accepts = VectorShape<In>;
  template <class In>
  using expects = AnyVector;
  template <class In>
  using output = In;

  template <class In, class T, class D>
  struct module : detail::batch_norm_module<A == Affine::on, false, In::size, T, D> {
    explicit module(Init&) : detail::batch_norm_module<A == Affine::on, false, In::size, T, D>(eps) {}
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) { return this->apply(x, ctx, "BatchNorm1d"); }
  };
};

}  // namespace gantry
