#pragma once
// Adam (Kingma & Ba 2015) with torch.optim.Adam's arithmetic (amsgrad off): L2 weight decay
// added to the gradient, bias corrections from the step count, and ε added after the square
// root of the corrected second moment:
//   g ← g + wd·θ;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   θ ← θ − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
// State: `<name>.exp_avg`, `<name>.exp_avg_sq` (visit_state) and one step count for the whole
// optimiser (step_count / set_step_count). PyTorch counts steps per parameter; the two agree
// unless a parameter has no gradient on some steps (it is skipped, the count still advances).
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "params.hpp"

namespace gantry {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
};

template <class T, class D = cpu>
class Adam {
 public:
  Adam(ParamList<T, D> params, AdamOptions opt) : params_(std::move(params)), opt_(opt) {
    detail::check_param_list("Adam", params_);
    detail::check_lr("Adam", opt.lr);
    check(opt.beta1 >= 0 && opt.beta1 < 1, "Adam: beta1 must be in [0, 1), got ", opt.beta1);
    check(opt.beta2 >= 0 && opt.beta2 < 1, "Adam: beta2 must be in [0, 1), got ", opt.beta2);
    check(opt.eps >= 0, "Adam: eps must be >= 0, got ", opt.eps);
    check(opt.weight_decay >= 0, "Adam: weight_decay must be >= 0, got ", opt.weight_decay);
    for (const auto& p : params_) {
      exp_avg_.push_back(Tensor<T, D>::zeros(p.var.shape()));
      exp_avg_sq_.push_back(Tensor<T, D>::zeros(p.var.shape()));
    }
  }
  Adam(const std::vector<Var<T, D>>& params, AdamOptions opt) : Adam(named_parameters(params), opt) {}

  void step() {
    no_grad guard;
    ++step_;
    const double bc1 = 1 - std::pow(opt_.beta1, static_cast<double>(step_));
    const double bc2 = 1 - std::pow(opt_.beta2, static_cast<double>(step_));
    const T b1 = static_cast<T>(opt_.beta1), b2 = static_cast<T>(opt_.beta2);
    const T a1 = static_cast<T>(1 - opt_.beta1), a2 = static_cast<T>(1 - opt_.beta2);
    const T neg_step_size = static_cast<T>(-(opt_.lr / bc1));
    const T bc2_sqrt = static_cast<T>(std::sqrt(bc2));
    const T eps = static_cast<T>(opt_.eps), wd = static_cast<T>(opt_.weight_decay);
    for (std::size_t k = 0; k < params_.size(); ++k) {
      const Tensor<T, D> grad = detail::checked_grad("Adam", params_[k]);
      if (!grad.defined()) continue;
      T* x = params_[k].var.value().data();
      const T* g = grad.data();
      T* m = exp_avg_[k].data();
      T* v = exp_avg_sq_[k].data();
      const int64_t n = params_[k].var.numel();
      for (int64_t i = 0; i < n; ++i) {
        const T gi = opt_.weight_decay != 0 ? g[i] + wd * x[i] : g[i];
        m[i] = m[i] * b1 + a1 * gi;
        v[i] = v[i] * b2 + a2 * gi * gi;
        const T denom = std::sqrt(v[i]) / bc2_sqrt + eps;
        x[i] = x[i] + neg_step_size * m[i] / denom;
      }
    }
  }

  void zero_grad() {
    for (auto& p : params_) p.var.zero_grad();
  }

  double lr() const { return opt_.lr; }
  void set_lr(double lr) {
    detail::check_lr("Adam", lr);
    opt_.lr = lr;
  }
  const AdamOptions& options() const { return opt_; }
  const ParamList<T, D>& params() const { return params_; }

  int64_t step_count() const { return step_; }
  void set_step_count(int64_t s) {
    check(s >= 0, "Adam: step count must be >= 0, got ", s);
    step_ = s;
  }

  // f(name, tensor&) for every state tensor, so a checkpoint can save or load it in place.
  template <class F>
  void visit_state(F&& f) {
    for (std::size_t k = 0; k < params_.size(); ++k) {
      f(params_[k].name + ".exp_avg", exp_avg_[k]);
      f(params_[k].name + ".exp_avg_sq", exp_avg_sq_[k]);
    }
  }

 private:
  ParamList<T, D> params_;
  AdamOptions opt_;
  std::vector<Tensor<T, D>> exp_avg_, exp_avg_sq_;
  int64_t step_ = 0;
};

}  // namespace gantry
