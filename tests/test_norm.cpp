// moments and normalize: statistics against a naive reference, PyTorch's batch_norm,
// instance_norm and layer_norm (values, gradients and the second-order term of a gradient
// penalty; tests/fixtures/make_norm_fixtures.py), first- and second-order gradchecks, the
// fused backward against the recorded one, and the error messages.
#include <doctest/doctest.h>

#include <cmath>
#include <gantry/autograd.hpp>

#include "gradcheck_support.hpp"
#include <vector>

#include "fixtures/norm_fixtures.hpp"

using namespace gantry;
using testing::check_both;
using V = Var<double, cpu>;
using Vs = std::vector<V>;

namespace {

// Keepdim index of every element of x for a reduction over `axes`.
std::vector<int64_t> group_of(const Shape& s, const std::vector<int>& axes) {
  std::vector<int64_t> g(static_cast<size_t>(s.numel()));
  for (int64_t i = 0; i < s.numel(); ++i) {
    int64_t rem = i, o = 0, mul = 1;
    for (int d = s.rank() - 1; d >= 0; --d) {
      const int64_t c = rem % s[d];
      rem /= s[d];
      if (std::find(axes.begin(), axes.end(), d) == axes.end()) {
        o += c * mul;
        mul *= s[d];
      }
    }
    g[static_cast<size_t>(i)] = o;
  }
  return g;
}

struct Case {
  Shape shape;
  std::vector<int> axes;
};
const std::vector<Case> cases = {
    {{4, 6, 5, 3}, {0, 2, 3}},  // batch norm
    {{4, 6, 5, 3}, {2, 3}},     // instance norm
    {{4, 6, 5, 3}, {1, 2, 3}},  // layer norm
    {{9, 300}, {0}},            // batch norm of a linear layer: kept axis last
    {{3, 7, 67}, {0, 2}},      {{2, 5, 1, 1}, {0, 2, 3}}, {{130}, {0}},
};

template <class T>
void check_moments(double tol) {
  Rng gen(31);
  for (const auto& c : cases) {
    CAPTURE(c.shape);
    const auto x = randn<T>(c.shape, gen, T(3), T(2));
    const auto [m, v] = ops::moments(x, c.axes);
    const auto y = ops::normalize(x, c.axes, T(1e-5));
    const auto grp = group_of(c.shape, c.axes);
    std::vector<double> sum(static_cast<size_t>(m.numel()), 0.0), ss(sum.size(), 0.0), cnt(sum.size(), 0.0);
    for (int64_t i = 0; i < x.numel(); ++i) {
      sum[static_cast<size_t>(grp[static_cast<size_t>(i)])] += static_cast<double>(x[i]);
      cnt[static_cast<size_t>(grp[static_cast<size_t>(i)])] += 1;
    }
    for (int64_t i = 0; i < x.numel(); ++i) {
      const auto g = static_cast<size_t>(grp[static_cast<size_t>(i)]);
      const double d = static_cast<double>(x[i]) - sum[g] / cnt[g];
      ss[g] += d * d;
    }
    for (size_t g = 0; g < sum.size(); ++g) {
      CHECK(m[static_cast<int64_t>(g)] == doctest::Approx(sum[g] / cnt[g]).epsilon(tol));
      CHECK(v[static_cast<int64_t>(g)] == doctest::Approx(ss[g] / cnt[g]).epsilon(tol));
    }
    for (int64_t i = 0; i < x.numel(); ++i) {
      const auto g = static_cast<size_t>(grp[static_cast<size_t>(i)]);
      const double ref = (static_cast<double>(x[i]) - sum[g] / cnt[g]) / std::sqrt(ss[g] / cnt[g] + 1e-5);
      CHECK(y[i] == doctest::Approx(ref).epsilon(tol * 10).scale(1));
    }
  }
}

}  // namespace

TEST_CASE("moments and normalize match a naive reference (double and float)") {
  check_moments<double>(1e-12);
  check_moments<float>(1e-6);
}

TEST_CASE("normalize matches torch batch_norm, instance_norm and layer_norm to second order") {
  const Shape s(norm_fixture::shape);
  const std::vector<std::pair<std::vector<int>, const std::vector<double>*>> norms = {
      {{0, 2, 3}, &norm_fixture::batch_y}, {{2, 3}, &norm_fixture::instance_y}, {{1, 2, 3}, &norm_fixture::layer_y}};
  const std::vector<const std::vector<double>*> dxs = {&norm_fixture::batch_dx, &norm_fixture::instance_dx,
                                                       &norm_fixture::layer_dx};
  const std::vector<const std::vector<double>*> ddxs = {&norm_fixture::batch_ddx, &norm_fixture::instance_ddx,
                                                        &norm_fixture::layer_ddx};
  for (size_t k = 0; k < norms.size(); ++k) {
    CAPTURE(k);
    const auto& axes = norms[k].first;
    V x(Tensor<double, cpu>::from(s, norm_fixture::x), true);
    const auto w = V::constant(Tensor<double, cpu>::from(s, norm_fixture::w));
    const auto y = normalize(x, axes, 1e-5);
    const auto dx = grad(sum(mul(y, w)), x, GradOptions{.create_graph = true});
    const auto ddx = grad(sum(mul(dx, dx)), x);
    const auto dx_fused = grad(sum(mul(normalize(x, axes, 1e-5), w)), x);  // not recorded: the fused kernel
    for (int64_t i = 0; i < s.numel(); ++i) {
      const auto u = static_cast<size_t>(i);
      CHECK(y.value()[i] == doctest::Approx((*norms[k].second)[u]).epsilon(1e-10));
      CHECK(dx.value()[i] == doctest::Approx((*dxs[k])[u]).epsilon(1e-9));
      CHECK(dx_fused.value()[i] == doctest::Approx((*dxs[k])[u]).epsilon(1e-9));
      CHECK(ddx.value()[i] == doctest::Approx((*ddxs[k])[u]).epsilon(1e-8));
    }
  }
}

TEST_CASE("moments and normalize: first and second order") {
  Rng gen(32);
  for (const auto& c : std::vector<Case>{{{2, 3, 2, 3}, {0, 2, 3}},
                                         {{2, 3, 2, 3}, {2, 3}},
                                         {{2, 3, 2, 3}, {1, 2, 3}},
                                         {{5, 3}, {0}},
                                         {{3, 1, 5}, {0, 2}}}) {
    CAPTURE(c.shape);
    auto x = random_input(c.shape, gen, -2, 2);
    const auto axes = c.axes;
    check_both([axes](const Vs& v) { return normalize(v[0], axes, 1e-3); }, {x});
    check_both([axes](const Vs& v) { return mul(normalize(v[0], axes, 1e-3), v[0]); }, {x});
    check_both([axes](const Vs& v) { return moments(mul(v[0], v[0]), axes).first; }, {x});
    check_both([axes](const Vs& v) { return moments(mul(v[0], v[0]), axes).second; }, {x});
  }
}

TEST_CASE("the fused backward equals the recorded one") {
  Rng gen(33);
  for (const auto& c : cases) {
    CAPTURE(c.shape);
    V x(randn<double>(c.shape, gen, 1.0, 3.0), true);
    const auto r = V::constant(randn<double>(c.shape, gen));
    const auto fused = grad(sum(mul(normalize(x, c.axes, 1e-5), r)), x);
    const auto recorded = grad(sum(mul(normalize(x, c.axes, 1e-5), r)), x, GradOptions{.create_graph = true});
    REQUIRE(recorded.requires_grad());
    for (int64_t i = 0; i < x.numel(); ++i)
      CHECK(fused.value()[i] == doctest::Approx(recorded.value()[i]).epsilon(1e-10).scale(1));
  }
}

TEST_CASE("statistics do not depend on the thread count") {
  Rng gen(34);
  const auto x = randn<float>({8, 16, 9, 7}, gen);
  auto run = [&] {
    std::vector<std::vector<float>> r;
    for (const std::vector<int>& axes : std::vector<std::vector<int>>{{0, 2, 3}, {2, 3}, {1, 2, 3}, {0}}) {
      const auto [m, v] = ops::moments(x, axes);
      r.push_back(m.to_vector());
      r.push_back(v.to_vector());
      const auto st = ops::normalize_stats(x, axes, 1e-5f);
      r.push_back(st.y.to_vector());
      r.push_back(ops::normalize_backward(st.y, x, st.rstd, axes).to_vector());
    }
    return r;
  };
  const int before = num_threads();
  set_num_threads(1);
  const auto one = run();
  set_num_threads(2);
  const auto two = run();
  set_num_threads(before);
  CHECK(one == two);
}

TEST_CASE("float tensors take a double eps literal") {
  Rng gen(35);
  const auto x = randn<float>({3, 4, 2, 2}, gen);
  Var<float, cpu> v(x, true);
  const auto y = normalize(v, {0, 2, 3}, 1e-5);
  CHECK(y.value().to_vector() == ops::normalize(x, {0, 2, 3}, 1e-5).to_vector());
  const auto g = grad(sum(mul(y, y)), v);
  CHECK(g.shape() == x.shape());
}

TEST_CASE("error messages name the op and the shapes") {
  const auto x = Tensor<float, cpu>::zeros({2, 3, 4, 4});
  CHECK_THROWS_WITH_AS(ops::moments(x, {0, 4}), "moments: axis 4 is out of range for shape [2, 3, 4, 4]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::normalize(x, {-5}, 1e-5f), "normalize: axis -5 is out of range for shape [2, 3, 4, 4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(
      ops::normalize_backward(x, x, Tensor<float, cpu>::zeros({3}), {0, 2, 3}),
      "normalize_backward: output [2, 3, 4, 4], gradient [2, 3, 4, 4] and rstd [3] do not match (rstd must be "
      "[1, 3, 1, 1])",
      ShapeError);
  V v(Tensor<double, cpu>::zeros({2, 3}), true);
  CHECK_THROWS_WITH_AS(normalize(v, {2}, 1e-5), "normalize: axis 2 is out of range for shape [2, 3]", ShapeError);
  CHECK_THROWS_WITH_AS(moments(v, {7}), "moments: axis 7 is out of range for shape [2, 3]", ShapeError);
}
