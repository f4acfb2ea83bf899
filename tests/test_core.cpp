// core/: shapes, tensors, storage reuse, random numbers, threads, Eigen and xtensor views.
#include <doctest/doctest.h>

#include <gantry/core.hpp>
#include <gantry/core/xtensor.hpp>

#include <cstdint>
#include <set>

using namespace gantry;

TEST_CASE("shapes: rank, numel, strides, broadcasting, errors") {
  Shape s{2, 3, 4};
  CHECK(s.rank() == 3);
  CHECK(s.numel() == 24);
  CHECK(s.stride(0) == 12);
  CHECK(s.dim(-1) == 4);
  CHECK(s.str() == "[2, 3, 4]");
  CHECK(broadcast_shapes(Shape{4, 1, 3}, Shape{5, 1}, "add") == Shape{4, 5, 3});
  CHECK_THROWS_WITH_AS(broadcast_shapes(Shape{2, 3}, Shape{4}, "add"),
                       "add: shapes [2, 3] and [4] cannot be broadcast (dimension 1: 3 vs 4)", ShapeError);
  CHECK_THROWS_WITH_AS((Shape{1, 2, 3, 4, 5, 6, 7}), "a shape has at most 6 dimensions", ShapeError);
  CHECK_THROWS_WITH_AS(s.dim(3), "axis 3 is out of range for shape [2, 3, 4]", ShapeError);
}

TEST_CASE("tensors: storage is shared, aligned, reshaped and sliced as views") {
  auto t = Tensor<float>::from({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % tensor_alignment == 0);
  auto v = t.reshape({3, -1});
  CHECK(v.shape() == Shape{3, 2});
  CHECK(v.shares_storage(t));
  v.at(2, 1) = 60;
  CHECK(t.at(1, 2) == 60);
  auto c = t.clone();
  c.at(0, 0) = -1;
  CHECK(t.at(0, 0) == 1);
  auto row = t.narrow0(1, 2);
  CHECK(row.shape() == Shape{1, 3});
  CHECK(row.to_vector() == std::vector<float>{4, 5, 60});
  CHECK_THROWS_WITH_AS(t.reshape({4, 2}), "reshape: cannot view shape [2, 3] (6 elements) as [4, 2] (8 elements)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(Tensor<float>::from({2, 2}, {1, 2, 3}), "Tensor::from: shape [2, 2] needs 4 values, found 3",
                       ShapeError);
  CHECK_THROWS_WITH_AS(t.at(2, 0), "at: index 2 out of range for axis 0 of shape [2, 3]", ShapeError);
  CHECK_THROWS_WITH_AS(t.item(), "item: needs a tensor with one element, found shape [2, 3]", ShapeError);
}

TEST_CASE("factories") {
  CHECK(zeros<double>({2, 2}).to_vector() == std::vector<double>(4, 0.0));
  CHECK(ones<float>({3}).to_vector() == std::vector<float>(3, 1.0f));
  CHECK(full<float>({2}, 2.5f).to_vector() == std::vector<float>{2.5f, 2.5f});
  CHECK(arange<float>(0, 5).to_vector() == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(arange<double>(1, 2, 0.25).numel() == 4);
  CHECK(from_vector<float>({1, 2, 3, 4}, Shape{2, 2}).at(1, 0) == 3);
}

TEST_CASE("the caching allocator reuses freed blocks") {
  auto& alloc = HostAllocator::instance();
  { Tensor<float> warm({1000, 37}); }
  const auto before = alloc.stats();
  for (int i = 0; i < 100; ++i) {
    Tensor<float> t({1000, 37});
    t.data()[0] = 1;
  }
  const auto after = alloc.stats();
  CHECK(after.system_allocations == before.system_allocations);
  CHECK(after.cache_hits >= before.cache_hits + 100);
}

TEST_CASE("random numbers: counter-based, reproducible, independent of thread count") {
  Rng g1(42), g2(42);
  auto a = randn<double>({1000}, g1);
  auto b = randn<double>({1000}, g2);
  CHECK(a.to_vector() == b.to_vector());
  // Consecutive draws continue the stream: two halves equal one whole.
  Rng g3(42);
  auto h1 = randn<double>({500}, g3), h2 = randn<double>({500}, g3);
  CHECK(h1.to_vector()[499] == a.to_vector()[499]);
  CHECK(h2.to_vector()[0] == a.to_vector()[500]);
  CHECK(g3.offset() == 1000);
  // Moments of a large draw.
  Rng g4(1);
  auto big = randn<double>({200000}, g4);
  double m = 0, v = 0;
  for (int64_t i = 0; i < big.numel(); ++i) m += big[i];
  m /= static_cast<double>(big.numel());
  for (int64_t i = 0; i < big.numel(); ++i) v += (big[i] - m) * (big[i] - m);
  v /= static_cast<double>(big.numel());
  CHECK(std::abs(m) < 0.01);
  CHECK(std::abs(v - 1) < 0.02);
  auto u = rand<float>({100000}, g4, -1.0f, 1.0f);
  float lo = 1, hi = -1;
  for (int64_t i = 0; i < u.numel(); ++i) lo = std::min(lo, u[i]), hi = std::max(hi, u[i]);
  CHECK(lo >= -1.0f);
  CHECK(hi < 1.0f);
  CHECK(lo < -0.99f);
  // Same bits whatever the thread count.
  const int threads = num_threads();
  set_num_threads(1);
  Rng g5(9);
  auto one = randn<float>({100000}, g5);
  set_num_threads(2);
  Rng g6(9);
  auto two = randn<float>({100000}, g6);
  set_num_threads(threads);
  CHECK(one.to_vector() == two.to_vector());
  // Different seeds differ.
  Rng g7(43);
  const auto av = a.to_vector();
  CHECK(randn<double>({4}, g7).to_vector() != std::vector<double>(av.begin(), av.begin() + 4));
}

TEST_CASE("parallel_for covers the range once, in the same chunks for the same thread count") {
  const int threads = num_threads();
  set_num_threads(2);
  std::vector<int> hits(10007, 0);
  std::set<std::pair<int64_t, int64_t>> chunks1, chunks2;
  std::mutex mu;
  parallel_for(0, 10007, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) hits[static_cast<size_t>(i)]++;
    std::lock_guard<std::mutex> l(mu);
    chunks1.insert({lo, hi});
  });
  parallel_for(0, 10007, 1, [&](int64_t lo, int64_t hi) {
    std::lock_guard<std::mutex> l(mu);
    chunks2.insert({lo, hi});
  });
  CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
  CHECK(chunks1 == chunks2);
  CHECK(chunks1.size() == 2);
  // Small ranges stay on one thread; nested calls run serially inside a worker.
  int calls = 0;
  parallel_for(0, 10, 100, [&](int64_t, int64_t) { ++calls; });
  CHECK(calls == 1);
  std::atomic<int> inner{0};
  parallel_for(0, 2, 1, [&](int64_t, int64_t) { parallel_for(0, 100, 1, [&](int64_t lo, int64_t hi) { inner += static_cast<int>(hi - lo); }); });
  CHECK(inner == 200);
  set_num_threads(threads);
}

TEST_CASE("Eigen and xtensor views share memory") {
  auto t = Tensor<float>::from({2, 3}, {1, 2, 3, 4, 5, 6});
  auto m = as_matrix(t);
  CHECK(m.rows() == 2);
  CHECK(m(1, 2) == 6);
  m(0, 1) = 20;
  CHECK(t.at(0, 1) == 20);
  CHECK(as_array(t).sum() == doctest::Approx(1 + 20 + 3 + 4 + 5 + 6));
  auto x = as_xtensor(t);
  CHECK(x.dimension() == 2);
  CHECK(x(1, 0) == 4);
  x(1, 0) = 40;
  CHECK(t.at(1, 0) == 40);
}

TEST_CASE("gantry::version is CMake's project version (data-parallel processes compare it)") {
  CHECK(std::string(gantry::version) == GANTRY_PROJECT_VERSION);
}
