// max, var, logsumexp, softmax and log_softmax: forward values against a naive reference
// on shapes with odd sizes and every set of axes, stability for large inputs, first- and
// second-order gradchecks, and the error messages. Also the sum/mean kernel they share.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <gantry/autograd.hpp>

#include "gradcheck_support.hpp"
#include <limits>
#include <vector>

using namespace gantry;
using testing::check_both;
using V = Var<double, cpu>;
using Vs = std::vector<V>;

namespace {

// The values each output of a reduction over `axes` folds, in keepdim order.
template <class T>
std::vector<std::vector<double>> groups(const Tensor<T, cpu>& x, const std::vector<int>& axes) {
  const Shape& s = x.shape();
  std::vector<char> red(static_cast<size_t>(s.rank()), axes.empty());
  for (int a : axes) red[static_cast<size_t>(a < 0 ? a + s.rank() : a)] = 1;
  int64_t nout = 1;
  for (int d = 0; d < s.rank(); ++d)
    if (!red[static_cast<size_t>(d)]) nout *= s[d];
  std::vector<std::vector<double>> g(static_cast<size_t>(nout));
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t rem = i, o = 0, mul = 1;
    for (int d = s.rank() - 1; d >= 0; --d) {
      const int64_t c = rem % s[d];
      rem /= s[d];
      if (!red[static_cast<size_t>(d)]) {
        o += c * mul;
        mul *= s[d];
      }
    }
    g[static_cast<size_t>(o)].push_back(static_cast<double>(x[i]));
  }
  return g;
}

std::vector<std::vector<int>> all_axes(int rank) {
  std::vector<std::vector<int>> out;
  for (int m = 0; m < (1 << rank); ++m) {
    std::vector<int> a;
    for (int d = 0; d < rank; ++d)
      if (m & (1 << d)) a.push_back(d);
    out.push_back(a);  // m == 0: all axes
  }
  return out;
}

const std::vector<Shape> forward_shapes = {{7},         {3, 5},   {2, 3, 5},  {4, 1, 3},  {2, 3, 4, 5},
                                           {1, 129, 3}, {3, 300}, {5, 70, 2}, {2, 1, 67}, {3, 2, 1, 1}};

template <class T>
void check_reductions(double tol) {
  Rng gen(11);
  for (const Shape& s : forward_shapes) {
    const auto x = randn<T>(s, gen);
    for (const auto& axes : all_axes(s.rank())) {
      CAPTURE(s);
      CAPTURE(axes.size());
      const auto g = groups(x, axes);
      const auto sm = ops::sum(x, axes, true), mn = ops::mean(x, axes), mx = ops::max(x, axes, true),
                 lse = ops::logsumexp(x, axes), vu = ops::var(x, axes), vb = ops::var(x, axes, false);
      const auto [mom_m, mom_v] = ops::moments(x, axes);
      REQUIRE(static_cast<int64_t>(g.size()) == sm.numel());
      CHECK(sm.shape() == ops::detail::reduced_shape(s, ops::detail::reduce_axes(s, axes, "t"), true));
      for (size_t o = 0; o < g.size(); ++o) {
        double sum = 0, m = -std::numeric_limits<double>::infinity();
        for (double v : g[o]) sum += v, m = std::max(m, v);
        const double n = static_cast<double>(g[o].size()), mean = sum / n;
        double ss = 0, se = 0;
        for (double v : g[o]) ss += (v - mean) * (v - mean), se += std::exp(v - m);
        const auto i = static_cast<int64_t>(o);
        CHECK(sm[i] == doctest::Approx(sum).epsilon(tol).scale(10));
        CHECK(mn[i] == doctest::Approx(mean).epsilon(tol).scale(1));
        CHECK(mx[i] == static_cast<T>(m));
        CHECK(lse[i] == doctest::Approx(m + std::log(se)).epsilon(tol));
        CHECK(mom_m[i] == doctest::Approx(mean).epsilon(tol).scale(1));
        CHECK(mom_v[i] == doctest::Approx(ss / n).epsilon(tol).scale(1));
        CHECK(vb[i] == doctest::Approx(ss / n).epsilon(tol).scale(1));
        if (n > 1)
          CHECK(vu[i] == doctest::Approx(ss / (n - 1)).epsilon(tol).scale(1));
        else
          CHECK(std::isnan(vu[i]));
      }
    }
  }
}

template <class T>
void check_softmax(double tol) {
  Rng gen(12);
  for (const Shape& s : forward_shapes) {
    const auto x = randn<T>(s, gen, T(0), T(3));
    for (int axis = -1; axis < s.rank(); ++axis) {
      CAPTURE(s);
      CAPTURE(axis);
      const auto y = ops::softmax(x, axis), ly = ops::log_softmax(x, axis);
      const auto lse = ops::logsumexp(x, {axis}, true);
      const auto stride = s.stride(axis);
      for (int64_t i = 0; i < x.numel(); ++i) {
        // The keepdim position of element i.
        const int a = axis < 0 ? axis + s.rank() : axis;
        const int64_t o = (i / (stride * s[a])) * stride + i % stride;
        const double ref = static_cast<double>(x[i]) - static_cast<double>(lse[o]);
        CHECK(ly[i] == doctest::Approx(ref).epsilon(tol).scale(1));
        CHECK(y[i] == doctest::Approx(std::exp(ref)).epsilon(tol).scale(1));
      }
    }
  }
}

}  // namespace

TEST_CASE("reductions match a naive reference on every set of axes (double and float)") {
  check_reductions<double>(1e-12);
  check_reductions<float>(2e-6);
}

TEST_CASE("softmax and log_softmax match x - logsumexp(x) along every axis") {
  check_softmax<double>(1e-12);
  check_softmax<float>(2e-6);
}

TEST_CASE("results do not depend on the thread count") {
  Rng gen(13);
  const auto x = randn<float>({6, 35, 9, 7}, gen);
  auto run = [&] {
    std::vector<std::vector<float>> r;
    for (const std::vector<int>& axes : std::vector<std::vector<int>>{{0, 2, 3}, {1}, {}, {3}}) {
      r.push_back(ops::sum(x, axes).to_vector());
      r.push_back(ops::var(x, axes).to_vector());
      r.push_back(ops::logsumexp(x, axes).to_vector());
      r.push_back(ops::max(x, axes).to_vector());
    }
    r.push_back(ops::softmax(x, 1).to_vector());
    r.push_back(ops::log_softmax(x, -1).to_vector());
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

TEST_CASE("stability and special values") {
  auto big = Tensor<float, cpu>::from({2, 2}, {1000.f, 1000.f, -1000.f, -1001.f});
  const auto lse = ops::logsumexp(big, {1});
  CHECK(lse[0] == doctest::Approx(1000.0 + std::log(2.0)));
  CHECK(lse[1] == doctest::Approx(-1000.0 + std::log1p(std::exp(-1.0))));
  const auto sm = ops::softmax(big, 1);
  CHECK(sm[0] == doctest::Approx(0.5));
  CHECK(sm[2] == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))));
  const auto ls = ops::log_softmax(big, 1);
  CHECK(ls[3] == doctest::Approx(-1.0 - std::log1p(std::exp(-1.0))));
  const float inf = std::numeric_limits<float>::infinity();
  auto minf = Tensor<float, cpu>::from({2, 2}, {-inf, -inf, -inf, 0.f});
  const auto l2 = ops::logsumexp(minf, {1});
  CHECK(l2[0] == -inf);
  CHECK(l2[1] == 0.f);
  CHECK(ops::softmax(minf, 1)[3] == 1.f);
  CHECK(ops::softmax(minf, 1)[2] == 0.f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(ops::max(Tensor<float, cpu>::from({3}, {1.f, nan, 2.f})).item()));
  CHECK(ops::max(Tensor<float, cpu>::from({3}, {-inf, -5.f, -inf})).item() == -5.f);
  // logsumexp of nothing is -inf (the log of an empty sum).
  CHECK(ops::logsumexp(Tensor<float, cpu>::zeros({2, 0}), {1}).to_vector() == std::vector<float>{-inf, -inf});
}

TEST_CASE("max splits the gradient evenly among ties") {
  V x(Tensor<double, cpu>::from({2, 4}, {1, 3, 3, 2, 5, 5, 5, 0}), true);
  auto g = grad(sum(max(x, {1})), x);
  CHECK(g.value().to_vector() == std::vector<double>{0, 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0});
  auto g0 = grad(sum(max(x)), x);
  CHECK(g0.value().to_vector() == std::vector<double>{0, 0, 0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0});
}

TEST_CASE("max, var, logsumexp: first and second order") {
  Rng gen(14);
  for (const Shape& s : {Shape{7}, Shape{2, 3, 5}, Shape{3, 1, 4}}) {
    auto x = random_input(s, gen, -2, 2);
    for (const auto& axes : all_axes(s.rank())) {
      for (bool keep : {false, true}) {
        CAPTURE(s);
        CAPTURE(axes.size());
        CAPTURE(keep);
        // Products with x make the second derivatives non-trivial.
        check_both([axes, keep](const Vs& v) { return max(mul(v[0], v[0]), axes, keep); }, {x});
        int64_t count = 1;
        for (int d = 0; d < s.rank(); ++d)
          if (axes.empty() || std::find(axes.begin(), axes.end(), d) != axes.end()) count *= s[d];
        if (count > 1)  // the unbiased variance of one value is NaN
          check_both(
              [axes, keep](const Vs& v) { return mul(var(v[0], axes, true, keep), var(v[0], axes, false, keep)); },
              {x});
        check_both([axes, keep](const Vs& v) { return logsumexp(mul_scalar(v[0], 3.0), axes, keep); }, {x});
      }
    }
  }
  // logsumexp where every exponential alone would overflow.
  auto big = V(ops::add_scalar(rand<double>({3, 4}, gen), 800.0), true);
  check_both([](const Vs& v) { return logsumexp(v[0], {1}); }, {big});
}

TEST_CASE("softmax and log_softmax: first and second order") {
  Rng gen(15);
  for (const Shape& s : {Shape{6}, Shape{2, 3, 5}, Shape{3, 1, 4}, Shape{2, 3, 2, 3}}) {
    auto x = random_input(s, gen, -2, 2);
    for (int axis = -1; axis < s.rank(); ++axis) {
      CAPTURE(s);
      CAPTURE(axis);
      check_both([axis](const Vs& v) { return softmax(v[0], axis); }, {x});
      check_both([axis](const Vs& v) { return log_softmax(v[0], axis); }, {x});
      check_both([axis](const Vs& v) { return mul(softmax(v[0], axis), log_softmax(v[0], axis)); }, {x});
    }
  }
}

TEST_CASE("error messages name the op and the shape") {
  auto a = Tensor<float, cpu>::from({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK_THROWS_WITH_AS(ops::max(a, {2}), "max: axis 2 is out of range for shape [2, 3]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::var(a, {-3}), "var: axis -3 is out of range for shape [2, 3]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::logsumexp(a, {5}), "logsumexp: axis 5 is out of range for shape [2, 3]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::softmax(a, 2), "softmax: axis 2 is out of range for shape [2, 3]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::log_softmax(a, -3), "log_softmax: axis -3 is out of range for shape [2, 3]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::max(Tensor<float, cpu>::zeros({2, 0}), {1}),
                       "max: cannot reduce over an empty axis of shape [2, 0]", ShapeError);
  V x(Tensor<double, cpu>::zeros({2, 3}), true);
  CHECK_THROWS_WITH_AS(max(x, {3}), "max: axis 3 is out of range for shape [2, 3]", ShapeError);
  CHECK_THROWS_WITH_AS(softmax(x, 4), "softmax: axis 4 is out of range for shape [2, 3]", ShapeError);
}
