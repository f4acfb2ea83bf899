#pragma once
// SGD with torch.optim.SGD's arithmetic (dampening 0 by default):
//   g ← g + wd·θ
//   momentum μ > 0: b ← g on a parameter's first step, then b ← μ·b + (1−dampening)·g;
//                   g ← nesterov ? g + μ·b : b
//   θ ← θ − lr·g
// State: `<name>.momentum_buffer` (momentum > 0) and the optimiser's step count. A buffer
// counts as started once the parameter has had a step, or after set_step_count(n > 0) (a
// loaded checkpoint).
#include <string>
#include <utility>
#include <vector>

#include "params.hpp"

namespace gantry {

struct SGDOptions {
  double lr = 1e-2;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

template <class T, class D = cpu>
class SGD {
 public:
  SGD(ParamList<T, D> params, SGDOptions opt) : params_(std::move(params)), opt_(opt) {
    detail::check_param_list("SGD", params_);
    detail::check_lr("SGD", opt.lr);
    check(opt.momentum >= 0, "SGD: momentum must be >= 0, got ", opt.momentum);
    check(opt.weight_decay >= 0, "SGD: weight_decay must be >= 0, got ", opt.weight_decay);
    check(!opt.nesterov || (opt.momentum > 0 && opt.dampening == 0),
          "SGD: nesterov needs momentum > 0 and dampening 0 (got momentum ", opt.momentum, ", dampening ",
          opt.dampening, ")");
    started_.assign(params_.size(), 0);
    if (opt.momentum > 0)
      for (const auto& p : params_) momentum_buffer_.push_back(Tensor<T, D>::zeros(p.var.shape()));
  }
  SGD(const std::vector<Var<T, D>>& params, SGDOptions opt) : SGD(named_parameters(params), opt) {}

  void step() {
    no_grad guard;
    ++step_;
    const T mu = static_cast<T>(opt_.momentum), damp = static_cast<T>(1 - opt_.dampening);
    const T wd = static_cast<T>(opt_.weight_decay), neg_lr = static_cast<T>(-opt_.lr);
    for (std::size_t k = 0; k < params_.size(); ++k) {
      const Tensor<T, D> grad = detail::checked_grad("SGD", params_[k]);
      if (!grad.defined()) continue;
      T* x = params_[k].var.value().data();
      const T* g = grad.data();
      const int64_t n = params_[k].var.numel();
      if (opt_.momentum == 0) {
        for (int64_t i = 0; i < n; ++i) x[i] = x[i] + neg_lr * (opt_.weight_decay != 0 ? g[i] + wd * x[i] : g[i]);
        continue;
      }
      T* b = momentum_buffer_[k].data();
      const bool first = !started_[k];
      started_[k] = 1;
      for (int64_t i = 0; i < n; ++i) {
        T gi = opt_.weight_decay != 0 ? g[i] + wd * x[i] : g[i];
        b[i] = first ? gi : b[i] * mu + damp * gi;
        gi = opt_.nesterov ? gi + mu * b[i] : b[i];
        x[i] = x[i] + neg_lr * gi;
      }
    }
  }

  void zero_grad() {
    for (auto& p : params_) p.var.zero_grad();
  }

  double lr() const { return opt_.lr; }
  void set_lr(double lr) {
    detail::check_lr("SGD", lr);
    opt_.lr = lr;
  }
  const SGDOptions& options() const { return opt_; }
  const ParamList<T, D>& params() const { return params_; }

  int64_t step_count() const { return step_; }
  void set_step_count(int64_t s) {
    check(s >= 0, "SGD: step count must be >= 0, got ", s);
    step_ = s;
    started_.assign(params_.size(), s > 0 ? 1 : 0);
  }

  template <class F>
  void visit_state(F&& f) {
    if (opt_.momentum > 0)
      for (std::size_t k = 0; k < params_.size(); ++k) f(params_[k].name + ".momentum_buffer", momentum_buffer_[k]);
  }

 private:
  ParamList<T, D> params_;
  SGDOptions opt_;
  std::vector<Tensor<T, D>> momentum_buffer_;
  std::vector<char> started_;
  int64_t step_ = 0;
};

}  // namespace gantry
