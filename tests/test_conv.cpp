// conv2d, its input and weight gradients and conv_transpose2d against naive loops and
// against values computed by PyTorch (tests/fixtures/conv_fixtures.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <gantry/backend/cpu/conv.hpp>
#include <gantry/core/factories.hpp>
#include <vector>

#include "fixtures/conv_fixtures.hpp"

using namespace gantry;
using ops::Conv2dOptions;

namespace {

struct Case {
  int64_t N, C, H, W, O, kh, kw;
  Conv2dOptions o;
};

// The cases: odd sizes, strides 1-3, paddings 0-2, non-square kernels, 1x1, kernel = image.
const Case cases[] = {
    {2, 3, 7, 9, 4, 3, 3, {1, 1, 1, 1}},   {3, 2, 8, 6, 5, 3, 2, {2, 2, 0, 1}}, {1, 4, 9, 9, 3, 5, 5, {2, 2, 2, 2}},
    {2, 5, 6, 7, 6, 1, 1, {1, 1, 0, 0}},   {2, 3, 5, 5, 2, 5, 5, {1, 1, 0, 0}}, {3, 3, 11, 10, 7, 2, 4, {3, 2, 1, 2}},
    {1, 2, 4, 4, 33, 3, 3, {1, 2, 1, 0}},  {5, 17, 6, 6, 9, 3, 3, {1, 1, 1, 1}},
    {5, 3, 8, 4, 6, 3, 3, {1, 1, 1, 1}},   // 32 output pixels: several images per GEMM
    {3, 40, 8, 8, 12, 3, 3, {1, 1, 1, 1}}, // 64 pixels, channels-last runs longer than a panel
    {2, 3, 9, 7, 4, 5, 3, {1, 1, 1, 1}},   // stride 1, Wo == W but Ho != H (window packing)
};

template <class T>
T xat(const Tensor<T, cpu>& x, int64_t n, int64_t c, int64_t i, int64_t j) {
  const Shape& s = x.shape();  // operator[] does not format an error message per call, as dim() does
  if (i < 0 || j < 0 || i >= s[2] || j >= s[3]) return T(0);
  return x.data()[((n * s[1] + c) * s[2] + i) * s[3] + j];
}

// Naive forward in double.
template <class T>
std::vector<double> naive_conv(const Tensor<T, cpu>& x, const Tensor<T, cpu>& w, const Tensor<T, cpu>& b,
                               const Conv2dOptions& o, int64_t Ho, int64_t Wo) {
  const int64_t N = x.dim(0), C = x.dim(1), O = w.dim(0), kh = w.dim(2), kw = w.dim(3);
  std::vector<double> y(static_cast<size_t>(N * O * Ho * Wo));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < O; ++oc)
      for (int64_t i = 0; i < Ho; ++i)
        for (int64_t j = 0; j < Wo; ++j) {
          double s = b.defined() ? b.data()[oc] : 0.0;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t p = 0; p < kh; ++p)
              for (int64_t q = 0; q < kw; ++q)
                s += double(xat(x, n, c, i * o.stride_h - o.pad_h + p, j * o.stride_w - o.pad_w + q)) *
                     double(w.data()[((oc * C + c) * kh + p) * kw + q]);
          y[static_cast<size_t>(((n * O + oc) * Ho + i) * Wo + j)] = s;
        }
  return y;
}

// Naive gradients: dL/dx and dL/dw of sum(y * gy).
template <class T>
void naive_grads(const Tensor<T, cpu>& x, const Tensor<T, cpu>& w, const Tensor<T, cpu>& gy, const Conv2dOptions& o,
                 std::vector<double>& dx, std::vector<double>& dw) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), O = w.dim(0), kh = w.dim(2), kw = w.dim(3);
  const int64_t Ho = gy.dim(2), Wo = gy.dim(3);
  dx.assign(static_cast<size_t>(x.numel()), 0.0);
  dw.assign(static_cast<size_t>(w.numel()), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < O; ++oc)
      for (int64_t i = 0; i < Ho; ++i)
        for (int64_t j = 0; j < Wo; ++j) {
          const double g = gy.data()[((n * O + oc) * Ho + i) * Wo + j];
          for (int64_t c = 0; c < C; ++c)
            for (int64_t p = 0; p < kh; ++p)
              for (int64_t q = 0; q < kw; ++q) {
                const int64_t ii = i * o.stride_h - o.pad_h + p, jj = j * o.stride_w - o.pad_w + q;
                if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
                const size_t xi = static_cast<size_t>(((n * C + c) * H + ii) * W + jj);
                const size_t wi = static_cast<size_t>(((oc * C + c) * kh + p) * kw + q);
                dx[xi] += g * double(w.data()[wi]);
                dw[wi] += g * double(x.data()[xi]);
              }
        }
}

template <class T>
double max_diff(const Tensor<T, cpu>& t, const std::vector<double>& ref) {
  REQUIRE(static_cast<size_t>(t.numel()) == ref.size());
  double e = 0;
  for (size_t i = 0; i < ref.size(); ++i) e = std::max(e, std::abs(double(t.data()[i]) - ref[i]));
  return e;
}

}  // namespace

TEST_CASE_TEMPLATE("conv2d and its gradients match naive loops", T, float, double) {
  Rng gen(5);
  const double tol = sizeof(T) == 4 ? 1e-4 : 1e-12;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const Case& k : cases) {
      CAPTURE(k.C);
      CAPTURE(k.kh);
      CAPTURE(k.o.stride_h);
      CAPTURE(threads);
      auto x = randn<T>({k.N, k.C, k.H, k.W}, gen), w = randn<T>({k.O, k.C, k.kh, k.kw}, gen);
      auto b = randn<T>({k.O}, gen);
      auto y = ops::conv2d(x, w, b, k.o);
      const int64_t Ho = (k.H + 2 * k.o.pad_h - k.kh) / k.o.stride_h + 1;
      const int64_t Wo = (k.W + 2 * k.o.pad_w - k.kw) / k.o.stride_w + 1;
      CHECK(y.shape() == Shape{k.N, k.O, Ho, Wo});
      const double scale = std::sqrt(double(k.C * k.kh * k.kw));
      CHECK(max_diff(y, naive_conv(x, w, b, k.o, Ho, Wo)) < tol * scale);
      CHECK(max_diff(ops::conv2d(x, w, Tensor<T, cpu>{}, k.o), naive_conv(x, w, Tensor<T, cpu>{}, k.o, Ho, Wo)) <
            tol * scale);
      auto gy = randn<T>(y.shape(), gen);
      std::vector<double> dx, dw;
      naive_grads(x, w, gy, k.o, dx, dw);
      CHECK(max_diff(ops::conv2d_input_grad(gy, w, x.shape(), k.o), dx) < tol * scale);
      CHECK(max_diff(ops::conv2d_weight_grad(x, gy, w.shape(), k.o), dw) < tol * std::sqrt(double(k.N * Ho * Wo)) * 4);
    }
  }
  set_num_threads(2);
}

TEST_CASE("conv results are identical for 1 and 2 threads, for any batch size") {
  Rng gen(9);
  for (int64_t N : {1, 2, 5}) {
    auto x = randn<float>({N, 16, 12, 12}, gen), w = randn<float>({24, 16, 3, 3}, gen);
    const Conv2dOptions o{1, 1, 1, 1};
    set_num_threads(1);
    auto y1 = ops::conv2d(x, w, {}, o).to_vector();
    auto gy = randn<float>({N, 24, 12, 12}, gen);
    auto dx1 = ops::conv2d_input_grad(gy, w, x.shape(), o).to_vector();
    auto dw1 = ops::conv2d_weight_grad(x, gy, w.shape(), o).to_vector();
    set_num_threads(2);
    CHECK(y1 == ops::conv2d(x, w, {}, o).to_vector());
    CHECK(dx1 == ops::conv2d_input_grad(gy, w, x.shape(), o).to_vector());
    // The weight gradient sums images per thread, so only the same thread count repeats bit for bit.
    auto dw2 = ops::conv2d_weight_grad(x, gy, w.shape(), o).to_vector();
    CHECK(dw2 == ops::conv2d_weight_grad(x, gy, w.shape(), o).to_vector());
    for (size_t i = 0; i < dw1.size(); ++i) CHECK(dw1[i] == doctest::Approx(dw2[i]).epsilon(1e-4));
  }
}

TEST_CASE("conv_transpose2d is the input gradient of conv2d, plus bias") {
  Rng gen(2);
  auto x = randn<double>({2, 4, 5, 6}, gen), w = randn<double>({4, 3, 3, 3}, gen), b = randn<double>({3}, gen);
  const Conv2dOptions o{2, 2, 1, 1};
  auto y = ops::conv_transpose2d(x, w, b, o, 1, 0);
  CHECK(y.shape() == Shape{2, 3, 10, 11});
  auto ref = ops::conv2d_input_grad(x, w, Shape{2, 3, 10, 11}, o);
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t i = 0; i < 10; ++i)
        for (int64_t j = 0; j < 11; ++j) CHECK(y.at(n, c, i, j) == doctest::Approx(ref.at(n, c, i, j) + b.at(c)));
}

TEST_CASE_TEMPLATE("conv ops match PyTorch fixtures", T, float, double) {
  const double tol = sizeof(T) == 4 ? 1e-4 : 1e-5;  // fixtures are stored as float
  for (const auto& f : fixtures::conv_cases) {
    CAPTURE(f.name);
    auto t = [](const std::vector<int64_t>& shape, const float* v) {
      Shape s(shape);
      return Tensor<T, cpu>::from(s, std::vector<T>(v, v + s.numel()));
    };
    const Conv2dOptions o{f.stride[0], f.stride[1], f.pad[0], f.pad[1]};
    auto x = t(f.x_shape, f.x), w = t(f.w_shape, f.w), b = t({f.b_len}, f.b), gy = t(f.y_shape, f.gy);
    Tensor<T, cpu> y, dx, dw;
    if (f.transposed) {
      y = ops::conv_transpose2d(x, w, b, o, f.output_pad[0], f.output_pad[1]);
      // y = conv_transpose(x, w): dL/dx = conv2d(gy, w), dL/dw = weight grad with roles swapped.
      dx = ops::conv2d(gy, w, {}, o);
      dw = ops::conv2d_weight_grad(gy, x, w.shape(), o);
    } else {
      y = ops::conv2d(x, w, b, o);
      dx = ops::conv2d_input_grad(gy, w, x.shape(), o);
      dw = ops::conv2d_weight_grad(x, gy, w.shape(), o);
    }
    REQUIRE(y.shape() == Shape(f.y_shape));
    auto close = [&](const Tensor<T, cpu>& got, const float* want) {
      double e = 0, m = 0;
      for (int64_t i = 0; i < got.numel(); ++i) {
        e = std::max(e, std::abs(double(got.data()[i]) - double(want[i])));
        m = std::max(m, std::abs(double(want[i])));
      }
      return e <= tol * (1 + m);
    };
    CHECK(close(y, f.y));
    CHECK(close(dx, f.dx));
    CHECK(close(dw, f.dw));
  }
}

TEST_CASE("conv shape errors name the op and the shapes") {
  auto x = Tensor<float, cpu>::zeros({2, 3, 8, 8}), w = Tensor<float, cpu>::zeros({4, 5, 3, 3});
  CHECK_THROWS_WITH_AS(ops::conv2d(x, w), "conv2d: input [2, 3, 8, 8] has 3 channels but weight [4, 5, 3, 3] expects 5",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::conv2d(Tensor<float, cpu>::zeros({3, 8, 8}), w),
                       "conv2d: input must have shape [N, C, H, W], found [3, 8, 8] (weight [4, 5, 3, 3])", ShapeError);
  CHECK_THROWS_WITH_AS(ops::conv2d(x, Tensor<float, cpu>::zeros({4, 3, 9, 9})),
                       "conv2d: kernel 9x9 of weight [4, 3, 9, 9] does not fit the padded input [2, 3, 8, 8] "
                       "(padding 0, 0)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::conv2d(x, Tensor<float, cpu>::zeros({4, 3, 3, 3}), Tensor<float, cpu>::zeros({5})),
                       "conv2d: bias must have shape [4] for weight [4, 3, 3, 3], found [5]", ShapeError);
  CHECK_THROWS_WITH_AS(ops::conv2d_input_grad(Tensor<float, cpu>::zeros({2, 4, 7, 7}),
                                              Tensor<float, cpu>::zeros({4, 3, 3, 3}), Shape{2, 3, 8, 8}),
                       "conv2d_input_grad: output gradient has shape [2, 4, 7, 7] but input_shape [2, 3, 8, 8] and "
                       "weight [4, 3, 3, 3] give outputs of shape [2, 4, 6, 6]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::conv2d_weight_grad(x, Tensor<float, cpu>::zeros({2, 4, 6, 5}), Shape{4, 3, 3, 3}),
                       "conv2d_weight_grad: output gradient has shape [2, 4, 6, 5] but input [2, 3, 8, 8] and "
                       "weight_shape [4, 3, 3, 3] give outputs of shape [2, 4, 6, 6]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::conv_transpose2d(x, Tensor<float, cpu>::zeros({4, 3, 3, 3})),
                       "conv_transpose2d: input must be [N, Cin, H, W] and weight [Cin, Cout, kh, kw] with the same "
                       "Cin, found input [2, 3, 8, 8] and weight [4, 3, 3, 3]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::conv_transpose2d(x, Tensor<float, cpu>::zeros({3, 4, 3, 3}), {}, {2, 2, 0, 0}, 2, 0),
                       "conv_transpose2d: output padding (2, 0) must be >= 0 and smaller than the stride (2, 2)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(ops::conv2d(x, Tensor<float, cpu>::zeros({4, 3, 3, 3}), {}, {0, 1, 0, 0}),
                       "conv2d: stride must be >= 1 and padding >= 0, found stride (0, 1) and padding (0, 0)",
                       ShapeError);
}

// Small outputs (1 to 49 pixels): several images share a GEMM and its micro-tiles.
// Odd batches leave a short last group; stride 2 and 2x4 outputs take the packing path
// without the window loads; 40 channels make the 3x3 product span two K blocks.
TEST_CASE_TEMPLATE("conv on small outputs with odd batches matches naive loops", T, float, double) {
  const Case small[] = {
      {3, 40, 4, 4, 17, 3, 3, {1, 1, 1, 1}},  // 4x4 output, window packing
      {5, 7, 2, 2, 9, 3, 3, {1, 1, 1, 1}},    // 2x2
      {7, 6, 8, 8, 10, 3, 3, {1, 1, 1, 1}},   // 8x8
      {5, 40, 8, 8, 9, 3, 3, {2, 2, 1, 1}},   // 4x4 from stride 2
      {7, 5, 4, 4, 6, 3, 3, {2, 2, 1, 1}},    // 2x2 from stride 2
      {3, 6, 2, 4, 5, 3, 3, {1, 1, 1, 1}},    // 2x4: 8 pixels
      {7, 9, 4, 4, 11, 4, 4, {1, 1, 0, 0}},   // 1x1 output
      {5, 4, 3, 3, 7, 3, 3, {1, 1, 1, 1}},    // 3x3: 9 pixels, tiles straddle images
      {7, 5, 6, 6, 8, 3, 3, {1, 1, 1, 1}},    // 6x6 and 7x7: the input gradient groups images
      {5, 3, 7, 7, 9, 3, 3, {1, 1, 1, 1}},
      {3, 4, 5, 5, 6, 3, 3, {1, 1, 1, 1}},    // 5x5: one image per forward GEMM
  };
  Rng gen(17);
  const double tol = sizeof(T) == 4 ? 1e-4 : 1e-12;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const Case& k : small) {
      CAPTURE(k.N);
      CAPTURE(k.H);
      CAPTURE(k.o.stride_h);
      CAPTURE(threads);
      auto x = randn<T>({k.N, k.C, k.H, k.W}, gen), w = randn<T>({k.O, k.C, k.kh, k.kw}, gen);
      const int64_t Ho = (k.H + 2 * k.o.pad_h - k.kh) / k.o.stride_h + 1;
      const int64_t Wo = (k.W + 2 * k.o.pad_w - k.kw) / k.o.stride_w + 1;
      const double scale = std::sqrt(double(k.C * k.kh * k.kw));
      auto y = ops::conv2d(x, w, Tensor<T, cpu>{}, k.o);
      REQUIRE(y.shape() == Shape{k.N, k.O, Ho, Wo});
      CHECK(max_diff(y, naive_conv(x, w, Tensor<T, cpu>{}, k.o, Ho, Wo)) < tol * scale);
      auto gy = randn<T>(y.shape(), gen);
      std::vector<double> dx, dw;
      naive_grads(x, w, gy, k.o, dx, dw);
      auto gx = ops::conv2d_input_grad(gy, w, x.shape(), k.o);
      CHECK(max_diff(gx, dx) < tol * std::sqrt(double(k.O * k.kh * k.kw)));
      // Grouping images changes no bit: each image alone gives the same values.
      const int64_t xs = k.C * k.H * k.W, ys = k.O * Ho * Wo;
      for (int64_t n = 0; n < k.N; ++n) {
        auto x1 = x.narrow0(n, n + 1).clone(), gy1 = gy.narrow0(n, n + 1).clone();
        auto y1 = ops::conv2d(x1, w, Tensor<T, cpu>{}, k.o).to_vector();
        auto gx1 = ops::conv2d_input_grad(gy1, w, x1.shape(), k.o).to_vector();
        CHECK(std::equal(y1.begin(), y1.end(), y.data() + n * ys));
        CHECK(std::equal(gx1.begin(), gx1.end(), gx.data() + n * xs));
      }
    }
  }
  set_num_threads(2);
}

TEST_CASE("conv_transpose2d from 1x1 inputs (one image per GEMM column) matches the naive input gradient") {
  Rng gen(23);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    auto z = randn<float>({5, 12, 1, 1}, gen), w = randn<float>({12, 20, 4, 4}, gen);
    auto y = ops::conv_transpose2d(z, w, {}, {1, 1, 0, 0});
    REQUIRE(y.shape() == Shape{5, 20, 4, 4});
    for (int64_t n = 0; n < 5; ++n)
      for (int64_t c = 0; c < 20; ++c)
        for (int64_t i = 0; i < 4; ++i)
          for (int64_t j = 0; j < 4; ++j) {
            double s = 0;
            for (int64_t ci = 0; ci < 12; ++ci) s += double(z.at(n, ci, 0, 0)) * double(w.at(ci, c, i, j));
            CHECK(y.at(n, c, i, j) == doctest::Approx(s).epsilon(1e-5));
          }
  }
  set_num_threads(2);
}
