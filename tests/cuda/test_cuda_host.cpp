// The CUDA host API from a plain C++ unit (no nvcc): Tensor<T, cuda> memory, copies, the
// caching allocator, errors, and cuBLAS matmul compared with the CPU GEMM.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gantry/backend/cpu/elementwise.hpp>
#include <gantry/backend/cpu/gemm.hpp>
#include <gantry/backend/cuda.hpp>
#include <gantry/core/factories.hpp>

#include "cuda_test.hpp"

using namespace gantry;

// __CUDACC__ never changes a layout: the same checks hold in test_cuda_ops.cu.
static_assert(sizeof(Tensor<float, cuda>) == sizeof(Tensor<float, cpu>));
static_assert(sizeof(Tensor<double, cuda>) == sizeof(Tensor<double, cpu>));

namespace {

template <class T>
std::vector<T> special_values(std::size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::normal_distribution<T> dist(0, 100);
  std::vector<T> v(n);
  for (auto& x : v) x = dist(g);
  const T specials[] = {T(0), -T(0), std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(),
                        std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::denorm_min(),
                        std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), std::numeric_limits<T>::lowest()};
  for (std::size_t i = 0; i < std::size(specials) && i < n; ++i) v[i * 7 % n] = specials[i];
  return v;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

template <class T>
void round_trip() {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{4096}, std::size_t{100003}}) {
    const auto v = special_values<T>(n, static_cast<unsigned>(n));
    const auto t = Tensor<T, cuda>::from(Shape{static_cast<int64_t>(n)}, v);
    CHECK(t.numel() == static_cast<int64_t>(n));
    CHECK(same_bits(t.to_vector(), v));
    CHECK(same_bits(t.clone().to_vector(), v));
    const auto back = to_device<cpu>(to_device<cuda>(Tensor<T, cpu>::from(Shape{static_cast<int64_t>(n)}, v)));
    CHECK(same_bits(back.to_vector(), v));
  }
}

// |gpu - cpu| <= rtol * (|a| |b|)_ij, the scale of the rounding error of a dot product.
template <class T>
void check_matmul(const Tensor<T, cpu>& a, const Tensor<T, cpu>& b, bool ta, bool tb, double rtol) {
  CAPTURE(a.shape());
  CAPTURE(b.shape());
  CAPTURE(ta);
  CAPTURE(tb);
  const auto want = ops::matmul(a, b, ta, tb);
  const auto scale = ops::matmul(ops::abs(a), ops::abs(b), ta, tb);
  const auto got = ops::matmul(to_device<cuda>(a), to_device<cuda>(b), ta, tb);
  REQUIRE(got.shape() == want.shape());
  const auto g = got.to_vector();
  int bad = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double err = std::abs(static_cast<double>(g[static_cast<std::size_t>(i)]) - want[i]);
    if (err > rtol * std::max<double>(scale[i], 1e-30) && bad++ < 3)
      FAIL_CHECK("element ", i, ": cuda ", g[static_cast<std::size_t>(i)], " vs cpu ", want[i]);
  }
  CHECK(bad == 0);
}

}  // namespace

GANTRY_CUDA_TEST_CASE("cuda tensors round-trip host values exactly") {
  round_trip<float>();
  round_trip<double>();
}

GANTRY_CUDA_TEST_CASE("zeros, clone, views and item on cuda") {
  auto z = Tensor<float, cuda>::zeros({3, 5});
  for (float x : z.to_vector()) CHECK(x == 0.0f);

  auto t = Tensor<float, cuda>::from({4, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  auto c = t.clone();
  CHECK_FALSE(c.shares_storage(t));
  auto shallow = t;
  CHECK(shallow.shares_storage(t));
  CHECK(t.narrow0(1, 3).to_vector() == std::vector<float>{3, 4, 5, 6, 7, 8});
  CHECK(t.reshape({2, -1}).shape() == Shape{2, 6});
  CHECK(t.narrow0(2, 3).reshape({3}).to_vector() == std::vector<float>{6, 7, 8});
  CHECK(Tensor<double, cuda>::from({1}, {2.5}).item() == 2.5);
}

GANTRY_CUDA_TEST_CASE("random factories give the same numbers on cpu and cuda") {
  Rng g1(42), g2(42);
  const auto a = randn<float, cpu>({7, 33}, g1);
  const auto b = randn<float, cuda>({7, 33}, g2);
  CHECK(same_bits(a.to_vector(), b.to_vector()));
  const auto u1 = rand<double, cpu>({1000}, g1, -2.0, 3.0);
  const auto u2 = rand<double, cuda>({1000}, g2, -2.0, 3.0);
  CHECK(same_bits(u1.to_vector(), u2.to_vector()));
  CHECK(g1.offset() == g2.offset());
}

GANTRY_CUDA_TEST_CASE("the caching allocator reuses freed blocks by size class") {
  auto& alloc = CudaAllocator::instance();
  alloc.empty_cache();
  const auto s0 = alloc.stats();
  CHECK(s0.bytes_cached == 0);
  {
    auto t = Tensor<float, cuda>::empty({1000, 100});
    const auto s1 = alloc.stats();
    CHECK(s1.system_allocations == s0.system_allocations + 1);
    CHECK(s1.bytes_in_use >= s0.bytes_in_use + 400000);
  }
  const auto s2 = alloc.stats();
  CHECK(s2.bytes_in_use == s0.bytes_in_use);
  CHECK(s2.bytes_cached >= 400000);
  void* first = nullptr;
  {
    // Same size class (a few bytes smaller): served from the cache, no cudaMalloc.
    auto t = Tensor<float, cuda>::empty({1000, 100 - 1});
    first = t.data();
    const auto s3 = alloc.stats();
    CHECK(s3.system_allocations == s2.system_allocations);
    CHECK(s3.cache_hits == s2.cache_hits + 1);
    CHECK(s3.bytes_cached == s2.bytes_cached - (s3.bytes_in_use - s2.bytes_in_use));
  }
  {
    auto t = Tensor<float, cuda>::empty({1000, 100});
    CHECK(t.data() == first);
  }
  alloc.empty_cache();
  CHECK(alloc.stats().bytes_cached == 0);
  CHECK(alloc.stats().bytes_in_use == s0.bytes_in_use);
}

GANTRY_CUDA_TEST_CASE("CUDA failures become gantry::CudaError naming the call") {
  try {
    GANTRY_CUDA_CHECK(cudaErrorInvalidValue);
    FAIL("no exception");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("cudaErrorInvalidValue") != std::string::npos);
    CHECK(msg.find("CUDA error: cudaErrorInvalidValue failed") != std::string::npos);
    CHECK(msg.find("test_cuda_host.cpp") != std::string::npos);
  }
  // 4 PiB: cudaMalloc fails (after the allocator empties its cache and retries).
  try {
    auto huge = Tensor<float, cuda>::empty({int64_t{1} << 50});
    FAIL("no exception");
  } catch (const CudaError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("cudaMalloc(") != std::string::npos);
    CHECK(msg.find("cudaErrorMemoryAllocation") != std::string::npos);
  }
  // Not sticky: the device still works.
  CHECK(Tensor<float, cuda>::from({2}, {1.0f, 2.0f}).to_vector() == std::vector<float>{1.0f, 2.0f});
}

GANTRY_CUDA_TEST_CASE("cuBLAS matmul matches the CPU GEMM (2-D, transposes)") {
  std::mt19937 rng(7);
  Rng gen(3);
  for (int trial = 0; trial < 40; ++trial) {
    const int64_t M = std::uniform_int_distribution<int64_t>(1, 70)(rng);
    const int64_t N = std::uniform_int_distribution<int64_t>(1, 70)(rng);
    const int64_t K = std::uniform_int_distribution<int64_t>(1, 130)(rng);
    const bool ta = trial & 1, tb = trial & 2;
    const auto a = randn<float>(ta ? Shape{K, M} : Shape{M, K}, gen);
    const auto b = randn<float>(tb ? Shape{N, K} : Shape{K, N}, gen);
    check_matmul(a, b, ta, tb, 1e-4);
  }
  const auto a = randn<double>({33, 65}, gen), b = randn<double>({65, 17}, gen);
  check_matmul(a, b, false, false, 1e-12);
  check_matmul(a, randn<double>({17, 65}, gen), false, true, 1e-12);
}

GANTRY_CUDA_TEST_CASE("cuBLAS batched matmul matches the CPU (3-D, batch broadcast)") {
  std::mt19937 rng(11);
  Rng gen(5);
  for (int trial = 0; trial < 24; ++trial) {
    const int64_t B = std::uniform_int_distribution<int64_t>(1, 6)(rng);
    const int64_t M = std::uniform_int_distribution<int64_t>(1, 40)(rng);
    const int64_t N = std::uniform_int_distribution<int64_t>(1, 40)(rng);
    const int64_t K = std::uniform_int_distribution<int64_t>(1, 70)(rng);
    const bool ta = trial & 1, tb = trial & 2;
    const int64_t Ba = trial % 3 == 1 ? 1 : B, Bb = trial % 3 == 2 ? 1 : B;
    const auto a = randn<float>(ta ? Shape{Ba, K, M} : Shape{Ba, M, K}, gen);
    const auto b = randn<float>(tb ? Shape{Bb, N, K} : Shape{Bb, K, N}, gen);
    check_matmul(a, b, ta, tb, 1e-4);
    const auto got = ops::bmm(to_device<cuda>(a), to_device<cuda>(b), ta, tb);
    CHECK(got.to_vector() == ops::matmul(to_device<cuda>(a), to_device<cuda>(b), ta, tb).to_vector());
  }
}

GANTRY_CUDA_TEST_CASE("matmul edge cases and messages match the CPU") {
  // K = 0: a product of empty sums is zero.
  const auto z = ops::matmul(Tensor<float, cuda>::empty({3, 0}), Tensor<float, cuda>::empty({0, 4}));
  CHECK(z.shape() == Shape{3, 4});
  for (float x : z.to_vector()) CHECK(x == 0.0f);
  CHECK(ops::matmul(Tensor<float, cuda>::empty({0, 5}), Tensor<float, cuda>::empty({5, 2})).shape() == Shape{0, 2});

  auto message = [](auto&& f) {
    try {
      f();
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto a = Tensor<float, cpu>::zeros({2, 3}), b = Tensor<float, cpu>::zeros({4, 5});
  const auto ga = to_device<cuda>(a), gb = to_device<cuda>(b);
  CHECK(message([&] { ops::matmul(ga, gb); }) == "matmul: shapes [2, 3] and [4, 5] do not match (inner dimensions 3 vs 4)");
  CHECK(message([&] { ops::matmul(ga, gb); }) == message([&] { ops::matmul(a, b); }));
  CHECK(message([&] { ops::matmul(ga, gb, true, true); }) == message([&] { ops::matmul(a, b, true, true); }));
  const auto a3 = Tensor<float, cpu>::zeros({2, 3, 4}), b3 = Tensor<float, cpu>::zeros({3, 4, 5});
  CHECK(message([&] { ops::bmm(to_device<cuda>(a3), to_device<cuda>(b3)); }) ==
        message([&] { ops::bmm(a3, b3); }));
  CHECK(message([&] { ops::matmul(to_device<cuda>(a3), gb); }) == message([&] { ops::matmul(a3, b); }));
}
