#pragma once
// The backward engine: grad(outputs, inputs) and Var::backward(). It walks the tape from
// the outputs in topological order, calling each node's backward rule once with the sum
// of the gradients that reach it. With create_graph the rules run with recording on, so
// the gradients are Vars on the tape and can be differentiated again.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ops/elementwise.hpp"
#include "var.hpp"

namespace gantry {

struct GradOptions {
  bool create_graph = false;  // record the backward pass, for higher derivatives
  bool retain_graph = false;  // keep the graph for another backward (implied by create_graph)
  bool allow_unused = false;  // if true, an input the outputs do not depend on gets an undefined Var
};

namespace detail {

template <class T, class D>
class Engine {
 public:
  using V = Var<T, D>;
  using N = Node<T, D>;

  // targets: the Vars whose gradients are wanted (empty in accumulate mode, where every
  // leaf that requires a gradient receives it in .grad()).
  Engine(const std::vector<V>& targets, bool accumulate) : accumulate_(accumulate) {
    for (const auto& t : targets) {
      if (t.is_leaf()) target_leaves_.insert(t.impl());
      else target_nodes_.insert(t.grad_fn().get());
    }
  }

  void run(const std::vector<V>& outputs, const std::vector<V>& grad_outputs, const GradOptions& opt) {
    grad_mode_guard mode(opt.create_graph);
    const bool retain = opt.retain_graph || opt.create_graph;
    std::vector<N*> roots;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      const V& out = outputs[i];
      if (!out.requires_grad()) continue;
      V g = i < grad_outputs.size() && grad_outputs[i].defined() ? grad_outputs[i] : ones_like(out);
      check<ShapeError>(g.shape() == out.shape(), "backward: the gradient for an output of shape ", out.shape().str(),
                        " has shape ", g.shape().str());
      if (out.is_leaf()) {
        accumulate_leaf(out, g);
      } else {
        N* n = out.grad_fn().get();
        check(!n->released(), "backward: the graph of this output was already freed by an earlier backward; "
                              "pass retain_graph = true to the first one");
        add_to(node_grads_, n, g);
        roots.push_back(n);
      }
    }
    // Which nodes must run: those that lead to a wanted gradient.
    for (N* r : roots) mark(r);
    // Count, for each needed node, the needed nodes that feed gradients into it.
    std::unordered_map<N*, int> deps;
    for (N* n : order_)
      if (needed_[n])
        for (const auto& in : n->inputs)
          if (in.requires_grad() && !in.is_leaf() && needed_[in.grad_fn().get()]) deps[in.grad_fn().get()]++;
    std::vector<N*> ready;
    for (N* r : roots)
      if (needed_[r] && deps[r] == 0 && std::find(ready.begin(), ready.end(), r) == ready.end()) ready.push_back(r);
    while (!ready.empty()) {
      N* n = ready.back();
      ready.pop_back();
      V g = node_grads_[n];
      if (target_nodes_.count(n)) results_nodes_[n] = g;
      std::vector<char> needs(n->inputs.size(), 0);
      for (std::size_t i = 0; i < n->inputs.size(); ++i) needs[i] = wants(n->inputs[i]);
      auto out = n->output();
      const BackwardArgs<T, D> args{n->inputs, out, g, needs};
      std::vector<V> grads = n->backward(args);
      check(grads.size() == n->inputs.size(), "backward rule of ", n->name, " returned ", grads.size(),
            " gradients for ", n->inputs.size(), " inputs");
      for (std::size_t i = 0; i < grads.size(); ++i) {
        const V& in = n->inputs[i];
        if (!needs[i] || !grads[i].defined()) continue;
        check<ShapeError>(grads[i].shape() == in.shape(), "backward rule of ", n->name, ": gradient of shape ",
                          grads[i].shape().str(), " for input ", i, " of shape ", in.shape().str());
        if (in.is_leaf()) {
          accumulate_leaf(in, grads[i]);
        } else {
          N* p = in.grad_fn().get();
          add_to(node_grads_, p, grads[i]);
          if (--deps[p] == 0) ready.push_back(p);
        }
      }
      node_grads_.erase(n);
      if (!retain) n->release();
    }
  }

  V result_for(const V& t) const {
    if (t.is_leaf()) {
      auto it = results_leaves_.find(t.impl());
      return it == results_leaves_.end() ? V() : it->second;
    }
    auto it = results_nodes_.find(t.grad_fn().get());
    return it == results_nodes_.end() ? V() : it->second;
  }

 private:
  static V ones_like(const V& v) {
    check<ShapeError>(v.numel() == 1, "backward: an output of shape ", v.shape().str(),
                      " needs an explicit gradient (only a one-element output gets 1 by default)");
    return V::constant(ops::add_scalar(Tensor<T, D>::zeros(v.shape()), T(1)));
  }

  bool wants(const V& in) const {
    if (!in.requires_grad()) return false;
    if (in.is_leaf()) return accumulate_ || target_leaves_.count(in.impl()) > 0;
    auto it = needed_.find(in.grad_fn().get());
    return it != needed_.end() && it->second;
  }

  // Post-order walk (iterative: graphs can be deep) marking nodes that lead to a target.
  void mark(N* root) {
    if (needed_.count(root)) return;
    std::vector<std::pair<N*, std::size_t>> stack{{root, 0}};
    visiting_.insert(root);
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      if (i < n->inputs.size()) {
        const V& in = n->inputs[i++];
        if (!in.requires_grad() || in.is_leaf()) continue;
        N* p = in.grad_fn().get();
        check(!p->released(), "backward: part of the graph was already freed by an earlier backward; "
                              "pass retain_graph = true to the first one");
        if (!needed_.count(p) && !visiting_.count(p)) {
          visiting_.insert(p);
          stack.push_back({p, 0});
        }
        continue;
      }
      bool need = target_nodes_.count(n) > 0;
      for (const auto& in : n->inputs) {
        if (!in.requires_grad()) continue;
        if (in.is_leaf()) need = need || accumulate_ || target_leaves_.count(in.impl());
        else need = need || needed_[in.grad_fn().get()];
      }
      needed_[n] = need;
      order_.push_back(n);
      alive_.push_back(n->shared_from_this());  // consumers drop their inputs when released
      stack.pop_back();
    }
  }

  template <class K>
  static void add_to(std::unordered_map<K, V>& m, K k, const V& g) {
    auto it = m.find(k);
    if (it == m.end()) m.emplace(k, g);
    else it->second = add(it->second, g);
  }

  void accumulate_leaf(const V& leaf, const V& g) {
    if (accumulate_) {
      V cur = leaf.grad();
      V next = cur.defined() ? add(cur, g) : g;
      if (!grad_enabled()) next = next.detach();
      const_cast<V&>(leaf).set_grad(next);
    } else if (target_leaves_.count(leaf.impl())) {
      add_to<const void*>(results_leaves_, leaf.impl(), g);
    }
  }

  bool accumulate_;
  std::unordered_set<const void*> target_leaves_;
  std::unordered_set<N*> target_nodes_;
  std::unordered_map<N*, V> node_grads_;
  std::unordered_map<N*, bool> needed_;
  std::unordered_set<N*> visiting_;
  std::vector<N*> order_;
  std::vector<std::shared_ptr<N>> alive_;
  std::unordered_map<const void*, V> results_leaves_;
  std::unordered_map<N*, V> results_nodes_;
};

}  // namespace detail

// Gradients of the outputs (weighted by grad_outputs; default 1 for one-element outputs)
// with respect to each input. Inputs may be leaves or intermediate Vars.
template <class T, class D>
std::vector<Var<T, D>> grad(const std::vector<Var<T, D>>& outputs, const std::vector<Var<T, D>>& inputs,
                            const std::vector<Var<T, D>>& grad_outputs = {}, GradOptions opt = {}) {
  for (std::size_t i = 0; i < inputs.size(); ++i)
    check(inputs[i].defined() && inputs[i].requires_grad(), "grad: input ", i,
          " does not require a gradient (mark it with requires_grad_())");
  detail::Engine<T, D> engine(inputs, false);
  engine.run(outputs, grad_outputs, opt);
  std::vector<Var<T, D>> out;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Var<T, D> g = engine.result_for(inputs[i]);
    check(g.defined() || opt.allow_unused, "grad: the outputs do not depend on input ", i,
          " (or do not require gradients: is recording off, under no_grad?); pass allow_unused = true to get an "
          "undefined Var instead");
    out.push_back(g);
  }
  return out;
}

template <class T, class D>
Var<T, D> grad(const Var<T, D>& output, const Var<T, D>& input, GradOptions opt = {}) {
  return grad(std::vector<Var<T, D>>{output}, std::vector<Var<T, D>>{input}, {}, opt)[0];
}

template <class T, class D>
void Var<T, D>::backward(const Var& grad_output, bool retain_graph, bool create_graph) const {
  detail::Engine<T, D> engine({}, true);
  engine.run({*this}, {grad_output}, GradOptions{create_graph, retain_graph, true});
}

}  // namespace gantry
