// concat, split, slice (+ slice_backward), permute, transpose: forward values against
// naive loops, first- and second-order gradchecks, and shape errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include <gantry/autograd/gradcheck.hpp>

#include "gradcheck_support.hpp"
#include <gantry/autograd/ops/layout.hpp>

using namespace gantry;
using testing::check_both;
using testing::check_linear;
using V = Var<double, cpu>;
using Vs = std::vector<V>;

namespace {

std::vector<int64_t> unravel(int64_t flat, const Shape& s) {
  std::vector<int64_t> idx(static_cast<std::size_t>(s.rank()));
  for (int d = s.rank() - 1; d >= 0; --d) {
    idx[static_cast<std::size_t>(d)] = flat % s[d];
    flat /= s[d];
  }
  return idx;
}

int64_t ravel(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t flat = 0;
  for (int d = 0; d < s.rank(); ++d) flat = flat * s[d] + idx[static_cast<std::size_t>(d)];
  return flat;
}

template <class T>
Tensor<T, cpu> naive_permute(const Tensor<T, cpu>& x, const std::vector<int>& dims) {
  Shape os = x.shape();
  for (int k = 0; k < x.rank(); ++k) os[k] = x.dim(dims[static_cast<std::size_t>(k)]);
  Tensor<T, cpu> out(os);
  for (int64_t i = 0; i < out.numel(); ++i) {
    const auto oi = unravel(i, os);
    std::vector<int64_t> ii(oi.size());
    for (std::size_t k = 0; k < oi.size(); ++k) ii[static_cast<std::size_t>(dims[k])] = oi[k];
    out[i] = x[ravel(ii, x.shape())];
  }
  return out;
}

template <class T>
Tensor<T, cpu> naive_slice(const Tensor<T, cpu>& x, int axis, int64_t begin, int64_t end, int64_t step) {
  Shape os = x.shape();
  os[axis] = (end - begin + step - 1) / step;
  Tensor<T, cpu> out(os);
  for (int64_t i = 0; i < out.numel(); ++i) {
    auto idx = unravel(i, os);
    idx[static_cast<std::size_t>(axis)] = begin + idx[static_cast<std::size_t>(axis)] * step;
    out[i] = x[ravel(idx, x.shape())];
  }
  return out;
}

template <class T>
Tensor<T, cpu> naive_concat(const std::vector<Tensor<T, cpu>>& xs, int axis) {
  Shape os = xs[0].shape();
  os[axis] = 0;
  for (const auto& x : xs) os[axis] += x.dim(axis);
  Tensor<T, cpu> out(os);
  for (int64_t i = 0; i < out.numel(); ++i) {
    auto idx = unravel(i, os);
    int64_t a = idx[static_cast<std::size_t>(axis)];
    std::size_t k = 0;
    while (a >= xs[k].dim(axis)) a -= xs[k++].dim(axis);
    idx[static_cast<std::size_t>(axis)] = a;
    out[i] = xs[k][ravel(idx, xs[k].shape())];
  }
  return out;
}

}  // namespace

TEST_CASE("concat and split: forward values against naive loops") {
  Rng gen(1);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (int axis : {0, 1, 2, 3}) {
      CAPTURE(axis);
      std::vector<Tensor<float, cpu>> xs;
      for (int64_t n : {3, 0, 4, 1}) {
        Shape s{2, 3, 5, 7};
        s[axis] = n;
        xs.push_back(randn<float>(s, gen));
      }
      CHECK(ops::concat(xs, axis).to_vector() == naive_concat(xs, axis).to_vector());
      CHECK(ops::concat(xs, axis - 4).to_vector() == naive_concat(xs, axis).to_vector());
    }
    // Large enough to split across threads along the batch axis and within one copy.
    std::vector<Tensor<float, cpu>> big{randn<float>({1, 200, 300}, gen), randn<float>({1, 100, 300}, gen)};
    CHECK(ops::concat(big, 1).to_vector() == naive_concat(big, 1).to_vector());
    std::vector<Tensor<float, cpu>> wide{randn<float>({64, 3, 33, 30}, gen), randn<float>({64, 5, 33, 30}, gen)};
    CHECK(ops::concat(wide, 1).to_vector() == naive_concat(wide, 1).to_vector());
  }
  set_num_threads(2);
  auto x = V(randn<double>({2, 7, 3}, gen));
  auto parts = split(x, {2, 0, 4, 1}, 1);
  REQUIRE(parts.size() == 4);
  CHECK(parts[0].shape() == Shape{2, 2, 3});
  CHECK(parts[1].shape() == Shape{2, 0, 3});
  CHECK(parts[3].value().to_vector() == naive_slice(x.value(), 1, 6, 7, 1).to_vector());
  std::vector<V> back{parts[0], parts[1], parts[2], parts[3]};
  CHECK(concat(back, 1).value().to_vector() == x.value().to_vector());
}

TEST_CASE("slice: forward values against naive loops") {
  Rng gen(2);
  auto x = randn<float>({3, 5, 6, 7}, gen);
  struct Case {
    int axis;
    int64_t begin, end, step;
  };
  for (const Case c : {Case{0, 1, 3, 1}, Case{1, 0, 5, 2}, Case{2, 1, 6, 3}, Case{3, 2, 7, 2}, Case{3, 0, 7, 1},
                       Case{3, 3, 3, 1}, Case{2, 5, 6, 4}}) {
    CAPTURE(c.axis);
    CAPTURE(c.begin);
    CAPTURE(c.end);
    CAPTURE(c.step);
    CHECK(ops::slice(x, c.axis, c.begin, c.end, c.step).to_vector() ==
          naive_slice(x, c.axis, c.begin, c.end, c.step).to_vector());
  }
  // Negative bounds count from the end, as in Python.
  CHECK(ops::slice(x, -1, -4, -1).to_vector() == naive_slice(x, 3, 3, 6, 1).to_vector());
  // slice_backward is zero except where the slice reads.
  auto g = randn<float>({3, 5, 2, 7}, gen);
  auto full = ops::slice_backward(g, x.shape(), 2, 1, 6, 3);
  CHECK(ops::slice(full, 2, 1, 6, 3).to_vector() == g.to_vector());
  CHECK(ops::sum(ops::abs(full)).item() == doctest::Approx(ops::sum(ops::abs(g)).item()));
}

TEST_CASE("permute and transpose: forward values against naive loops") {
  Rng gen(3);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    const std::vector<std::pair<Shape, std::vector<int>>> cases = {
        {{3, 4}, {1, 0}},
        {{2, 3, 5}, {0, 2, 1}},
        {{2, 3, 5}, {2, 0, 1}},
        {{2, 3, 5}, {1, 0, 2}},
        {{2, 3, 4, 5}, {0, 2, 3, 1}},
        {{2, 3, 4, 5}, {0, 3, 1, 2}},
        {{2, 3, 4, 5}, {3, 2, 1, 0}},
        {{2, 1, 4, 1, 3}, {4, 1, 3, 2, 0}},
        {{1, 1, 1}, {2, 0, 1}},
        {{2, 3, 1, 4, 5}, {0, 1, 4, 2, 3}},
        {{37, 45}, {1, 0}},              // SIMD blocks with ragged edges
        {{130, 67}, {1, 0}},             // several tiles
        {{16, 16}, {1, 0}},              // whole blocks only
        {{2, 24, 3, 17}, {0, 3, 2, 1}},
        {{3, 65, 33, 2}, {0, 2, 1, 3}},  // the innermost axis stays: contiguous runs
        {{4, 70, 40}, {0, 2, 1}},        // batched transpose across threads
        {{2, 6, 5, 7, 3, 2}, {5, 3, 1, 0, 4, 2}}};
    for (const auto& c : cases) {
      const Shape& s = c.first;
      const std::vector<int>& dims = c.second;
      CAPTURE(s);
      auto x = randn<float>(s, gen);
      const auto y = ops::permute(x, dims);
      const auto want = naive_permute(x, dims);
      CHECK(y.shape() == want.shape());
      CHECK(y.to_vector() == want.to_vector());
      auto xd = randn<double>(s, gen);
      CHECK(ops::permute(xd, dims).to_vector() == naive_permute(xd, dims).to_vector());
    }
  }
  set_num_threads(2);
  auto x = randn<double>({2, 3, 4}, gen);
  CHECK(ops::transpose(x, 0, 2).to_vector() == naive_permute(x, {2, 1, 0}).to_vector());
  CHECK(ops::transpose(x, -1, 1).to_vector() == naive_permute(x, {0, 2, 1}).to_vector());
  CHECK(ops::permute(x, {-3, -1, -2}).to_vector() == naive_permute(x, {0, 2, 1}).to_vector());
}

TEST_CASE("concat and split: first and second order") {
  Rng gen(4);
  auto a = random_input({2, 3, 5}, gen), b = random_input({2, 4, 5}, gen), c = random_input({2, 1, 5}, gen);
  check_both([](const Vs& v) { return concat(v, 1); }, {a, b, c});
  check_both([](const Vs& v) {
    auto y = concat(std::vector<V>{v[0], mul(v[1], v[1]), v[2]}, 1);
    return mul(y, y);
  }, {a, b, c});
  // The same input twice: its gradients add up.
  check_both([](const Vs& v) {
    auto y = concat(std::vector<V>{v[0], v[0]}, -1);
    return mul(y, y);
  }, {random_input({3, 2}, gen)});
  // Only some inputs need a gradient.
  auto k = V(randn<double>({2, 2, 5}, gen));
  check_both([k](const Vs& v) {
    auto y = concat(std::vector<V>{k, v[0]}, 1);
    return mul(y, y);
  }, {a});
  auto x = random_input({3, 7, 2}, gen);
  check_both([](const Vs& v) {
    auto p = split(v[0], {2, 4, 1}, 1);
    return concat(std::vector<V>{mul(p[2], p[2]), mul(p[0], p[0]), p[1]}, 1);
  }, {x});
}

TEST_CASE("slice and slice_backward: first and second order") {
  Rng gen(5);
  auto x = random_input({3, 5, 4}, gen);
  check_linear([](const V& v) { return slice(v, 1, 1, 5, 2); }, x);
  check_linear([](const V& v) { return slice(v, 0, 0, 2); }, x);
  check_linear([](const V& v) { return slice(v, -1, 1, -1); }, x);
  check_linear([](const V& v) { return slice(v, 2, 0, 4, 3); }, x);
  check_linear([](const V& v) { return slice(slice(v, 2, 1, 4), 1, 0, 5, 4); }, x);
  auto g = random_input({3, 2, 4}, gen);
  check_linear([](const V& v) { return slice_backward(v, Shape{3, 5, 4}, 1, 1, 5, 2); }, g);
  check_linear([](const V& v) { return slice_backward(v, Shape{3, 2, 7}, 2, 2, 6); }, g);
}

TEST_CASE("permute and transpose: first and second order") {
  Rng gen(6);
  auto x = random_input({2, 3, 4}, gen);
  for (const std::vector<int>& d : std::vector<std::vector<int>>{{2, 0, 1}, {1, 2, 0}, {0, 2, 1}, {1, 0, 2}}) {
    CAPTURE(d.size());
    check_linear([d](const V& v) { return permute(v, d); }, x);
  }
  check_linear([](const V& v) { return transpose(v, 0, 2); }, x);
  check_linear([](const V& v) { return transpose(v, -1, -2); }, random_input({3, 1, 5, 2}, gen));
  // Mixing the axes around a nonlinearity.
  check_both([](const Vs& v) { return mul(permute(v[0], {2, 0, 1}), permute(mul(v[0], v[0]), {2, 0, 1})); }, {x});
}

TEST_CASE("layout shape errors name the op and the shapes") {
  using F = Tensor<float, cpu>;
  auto a = F::zeros({2, 3, 4}), b = F::zeros({2, 5, 5});
  CHECK_THROWS_WITH_AS(ops::concat(std::vector<F>{a, b}, 1), "concat: shapes [2, 3, 4] and [2, 5, 5] differ on axis 2 (4 vs 5)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::concat(std::vector<F>{a, F::zeros({2, 3})}, 0),
                       "concat: shapes [2, 3, 4] and [2, 3] differ in rank (3 vs 2)", ShapeError);
  CHECK_THROWS_WITH_AS(ops::concat(std::vector<F>{a, a}, 3), "concat: axis 3 is out of range for shape [2, 3, 4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::concat(std::vector<F>{}, 0), "concat: needs at least one tensor", ShapeError);
  auto va = Var<float, cpu>(a), vb = Var<float, cpu>(b);
  CHECK_THROWS_WITH_AS(concat(std::vector<Var<float, cpu>>{va, vb}, 0),
                       "concat: shapes [2, 3, 4] and [2, 5, 5] differ on axis 1 (3 vs 5)", ShapeError);
  CHECK_THROWS_WITH_AS(ops::slice(a, 1, 1, 4), "slice: range [1, 4) does not fit axis 1 of shape [2, 3, 4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::slice(a, 1, 2, 1), "slice: range [2, 1) does not fit axis 1 of shape [2, 3, 4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(slice(va, 2, 0, 4, 0), "slice: step must be >= 1, found 0", ShapeError);
  CHECK_THROWS_WITH_AS(slice(va, 3, 0, 1), "slice: axis 3 is out of range for shape [2, 3, 4]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::slice_backward(F::zeros({2, 2, 4}), a.shape(), 1, 0, 3),
                       "slice_backward: gradient of shape [2, 2, 4] does not match the slice of shape [2, 3, 4] "
                       "(expected [2, 3, 4])",
                       ShapeError);
  CHECK_THROWS_WITH_AS(split(va, {1, 1}, 1), "split: sizes [1, 1] add up to 2 but axis 1 of shape [2, 3, 4] has 3",
                       ShapeError);
  CHECK_THROWS_WITH_AS(split(va, {4, -1}, 1), "split: sizes [4, -1] must not be negative", ShapeError);
  CHECK_THROWS_WITH_AS(ops::permute(a, {0, 1}),
                       "permute: dims [0, 1] do not match shape [2, 3, 4] (2 dims for rank 3)", ShapeError);
  CHECK_THROWS_WITH_AS(permute(va, {0, 1, 1}), "permute: dims [0, 1, 1] are not a permutation of the axes of shape [2, 3, 4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(transpose(va, 0, 3), "transpose: axis 3 is out of range for shape [2, 3, 4]", ShapeError);
}
