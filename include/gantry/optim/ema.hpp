#pragma once
// Exponential moving average of a generator's weights, as BigGAN-PyTorch's utils.ema: over
// every parameter AND buffer (batch-norm running statistics, spectral-norm vectors),
//   θ_ema ← decay·θ_ema + (1−decay)·θ
// with decay = 0 (a plain copy) before `start_step`. The EMA holds its own deep copies by
// name; copy_to(target) writes them into a module of the same type for sampling.
// (BigGAN-PyTorch tests `if itr and itr < start_itr`, so its iteration 0 would average; its
// counter starts at 1, and here every step < start_step copies.)
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../autograd/var.hpp"
#include "../core/error.hpp"
#include "../autograd/param_visitor.hpp"

namespace gantry {

template <class T, class D = cpu>
class EMA {
  static_assert(std::is_same_v<D, cpu>, "gantry: EMA averages cpu tensors");

 public:
  template <class M>
  EMA(M& source, double decay, int64_t start_step = 0) : decay_(decay), start_(start_step) {
    check(decay >= 0 && decay <= 1, "EMA: decay must be in [0, 1], got ", decay);
    check(start_step >= 0, "EMA: start step must be >= 0, got ", start_step);
    for (auto& e : collect(source)) entries_.push_back({std::move(e.name), e.tensor.clone()});
  }

  // One update from `source` (the trained generator) at training step `step`.
  template <class M>
  void update(M& source, int64_t step) {
    no_grad guard;
    const double d = step < start_ ? 0.0 : decay_;
    const T keep = static_cast<T>(d), take = static_cast<T>(1 - d);
    auto src = collect(source);
    match("update", src);
    for (std::size_t k = 0; k < src.size(); ++k) {
      T* e = entries_[k].tensor.data();
      const T* s = src[k].tensor.data();
      const int64_t n = src[k].tensor.numel();
      for (int64_t i = 0; i < n; ++i) e[i] = e[i] * keep + s[i] * take;
    }
  }

  // Writes the averaged weights into `target`'s parameters and buffers (in place).
  template <class M>
  void copy_to(M& target) const {
    no_grad guard;
    auto dst = collect(target);
    match("copy_to", dst);
    for (std::size_t k = 0; k < dst.size(); ++k) {
      const T* e = entries_[k].tensor.data();
      T* t = dst[k].tensor.data();
      const int64_t n = dst[k].tensor.numel();
      for (int64_t i = 0; i < n; ++i) t[i] = e[i];
    }
  }

  double decay() const { return decay_; }
  int64_t start_step() const { return start_; }

  // f(name, tensor&) for every averaged tensor (for checkpoints).
  template <class F>
  void visit_state(F&& f) {
    for (auto& e : entries_) f(e.name, e.tensor);
  }

 private:
  struct Entry {
    std::string name;
    Tensor<T, D> tensor;  // the module's own storage (collect) or the EMA's copy (entries_)
  };

  template <class M>
  static std::vector<Entry> collect(M& m) {
    struct V : ParamVisitor<T, D> {
      std::vector<Entry> out;
      void parameter(const std::string& name, Var<T, D>& p) override { out.push_back({name, p.value()}); }
      void buffer(const std::string& name, Tensor<T, D>& b) override { out.push_back({name, b}); }
    } v;
    m.visit(v, "");
    return std::move(v.out);
  }

  void match(const char* what, const std::vector<Entry>& other) const {
    check<ShapeError>(other.size() == entries_.size(), "EMA.", what, ": the module has ", other.size(),
                      " parameters and buffers but the EMA holds ", entries_.size());
    for (std::size_t k = 0; k < other.size(); ++k) {
      check<ShapeError>(other[k].name == entries_[k].name, "EMA.", what, ": entry ", k, " of the module is '",
                        other[k].name, "' but the EMA holds '", entries_[k].name, "' there");
      check<ShapeError>(other[k].tensor.shape() == entries_[k].tensor.shape(), "EMA.", what, ": '", other[k].name,
                        "' has shape ", other[k].tensor.shape().str(), " in the module but ",
                        entries_[k].tensor.shape().str(), " in the EMA");
    }
  }

  std::vector<Entry> entries_;
  double decay_;
  int64_t start_;
};

}  // namespace gantry
