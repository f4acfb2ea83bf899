// A tour of gantry's foundation on real data:
//  1. trains a small convolutional classifier on Fashion-MNIST with the tape and plain
//     SGD with momentum, printing the loss and the test accuracy;
//  2. computes a WGAN-GP gradient penalty for a small critic (a double backward) and
//     compares its gradient with respect to the weights with finite differences.
// Usage: autograd_tour [steps=3000] [fashion-mnist dir]
#include <gantry/autograd.hpp>
#include <gantry/data/fashion_mnist.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

using namespace gantry;

namespace {

template <class T>
struct Classifier {
  // conv 1->16 (5x5, stride 2, pad 2): 28->14; conv 16->32 (3x3, stride 2, pad 1): 14->7; linear 32*7*7 -> 10
  std::vector<Var<T>> params;

  explicit Classifier(Rng& gen) {
    auto uniform = [&](Shape s, int64_t fan_in) {  // PyTorch's default bound 1/sqrt(fan_in)
      const T b = T(1) / std::sqrt(static_cast<T>(fan_in));
      return Var<T>(rand<T>(s, gen, -b, b), true);
    };
    params = {uniform({16, 1, 5, 5}, 25), uniform({16}, 25), uniform({32, 16, 3, 3}, 144),
              uniform({32}, 144),         uniform({32 * 49, 10}, 32 * 49), uniform({10}, 32 * 49)};
  }
  Var<T> logits(const Var<T>& x) const {
    auto h = relu(conv2d(x, params[0], params[1], ops::Conv2dOptions::same(2, 2)));
    h = relu(conv2d(h, params[2], params[3], ops::Conv2dOptions::same(2, 1)));
    return add(matmul(reshape(h, {x.dim(0), -1}), params[4]), params[5]);
  }
};

// Mean cross-entropy of logits [N, K] against integer labels.
template <class T>
Var<T> cross_entropy(const Var<T>& logits, const std::vector<int64_t>& labels) {
  auto targets = Var<T>::constant(one_hot<T>(Indices{Shape{static_cast<int64_t>(labels.size())}, labels},
                                             logits.dim(1)));
  return neg(mean(sum(mul(log_softmax(logits, 1), targets), {1})));
}

Tensor<float> batch_of(const data::LabeledImages& d, const std::vector<int64_t>& idx, std::vector<int64_t>& labels) {
  Tensor<float> x({static_cast<int64_t>(idx.size()), 1, 28, 28});
  labels.clear();
  for (std::size_t i = 0; i < idx.size(); ++i) {
    const float* src = d.images.data() + idx[i] * 784;
    for (int j = 0; j < 784; ++j) x.data()[i * 784 + j] = src[j] * 2.0f - 1.0f;
    labels.push_back(d.labels[static_cast<std::size_t>(idx[i])]);
  }
  return x;
}

void train_classifier(int steps, const std::string& dir) {
  std::printf("== 1. A convolutional classifier on Fashion-MNIST (%d SGD steps of 64, %d threads)\n", steps,
              num_threads());
  const auto train = data::fashion_mnist("train", dir);
  const auto test = data::fashion_mnist("test", dir);
  Rng gen(1);
  Classifier<float> net(gen);
  std::vector<Tensor<float>> velocity;
  for (const auto& p : net.params) velocity.push_back(Tensor<float>::zeros(p.shape()));
  const float lr = 0.05f, momentum = 0.9f;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<int64_t> idx(64), labels;
  double running = 0;
  for (int step = 1; step <= steps; ++step) {
    for (auto& i : idx) i = static_cast<int64_t>(gen.uniform() * static_cast<double>(train.size())) % train.size();
    const Var<float> x = Var<float>::constant(batch_of(train, idx, labels));
    auto loss = cross_entropy(net.logits(x), labels);
    for (auto& p : net.params) p.zero_grad();
    loss.backward();
    for (std::size_t k = 0; k < net.params.size(); ++k) {  // v = m v + g; p -= lr v
      auto& v = velocity[k];
      v = ops::add(ops::mul_scalar(v, momentum), net.params[k].grad().value());
      net.params[k].value() = ops::sub(net.params[k].value(), ops::mul_scalar(v, lr));
    }
    running = step == 1 ? loss.item() : 0.95 * running + 0.05 * loss.item();
    if (step % 100 == 0 || step == steps) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("  step %4d  loss %.3f  (%.1f steps/s)\n", step, running, step / secs);
      std::fflush(stdout);
    }
  }
  no_grad ng;
  int64_t correct = 0;
  for (int64_t b = 0; b < test.size(); b += 500) {
    std::vector<int64_t> ids;
    for (int64_t i = b; i < std::min(b + 500, test.size()); ++i) ids.push_back(i);
    auto logits = net.logits(Var<float>::constant(batch_of(test, ids, labels))).value();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      int best = 0;
      for (int c = 1; c < 10; ++c)
        if (logits.at(static_cast<int64_t>(i), c) > logits.at(static_cast<int64_t>(i), best)) best = c;
      correct += best == labels[i];
    }
  }
  std::printf("  test accuracy: %.2f%% of %lld images\n", 100.0 * static_cast<double>(correct) / test.size(),
              static_cast<long long>(test.size()));
}

void gradient_penalty_check() {
  std::printf("== 2. A WGAN-GP gradient penalty and its exact gradient (double backward)\n");
  using V = Var<double>;
  Rng gen(2);
  std::vector<V> w = {V(rand<double>({4, 1, 3, 3}, gen, -0.5, 0.5), true), V(rand<double>({4 * 7 * 7, 1}, gen, -0.1, 0.1), true)};
  auto real = rand<double>({4, 1, 7, 7}, gen, -1, 1), fake = rand<double>({4, 1, 7, 7}, gen, -1, 1);
  auto alpha = rand<double>({4, 1, 1, 1}, gen);
  auto x_hat = ops::add(real, ops::mul(alpha, ops::sub(fake, real)));
  auto penalty = [&](const std::vector<V>& p) {
    V xh(x_hat, true);
    auto d = matmul(reshape(tanh(conv2d(xh, p[0], V(), ops::Conv2dOptions::same(1, 1))), {4, -1}), p[1]);
    auto g = grad(sum(d), xh, {.create_graph = true});
    auto norms = sqrt(sum(mul(g, g), {1, 2, 3}));
    return mul_scalar(mean(pow_scalar(add_scalar(norms, -1.0), 2.0)), 10.0);
  };
  auto p = penalty(w);
  p.backward();
  std::printf("  penalty = %.6f\n", p.item());
  // Central differences on a few weights of the first layer.
  double worst = 0;
  for (int64_t i = 0; i < 36; i += 7) {
    auto& t = w[0].value();
    const double orig = t[i], eps = 1e-6;
    double fp, fm;
    t[i] = orig + eps;
    fp = penalty(w).item();
    t[i] = orig - eps;
    fm = penalty(w).item();
    t[i] = orig;
    const double numeric = (fp - fm) / (2 * eps), analytic = w[0].grad().value()[i];
    const double rel = std::abs(analytic - numeric) / std::max(1e-12, std::abs(numeric));
    worst = std::max(worst, rel);
    std::printf("  dP/dw1[%2lld]: analytic % .8f  finite differences % .8f\n", static_cast<long long>(i), analytic,
                numeric);
  }
  std::printf("  largest relative difference: %.2e %s\n", worst, worst < 1e-5 ? "(ok)" : "(TOO LARGE)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int steps = argc > 1 ? std::stoi(argv[1]) : 3000;
    const std::string dir = argc > 2 ? argv[2] : data::fashion_mnist_default_dir;
    train_classifier(steps, dir);
    gradient_penalty_check();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autograd_tour: %s\n", e.what());
    return 1;
  }
}
