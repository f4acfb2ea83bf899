#pragma once
// Helpers shared by the block tests (test_nn_blocks*.cpp): construction, the runtime shape
// of a forward, second-order gradchecks with spectral norms held, parameter names.
#include "part_fixture.hpp"

namespace block_test {

using namespace gantry;

template <class P, class In, class T = float>
auto make(std::uint64_t seed = 1, InitScheme scheme = InitScheme::pytorch_default) {
  Rng gen(seed);
  Init init{gen, scheme};
  return typename P::template module<In, T, cpu>(init);
}

template <class P, class In>
using out = typename P::template output<In>;

// The runtime shape of a forward equals the static output shape.
template <class P, class In>
void check_runtime_shape(Context<float, cpu> ctx = {}) {
  auto m = make<P, In>();
  Rng gen(3);
  auto x = Var<float>::constant(randn<float>(In::runtime(2), gen));
  CHECK(m.forward(x, ctx).shape() == out<P, In>::runtime(2));
}

// Second-order gradcheck with every spectral norm's vectors held (after one forward that
// sets them), so that finite differences see the same function of the weights as the gradient.
template <class M>
void gradgrad_ok(M& m, const Shape& in, Context<double, cpu> ctx = {}) {
  const auto x = part_fixture::input(in);
  {
    Context<double, cpu> c = ctx;
    m.forward(x, c);
  }
  spectral_norm_frozen frozen;
  const auto r = part_fixture::gradgrad(m, x, ctx);
  CHECK_MESSAGE(r.ok, r.report);
}

// Sets a parameter found by name (e.g. a gain that starts at 0 and would hide a path).
template <class M, class T>
void set_parameter(M& m, const std::string& name, T value) {
  bool found = false;
  for_each_parameter<T, cpu>(m, [&](const std::string& n, Var<T, cpu>& p) {
    if (n != name) return;
    found = true;
    auto& v = p.value();
    for (int64_t i = 0; i < v.numel(); ++i) v.data()[i] = value;
  });
  REQUIRE_MESSAGE(found, "no parameter ", name);
}

template <class M>
std::vector<std::string> parameter_names(M& m) {
  part_fixture::detail::Collect<float, cpu> c;
  m.visit(c, "");
  std::vector<std::string> out;
  for (auto& [n, p] : c.params) out.push_back(n);
  for (auto& [n, b] : c.buffers) out.push_back(n);
  return out;
}


}  // namespace block_test
