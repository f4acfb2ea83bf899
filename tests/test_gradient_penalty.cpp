// The real use of second derivatives: the WGAN-GP penalty lambda * (||grad_x D(x_hat)||_2 - 1)^2
// of a small convolutional critic, differentiated with respect to the critic's weights
// (a double backward through conv, leaky ReLU, stride, padding and a linear head), against
// central finite differences.
#include <doctest/doctest.h>

#include <gantry/autograd.hpp>

using namespace gantry;
using V = Var<double, cpu>;
using Vs = std::vector<V>;

namespace {

// D(x) = w3 . flatten(lrelu(conv(lrelu(conv(x, w1) + b1), w2, stride 2) + b2)) + b3
V critic(const V& x, const Vs& w) {
  auto h = leaky_relu(conv2d(x, w[0], w[1], ops::Conv2dOptions::same(1, 1)), 0.2);
  h = leaky_relu(conv2d(h, w[2], w[3], ops::Conv2dOptions::same(2, 1)), 0.2);
  h = reshape(h, {x.dim(0), -1});
  return add(matmul(h, w[4]), w[5]);  // [N, 1]
}

// lambda * mean_n (||grad_x D(x_hat)_n|| - 1)^2, differentiable in the weights.
V penalty(const Tensor<double, cpu>& x_hat, const Vs& w, double lambda) {
  V xh(x_hat, true);
  auto d = critic(xh, w);
  auto g = grad(std::vector<V>{sum(d)}, std::vector<V>{xh}, {}, GradOptions{.create_graph = true})[0];
  auto norms = sqrt(sum(mul(g, g), {1, 2, 3}));
  return mul_scalar(mean(pow_scalar(add_scalar(norms, -1.0), 2.0)), lambda);
}

}  // namespace

TEST_CASE("WGAN-GP penalty: gradient with respect to the critic's weights") {
  Rng gen(3);
  const int64_t n = 3;
  auto real = rand<double>({n, 2, 6, 6}, gen, -1, 1), fake = rand<double>({n, 2, 6, 6}, gen, -1, 1);
  // x_hat = real + alpha (fake - real), one alpha per sample.
  auto alpha = rand<double>({n, 1, 1, 1}, gen);
  auto x_hat = ops::add(real, ops::mul(alpha, ops::sub(fake, real)));
  Vs w = {random_input({3, 2, 3, 3}, gen, -0.5, 0.5), random_input({3}, gen, -0.1, 0.1),
          random_input({4, 3, 3, 3}, gen, -0.5, 0.5), random_input({4}, gen, -0.1, 0.1),
          random_input({4 * 3 * 3, 1}, gen, -0.5, 0.5), random_input({1}, gen, -0.1, 0.1)};
  auto f = [&](const Vs& weights) { return penalty(x_hat, weights, 10.0); };
  auto r = gradcheck(f, w, {.eps = 1e-6, .atol = 1e-6, .rtol = 1e-5});
  CHECK_MESSAGE(r.ok, r.report);
  // The penalty depends on the biases of the hidden layers only through the leaky ReLU
  // pattern, which is locally constant: the tape has no path to them at all (an undefined
  // gradient), while the weights get a real one.
  CHECK_THROWS_WITH(grad(std::vector<V>{f(w)}, w), doctest::Contains("do not depend on input 1"));
  auto gw = grad(std::vector<V>{f(w)}, w, {}, GradOptions{.allow_unused = true});
  CHECK_FALSE(gw[1].defined());
  CHECK_FALSE(gw[3].defined());
  double norm_w1 = 0;
  for (double v : gw[0].value().to_vector()) norm_w1 += v * v;
  CHECK(norm_w1 > 1e-6);
}
