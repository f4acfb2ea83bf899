// CUDA elementwise ops and reductions compared with the CPU backend on random shapes,
// including NumPy broadcasting. Needs a device; without one every case is skipped.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gantry/backend/cpu/elementwise.hpp>
#include <gantry/backend/cpu/reduce.hpp>
#include <gantry/backend/cuda.hpp>
#include <gantry/core/factories.hpp>

#include "cuda_test.hpp"

using namespace gantry;

// __CUDACC__ never changes a layout: the same checks hold in test_cuda_host.cpp.
static_assert(sizeof(Tensor<float, cuda>) == sizeof(Tensor<float, cpu>));
static_assert(sizeof(Tensor<double, cuda>) == sizeof(Tensor<double, cpu>));

namespace {

std::mt19937& rng() {
  static std::mt19937 g(2024);
  return g;
}
int uniform_int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng()); }

Shape random_shape(int max_rank = 4, int max_dim = 7) {
  std::vector<int64_t> d(static_cast<std::size_t>(uniform_int(0, max_rank)));
  for (auto& x : d) x = uniform_int(1, max_dim);
  return Shape(d);
}

// Two shapes that broadcast together: some axes set to 1 on either side, leading axes
// dropped from one of them, the pair swapped at random.
std::pair<Shape, Shape> broadcast_pair() {
  const auto out = random_shape().vec();
  std::vector<int64_t> a = out, b = out;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int r = uniform_int(0, 2);
    if (r == 0) a[i] = 1;
    else if (r == 1) b[i] = 1;
  }
  b.erase(b.begin(), b.begin() + uniform_int(0, static_cast<int>(b.size())));
  if (uniform_int(0, 1)) std::swap(a, b);
  return {Shape(a), Shape(b)};
}

// NaN matches NaN; otherwise |gpu - cpu| <= rtol * max(|cpu|, floor).
template <class T>
void check_close(const Tensor<T, cuda>& got, const Tensor<T, cpu>& want, double rtol, double floor = 1e-6) {
  REQUIRE(got.shape() == want.shape());
  const auto g = got.to_vector();
  int bad = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double x = g[static_cast<std::size_t>(i)], y = want[i];
    if (std::isnan(x) && std::isnan(y)) continue;
    if (x == y) continue;
    const double err = std::abs(x - y);
    if (!(err <= rtol * std::max(std::abs(y), floor)) && bad++ < 3)
      FAIL_CHECK("element ", i, " of ", want.shape(), ": cuda ", x, " vs cpu ", y);
  }
  CHECK(bad == 0);
}

// Sums round differently in different orders: the CPU folds vector lanes in float and their
// chunk totals in double, the GPU sums in double. So a sum may differ by a few float roundings
// of the magnitudes it adds: |gpu - cpu| <= rtol * sum|x| over the reduced elements.
template <class T, class Reduce>
void check_sum_close(const Tensor<T, cpu>& x, Reduce reduce, double rtol) {
  const auto got = reduce(to_device<cuda>(x));
  const auto want = reduce(x), scale = reduce(ops::abs(x));
  REQUIRE(got.shape() == want.shape());
  const auto g = got.to_vector();
  int bad = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double err = std::abs(double(g[static_cast<std::size_t>(i)]) - double(want[i]));
    if (!(err <= rtol * double(scale[i])) && bad++ < 3)
      FAIL_CHECK("element ", i, " of ", want.shape(), ": cuda ", g[static_cast<std::size_t>(i)], " vs cpu ", want[i],
                 " (sum of magnitudes ", scale[i], ")");
  }
  CHECK(bad == 0);
}

template <class T>
bool same_bits(const Tensor<T, cuda>& a, const Tensor<T, cuda>& b) {
  const auto x = a.to_vector(), y = b.to_vector();
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0);
}

template <class F>
std::string shape_error(F&& f) {
  try {
    f();
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "no error";
}

Rng gen(99);

// Inputs: any sign, or positive (for log, sqrt, rsqrt and pow's base).
template <class T>
Tensor<T, cpu> signed_values(const Shape& s) { return randn<T>(s, gen, T(0), T(2)); }
template <class T>
Tensor<T, cpu> positive_values(const Shape& s) { return rand<T>(s, gen, T(0.1), T(4)); }

// f is called with cpu tensors and with their cuda copies.
template <class T, class F>
void compare_binary(F f, bool positive_a, double rtol) {
  for (int trial = 0; trial < 30; ++trial) {
    const auto [sa, sb] = broadcast_pair();
    CAPTURE(sa);
    CAPTURE(sb);
    const auto a = positive_a ? positive_values<T>(sa) : signed_values<T>(sa);
    const auto b = signed_values<T>(sb);
    check_close(f(to_device<cuda>(a), to_device<cuda>(b)), f(a, b), rtol);
  }
}

template <class T, class F>
void compare_unary(F f, bool positive, double rtol) {
  for (int trial = 0; trial < 12; ++trial) {
    const Shape s = random_shape(4, 9);
    CAPTURE(s);
    const auto a = positive ? positive_values<T>(s) : signed_values<T>(s);
    check_close(f(to_device<cuda>(a)), f(a), rtol);
  }
  // Large enough for many blocks and the grid-stride loop.
  const auto big = positive ? positive_values<T>({3, 700001}) : signed_values<T>({3, 700001});
  check_close(f(to_device<cuda>(big)), f(big), rtol);
}

constexpr double elementwise_rtol = 1e-5;

}  // namespace

GANTRY_CUDA_TEST_CASE("binary ops with broadcasting match the CPU") {
  compare_binary<float>([](const auto& x, const auto& y) { return ops::add(x, y); }, false, 0);
  compare_binary<float>([](const auto& x, const auto& y) { return ops::sub(x, y); }, false, 0);
  compare_binary<float>([](const auto& x, const auto& y) { return ops::mul(x, y); }, false, 0);
  compare_binary<float>([](const auto& x, const auto& y) { return ops::div(x, y); }, false, 0);
  compare_binary<float>([](const auto& x, const auto& y) { return ops::pow(x, y); }, true, elementwise_rtol);
  compare_binary<float>([](const auto& x, const auto& y) { return ops::maximum(x, y); }, false, 0);
  compare_binary<float>([](const auto& x, const auto& y) { return ops::minimum(x, y); }, false, 0);
  compare_binary<float>([](const auto& x, const auto& y) { return ops::gt(x, y); }, false, 0);
  compare_binary<float>([](const auto& x, const auto& y) { return ops::ge(x, y); }, false, 0);
  compare_binary<float>([](const auto& x, const auto& y) { return ops::eq(x, y); }, false, 0);
  compare_binary<double>([](const auto& x, const auto& y) { return ops::div(x, y); }, false, 0);
  compare_binary<double>([](const auto& x, const auto& y) { return ops::pow(x, y); }, true, 1e-12);
}

GANTRY_CUDA_TEST_CASE("unary ops match the CPU") {
  const double r = elementwise_rtol;
  compare_unary<float>([](const auto& x) { return ops::neg(x); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::exp(x); }, false, r);
  compare_unary<float>([](const auto& x) { return ops::log(x); }, true, r);
  compare_unary<float>([](const auto& x) { return ops::sqrt(x); }, true, 0);
  compare_unary<float>([](const auto& x) { return ops::rsqrt(x); }, true, 0);
  compare_unary<float>([](const auto& x) { return ops::abs(x); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::sign(x); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::tanh(x); }, false, r);
  compare_unary<float>([](const auto& x) { return ops::sigmoid(x); }, false, r);
  compare_unary<float>([](const auto& x) { return ops::relu(x); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::leaky_relu(x, 0.2f); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::clamp(x, -0.5f, 1.5f); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::leaky_relu_slope(x, 0.2f); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::in_range(x, -0.5f, 1.5f); }, false, 0);
  compare_unary<double>([](const auto& x) { return ops::tanh(x); }, false, 1e-12);
  compare_unary<double>([](const auto& x) { return ops::sigmoid(x); }, false, 1e-12);
  // sigmoid's two branches: large |x| neither overflows nor loses the tail.
  const auto x = Tensor<float, cpu>::from({6}, {-100.0f, -30.0f, -1e-3f, 0.0f, 30.0f, 100.0f});
  check_close(ops::sigmoid(to_device<cuda>(x)), ops::sigmoid(x), r, 1e-30);
}

GANTRY_CUDA_TEST_CASE("scalar ops match the CPU") {
  const double r = elementwise_rtol;
  compare_unary<float>([](const auto& x) { return ops::add_scalar(x, 1.5f); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::mul_scalar(x, -3.0f); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::pow_scalar(x, 2.0f); }, false, 0);
  compare_unary<float>([](const auto& x) { return ops::pow_scalar(x, 0.7f); }, true, r);
  compare_unary<float>([](const auto& x) { return ops::rdiv_scalar(2.0f, x); }, true, 0);
  compare_unary<float>([](const auto& x) { return ops::gt_scalar(x, 0.25f); }, false, 0);
}

GANTRY_CUDA_TEST_CASE("where and broadcast_to match the CPU") {
  for (int trial = 0; trial < 30; ++trial) {
    const auto [sa, sb] = broadcast_pair();
    const Shape out = broadcast_shapes(sa, sb, "test");
    // The condition broadcasts to the output if it is built from one of its suffixes.
    std::vector<int64_t> cond_dims = out.vec();
    cond_dims.erase(cond_dims.begin(), cond_dims.begin() + uniform_int(0, static_cast<int>(cond_dims.size())));
    for (auto& d : cond_dims)
      if (uniform_int(0, 1)) d = 1;
    CAPTURE(sa);
    CAPTURE(sb);
    const auto cond = ops::gt_scalar(signed_values<float>(Shape(cond_dims)), 0.0f);
    const auto a = signed_values<float>(sa), b = signed_values<float>(sb);
    check_close(ops::where(to_device<cuda>(cond), to_device<cuda>(a), to_device<cuda>(b)), ops::where(cond, a, b), 0);
    check_close(ops::broadcast_to(to_device<cuda>(a), out), ops::broadcast_to(a, out), 0);
  }
}

GANTRY_CUDA_TEST_CASE("ops work on batch-slice views and with device lambdas") {
  const auto a = signed_values<float>({6, 5}), b = signed_values<float>({5});
  const auto ga = to_device<cuda>(a), gb = to_device<cuda>(b);
  check_close(ops::mul(ga.narrow0(2, 5), gb), ops::mul(a.narrow0(2, 5), b), 0);
  check_sum_close(a, [](const auto& t) { return ops::sum(t.narrow0(1, 4), {0}); }, 1e-6);

  const auto twice_plus_one = ops::unary(ga, [] __device__(float x) { return 2.0f * x + 1.0f; });
  check_close(twice_plus_one, ops::add_scalar(ops::mul_scalar(a, 2.0f), 1.0f), 0);
  const auto hyp = ops::binary(ga, gb, "hypot", [] __device__(float x, float y) { return sqrtf(x * x + y * y); });
  check_close(hyp, ops::sqrt(ops::add(ops::mul(a, a), ops::mul(b, b))), elementwise_rtol);
}

GANTRY_CUDA_TEST_CASE("broadcasting errors name the op and both shapes, as on the CPU") {
  const auto a = Tensor<float, cpu>::zeros({2, 3}), b = Tensor<float, cpu>::zeros({4, 3});
  const auto ga = to_device<cuda>(a), gb = to_device<cuda>(b);
  CHECK(shape_error([&] { ops::add(ga, gb); }) == shape_error([&] { ops::add(a, b); }));
  CHECK(shape_error([&] { ops::pow(ga, gb); }) == shape_error([&] { ops::pow(a, b); }));
  CHECK(shape_error([&] { ops::where(ga, ga, gb); }) == shape_error([&] { ops::where(a, a, b); }));
  CHECK(shape_error([&] { ops::broadcast_to(gb, Shape{3}); }) == shape_error([&] { ops::broadcast_to(b, Shape{3}); }));
  CHECK(shape_error([&] { ops::sum(ga, {2}); }) == shape_error([&] { ops::sum(a, {2}); }));
  CHECK(shape_error([&] { ops::sum_to(ga, Shape{4, 3}); }) == shape_error([&] { ops::sum_to(a, Shape{4, 3}); }));
  CHECK(shape_error([&] { ops::add(ga, gb); }).find("add: shapes [2, 3] and [4, 3]") == 0);
}

GANTRY_CUDA_TEST_CASE("sum and mean over axes match the CPU") {
  for (int trial = 0; trial < 60; ++trial) {
    const Shape s = random_shape(5, 9);
    std::vector<int> axes;
    for (int i = 0; i < s.rank(); ++i)
      if (uniform_int(0, 1)) axes.push_back(uniform_int(0, 1) ? i : i - s.rank());
    const bool keepdim = uniform_int(0, 1);
    CAPTURE(s);
    CAPTURE(axes.size());
    CAPTURE(keepdim);
    const auto a = signed_values<float>(s);
    check_sum_close(a, [&](const auto& t) { return ops::sum(t, axes, keepdim); }, 1e-6);
    check_sum_close(a, [&](const auto& t) { return ops::mean(t, axes, keepdim); }, 1e-6);
  }
}

GANTRY_CUDA_TEST_CASE("reductions take every kernel path and are reproducible") {
  struct Case {
    Shape shape;
    std::vector<int> axes;
  };
  const Case cases[] = {
      {{1 << 22}, {}},             // one long output: chunked blocks, second pass
      {{3, 50000}, {1}},           // few long outputs
      {{20000, 40}, {1}},          // many outputs, inner axis reduced: warp per output
      {{40, 20000}, {0}},          // many outputs, outer axis reduced
      {{5000, 7}, {1}},            // short reductions: thread per output
      {{8, 300, 9}, {0, 2}},       // non-adjacent reduced axes
      {{0, 4}, {0}},               // empty reduction: zeros
      {{}, {}},                    // a scalar
  };
  for (const auto& c : cases) {
    CAPTURE(c.shape);
    const auto a = signed_values<float>(c.shape);
    const auto ga = to_device<cuda>(a);
    const auto s1 = ops::sum(ga, c.axes), s2 = ops::sum(ga, c.axes);
    CHECK(same_bits(s1, s2));
    check_sum_close(a, [&](const auto& t) { return ops::sum(t, c.axes); }, 1e-6);
    check_sum_close(a, [&](const auto& t) { return ops::mean(t, c.axes, true); }, 1e-6);
  }
  const auto d = signed_values<double>({1 << 20});
  check_sum_close(d, [](const auto& t) { return ops::sum(t); }, 1e-14);
}

GANTRY_CUDA_TEST_CASE("sum_to undoes broadcasting as on the CPU") {
  for (int trial = 0; trial < 30; ++trial) {
    const auto [sa, sb] = broadcast_pair();
    const Shape out = broadcast_shapes(sa, sb, "test");
    CAPTURE(sa);
    CAPTURE(out);
    const auto x = signed_values<float>(out);
    check_sum_close(x, [&](const auto& t) { return ops::sum_to(t, sa); }, 1e-6);
  }
}
