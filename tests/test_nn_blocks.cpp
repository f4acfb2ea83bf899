// Attention and residual blocks: static shapes at odd and even sizes, PyTorch fixtures
// (tests/fixtures/make_block_fixtures.py), second-order gradchecks in double.
#include <gantry/nn/self_attention.hpp>

#include "part_fixture.hpp"

using namespace gantry;

namespace {

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

}  // namespace

// ---- self-attention -----------------------------------------------------------------------
static_assert(std::is_same_v<out<SelfAttention, Image<16, 6, 4>>, Image<16, 6, 4>>);
static_assert(std::is_same_v<out<SelfAttention, Image<12, 2, 8>>, Image<12, 2, 8>>);
static_assert(!SelfAttention::accepts<Image<16, 5, 4>> && !SelfAttention::accepts<Image<16, 4, 7>>);
static_assert(!SelfAttention::accepts<Image<4, 4, 4>> && !SelfAttention::accepts<Vector<64>>);
static_assert(std::is_same_v<SelfAttention::expects<Image<4, 3, 3>>, ImageWithEvenSidesAndAtLeastChannels<8>>);

TEST_CASE("SelfAttention: shapes, names, gamma starts at 0") {
  check_runtime_shape<SelfAttention, Image<16, 6, 4>>();
  check_runtime_shape<SelfAttention, Image<12, 2, 8>>();  // C/8 = 1, C/2 = 6
  auto m = make<SelfAttention, Image<16, 4, 4>>();
  CHECK(m.gamma.shape() == Shape{});
  CHECK(m.gamma.item() == 0.0f);
  CHECK(m.theta.inner.weight.shape() == Shape{2, 16, 1, 1});
  CHECK(m.g.inner.weight.shape() == Shape{8, 16, 1, 1});
  CHECK(m.o.inner.weight.shape() == Shape{16, 8, 1, 1});
  CHECK(parameter_names(m) == std::vector<std::string>{"theta.weight", "phi.weight", "g.weight", "o.weight", "gamma",
                                                       "theta.u", "theta.sv", "phi.u", "phi.sv", "g.u", "g.sv", "o.u",
                                                       "o.sv"});
  // With gamma = 0 the block is the identity.
  Context<float, cpu> ctx;
  Rng gen(2);
  auto x = Var<float>::constant(randn<float>({2, 16, 4, 4}, gen));
  CHECK(m.forward(x, ctx).value().to_vector() == x.value().to_vector());
}

TEST_CASE("SelfAttention matches BigGAN-PyTorch's Attention (PyTorch fixtures)") {
  auto m = make<SelfAttention, Image<16, 6, 4>>();
  part_fixture::check(m, "self_attention");
  auto e = make<SNSelfAttention<6>, Image<8, 4, 4>>();
  part_fixture::check(e, "self_attention_eval");
}

TEST_CASE("SelfAttention: second-order gradcheck (double)") {
  auto m = make<SelfAttention, Image<8, 4, 4>, double>();
  set_parameter(m, "gamma", 0.7);
  Context<double, cpu> ctx;
  ctx.training = false;
  gradgrad_ok(m, Shape{2, 8, 4, 4}, ctx);
}
