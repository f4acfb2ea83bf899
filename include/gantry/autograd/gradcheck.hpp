#pragma once
// Gradient checks against central finite differences, in double precision.
// gradcheck: the analytic first derivatives of f. gradgradcheck: the derivatives of the
// gradient itself (a backward pass recorded with create_graph), i.e. exact second order.
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "../core/factories.hpp"
#include "grad.hpp"
#include "ops/reduce.hpp"

namespace gantry {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-4;
  std::uint64_t seed = 1234;
};

struct GradcheckResult {
  bool ok = true;
  std::string report;  // what failed: input, element, analytic vs numeric
  explicit operator bool() const { return ok; }
};

using GradFn = std::function<Var<double, cpu>(const std::vector<Var<double, cpu>>&)>;

namespace detail {
// sum(f(x) * r) for a fixed random r, so that every output element is checked.
inline GradFn project(const GradFn& f, const std::vector<Var<double, cpu>>& inputs, std::uint64_t seed) {
  const Var<double, cpu> probe = f(inputs);
  Rng gen(seed);
  auto r = Var<double, cpu>::constant(randn<double>(probe.shape(), gen));
  return [f, r](const std::vector<Var<double, cpu>>& x) { return sum(mul(f(x), r)); };
}
}  // namespace detail

// Compares the gradient of f with respect to each input (inputs must require grad) with
// central differences.
inline GradcheckResult gradcheck(const GradFn& f, const std::vector<Var<double, cpu>>& inputs,
                                 GradcheckOptions opt = {}) {
  GradcheckResult res;
  const GradFn scalar = detail::project(f, inputs, opt.seed);
  const auto analytic =
      grad(std::vector<Var<double, cpu>>{scalar(inputs)}, inputs, {}, GradOptions{.allow_unused = true});
  std::ostringstream os;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    Tensor<double, cpu> x = inputs[k].value();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double orig = x[i];
      // Evaluated with recording on: f may itself take gradients (a penalty, a latent step).
      x[i] = orig + opt.eps;
      const double fp = scalar(inputs).item();
      x[i] = orig - opt.eps;
      const double fm = scalar(inputs).item();
      x[i] = orig;
      const double numeric = (fp - fm) / (2 * opt.eps);
      const double a = analytic[k].defined() ? analytic[k].value()[i] : 0.0;
      if (!(std::abs(a - numeric) <= opt.atol + opt.rtol * std::abs(numeric))) {
        if (res.ok) os << "gradcheck failed:";
        res.ok = false;
        os << "\n  input " << k << " " << x.shape().str() << " element " << i << ": analytic " << a
           << ", numeric " << numeric;
      }
    }
  }
  res.report = os.str();
  return res;
}

// Checks the second derivatives: gradcheck of x -> sum_k <grad_k f(x), u_k> for random u.
inline GradcheckResult gradgradcheck(const GradFn& f, const std::vector<Var<double, cpu>>& inputs,
                                     GradcheckOptions opt = {}) {
  const GradFn scalar = detail::project(f, inputs, opt.seed);
  Rng gen(opt.seed + 1);
  std::vector<Var<double, cpu>> u;
  for (const auto& x : inputs) u.push_back(Var<double, cpu>::constant(randn<double>(x.shape(), gen)));
  const GradFn first = [scalar, u](const std::vector<Var<double, cpu>>& x) {
    const auto g = grad(std::vector<Var<double, cpu>>{scalar(x)}, x, {},
                        GradOptions{.create_graph = true, .allow_unused = true});
    Var<double, cpu> acc;
    for (std::size_t k = 0; k < x.size(); ++k) {
      if (!g[k].defined()) continue;
      const auto term = sum(mul(g[k], u[k]));
      acc = acc.defined() ? add(acc, term) : term;
    }
    check(acc.defined(), "gradgradcheck: the function does not depend on its inputs");
    return acc;
  };
  GradcheckResult r = gradcheck(first, inputs, opt);
  if (!r.ok) r.report = "gradgradcheck (second order): " + r.report;
  return r;
}

// Leaf Vars with random values that require gradients, for tests.
inline Var<double, cpu> random_input(const Shape& shape, Rng& gen, double lo = -1, double hi = 1) {
  return Var<double, cpu>(rand<double>(shape, gen, lo, hi), true);
}

}  // namespace gantry
