// matmul / bmm against naive loops, all transpose combinations, edge sizes, threads, errors.
#include <doctest/doctest.h>

#include <cmath>
#include <gantry/backend/cpu/gemm.hpp>
#include <gantry/core/factories.hpp>
#include <string>

using namespace gantry;

namespace {

template <class T>
T elem(const Tensor<T, cpu>& t, bool trans, int64_t i, int64_t k) {
  const int64_t ld = t.shape()[t.rank() - 1];
  return trans ? t.data()[k * ld + i] : t.data()[i * ld + k];
}

// Naive reference for one matrix of a (possibly batched) product.
template <class T>
double max_error(const Tensor<T, cpu>& a, const Tensor<T, cpu>& b, const Tensor<T, cpu>& c, bool ta, bool tb) {
  const bool batched = a.rank() == 3;
  const int64_t batch = batched ? c.dim(0) : 1;
  const int64_t M = c.dim(-2), N = c.dim(-1), K = ta ? a.dim(-2) : a.dim(-1);
  double err = 0;
  for (int64_t s = 0; s < batch; ++s) {
    const Tensor<T, cpu> as = batched ? a.narrow0(a.dim(0) == 1 ? 0 : s, (a.dim(0) == 1 ? 0 : s) + 1) : a;
    const Tensor<T, cpu> bs = batched ? b.narrow0(b.dim(0) == 1 ? 0 : s, (b.dim(0) == 1 ? 0 : s) + 1) : b;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k)
          acc += static_cast<double>(elem(as, ta, i, k)) * static_cast<double>(elem(bs, tb, k, j));
        err = std::max(err, std::abs(acc - static_cast<double>(c.data()[(s * M + i) * N + j])));
      }
  }
  return err;
}

template <class T>
Tensor<T, cpu> operand(int64_t rows, int64_t cols, bool trans, Rng& gen, int64_t batch = 0) {
  if (batch) return randn<T>(trans ? Shape{batch, cols, rows} : Shape{batch, rows, cols}, gen);
  return randn<T>(trans ? Shape{cols, rows} : Shape{rows, cols}, gen);
}

}  // namespace

TEST_CASE_TEMPLATE("matmul matches naive loops for every transpose and edge size", T, float, double) {
  Rng gen(7);
  const double tol = sizeof(T) == 4 ? 2e-3 : 1e-10;
  const int64_t sizes[][3] = {{1, 1, 1}, {3, 5, 7}, {8, 32, 16}, {37, 45, 300}, {65, 17, 513}, {130, 70, 9}};
  for (auto& s : sizes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        auto a = operand<T>(s[0], s[2], ta, gen), b = operand<T>(s[2], s[1], tb, gen);
        auto c = ops::matmul(a, b, ta, tb);
        CHECK(c.shape() == Shape{s[0], s[1]});
        CHECK(max_error(a, b, c, ta, tb) < tol * std::sqrt(double(s[2])));
      }
}

TEST_CASE("matmul with K = 0 gives zeros, empty M or N gives empty results") {
  auto c = ops::matmul(Tensor<float, cpu>::zeros({3, 0}), Tensor<float, cpu>::zeros({0, 4}));
  CHECK(c.shape() == Shape{3, 4});
  for (float v : c.to_vector()) CHECK(v == 0.0f);
  CHECK(ops::matmul(Tensor<float, cpu>::zeros({0, 5}), Tensor<float, cpu>::zeros({5, 4})).numel() == 0);
}

TEST_CASE_TEMPLATE("bmm and rank-3 matmul, with batch-1 broadcast", T, float, double) {
  Rng gen(3);
  const double tol = sizeof(T) == 4 ? 1e-3 : 1e-11;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      auto a = operand<T>(9, 33, ta, gen, 4), b = operand<T>(33, 20, tb, gen, 4);
      auto c = ops::bmm(a, b, ta, tb);
      CHECK(c.shape() == Shape{4, 9, 20});
      CHECK(max_error(a, b, c, ta, tb) < tol * 10);
      auto b1 = operand<T>(33, 20, tb, gen, 1);
      auto c1 = ops::matmul(a, b1, ta, tb);
      CHECK(c1.shape() == Shape{4, 9, 20});
      CHECK(max_error(a, b1, c1, ta, tb) < tol * 10);
      auto a1 = operand<T>(9, 33, ta, gen, 1);
      CHECK(max_error(a1, b, ops::bmm(a1, b, ta, tb), ta, tb) < tol * 10);
    }
}

TEST_CASE("results are identical for 1 and 2 threads") {
  Rng gen(11);
  auto a = randn<float>({300, 700}, gen), b = randn<float>({700, 200}, gen);
  auto tall = randn<float>({2000, 96}, gen), nar = randn<float>({96, 40}, gen);
  const int before = num_threads();
  set_num_threads(1);
  auto c1 = ops::matmul(a, b).to_vector(), d1 = ops::matmul(tall, nar).to_vector();
  auto e1 = ops::matmul(b, a, true, true).to_vector();
  set_num_threads(2);
  auto c2 = ops::matmul(a, b).to_vector(), d2 = ops::matmul(tall, nar).to_vector();
  auto e2 = ops::matmul(b, a, true, true).to_vector();
  set_num_threads(before);
  CHECK(c1 == c2);
  CHECK(d1 == d2);
  CHECK(e1 == e2);
}

TEST_CASE("shape errors name the op and both shapes") {
  auto a = Tensor<float, cpu>::zeros({2, 3}), b = Tensor<float, cpu>::zeros({4, 5});
  CHECK_THROWS_WITH_AS(ops::matmul(a, b), "matmul: shapes [2, 3] and [4, 5] do not match (inner dimensions 3 vs 4)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::matmul(a, b, true, false),
                       "matmul: shapes [2, 3]^T and [4, 5] do not match (inner dimensions 2 vs 4)", ShapeError);
  CHECK_THROWS_WITH_AS(ops::matmul(a, Tensor<float, cpu>::zeros({1, 3, 4})),
                       "matmul: shapes [2, 3] and [1, 3, 4] must both have rank 2 (rows, cols) or both rank 3 "
                       "(batch, rows, cols)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::bmm(Tensor<float, cpu>::zeros({2, 3, 4}), Tensor<float, cpu>::zeros({3, 4, 5})),
                       "bmm: shapes [2, 3, 4] and [3, 4, 5] have different batch sizes (2 vs 3; one of them may be 1)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::bmm(a, b), "bmm: shapes [2, 3] and [4, 5] must both have rank 3 (batch, rows, cols)",
                       ShapeError);
}
