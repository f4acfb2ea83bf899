#pragma once
// How modules show their state: a visitor walks parameters and buffers with PyTorch-style
// dotted names (`blocks.0.conv1.weight`). Parts (nn/) implement visit(); optimisers, EMA
// (optim/) and checkpoints use it, so it sits below both.
#include <string>

#include "var.hpp"

namespace gantry {

template <class T, class D>
struct ParamVisitor {
  virtual ~ParamVisitor() = default;
  virtual void parameter(const std::string& name, Var<T, D>& p) = 0;
  virtual void buffer(const std::string& /*name*/, Tensor<T, D>& /*b*/) {}
};

inline std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

}  // namespace gantry
