#pragma once
// What the one-step tests against a PyTorch re-implementation share (test_models_sagan,
// test_models_cdcgan; tests/fixtures/make_sagan_fixtures.py's `one_step`): starting values both
// sides compute from a tensor's name (`hashed_uniform`, `initial`), so a fixture file holds only
// what PyTorch computed; the step's passes and the comparison of every gradient and buffer.
#include <doctest/doctest.h>

#include <gantry/autograd/param_visitor.hpp>
#include <gantry/core/tensor.hpp>
#include <gantry/io/safetensors.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "part_fixture.hpp"

namespace gantry::test {

// `hashed_uniform`: a 32-bit integer hash of (name, index) in [-1, 1).
inline std::vector<double> hashed_uniform(const std::string& name, int64_t n) {
  std::uint32_t seed = 2166136261u;
  for (unsigned char c : name) seed = (seed ^ c) * 16777619u;
  std::vector<double> out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    std::uint32_t h = static_cast<std::uint32_t>(i) * 2654435761u + seed;
    for (int k = 0; k < 2; ++k) {
      h ^= h >> 16;
      h *= 0x45D9F3Bu;
    }
    h ^= h >> 16;
    out[static_cast<std::size_t>(i)] = static_cast<double>(h) / 4294967296.0 * 2.0 - 1.0;
  }
  return out;
}

inline bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// `initial`: the starting value of every parameter and buffer.
inline std::vector<float> initial_value(const std::string& name, const Shape& shape) {
  const int64_t n = shape.numel();
  const std::string last = name.substr(name.rfind('.') + 1);
  const auto u = hashed_uniform(name, n);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < v.size(); ++i) {
    double x;
    if (ends_with(name, "gain.weight")) x = 1.0 + 0.2 * u[i];
    else if (ends_with(name, "bias.weight")) x = 0.2 * u[i];
    else if (last == "u") x = u[i];
    else if (last == "sv" || last == "running_var") x = 1.0;
    else if (last == "running_mean" || last == "num_batches_tracked") x = 0.0;
    else if (last == "gamma") x = 0.5;
    else if (last == "bias") x = 0.1 * u[i];
    else if (last == "weight" && shape.rank() == 1) x = 1.0 + 0.2 * u[i];
    else x = u[i] * std::sqrt(3.0 / static_cast<double>(n / shape[0]));
    v[i] = static_cast<float>(x);
  }
  return v;
}

struct SetInitial : ParamVisitor<float, cpu> {
  std::string prefix;
  int count = 0;
  void fill(const std::string& name, Tensor<float, cpu> t) {
    const auto v = initial_value(prefix + name, t.shape());
    std::copy(v.begin(), v.end(), t.data());
    ++count;
  }
  void parameter(const std::string& name, Var<float, cpu>& p) override { fill(name, p.value()); }
  void buffer(const std::string& name, Tensor<float, cpu>& b) override { fill(name, b); }
};

template <class M>
void set_initial(M& m, const std::string& prefix) {
  SetInitial s;
  s.prefix = prefix;
  m.visit(s, "");
  CHECK(s.count > 0);
}

template <class M>
int64_t count_parameters(M& m) {
  int64_t n = 0;
  for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float>& p) { n += p.numel(); });
  return n;
}

// One D step and one G step of nets G and D (already at their hashed starting values) with
// `Loss`, as the fixture computed them: fakes G(z_d, y_fake) in training mode off the tape; D on
// the real batch x (the hashed "x") and on the fakes in two passes, the D loss and every D
// gradient; then the G loss on D(G(z_g, y_g), y_g) and every G gradient (D's gradients
// accumulate further and are not read again); every buffer of both afterwards. `min_scale(name)`
// is the comparison floor of a tensor that is zero in exact arithmetic. Returns how many
// gradients and buffers were compared, after checking that the file holds no others.
template <class Loss, class G, class D, class MinScale>
int check_hashed_step(const io::TensorFile& f, G& g, D& d, const Shape& x_shape, int64_t z_size,
                      part_fixture::WorstError& worst, MinScale min_scale) {
  const int64_t batch = x_shape[0];
  const auto xs = hashed_uniform("x", x_shape.numel());
  const Var<float> x(Tensor<float>::from(x_shape, std::vector<float>(xs.begin(), xs.end())));
  const Var<float> z_d(f.get<float>("z_d", {batch, z_size})), z_g(f.get<float>("z_g", {batch, z_size}));
  const auto y_real = f.get_ints("y_real"), y_fake = f.get_ints("y_fake"), y_g = f.get_ints("y_g");

  Var<float> fake;
  {
    no_grad guard;
    fake = Var<float>(g.forward(z_d, y_fake, true).value());
  }
  worst.check(f, "fake_sum", sum(fake).value().reshape({1}), "sum of the D step's fakes");
  const auto d_real = d.forward(x, y_real, true);
  const auto d_fake = d.forward(fake, y_fake, true);
  const auto d_loss = Loss::d_loss(d_real, d_fake);
  d_loss.backward();
  worst.check(f, "d_real", d_real.value(), "D(x, y)");
  worst.check(f, "d_fake", d_fake.value(), "D(G(z, y), y)");
  worst.check(f, "d_loss", d_loss.value().reshape({1}), "D loss");

  part_fixture::detail::Collect<float, cpu> dc, gc;
  d.visit(dc, "");
  g.visit(gc, "");
  int compared = 0;
  for (auto& [name, p] : dc.params) {
    worst.check(f, "grad.D." + name, p->grad().value(), "D loss gradient of D." + name, min_scale("D." + name));
    ++compared;
  }
  const auto g_loss = Loss::g_loss(d.forward(g.forward(z_g, y_g, true), y_g, true));
  g_loss.backward();
  worst.check(f, "g_loss", g_loss.value().reshape({1}), "G loss");
  for (auto& [name, p] : gc.params) {
    worst.check(f, "grad.G." + name, p->grad().value(), "G loss gradient of G." + name, min_scale("G." + name));
    ++compared;
  }
  for (auto* c : {&gc, &dc})
    for (auto& [name, b] : c->buffers) {
      const std::string net = c == &gc ? "G." : "D.";
      worst.check(f, "buffer." + net + name, *b, "buffer " + net + name);
      ++compared;
    }
  // Every gradient and buffer of the fixture was compared (nothing on one side only).
  int in_file = 0;
  for (const auto& [key, e] : f.tensors) in_file += key.rfind("grad.", 0) == 0 || key.rfind("buffer.", 0) == 0;
  CHECK(compared == in_file);
  return compared;
}

}  // namespace gantry::test
