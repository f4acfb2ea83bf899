// constant_pad2d, reflection_pad2d, avg_pool2d, max_pool2d, upsample_nearest2d,
// sum_pool2d and their adjoints: forward and backward values against PyTorch fixtures
// (tests/fixtures/layout_fixtures.txt) and naive loops, first- and second-order
// gradchecks, and shape errors.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gantry/autograd/gradcheck.hpp>

#include "gradcheck_support.hpp"
#include <gantry/autograd/ops/pad.hpp>
#include <gantry/autograd/ops/pool.hpp>

using namespace gantry;
using testing::check_both;
using testing::check_linear;
using V = Var<double, cpu>;
using Vs = std::vector<V>;
using TD = Tensor<double, cpu>;

namespace {

template <class T, class U>
void check_close(const Tensor<T, cpu>& got, const Tensor<U, cpu>& want, double tol) {
  REQUIRE(got.shape() == want.shape());
  int bad = 0;
  for (int64_t i = 0; i < got.numel() && bad < 5; ++i) {
    const double g = static_cast<double>(got[i]), w = static_cast<double>(want[i]);
    if (!(std::abs(g - w) <= tol * (1 + std::abs(w)))) {
      ++bad;
      FAIL_CHECK("element " << i << " of " << got.shape() << ": got " << g << ", want " << w);
    }
  }
}

// ---- PyTorch fixtures ------------------------------------------------------------------
struct Fixture {
  std::string op;
  std::map<std::string, int64_t> p;
  std::map<std::string, TD> t;
};

std::vector<Fixture> read_fixtures() {
  std::ifstream in(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/layout_fixtures.txt");
  REQUIRE_MESSAGE(in.good(), "missing tests/fixtures/layout_fixtures.txt");
  std::vector<Fixture> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string head;
    ls >> head;
    if (head == "case") {
      out.emplace_back();
      ls >> out.back().op;
      std::string k;
      int64_t v;
      while (ls >> k >> v) out.back().p[k] = v;
      continue;
    }
    int rank;
    ls >> rank;
    std::vector<int64_t> dims(static_cast<std::size_t>(rank));
    for (auto& d : dims) ls >> d;
    std::vector<double> vals;
    std::string tok;
    while (ls >> tok) vals.push_back(std::strtod(tok.c_str(), nullptr));
    out.back().t[head] = TD::from(Shape(dims), vals);
  }
  return out;
}

template <class T>
Tensor<T, cpu> cast(const TD& x) {
  Tensor<T, cpu> out(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) out[i] = static_cast<T>(x[i]);
  return out;
}

// The op of a fixture on the Var API, and its backward kernel on the Tensor API.
template <class T>
Var<T, cpu> apply(const Fixture& f, const Var<T, cpu>& x) {
  auto p = [&](const char* k) { return static_cast<int>(f.p.at(k)); };
  if (f.op == "constant_pad2d")
    return constant_pad2d(x, p("left"), p("right"), p("top"), p("bottom"), static_cast<T>(p("value_milli")) / T(1000));
  if (f.op == "reflection_pad2d") return reflection_pad2d(x, p("left"), p("right"), p("top"), p("bottom"));
  if (f.op == "avg_pool2d") return avg_pool2d(x, p("kernel"), p("stride"), p("padding"));
  if (f.op == "max_pool2d") return max_pool2d(x, p("kernel"), p("stride"), p("padding"));
  if (f.op == "upsample_nearest2d") return upsample_nearest2d(x, p("scale"));
  FAIL("unknown fixture op " << f.op);
  return x;
}

template <class T>
Tensor<T, cpu> backward_kernel(const Fixture& f, const Tensor<T, cpu>& x, const Tensor<T, cpu>& gy) {
  auto p = [&](const char* k) { return static_cast<int>(f.p.at(k)); };
  if (f.op == "constant_pad2d") return ops::constant_pad2d(gy, -p("left"), -p("right"), -p("top"), -p("bottom"));
  if (f.op == "reflection_pad2d") return ops::reflection_pad2d_backward(gy, p("left"), p("right"), p("top"), p("bottom"));
  if (f.op == "avg_pool2d") return ops::avg_pool2d_backward(gy, x.shape(), p("kernel"), p("stride"), p("padding"));
  if (f.op == "max_pool2d") {
    const auto idx = ops::max_pool2d_with_index(x, p("kernel"), p("stride"), p("padding")).second;
    return ops::max_pool2d_backward(gy, idx, x.shape(), p("kernel"), p("stride"), p("padding"));
  }
  if (f.op == "upsample_nearest2d") return ops::sum_pool2d(gy, p("scale"));
  FAIL("unknown fixture op " << f.op);
  return x;
}

template <class T>
void check_fixture(const Fixture& f, double tol) {
  const auto x = cast<T>(f.t.at("x")), gy = cast<T>(f.t.at("gy"));
  // Forward through the Var API, backward both through the tape and the kernel directly.
  Var<T, cpu> xv(x, true);
  const auto y = apply(f, xv);
  check_close(y.value(), f.t.at("y"), tol);
  const auto gx = grad(std::vector<Var<T, cpu>>{y}, std::vector<Var<T, cpu>>{xv},
                       std::vector<Var<T, cpu>>{Var<T, cpu>::constant(gy)})[0];
  check_close(gx.value(), f.t.at("gx"), tol);
  check_close(backward_kernel(f, x, gy), f.t.at("gx"), tol);
}

// ---- naive references ------------------------------------------------------------------
struct Plane {
  int64_t n, h, w;
};
Plane planes(const Shape& s) { return {s.numel() / (s[s.rank() - 2] * s[s.rank() - 1]), s[s.rank() - 2], s[s.rank() - 1]}; }

template <class T>
Tensor<T, cpu> naive_pool(const Tensor<T, cpu>& x, int k, int s, int p, bool is_max) {
  const auto [n, h, w] = planes(x.shape());
  const int64_t oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
  Shape os = x.shape();
  os[os.rank() - 2] = oh;
  os[os.rank() - 1] = ow;
  Tensor<T, cpu> out(os);
  for (int64_t c = 0; c < n; ++c)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xx = 0; xx < ow; ++xx) {
        double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            const int64_t iy = y * s - p + ky, ix = xx * s - p + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const double v = x[(c * h + iy) * w + ix];
            acc = is_max ? std::max(acc, v) : acc + v;
          }
        out[(c * oh + y) * ow + xx] = static_cast<T>(is_max ? acc : acc / (k * k));
      }
  return out;
}

template <class T>
Tensor<T, cpu> naive_upsample(const Tensor<T, cpu>& x, int s) {
  const auto [n, h, w] = planes(x.shape());
  Shape os = x.shape();
  os[os.rank() - 2] = h * s;
  os[os.rank() - 1] = w * s;
  Tensor<T, cpu> out(os);
  for (int64_t c = 0; c < n; ++c)
    for (int64_t y = 0; y < h * s; ++y)
      for (int64_t xx = 0; xx < w * s; ++xx) out[(c * h * s + y) * w * s + xx] = x[(c * h + y / s) * w + xx / s];
  return out;
}

int64_t reflect(int64_t i, int64_t n) { return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i; }

template <class T>
Tensor<T, cpu> naive_pad(const Tensor<T, cpu>& x, int l, int r, int t, int b, bool reflection, T value) {
  const auto [n, h, w] = planes(x.shape());
  const int64_t oh = h + t + b, ow = w + l + r;
  Shape os = x.shape();
  os[os.rank() - 2] = oh;
  os[os.rank() - 1] = ow;
  Tensor<T, cpu> out(os);
  for (int64_t c = 0; c < n; ++c)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xx = 0; xx < ow; ++xx) {
        int64_t iy = y - t, ix = xx - l;
        if (reflection) {
          iy = reflect(iy, h);
          ix = reflect(ix, w);
        }
        const bool in = iy >= 0 && iy < h && ix >= 0 && ix < w;
        out[(c * oh + y) * ow + xx] = in ? x[(c * h + iy) * w + ix] : value;
      }
  return out;
}

}  // namespace

TEST_CASE("padding, pooling and upsampling match PyTorch (forward and backward)") {
  const auto fixtures = read_fixtures();
  CHECK(fixtures.size() == 15);
  for (const auto& f : fixtures) {
    CAPTURE(f.op);
    CAPTURE(f.t.at("x").shape());
    check_fixture<double>(f, 1e-12);
    check_fixture<float>(f, 2e-6);
  }
}

TEST_CASE("forward values against naive loops, on 1 and 2 threads") {
  Rng gen(11);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    CAPTURE(threads);
    for (const Shape& s : {Shape{2, 3, 9, 8}, Shape{4, 16, 33, 32}, Shape{5, 7}}) {
      CAPTURE(s);
      const auto x = randn<float>(s, gen);
      struct P {
        int k, s, p;
      };
      for (const P c : {P{2, 2, 0}, P{3, 2, 1}, P{3, 1, 1}, P{4, 4, 0}, P{5, 3, 2}, P{1, 1, 0}, P{4, 1, 2}}) {
        CAPTURE(c.k);
        CAPTURE(c.s);
        CAPTURE(c.p);
        check_close(ops::avg_pool2d(x, c.k, c.s, c.p), naive_pool(x, c.k, c.s, c.p, false), 1e-6);
        CHECK(ops::max_pool2d(x, c.k, c.s, c.p).to_vector() == naive_pool(x, c.k, c.s, c.p, true).to_vector());
      }
      check_close(ops::sum_pool2d(x, 2), ops::mul_scalar(naive_pool(x, 2, 2, 0, false), 4.0f), 1e-6);
      check_close(ops::sum_pool2d(x, 3), ops::mul_scalar(naive_pool(x, 3, 3, 0, false), 9.0f), 1e-6);
      for (int sc : {1, 2, 3, 4})
        CHECK(ops::upsample_nearest2d(x, sc).to_vector() == naive_upsample(x, sc).to_vector());
      CHECK(ops::constant_pad2d(x, 1, 2, 3, 0, 0.5f).to_vector() == naive_pad(x, 1, 2, 3, 0, false, 0.5f).to_vector());
      CHECK(ops::reflection_pad2d(x, 4, 1, 0, 3).to_vector() == naive_pad(x, 4, 1, 0, 3, true, 0.0f).to_vector());
      // Negative amounts crop: padding and cropping undo each other.
      const auto padded = ops::constant_pad2d(x, 2, 1, 0, 3, 7.0f);
      CHECK(ops::constant_pad2d(padded, -2, -1, 0, -3).to_vector() == x.to_vector());
    }
  }
  set_num_threads(2);
  // The max pool index points at the maximum (the gather reproduces the pooled values).
  const auto x = randn<double>({3, 2, 7, 6}, gen);
  const auto [y, idx] = ops::max_pool2d_with_index(x, 3, 2, 1);
  CHECK(ops::max_pool2d_gather(x, idx, 3, 2, 1).to_vector() == y.to_vector());
  // NaN wins a window, as in PyTorch.
  auto n = TD::from({1, 1, 2, 2}, {1.0, std::nan(""), 3.0, 2.0});
  CHECK(std::isnan(ops::max_pool2d(n, 2, 2).item()));
  CHECK(ops::max_pool2d_with_index(n, 2, 2).second.item() == 1.0);
}

TEST_CASE("padding: first and second order") {
  Rng gen(12);
  for (const Shape& s : {Shape{2, 3, 4, 5}, Shape{1, 2, 5, 4}, Shape{3, 3}}) {
    CAPTURE(s);
    auto x = random_input(s, gen);
    check_linear([](const V& v) { return constant_pad2d(v, 1, 2, 0, 3, 0.25); }, x);
    check_linear([](const V& v) { return constant_pad2d(v, -1, 2, 1, -2); }, x);
    check_linear([](const V& v) { return reflection_pad2d(v, 2, 1, 1, 2); }, x);
    check_linear([](const V& v) { return reflection_pad2d(v, 0, 2, 2, 0); }, x);
    const auto padded = ops::reflection_pad2d(x.value(), 2, 1, 1, 2);
    check_linear([](const V& v) { return reflection_pad2d_backward(v, 2, 1, 1, 2); }, random_input(padded.shape(), gen));
  }
}

TEST_CASE("avg_pool2d, sum_pool2d, upsample_nearest2d: first and second order") {
  Rng gen(13);
  for (const Shape& s : {Shape{2, 2, 5, 6}, Shape{1, 3, 6, 7}, Shape{4, 5}}) {
    CAPTURE(s);
    auto x = random_input(s, gen);
    struct P {
      int k, s, p;
    };
    for (const P c : {P{2, 2, 0}, P{3, 2, 1}, P{3, 1, 1}, P{4, 3, 2}}) {
      CAPTURE(c.k);
      check_linear([c](const V& v) { return avg_pool2d(v, c.k, c.s, c.p); }, x);
      const auto pooled = ops::avg_pool2d(x.value(), c.k, c.s, c.p);
      check_linear([c, s](const V& v) { return avg_pool2d_backward(v, s, c.k, c.s, c.p); },
                   random_input(pooled.shape(), gen));
    }
    check_linear([](const V& v) { return avg_pool2d(v, 2); }, x);
    check_linear([](const V& v) { return sum_pool2d(v, 2); }, x);  // odd sizes drop a row or column
    check_linear([](const V& v) { return sum_pool2d(v, 3); }, x);
    check_linear([](const V& v) { return upsample_nearest2d(v, 2); }, x);
    check_linear([](const V& v) { return upsample_nearest2d(v, 3); }, random_input({1, 2, 2, 3}, gen));
  }
  // Through a nonlinearity on both sides.
  auto x = random_input({1, 2, 4, 5}, gen);
  check_both([](const Vs& v) { return tanh(upsample_nearest2d(mul(avg_pool2d(v[0], 3, 1, 1), v[0]), 2)); }, {x});
}

TEST_CASE("max_pool2d and its scatter/gather pair: first and second order") {
  Rng gen(14);
  for (const Shape& s : {Shape{2, 2, 5, 6}, Shape{1, 3, 7, 4}, Shape{4, 5}}) {
    CAPTURE(s);
    auto x = random_input(s, gen);  // distinct values: no ties within finite-difference reach
    struct P {
      int k, s, p;
    };
    for (const P c : {P{2, 2, 0}, P{3, 2, 1}, P{3, 1, 1}, P{2, 1, 0}}) {
      CAPTURE(c.k);
      check_linear([c](const V& v) { return max_pool2d(v, c.k, c.s, c.p); }, x);
      check_both([c](const Vs& v) { return max_pool2d(mul(v[0], v[0]), c.k, c.s, c.p); }, {x});
      const auto idx = ops::max_pool2d_with_index(x.value(), c.k, c.s, c.p).second;
      check_linear([c, s, idx](const V& v) { return max_pool2d_backward(v, idx, s, c.k, c.s, c.p); },
                   random_input(idx.shape(), gen));
      check_linear([c, idx](const V& v) { return max_pool2d_gather(v, idx, c.k, c.s, c.p); }, x);
    }
    check_linear([](const V& v) { return max_pool2d(v, 2); }, x);
  }
  // Inference (no tape) takes the same values.
  auto x = random_input({2, 3, 6, 6}, gen);
  no_grad ng;
  CHECK(max_pool2d(x, 3, 2, 1).value().to_vector() == ops::max_pool2d(x.value(), 3, 2, 1).to_vector());
}

TEST_CASE("pooling and padding shape errors name the op and the shapes") {
  using F = Tensor<float, cpu>;
  const auto x = F::zeros({1, 2, 3, 4});
  CHECK_THROWS_WITH_AS(ops::avg_pool2d(F::zeros({1, 1, 2, 2}), 3, 1, 0),
                       "avg_pool2d: kernel 3 with padding 0 does not fit shape [1, 1, 2, 2]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::max_pool2d(x, 3, 1, 2), "max_pool2d: padding 2 must be at most half the kernel 3",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::avg_pool2d(x, 0, 1, 0),
                       "avg_pool2d: kernel 0, stride 1, padding 0 are invalid (kernel and stride must be >= 1, "
                       "padding >= 0)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::avg_pool2d(F::zeros({4}), 2, 2, 0),
                       "avg_pool2d: needs a tensor with at least 2 axes (..., H, W), found shape [4]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::avg_pool2d_backward(F::zeros({1, 2, 2, 2}), x.shape(), 2, 2, 0),
                       "avg_pool2d_backward: gradient of shape [1, 2, 2, 2] does not match the pooled shape "
                       "[1, 2, 1, 2] of input shape [1, 2, 3, 4]",
                       ShapeError);
  const auto idx = ops::max_pool2d_with_index(x, 2, 2).second;
  CHECK_THROWS_WITH_AS(ops::max_pool2d_backward(F::zeros({1, 2, 1, 2}), F::zeros({1, 2, 1, 1}), x.shape(), 2, 2, 0),
                       "max_pool2d_backward: index of shape [1, 2, 1, 1] does not match the gradient of shape "
                       "[1, 2, 1, 2]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::max_pool2d_gather(F::zeros({1, 2, 5, 4}), idx, 2, 2, 0),
                       "max_pool2d_gather: index of shape [1, 2, 1, 2] does not match the pooled shape "
                       "[1, 2, 2, 2] of input shape [1, 2, 5, 4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::sum_pool2d(x, 4), "sum_pool2d: kernel 4 with padding 0 does not fit shape [1, 2, 3, 4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::upsample_nearest2d(x, 0), "upsample_nearest2d: scale must be >= 1, found 0", ShapeError);
  CHECK_THROWS_WITH_AS(ops::reflection_pad2d(x, 4, 0, 1, 1),
                       "reflection_pad2d: padding (left 4, right 0, top 1, bottom 1) must be less than the size of "
                       "its axis for shape [1, 2, 3, 4] (H 3, W 4)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::reflection_pad2d(x, -1, 0, 0, 0),
                       "reflection_pad2d: padding (left -1, right 0, top 0, bottom 0) must not be negative", ShapeError);
  CHECK_THROWS_WITH_AS(ops::constant_pad2d(x, -3, -2, 0, 0),
                       "constant_pad2d: padding (left -3, right -2, top 0, bottom 0) crops more than shape "
                       "[1, 2, 3, 4] has",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::constant_pad2d(F::zeros({3}), 1, 1, 1, 1),
                       "constant_pad2d: needs a tensor with at least 2 axes (..., H, W), found shape [3]", ShapeError);
  CHECK_THROWS_WITH_AS(reflection_pad2d_backward(Var<float, cpu>(F::zeros({1, 1, 3, 3})), 1, 1, 1, 1),
                       "reflection_pad2d_backward: padding (left 1, right 1, top 1, bottom 1) must be less than the "
                       "size of its axis for shape [1, 1, 1, 1] (H 1, W 1)",
                       ShapeError);
}
