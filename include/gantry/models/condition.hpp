#pragma once
// What G and D are conditioned on besides z, one entry per sample: class labels (class-
// conditional nets) and instance features [B, F] (IC-GAN). A list of labels converts to a
// Condition, so label-only code reads as before: model.sample(z, {0, 5}).
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "../autograd/var.hpp"
#include "../core/tensor.hpp"

namespace gantry::models {

template <class T, class D = cpu>
struct Condition {
  std::vector<int64_t> labels;  // empty: none
  Tensor<T, D> features;        // [B, F], or undefined: none

  Condition() = default;
  Condition(std::vector<int64_t> y) : labels(std::move(y)) {}  // NOLINT: labels read as a Condition
  Condition(std::initializer_list<int64_t> y) : labels(y) {}
  Condition(std::vector<int64_t> y, Tensor<T, D> f) : labels(std::move(y)), features(std::move(f)) {}

  // The features as a constant Var (undefined when there are none).
  Var<T, D> feature_var() const { return features.defined() ? Var<T, D>::constant(features) : Var<T, D>(); }
};

}  // namespace gantry::models
