#pragma once
// What every optimiser updates: a list of named parameters. Vars are shared handles, so the
// list holds copies of the model's Vars and an update writes into the model's own storage.
// The updates are plain loops over host memory, so the optimisers take cpu tensors.
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../autograd/var.hpp"
#include "../core/error.hpp"
#include "../autograd/param_visitor.hpp"

namespace gantry {

template <class T, class D = cpu>
struct NamedParam {
  std::string name;
  Var<T, D> var;
};

template <class T, class D = cpu>
using ParamList = std::vector<NamedParam<T, D>>;

// The parameters of a module with their dotted names (`blocks.0.weight`), in visit order.
template <class T, class D, class M>
ParamList<T, D> named_parameters(M& m, const std::string& prefix = "") {
  struct V : ParamVisitor<T, D> {
    ParamList<T, D> out;
    void parameter(const std::string& name, Var<T, D>& p) override { out.push_back({name, p}); }
  } v;
  m.visit(v, prefix);
  return std::move(v.out);
}

// Unnamed parameters are named by position ("0", "1", ...), as in PyTorch's state_dict.
template <class T, class D>
ParamList<T, D> named_parameters(const std::vector<Var<T, D>>& vars) {
  ParamList<T, D> out;
  out.reserve(vars.size());
  for (std::size_t i = 0; i < vars.size(); ++i) out.push_back({std::to_string(i), vars[i]});
  return out;
}

namespace detail {

// Checks the list once, when an optimiser is made.
template <class T, class D>
void check_param_list(const char* opt, const ParamList<T, D>& params) {
  static_assert(std::is_same_v<D, cpu>, "gantry: the optimisers update cpu parameters");
  for (std::size_t i = 0; i < params.size(); ++i) {
    check(params[i].var.defined(), opt, ": parameter '", params[i].name, "' is undefined (a default-constructed Var)");
    check(params[i].var.is_leaf(), opt, ": parameter '", params[i].name,
          "' is not a leaf (it was computed by an op); optimise the leaf it came from");
    for (std::size_t j = 0; j < i; ++j)
      check(params[j].name != params[i].name, opt, ": two parameters are named '", params[i].name, "'");
  }
}

// The gradient of `p` as a tensor of p's shape, or an undefined tensor when p has none.
template <class T, class D>
Tensor<T, D> checked_grad(const char* opt, const NamedParam<T, D>& p) {
  const Var<T, D> g = p.var.grad();
  if (!g.defined()) return {};
  check<ShapeError>(g.shape() == p.var.shape(), opt, ".step: the gradient of parameter '", p.name, "' has shape ",
                    g.shape().str(), " but the parameter has shape ", p.var.shape().str());
  return g.value();
}

inline void check_lr(const char* opt, double lr) { check(lr >= 0, opt, ": learning rate must be >= 0, got ", lr); }

}  // namespace detail

}  // namespace gantry
