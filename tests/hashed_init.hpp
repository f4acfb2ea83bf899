#pragma once
// Starting values both sides of a step fixture compute from a tensor's name
// (tests/fixtures/make_sagan_fixtures.py's `hashed_uniform` and `initial`), so a fixture file
// holds only what PyTorch computed. Used by test_models_sagan and test_models_cdcgan.
#include <doctest/doctest.h>

#include <gantry/autograd/param_visitor.hpp>
#include <gantry/core/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

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

}  // namespace gantry::test
