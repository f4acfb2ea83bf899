#pragma once
// What the one-step parity tests against a paper's official training function share
// (test_models_unetgan, test_models_icgan): the step file tests/fixtures/models/<name>_step
// .safetensors and the state file its metadata names, the worst relative error over every
// check, the state-sum guard, and every gradient of a module compared by official name.
#include <doctest/doctest.h>

#include <gantry/io.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "part_fixture.hpp"

namespace gantry::test {

struct OfficialStep {
  std::string name;
  io::TensorFile f, state;
  part_fixture::WorstError worst{.tol = 1e-4};
  int compared = 0;

  explicit OfficialStep(std::string n)
      : name(std::move(n)),
        f(io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/models/" + name + "_step.safetensors")),
        state(io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/" + f.metadata.at("state_file"))) {}

  static double rms(const Tensor<float, cpu>& t) {
    double sq = 0;
    for (float v : t.to_vector()) sq += static_cast<double>(v) * v;
    return std::sqrt(sq / static_cast<double>(t.numel()));
  }
  double scalar(const std::string& key) const { return f.get<double>(key).to_vector().at(0); }

  void check(const std::string& key, const Tensor<float, cpu>& actual, const std::string& label) {
    worst.check(f, key, actual, label);
    ++compared;
  }
  void check_loss(const std::string& key, const Var<float>& actual, const std::string& label) {
    check("loss." + key, actual.value().reshape({1}), label);
  }

  // The state file is the one the fixture script started from (the sum of |v| it recorded).
  void check_state_sum(const char* script) const {
    double sum = 0;
    for (const auto& [key, e] : state.tensors)
      if (key.rfind("G.", 0) == 0 || key.rfind("D.", 0) == 0)
        for (double v : state.get<double>(key).to_vector()) sum += std::abs(v);
    const double expected = scalar("state_sum");
    REQUIRE_MESSAGE(std::abs(sum - expected) <= 1e-6 * expected, state.path, " is not the state ", script,
                    " started from: rerun that script");
  }

  // Every gradient of module `m` against grad.<net>.<official(name)>; tensors that are zero
  // in exact arithmetic (biases that only reach a training-mode batch norm: the reference
  // holds rounding noise) are compared at 1e-3 of the net's largest gradient rms. Returns
  // how many were compared.
  template <class M, class Official>
  int check_grads(M& m, const std::string& net, Official&& official) {
    part_fixture::detail::Collect<float, cpu> c;
    m.visit(c, "");
    double scale = 0;
    for (auto& [n, p] : c.params) scale = std::max(scale, rms(f.get<float>("grad." + net + "." + official(n))));
    int count = 0;
    for (auto& [n, p] : c.params) {
      const std::string key = "grad." + net + "." + official(n);
      const bool zero = rms(f.get<float>(key)) < 1e-9 * scale;
      worst.check(f, key, p->grad().value(), net + " gradient of gantry's " + net + "." + n, zero ? 1e-3 * scale : 0.0);
      ++count;
    }
    return count;
  }

  int gradients_in_file() const {
    int n = 0;
    for (const auto& [key, e] : f.tensors) n += key.rfind("grad.", 0) == 0;
    return n;
  }
};

}  // namespace gantry::test
