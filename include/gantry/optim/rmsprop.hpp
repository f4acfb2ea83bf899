#pragma once
// RMSprop with torch.optim.RMSprop's arithmetic:
//   g ← g + wd·θ;  s ← α·s + (1−α)·g²
//   centered: a ← α·a + (1−α)·g, denom = √(s − a²) + ε;  else denom = √s + ε
//   momentum > 0: b ← μ·b + g / denom, θ ← θ − lr·b;  else θ ← θ − lr·g / denom
// State: `<name>.square_avg`, plus `<name>.momentum_buffer` (momentum > 0) and
// `<name>.grad_avg` (centered), and the optimiser's step count.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "params.hpp"

namespace gantry {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
};

template <class T, class D = cpu>
class RMSprop {
 public:
  RMSprop(ParamList<T, D> params, RMSpropOptions opt) : params_(std::move(params)), opt_(opt) {
    detail::check_param_list("RMSprop", params_);
    detail::check_lr("RMSprop", opt.lr);
    check(opt.alpha >= 0 && opt.alpha <= 1, "RMSprop: alpha must be in [0, 1], got ", opt.alpha);
    check(opt.eps >= 0, "RMSprop: eps must be >= 0, got ", opt.eps);
    check(opt.weight_decay >= 0, "RMSprop: weight_decay must be >= 0, got ", opt.weight_decay);
    check(opt.momentum >= 0, "RMSprop: momentum must be >= 0, got ", opt.momentum);
    for (const auto& p : params_) {
      square_avg_.push_back(Tensor<T, D>::zeros(p.var.shape()));
      if (opt.momentum > 0) momentum_buffer_.push_back(Tensor<T, D>::zeros(p.var.shape()));
      if (opt.centered) grad_avg_.push_back(Tensor<T, D>::zeros(p.var.shape()));
    }
  }
  RMSprop(const std::vector<Var<T, D>>& params, RMSpropOptions opt) : RMSprop(named_parameters(params), opt) {}

  void step() {
    no_grad guard;
    ++step_;
    const T alpha = static_cast<T>(opt_.alpha), a1 = static_cast<T>(1 - opt_.alpha);
    const T eps = static_cast<T>(opt_.eps), wd = static_cast<T>(opt_.weight_decay);
    const T mu = static_cast<T>(opt_.momentum), neg_lr = static_cast<T>(-opt_.lr);
    for (std::size_t k = 0; k < params_.size(); ++k) {
      const Tensor<T, D> grad = detail::checked_grad("RMSprop", params_[k]);
      if (!grad.defined()) continue;
      T* x = params_[k].var.value().data();
      const T* g = grad.data();
      T* s = square_avg_[k].data();
      T* b = opt_.momentum > 0 ? momentum_buffer_[k].data() : nullptr;
      T* a = opt_.centered ? grad_avg_[k].data() : nullptr;
      const int64_t n = params_[k].var.numel();
      for (int64_t i = 0; i < n; ++i) {
        const T gi = opt_.weight_decay != 0 ? g[i] + wd * x[i] : g[i];
        s[i] = s[i] * alpha + a1 * gi * gi;
        T denom;
        if (a) {
          a[i] = a[i] * alpha + a1 * gi;
          denom = std::sqrt(s[i] + T(-1) * a[i] * a[i]) + eps;
        } else {
          denom = std::sqrt(s[i]) + eps;
        }
        if (b) {
          b[i] = b[i] * mu + gi / denom;
          x[i] = x[i] + neg_lr * b[i];
        } else {
          x[i] = x[i] + neg_lr * gi / denom;
        }
      }
    }
  }

  void zero_grad() {
    for (auto& p : params_) p.var.zero_grad();
  }

  double lr() const { return opt_.lr; }
  void set_lr(double lr) {
    detail::check_lr("RMSprop", lr);
    opt_.lr = lr;
  }
  const RMSpropOptions& options() const { return opt_; }
  const ParamList<T, D>& params() const { return params_; }

  int64_t step_count() const { return step_; }
  void set_step_count(int64_t s) {
    check(s >= 0, "RMSprop: step count must be >= 0, got ", s);
    step_ = s;
  }

  template <class F>
  void visit_state(F&& f) {
    for (std::size_t k = 0; k < params_.size(); ++k) {
      f(params_[k].name + ".square_avg", square_avg_[k]);
      if (opt_.momentum > 0) f(params_[k].name + ".momentum_buffer", momentum_buffer_[k]);
      if (opt_.centered) f(params_[k].name + ".grad_avg", grad_avg_[k]);
    }
  }

 private:
  ParamList<T, D> params_;
  RMSpropOptions opt_;
  std::vector<Tensor<T, D>> square_avg_, momentum_buffer_, grad_avg_;
  int64_t step_ = 0;
};

}  // namespace gantry
