#pragma once
// Var<T, D>: a tensor on the tape. A Var made by a differentiable op points to the Node
// that made it; the Node keeps the op's inputs and a backward rule written with the same
// differentiable ops, so differentiating a backward pass (create_graph) is exact.
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "../core/tensor.hpp"

namespace gantry {

namespace detail {
inline thread_local bool grad_mode = true;
}  // namespace detail

// Whether ops record onto the tape in this thread.
inline bool grad_enabled() { return detail::grad_mode; }

// Within this scope nothing is recorded (inference, optimiser updates, metrics).
class no_grad {
 public:
  no_grad() : prev_(detail::grad_mode) { detail::grad_mode = false; }
  ~no_grad() { detail::grad_mode = prev_; }
  no_grad(const no_grad&) = delete;
  no_grad& operator=(const no_grad&) = delete;

 private:
  bool prev_;
};

// Sets grad mode to `on` for the scope (used by the engine for create_graph).
class grad_mode_guard {
 public:
  explicit grad_mode_guard(bool on) : prev_(detail::grad_mode) { detail::grad_mode = on; }
  ~grad_mode_guard() { detail::grad_mode = prev_; }
  grad_mode_guard(const grad_mode_guard&) = delete;
  grad_mode_guard& operator=(const grad_mode_guard&) = delete;

 private:
  bool prev_;
};

template <class T, class D>
class Var;
template <class T, class D>
struct Node;

// What a backward rule sees: the op's inputs, its output (as a Var on the tape), the
// gradient of the loss with respect to that output, and which inputs need a gradient.
template <class T, class D>
struct BackwardArgs {
  const std::vector<Var<T, D>>& in;
  const Var<T, D>& out;
  const Var<T, D>& grad;
  const std::vector<char>& needs;
  bool need(std::size_t i) const { return needs[i] != 0; }
};

// Returns one gradient per input (an undefined Var where there is none).
template <class T, class D>
using BackwardFn = std::function<std::vector<Var<T, D>>(const BackwardArgs<T, D>&)>;

namespace detail {
template <class T, class D>
struct VarImpl {
  Tensor<T, D> value;
  bool requires_grad = false;
  std::shared_ptr<Node<T, D>> grad_fn;  // null for leaves
  std::shared_ptr<VarImpl> grad;        // accumulated by backward() on leaves
};
}  // namespace detail

template <class T, class D = cpu>
class Var {
 public:
  using value_type = T;
  using device_type = D;
  using Impl = detail::VarImpl<T, D>;

  Var() = default;
  // A leaf holding `value`.
  explicit Var(Tensor<T, D> value, bool requires_grad = false) : impl_(std::make_shared<Impl>()) {
    impl_->value = std::move(value);
    impl_->requires_grad = requires_grad;
  }
  // A tensor that never takes a gradient (masks, data, targets).
  static Var constant(Tensor<T, D> value) { return Var(std::move(value), false); }

  bool defined() const { return static_cast<bool>(impl_); }
  const Tensor<T, D>& value() const { return checked()->value; }
  Tensor<T, D>& value() { return checked()->value; }
  const Shape& shape() const { return checked()->value.shape(); }
  int rank() const { return impl_->value.rank(); }
  int64_t dim(int axis) const { return impl_->value.dim(axis); }
  int64_t numel() const { return impl_->value.numel(); }
  T item() const { return impl_->value.item(); }

  bool requires_grad() const { return impl_ && impl_->requires_grad; }
  // Marks a leaf as a parameter or input to differentiate with respect to.
  Var& requires_grad_(bool on = true) {
    check(!impl_->grad_fn, "requires_grad_: only a leaf can be marked; use detach() first");
    impl_->requires_grad = on;
    return *this;
  }
  bool is_leaf() const { return !impl_->grad_fn; }
  const std::shared_ptr<Node<T, D>>& grad_fn() const { return impl_->grad_fn; }

  // The gradient accumulated by backward() (undefined before the first backward).
  Var grad() const { return impl_->grad ? Var(impl_->grad) : Var(); }
  void set_grad(const Var& g) { impl_->grad = g.impl_; }
  void zero_grad() { impl_->grad.reset(); }

  // Same value, cut from the tape.
  Var detach() const { return Var(impl_->value, false); }

  // Accumulates d(this)/d(leaf) into every leaf's grad(); this must be a scalar unless
  // `grad_output` is given. Frees the graph unless retain_graph (or create_graph).
  void backward(const Var& grad_output = {}, bool retain_graph = false, bool create_graph = false) const;

  Impl* impl() const { return impl_.get(); }
  // The implementation, or an error for an undefined Var (e.g. the gradient of an input
  // the outputs do not depend on, from grad() with allow_unused).
  Impl* checked() const {
    if (!impl_) fail("an undefined Var was used as an operand (a gradient that does not exist, or a Var never set)");
    return impl_.get();
  }
  explicit Var(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<Impl> impl_;
};

template <class T, class D>
struct Node : std::enable_shared_from_this<Node<T, D>> {
  const char* name = "";
  std::vector<Var<T, D>> inputs;
  Tensor<T, D> out_value;  // shares storage with the output
  BackwardFn<T, D> backward;

  // The output as a Var on the tape (rebuilt from the stored value and this node, so the
  // node need not own its output, which would be a reference cycle).
  Var<T, D> output() {
    auto impl = std::make_shared<detail::VarImpl<T, D>>();
    impl->value = out_value;
    impl->requires_grad = true;
    impl->grad_fn = this->shared_from_this();
    return Var<T, D>(std::move(impl));
  }
  bool released() const { return !backward; }
  void release() {
    backward = nullptr;
    inputs.clear();
    out_value = Tensor<T, D>();
  }
};

// Records an op: `value` computed from `inputs`; `fn` is its backward rule. When grad mode
// is off or no input requires a gradient, the result is a plain leaf.
template <class T, class D>
Var<T, D> make_result(const char* name, Tensor<T, D> value, std::vector<Var<T, D>> inputs, BackwardFn<T, D> fn) {
  bool track = false;
  if (grad_enabled())
    for (const auto& v : inputs) track = track || v.requires_grad();
  if (!track) return Var<T, D>(std::move(value), false);
  auto node = std::make_shared<Node<T, D>>();
  node->name = name;
  node->inputs = std::move(inputs);
  node->out_value = value;
  node->backward = std::move(fn);
  auto impl = std::make_shared<detail::VarImpl<T, D>>();
  impl->value = std::move(value);
  impl->requires_grad = true;
  impl->grad_fn = std::move(node);
  return Var<T, D>(std::move(impl));
}

}  // namespace gantry
