// First- and second-order gradient checks (double precision, central differences) for
// matmul, bmm, conv2d, conv_transpose2d, conv2d_input_grad and conv2d_weight_grad.
#include <doctest/doctest.h>

#include <gantry/autograd.hpp>

#include "gradcheck_support.hpp"

using namespace gantry;
using testing::check_both;
using V = Var<double, cpu>;
using Vs = std::vector<V>;

namespace {

struct ConvCase {
  int64_t N, C, H, W, O, kh, kw;
  Conv2dOptions o;
};

// Odd sizes, stride 1 and 2, padding 0/1/2, non-square kernels.
const ConvCase conv_cases[] = {
    {2, 2, 5, 5, 3, 3, 3, {1, 1, 1, 1}},
    {1, 3, 7, 6, 2, 3, 2, {2, 2, 0, 1}},
    {2, 2, 6, 5, 2, 2, 3, {2, 1, 2, 0}},
    {1, 2, 5, 7, 3, 1, 4, {1, 2, 0, 2}},
};

int64_t out_size(int64_t in, int64_t k, int s, int p) { return (in + 2 * p - k) / s + 1; }

}  // namespace

TEST_CASE("matmul: gradcheck and gradgradcheck for every transpose") {
  Rng gen(1);
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      CAPTURE(ta);
      CAPTURE(tb);
      auto a = random_input(ta ? Shape{4, 3} : Shape{3, 4}, gen), b = random_input(tb ? Shape{5, 4} : Shape{4, 5}, gen);
      check_both([=](const Vs& v) { return matmul(v[0], v[1], bool(ta), bool(tb)); }, {a, b});
    }
}

TEST_CASE("bmm: gradcheck and gradgradcheck, including batch-1 broadcast") {
  Rng gen(2);
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      CAPTURE(ta);
      CAPTURE(tb);
      auto a = random_input(ta ? Shape{2, 4, 3} : Shape{2, 3, 4}, gen);
      auto b = random_input(tb ? Shape{2, 5, 4} : Shape{2, 4, 5}, gen);
      check_both([=](const Vs& v) { return bmm(v[0], v[1], bool(ta), bool(tb)); }, {a, b});
      auto b1 = random_input(tb ? Shape{1, 5, 4} : Shape{1, 4, 5}, gen);
      check_both([=](const Vs& v) { return matmul(v[0], v[1], bool(ta), bool(tb)); }, {a, b1});
      auto a1 = random_input(ta ? Shape{1, 4, 3} : Shape{1, 3, 4}, gen);
      check_both([=](const Vs& v) { return bmm(v[0], v[1], bool(ta), bool(tb)); }, {a1, b});
    }
}

TEST_CASE("conv2d: gradcheck and gradgradcheck with and without bias") {
  Rng gen(3);
  for (const auto& k : conv_cases) {
    CAPTURE(k.kh);
    CAPTURE(k.kw);
    CAPTURE(k.o.stride_h);
    CAPTURE(k.o.pad_h);
    auto x = random_input({k.N, k.C, k.H, k.W}, gen), w = random_input({k.O, k.C, k.kh, k.kw}, gen);
    auto b = random_input({k.O}, gen);
    const auto o = k.o;
    check_both([=](const Vs& v) { return conv2d(v[0], v[1], v[2], o); }, {x, w, b});
    check_both([=](const Vs& v) { return conv2d(v[0], v[1], V(), o); }, {x, w});
  }
}

TEST_CASE("conv2d_input_grad and conv2d_weight_grad: gradcheck and gradgradcheck") {
  Rng gen(4);
  for (const auto& k : conv_cases) {
    CAPTURE(k.kh);
    CAPTURE(k.o.stride_h);
    const Shape xs{k.N, k.C, k.H, k.W}, ws{k.O, k.C, k.kh, k.kw};
    const Shape ys{k.N, k.O, out_size(k.H, k.kh, k.o.stride_h, k.o.pad_h), out_size(k.W, k.kw, k.o.stride_w, k.o.pad_w)};
    auto x = random_input(xs, gen), w = random_input(ws, gen), gy = random_input(ys, gen);
    const auto o = k.o;
    check_both([=](const Vs& v) { return conv2d_input_grad(v[0], v[1], xs, o); }, {gy, w});
    check_both([=](const Vs& v) { return conv2d_weight_grad(v[0], v[1], ws, o); }, {x, gy});
  }
}

TEST_CASE("conv_transpose2d: gradcheck and gradgradcheck with output padding") {
  Rng gen(5);
  struct T {
    Shape x, w;
    Conv2dOptions o;
    int oph, opw;
  };
  const T cases[] = {{{2, 3, 3, 4}, {3, 2, 3, 3}, {2, 2, 1, 1}, 1, 1},
                     {{1, 2, 4, 3}, {2, 3, 4, 2}, {2, 1, 1, 0}, 0, 0},
                     {{2, 2, 3, 3}, {2, 2, 2, 3}, {3, 2, 0, 1}, 2, 1}};
  for (const auto& c : cases) {
    auto x = random_input(c.x, gen), w = random_input(c.w, gen), b = random_input({c.w[1]}, gen);
    const auto o = c.o;
    const int oph = c.oph, opw = c.opw;
    check_both([=](const Vs& v) { return conv_transpose2d(v[0], v[1], v[2], o, oph, opw); }, {x, w, b});
  }
}

TEST_CASE("a WGAN-GP style penalty through a convolution has exact second derivatives") {
  // d/dw of |d(sum conv(x, w)^2)/dx|^2 mixes all three convolution ops.
  Rng gen(6);
  auto x = random_input({1, 2, 5, 5}, gen), w = random_input({2, 2, 3, 3}, gen);
  const GradFn penalty = [](const Vs& v) {
    grad_mode_guard on(true);  // gradcheck's finite differences run under no_grad
    auto y = conv2d(v[0], v[1], V(), Conv2dOptions{2, 2, 1, 1});
    auto gx = grad(Vs{sum(mul(y, y))}, Vs{v[0]}, {}, GradOptions{.create_graph = true})[0];
    return sum(mul(gx, gx));
  };
  const auto r = gradcheck(penalty, {x, w});
  CHECK_MESSAGE(r.ok, r.report);
}
