// First- and second-order gradchecks of the elementwise, broadcast and reduction ops,
// and the behaviour of the tape (accumulation, retain_graph, no_grad, detach).
#include <doctest/doctest.h>

#include <gantry/autograd.hpp>

#include "gradcheck_support.hpp"

using namespace gantry;
using testing::check_both;
using V = Var<double, cpu>;
using Vs = std::vector<V>;

TEST_CASE("binary ops with broadcasting: first and second order") {
  Rng gen(7);
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 4}, {3, 4}}, {{2, 3, 5}, {5}}, {{4, 1}, {1, 3}}, {{2, 3, 1, 2}, {3, 4, 1}}, {{1}, {2, 3}}};
  for (const auto& [sa, sb] : shapes) {
    CAPTURE(sa);
    CAPTURE(sb);
    auto a = random_input(sa, gen), b = random_input(sb, gen);
    check_both([](const Vs& x) { return add(x[0], x[1]); }, {a, b});
    check_both([](const Vs& x) { return sub(x[0], x[1]); }, {a, b});
    check_both([](const Vs& x) { return mul(x[0], x[1]); }, {a, b});
    auto bp = random_input(sb, gen, 0.5, 2.0), ap = random_input(sa, gen, 0.5, 2.0);
    check_both([](const Vs& x) { return div(x[0], x[1]); }, {a, bp});
    check_both([](const Vs& x) { return pow(x[0], x[1]); }, {ap, b});
    const auto cond = ops::gt_scalar(rand<double>(sa, gen), 0.5);
    check_both([cond](const Vs& x) { return where(cond, x[0], x[1]); }, {a, b});
  }
}

TEST_CASE("unary ops: first and second order") {
  Rng gen(8);
  for (const Shape& s : {Shape{7}, Shape{2, 3, 5}, Shape{1, 1, 3, 3}}) {
    CAPTURE(s);
    auto x = random_input(s, gen, -2, 2);
    auto pos = random_input(s, gen, 0.3, 3.0);
    // Keep piecewise ops away from their kinks, where finite differences are meaningless.
    auto away = V(ops::add(ops::mul_scalar(ops::sign(x.value()), 0.2), x.value()), true);
    check_both([](const Vs& v) { return neg(v[0]); }, {x});
    check_both([](const Vs& v) { return exp(v[0]); }, {x});
    check_both([](const Vs& v) { return log(v[0]); }, {pos});
    check_both([](const Vs& v) { return sqrt(v[0]); }, {pos});
    check_both([](const Vs& v) { return rsqrt(v[0]); }, {pos});
    check_both([](const Vs& v) { return tanh(v[0]); }, {x});
    check_both([](const Vs& v) { return sigmoid(v[0]); }, {x});
    check_both([](const Vs& v) { return abs(v[0]); }, {away});
    check_both([](const Vs& v) { return relu(v[0]); }, {away});
    check_both([](const Vs& v) { return leaky_relu(v[0], 0.2); }, {away});
    check_both([](const Vs& v) { return mul(relu(v[0]), v[0]); }, {away});
    check_both([](const Vs& v) { return pow_scalar(v[0], 3.0); }, {x});
    check_both([](const Vs& v) { return pow_scalar(v[0], 2.5); }, {pos});
    check_both([](const Vs& v) { return add_scalar(mul_scalar(v[0], 3.0), -1.0); }, {x});
  }
  // clamp away from the bounds
  auto c = V(from_vector<double>({-2.0, -0.5, 0.1, 0.7, 1.8}), true);
  check_both([](const Vs& v) { return mul(clamp(v[0], -1.0, 1.0), v[0]); }, {c});
}

TEST_CASE("reductions and broadcasts: first and second order") {
  Rng gen(9);
  auto x = random_input({2, 3, 4, 5}, gen);
  for (const std::vector<int>& axes : std::vector<std::vector<int>>{{}, {0}, {1, 3}, {-1}, {0, 2, 3}}) {
    for (bool keep : {false, true}) {
      check_both([axes, keep](const Vs& v) { return sum(mul(v[0], v[0]), axes, keep); }, {x});
      check_both([axes, keep](const Vs& v) { return mean(exp(v[0]), axes, keep); }, {x});
    }
  }
  auto b = random_input({3, 1}, gen);
  check_both([](const Vs& v) { return mul(broadcast_to(v[0], Shape{2, 3, 4}), broadcast_to(v[0], Shape{2, 3, 4})); },
             {b});
  check_both([](const Vs& v) { return sum_to(mul(v[0], v[0]), Shape{4, 1}); }, {random_input({3, 4, 5}, gen)});
  check_both([](const Vs& v) { return reshape(mul(v[0], v[0]), {6, -1}); }, {x});
}

TEST_CASE("forward values and broadcasting errors") {
  auto a = Tensor<float, cpu>::from({2, 3}, {1, 2, 3, 4, 5, 6});
  auto b = Tensor<float, cpu>::from({3}, {10, 20, 30});
  auto c = ops::add(a, b);
  CHECK(c.to_vector() == std::vector<float>{11, 22, 33, 14, 25, 36});
  CHECK(ops::sum(a, {0}).to_vector() == std::vector<float>{5, 7, 9});
  CHECK(ops::sum(a, {1}, true).shape() == Shape{2, 1});
  CHECK(ops::mean(a).item() == doctest::Approx(3.5));
  auto bad = Tensor<float, cpu>::from({2}, {1, 2});
  CHECK_THROWS_WITH_AS(ops::mul(a, bad), "mul: shapes [2, 3] and [2] cannot be broadcast (dimension 1: 3 vs 2)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::sum(a, {2}), "sum: axis 2 is out of range for shape [2, 3]", ShapeError);
}

TEST_CASE("the tape: accumulation, intermediate inputs, retain_graph, no_grad, detach") {
  V x(from_vector<double>({1.0, 2.0, 3.0}), true);
  auto y = mul(x, x);      // x^2
  auto z = sum(mul(y, x)); // sum x^3
  auto gy = grad(std::vector<V>{z}, std::vector<V>{y}, {}, GradOptions{.retain_graph = true})[0];
  CHECK(gy.value().to_vector() == std::vector<double>{1.0, 2.0, 3.0});  // dz/dy = x
  z.backward();
  CHECK(x.grad().value().to_vector() == std::vector<double>{3.0, 12.0, 27.0});
  CHECK_THROWS_WITH(z.backward(),
                    "backward: the graph of this output was already freed by an earlier backward; pass "
                    "retain_graph = true to the first one");
  // Gradients accumulate across backward calls until zero_grad.
  auto w = sum(mul_scalar(x, 2.0));
  w.backward();
  CHECK(x.grad().value().to_vector() == std::vector<double>{5.0, 14.0, 29.0});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  {
    no_grad ng;
    auto q = mul(x, x);
    CHECK_FALSE(q.requires_grad());
  }
  CHECK_FALSE(mul(x.detach(), x.detach()).requires_grad());
  // Second derivative through create_graph: d/dx sum(d(x^3)/dx) = 6x.
  auto g1 = grad(sum(mul(mul(x, x), x)), x, GradOptions{.create_graph = true});
  auto g2 = grad(sum(g1), x);
  CHECK(g2.value().to_vector() == std::vector<double>{6.0, 12.0, 18.0});
  // A non-scalar output needs an explicit gradient.
  CHECK_THROWS_WITH(mul(x, x).backward(),
                    "backward: an output of shape [3] needs an explicit gradient (only a one-element output gets 1 by "
                    "default)");
}

TEST_CASE("an undefined Var is an error, not a crash") {
  V undefined;
  V x(from_vector<double>({1.0}), true);
  CHECK_THROWS_WITH(mul(undefined, x),
                    "an undefined Var was used as an operand (a gradient that does not exist, or a Var never set)");
}
