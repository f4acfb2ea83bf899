// index_select / index_add and gather / scatter_add: forward values against naive loops
// and PyTorch's documented examples, first- and second-order gradchecks (each op's
// gradient is the other of its pair), one_hot, and the error messages for bad indices.
#include <doctest/doctest.h>

#include <gantry/autograd.hpp>

#include "gradcheck_support.hpp"
#include <vector>

using namespace gantry;
using testing::check_both;
using V = Var<double, cpu>;
using Vs = std::vector<V>;

namespace {

// Multi-index of flat position i in shape s.
std::vector<int64_t> coords(const Shape& s, int64_t i) {
  std::vector<int64_t> c(static_cast<size_t>(s.rank()));
  for (int d = s.rank() - 1; d >= 0; --d) {
    c[static_cast<size_t>(d)] = i % s[d];
    i /= s[d];
  }
  return c;
}
int64_t flat(const Shape& s, const std::vector<int64_t>& c) {
  int64_t f = 0;
  for (int d = 0; d < s.rank(); ++d) f = f * s[d] + c[static_cast<size_t>(d)];
  return f;
}

std::vector<int64_t> random_indices(int64_t n, int64_t size, Rng& gen) {
  const auto u = rand<double>({n}, gen);
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(static_cast<int64_t>(u[i] * static_cast<double>(size)));
  return out;
}

}  // namespace

TEST_CASE("index_select and index_add match naive loops") {
  Rng gen(21);
  for (const Shape& s : {Shape{5}, Shape{7, 3}, Shape{2, 5, 3}, Shape{3, 4, 1, 5}, Shape{2, 1300}}) {
    for (int axis = -1; axis < s.rank(); ++axis) {
      CAPTURE(s);
      CAPTURE(axis);
      const int a = axis < 0 ? axis + s.rank() : axis;
      const auto x = randn<float>(s, gen);
      const auto idx = random_indices(2 * s[a] + 1, s[a], gen);  // with repeats
      const auto y = ops::index_select(x, axis, idx);
      Shape ys = s;
      ys[a] = static_cast<int64_t>(idx.size());
      REQUIRE(y.shape() == ys);
      for (int64_t i = 0; i < y.numel(); ++i) {
        auto c = coords(ys, i);
        c[static_cast<size_t>(a)] = idx[static_cast<size_t>(c[static_cast<size_t>(a)])];
        CHECK(y[i] == x[flat(s, c)]);
      }
      // index_add is the adjoint: <index_select(x), z> == <x, index_add(z)>.
      const auto z = randn<float>(ys, gen);
      const auto back = ops::index_add(z, axis, idx, s[a]);
      REQUIRE(back.shape() == s);
      std::vector<double> ref(static_cast<size_t>(x.numel()), 0.0);
      for (int64_t i = 0; i < z.numel(); ++i) {
        auto c = coords(ys, i);
        c[static_cast<size_t>(a)] = idx[static_cast<size_t>(c[static_cast<size_t>(a)])];
        ref[static_cast<size_t>(flat(s, c))] += static_cast<double>(z[i]);
      }
      for (int64_t i = 0; i < back.numel(); ++i)
        CHECK(back[i] == doctest::Approx(ref[static_cast<size_t>(i)]).epsilon(1e-5));
    }
  }
}

TEST_CASE("gather and scatter_add follow torch.gather / scatter_add_") {
  // torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]])) = [[1, 1], [4, 3]]
  auto t = Tensor<float, cpu>::from({2, 2}, {1, 2, 3, 4});
  CHECK(ops::gather(t, 1, Indices({2, 2}, {0, 0, 1, 0})).to_vector() == std::vector<float>{1, 1, 4, 3});
  CHECK(ops::gather(t, 0, Indices({1, 2}, {1, 0})).to_vector() == std::vector<float>{3, 2});
  // torch.zeros(3, 5).scatter_add_(0, torch.tensor([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]]), torch.ones(2, 5))
  auto sa = ops::scatter_add(Tensor<float, cpu>::from({2, 5}, std::vector<float>(10, 1.f)), 0,
                             Indices({2, 5}, {0, 1, 2, 0, 0, 2, 0, 0, 1, 2}), Shape{3, 5});
  CHECK(sa.to_vector() == std::vector<float>{1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1});

  Rng gen(22);
  for (const Shape& s : {Shape{6}, Shape{4, 5}, Shape{3, 4, 5}, Shape{2, 3, 2, 3}, Shape{3, 1100}}) {
    for (int axis = 0; axis < s.rank(); ++axis) {
      CAPTURE(s);
      CAPTURE(axis);
      // The index is smaller than x off the axis, and longer along it.
      Shape is = s;
      for (int d = 0; d < s.rank(); ++d) is[d] = d == axis ? s[d] + 2 : (s[d] + 1) / 2;
      const Indices index(is, random_indices(is.numel(), s[axis], gen));
      const auto x = randn<float>(s, gen);
      const auto y = ops::gather(x, axis, index);
      REQUIRE(y.shape() == is);
      const auto z = randn<float>(is, gen);
      const auto back = ops::scatter_add(z, axis, index, s);
      std::vector<double> ref(static_cast<size_t>(x.numel()), 0.0);
      for (int64_t i = 0; i < y.numel(); ++i) {
        auto c = coords(is, i);
        c[static_cast<size_t>(axis)] = index[i];
        CHECK(y[i] == x[flat(s, c)]);
        ref[static_cast<size_t>(flat(s, c))] += static_cast<double>(z[i]);
      }
      for (int64_t i = 0; i < back.numel(); ++i)
        CHECK(back[i] == doctest::Approx(ref[static_cast<size_t>(i)]).epsilon(1e-5));
    }
  }
}

TEST_CASE("scatter adds are reproducible across thread counts") {
  Rng gen(23);
  const auto z = randn<float>({4, 3000}, gen);
  const Indices index({4, 3000}, random_indices(4 * 3000, 2, gen));
  const auto idx = random_indices(3000, 7, gen);
  const int before = num_threads();
  set_num_threads(1);
  const auto a1 = ops::scatter_add(z, 0, index, Shape{2, 3000}).to_vector();
  const auto b1 = ops::index_add(z, 1, idx, 7).to_vector();
  set_num_threads(2);
  const auto a2 = ops::scatter_add(z, 0, index, Shape{2, 3000}).to_vector();
  const auto b2 = ops::index_add(z, 1, idx, 7).to_vector();
  set_num_threads(before);
  CHECK(a1 == a2);
  CHECK(b1 == b2);
}

TEST_CASE("index ops: first and second order") {
  Rng gen(24);
  auto w = random_input({5, 3}, gen);  // an embedding table
  const std::vector<int64_t> rows = {4, 0, 4, 2, 1, 4};
  check_both([rows](const Vs& v) { return mul(index_select(v[0], 0, rows), index_select(v[0], 0, rows)); }, {w});
  check_both([](const Vs& v) { return mul(index_select(v[0], 1, {2, 2, 0}), v[0]); }, {random_input({4, 3}, gen)});
  check_both(
      [](const Vs& v) {
        return mul(index_select(v[0], -1, {1, 0}), index_select(v[0], -1, {0, 0}));
      },
      {random_input({2, 3, 2}, gen)});
  check_both([rows](const Vs& v) { return mul(index_add(v[0], 0, rows, 5), index_add(v[0], 0, rows, 5)); },
             {random_input({6, 3}, gen)});

  const Indices i0({3, 2}, {0, 2, 1, 1, 2, 0});
  check_both([i0](const Vs& v) { return mul(gather(v[0], 1, i0), gather(v[0], 1, i0)); }, {random_input({3, 4}, gen)});
  const Indices i1({4, 2, 3}, {0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 0});
  check_both([i1](const Vs& v) { return mul(gather(v[0], 1, i1), gather(v[0], 1, i1)); },
             {random_input({4, 2, 3}, gen)});
  check_both(
      [i0](const Vs& v) {
        return mul(scatter_add(v[0], 1, i0, Shape{3, 4}), scatter_add(v[0], 1, i0, Shape{3, 4}));
      },
      {random_input({3, 2}, gen)});
  // A cross-entropy-like use: the log-probability of each label.
  const Indices labels({3, 1}, {2, 0, 3});
  check_both([labels](const Vs& v) { return gather(log_softmax(v[0], 1), 1, labels); }, {random_input({3, 4}, gen)});
}

TEST_CASE("one_hot") {
  const auto oh = one_hot<float>(std::vector<int64_t>{2, 0, 1}, 3);
  CHECK(oh.shape() == Shape{3, 3});
  CHECK(oh.to_vector() == std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0});
  const auto oh2 = one_hot<double>(Indices({2, 1}, {1, 0}), 2);
  CHECK(oh2.shape() == Shape{2, 1, 2});
  CHECK(oh2.to_vector() == std::vector<double>{0, 1, 1, 0});
  CHECK_THROWS_WITH_AS(one_hot<float>(std::vector<int64_t>{1, 10}, 10),
                       "one_hot: label 10 is out of range for 10 classes", ShapeError);
  CHECK_THROWS_WITH_AS(one_hot<float>(std::vector<int64_t>{-1}, 4), "one_hot: label -1 is out of range for 4 classes",
                       ShapeError);
}

TEST_CASE("error messages name the op, the index and the size") {
  auto x = Tensor<float, cpu>::zeros({5, 3});
  CHECK_THROWS_WITH_AS(ops::index_select(x, 0, {1, 7}), "index_select: index 7 is out of range for axis 0 of size 5",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::index_select(x, 1, {-1}), "index_select: index -1 is out of range for axis 1 of size 3",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::index_select(x, 2, {0}), "index_select: axis 2 is out of range for shape [5, 3]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::index_add(x, 0, {0, 1}, 4), "index_add: 2 indices for axis 0 of the source of shape [5, 3]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::index_add(x, 1, {0, 1, 4}, 4), "index_add: index 4 is out of range for axis 1 of size 4",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::gather(x, 1, Indices({5, 1}, {0, 1, 2, 3, 0})),
                       "gather: index 3 is out of range for axis 1 of size 3", ShapeError);
  CHECK_THROWS_WITH_AS(ops::gather(x, 1, Indices({6, 1}, {0, 0, 0, 0, 0, 0})),
                       "gather: index of shape [6, 1] is larger than the tensor of shape [5, 3] at dimension 0",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::gather(x, 0, Indices({5}, {0, 0, 0, 0, 0})),
                       "gather: index of shape [5] and tensor of shape [5, 3] have different ranks", ShapeError);
  CHECK_THROWS_WITH_AS(
      ops::scatter_add(Tensor<float, cpu>::zeros({2, 2}), 0, Indices({2, 2}, {0, 1, 2, 0}), Shape{2, 3}),
      "scatter_add: index 2 is out of range for axis 0 of size 2", ShapeError);
  CHECK_THROWS_WITH_AS(ops::scatter_add(Tensor<float, cpu>::zeros({2, 2}), 0, Indices({2, 1}, {0, 1}), Shape{2, 3}),
                       "scatter_add: source of shape [2, 2] and index of shape [2, 1] differ", ShapeError);
  V w(Tensor<double, cpu>::zeros({4, 2}), true);
  CHECK_THROWS_WITH_AS(index_select(w, 0, {4}), "index_select: index 4 is out of range for axis 0 of size 4",
                       ShapeError);
  CHECK_THROWS_WITH_AS(gather(w, 1, Indices({1, 1}, {5})), "gather: index 5 is out of range for axis 1 of size 2",
                       ShapeError);
}
