#pragma once
// Test helpers shared by the op tests: both gradient checks with doctest reporting.
#include <doctest/doctest.h>

#include <functional>
#include <gantry/autograd/gradcheck.hpp>
#include <vector>

namespace gantry::testing {

// First- and second-order gradchecks of f at `inputs`, each reported on failure.
inline void check_both(const GradFn& f, const std::vector<Var<double, cpu>>& inputs) {
  const auto first = gradcheck(f, inputs);
  CHECK_MESSAGE(first.ok, first.report);
  const auto second = gradgradcheck(f, inputs);
  CHECK_MESSAGE(second.ok, second.report);
}

// A linear op alone has a constant gradient; squaring its output makes the second order
// go through the op's backward and the backward's backward.
inline void check_linear(const std::function<Var<double, cpu>(const Var<double, cpu>&)>& op,
                         const Var<double, cpu>& x) {
  check_both([op](const std::vector<Var<double, cpu>>& v) { return op(v[0]); }, {x});
  check_both([op](const std::vector<Var<double, cpu>>& v) {
    auto y = op(v[0]);
    return mul(y, y);
  }, {x});
}

}  // namespace gantry::testing
