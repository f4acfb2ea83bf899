// Generator conditioning plumbing (nn/framework/conditioning.hpp, nn/framework/model.hpp): what each conditioned
// block receives for BigGAN (hierarchical z, shared embedding), BigGAN-deep (full
// conditioning), BigGAN CIFAR (labels only), IC-GAN / cc-IC-GAN (instance features), U-Net
// GAN (self-modulation); counting of conditioned blocks, names, errors, second order.
#include "part_fixture.hpp"

#include <map>

using namespace gantry;

namespace {

// What the probes saw in the last forward.
struct Seen {
  std::vector<Tensor<float>> conditions;  // one per conditioned probe, undefined when none
  std::vector<Shape> inputs;              // the body's input (InputProbe)
  std::vector<Tensor<float>> latents;     // ctx.latent (LatentProbe)
  std::vector<std::vector<int64_t>> labels;
  void clear() { *this = {}; }
};
Seen seen;

template <class T>
Tensor<float> as_float(const Var<T, cpu>& v) {
  if (!v.defined()) return {};
  const auto values = v.value().to_vector();
  return Tensor<float>::from(v.shape(), std::vector<float>(values.begin(), values.end()));
}

struct IdentityPart {
  template <class In>
  static constexpr bool accepts = true;
  template <class In>
  using expects = In;
  template <class In>
  using output = In;
};

// A conditioned block: takes ctx.next_condition() once and passes x through.
struct Probe : IdentityPart {
  static constexpr bool conditioned = true;
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      seen.conditions.push_back(as_float(ctx.next_condition()));
      seen.labels.push_back(ctx.labels);
      return x;
    }
  };
};
struct InputProbe : IdentityPart {
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) {
      seen.inputs.push_back(x.shape());
      return x;
    }
  };
};
struct LatentProbe : IdentityPart {
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      seen.latents.push_back(as_float(ctx.latent));
      return x;
    }
  };
};
// Declares itself conditioned but never asks: the Generator notices.
struct Liar : IdentityPart {
  static constexpr bool conditioned = true;
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return x; }
  };
};
// A composite of two conditioned blocks (like a stage of BigGAN-deep).
struct TwoProbes : IdentityPart {
  static constexpr int conditioned_blocks = 2;
  template <class In, class T, class D>
  struct module {
    Probe::module<In, T, D> a, b;
    explicit module(Init& init) : a(init), b(init) {}
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) { return b.forward(a.forward(x, ctx), ctx); }
    void visit(ParamVisitor<T, D>&, const std::string&) {}
  };
};
// A differentiable use of the condition: cat(x, condition), declaring the size it expects.
template <int C>
struct ConcatCondition {
  static constexpr bool conditioned = true;
  static constexpr int condition_size = C;
  template <class In>
  static constexpr bool accepts = VectorShape<In>;
  template <class In>
  using expects = AnyVector;
  template <class In>
  using output = Vector<In::size + C>;
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      return concat(std::vector<Var<T, D>>{x, ctx.next_condition()}, 1);
    }
  };
};

template <class G>
auto make(std::uint64_t seed = 1) {
  Rng gen(seed);
  Init init{gen};
  return typename G::template module<float, cpu>(init);
}

Var<float> randn_var(const Shape& s, std::uint64_t seed) {
  Rng gen(seed);
  return Var<float>(randn<float>(s, gen), true);
}

// Columns [begin, end) of a [B, N] tensor.
std::vector<float> columns(const Tensor<float>& t, int64_t begin, int64_t end) {
  std::vector<float> out;
  for (int64_t b = 0; b < t.dim(0); ++b)
    for (int64_t j = begin; j < end; ++j) out.push_back(t.at(b, j));
  return out;
}

template <class M>
std::map<std::string, Shape> parameter_shapes(M& m) {
  part_fixture::detail::Collect<float, cpu> c;
  m.visit(c, "");
  std::map<std::string, Shape> out;
  for (auto& [n, p] : c.params) out[n] = p->shape();
  for (auto& [n, b] : c.buffers) out[n] = b->shape();
  return out;
}

// Rows of a [Num, Dim] table for labels, as a [B, Dim] list of values.
std::vector<float> rows(const Tensor<float>& table, const std::vector<int64_t>& labels) {
  std::vector<float> out;
  for (auto y : labels)
    for (int64_t j = 0; j < table.dim(1); ++j) out.push_back(table.at(y, j));
  return out;
}

// BigGAN 128 x 128 (SPECS §3b): dz 120, 5 G blocks -> 6 slots of 20, shared 128, condition 148.
// Small stand-ins between the blocks (an unconditioned part does not take a slot).
using BigGAN128 = Generator<Latent<120>, Classes<1000>, SharedEmbedding<128>, Hierarchical, InputProbe, Linear<16>,
                            Probe, Probe, Probe, ReLU, Probe, InputProbe, Probe, Tanh>;
// BigGAN-deep (SPECS §3c): cat(shared(y), z) = 256 to the first linear and every block.
using BigGANDeep = Generator<Latent<128>, Classes<1000>, SharedEmbedding<128>, FullConditioning, InputProbe,
                             Linear<16>, TwoProbes, TwoProbes, Probe>;
// BigGAN CIFAR (SPECS §3a): no shared embedding, no hier: the blocks read the labels.
using BigGANCifar = Generator<Latent<128>, Classes<10>, InputProbe, Linear<16>, Probe, Probe>;
// G_shared without hier: every block gets shared(y).
using SharedOnly = Generator<Latent<128>, SharedEmbedding<128>, Classes<10>, InputProbe, Linear<16>, Probe, Probe>;
// IC-GAN 64 x 64 (SPECS §7b): dz 120, 4 blocks -> 5 slots of 24; shared_feat 2048 -> 512; 536 (cc: 664).
using ICGAN64 = Generator<Latent<120>, InstanceFeatures<2048, 512, 6>, Hierarchical, InputProbe, Linear<16>, Probe,
                          Probe, Probe, Probe>;
using CCICGAN64 = Generator<Latent<120>, Classes<1000>, SharedEmbedding<128>, InstanceFeatures<2048, 512, 6>,
                            Hierarchical, Linear<16>, Probe, Probe, Probe, Probe>;
// U-Net GAN unconditional (SPECS §6a): the whole z to the first layer and to every norm.
using UNetG = Generator<Latent<128>, SelfModulated, InputProbe, Linear<16>, LatentProbe, LatentProbe>;

}  // namespace

static_assert(BigGAN128::conditioned_blocks == 5 && BigGAN128::num_slots == 6 && BigGAN128::chunk_size == 20);
static_assert(BigGAN128::condition_size == 148 && BigGAN128::body_input_size == 20);
static_assert(std::is_same_v<BigGAN128::output, Vector<16>>);
static_assert(BigGANDeep::conditioned_blocks == 5 && BigGANDeep::condition_size == 256 &&
              BigGANDeep::body_input_size == 256 && BigGANDeep::chunk_size == 0);
static_assert(BigGANCifar::condition_size == 0 && BigGANCifar::body_input_size == 128 && BigGANCifar::num_classes == 10);
static_assert(SharedOnly::condition_size == 128 && SharedOnly::body_input_size == 128);
static_assert(ICGAN64::num_slots == 5 && ICGAN64::chunk_size == 24 && ICGAN64::condition_size == 536);
static_assert(CCICGAN64::condition_size == 664 && CCICGAN64::embedding_size == 640);
static_assert(UNetG::self_modulated && UNetG::condition_size == 0 && UNetG::body_input_size == 128);
static_assert(detail::conditioned_blocks_of<Sequential<Probe, ReLU, Sequential<Probe, TwoProbes>>>::value == 4);
static_assert(detail::conditioned_blocks_of<Liar>::value == 1 && detail::conditioned_blocks_of<Linear<3>>::value == 0);

TEST_CASE("BigGAN 128: hierarchical z, shared embedding: block i gets cat(shared(y), z chunk i + 1), 148 values") {
  auto g = make<BigGAN128>();
  const auto ps = parameter_shapes(g);
  CHECK(ps.at("shared.weight") == Shape{1000, 128});
  CHECK(ps.at("blocks.1.weight") == Shape{16, 20});
  auto z = randn_var({3, 120}, 2);
  const std::vector<int64_t> y{7, 999, 7};
  seen.clear();
  auto out = g.forward(z, y, true);
  CHECK(out.shape() == Shape{3, 16});
  REQUIRE(seen.conditions.size() == 5);
  REQUIRE(seen.inputs.size() == 2);
  CHECK(seen.inputs[0] == Shape{3, 20});  // chunk 0 is the first layer's input
  const auto shared = rows(g.shared.weight.value(), y);
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    const auto& c = seen.conditions[static_cast<std::size_t>(i)];
    CHECK(c.shape() == Shape{3, 148});
    CHECK(columns(c, 0, 128) == shared);
    CHECK(columns(c, 128, 148) == columns(z.value(), 20 * (i + 1), 20 * (i + 2)));
    CHECK(seen.labels[static_cast<std::size_t>(i)] == y);
  }
}

TEST_CASE("BigGAN-deep: cat(shared(y), z) to the first linear and every block (256 values)") {
  auto g = make<BigGANDeep>();
  auto z = randn_var({2, 128}, 3);
  const std::vector<int64_t> y{5, 1};
  seen.clear();
  g.forward(z, y, false);
  REQUIRE(seen.conditions.size() == 5);
  CHECK(seen.inputs.at(0) == Shape{2, 256});
  const auto shared = rows(g.shared.weight.value(), y);
  for (const auto& c : seen.conditions) {
    CHECK(c.shape() == Shape{2, 256});
    CHECK(columns(c, 0, 128) == shared);
    CHECK(columns(c, 128, 256) == z.value().to_vector());
  }
}

TEST_CASE("BigGAN CIFAR and G_shared without hier") {
  auto cifar = make<BigGANCifar>();
  CHECK(parameter_shapes(cifar).count("shared.weight") == 0);
  seen.clear();
  cifar.forward(randn_var({2, 128}, 4), {3, 9}, true);
  REQUIRE(seen.conditions.size() == 2);
  CHECK(!seen.conditions[0].defined());  // label-conditioned blocks read ctx.labels
  CHECK(seen.labels[1] == std::vector<int64_t>{3, 9});
  CHECK(seen.inputs.at(0) == Shape{2, 128});

  auto shared = make<SharedOnly>();
  seen.clear();
  shared.forward(randn_var({2, 128}, 5), {3, 9}, true);
  REQUIRE(seen.conditions.size() == 2);
  for (const auto& c : seen.conditions) CHECK(columns(c, 0, 128) == rows(shared.shared.weight.value(), {3, 9}));
  CHECK(seen.inputs.at(0) == Shape{2, 128});
}

TEST_CASE("IC-GAN and cc-IC-GAN: shared_feat = SNLinear(2048 -> 512) of the features in the condition") {
  auto g = make<ICGAN64>();
  const auto ps = parameter_shapes(g);
  CHECK(ps.at("shared_feat.weight") == Shape{512, 2048});
  CHECK(ps.at("shared_feat.bias") == Shape{512});
  CHECK(ps.at("shared_feat.u") == Shape{1, 512});
  CHECK(ps.count("shared.weight") == 0);
  auto z = randn_var({2, 120}, 6);
  auto f = randn_var({2, 2048}, 7);
  seen.clear();
  g.forward(z, {}, f, false);
  REQUIRE(seen.conditions.size() == 4);
  CHECK(seen.inputs.at(0) == Shape{2, 24});
  Context<float, cpu> eval;
  eval.training = false;
  const auto feat = g.shared_feat.forward(f, eval).value();
  for (int i = 0; i < 4; ++i) {
    const auto& c = seen.conditions[static_cast<std::size_t>(i)];
    CHECK(c.shape() == Shape{2, 536});
    CHECK(columns(c, 0, 512) == feat.to_vector());
    CHECK(columns(c, 512, 536) == columns(z.value(), 24 * (i + 1), 24 * (i + 2)));
  }
  CHECK_THROWS_WITH_AS(g.forward(z, {}, true), "Generator: expected instance features of shape [2, 2048], found none",
                       ShapeError);
  CHECK_THROWS_WITH_AS(g.forward(z, {}, randn_var({3, 2048}, 1), true),
                       "Generator: expected instance features of shape [2, 2048], found [3, 2048]", ShapeError);

  auto cc = make<CCICGAN64>();
  seen.clear();
  cc.forward(z, {4, 2}, f, false);
  REQUIRE(seen.conditions.size() == 4);
  const auto ccfeat = cc.shared_feat.forward(f, eval).value();
  const auto& c = seen.conditions[2];
  CHECK(c.shape() == Shape{2, 664});
  CHECK(columns(c, 0, 128) == rows(cc.shared.weight.value(), {4, 2}));  // class first, as IC-GAN
  CHECK(columns(c, 128, 640) == ccfeat.to_vector());
  CHECK(columns(c, 640, 664) == columns(z.value(), 72, 96));
}

TEST_CASE("U-Net GAN self-modulation: the whole z in ctx.latent, no chunks") {
  auto g = make<UNetG>();
  auto z = randn_var({2, 128}, 8);
  seen.clear();
  g.forward(z, {}, true);
  CHECK(seen.inputs.at(0) == Shape{2, 128});
  REQUIRE(seen.latents.size() == 2);
  for (const auto& l : seen.latents) CHECK(l.to_vector() == z.value().to_vector());
}

TEST_CASE("conditioned blocks: declared, counted, and used once each") {
  using NoClass = Generator<Latent<12>, Hierarchical, Linear<4>, Probe, Sequential<ReLU, Probe>>;
  static_assert(NoClass::chunk_size == 4 && NoClass::condition_size == 4);
  auto g = make<NoClass>();
  auto z = randn_var({2, 12}, 9);
  seen.clear();
  g.forward(z, {}, true);
  REQUIRE(seen.conditions.size() == 2);
  CHECK(seen.conditions[1].to_vector() == columns(z.value(), 8, 12));

  auto liar = make<Generator<Latent<6>, Hierarchical, Probe, Liar>>();
  CHECK_THROWS_WITH_AS(liar.forward(randn_var({2, 6}, 1), {}, true),
                       doctest::Contains("Generator: 2 block conditions were prepared (Hierarchical) but only 1"), Error);
  auto g2 = make<BigGAN128>();
  CHECK_THROWS_WITH_AS(g2.forward(randn_var({2, 120}, 1), {1}, true), "Generator: expected 2 labels for a batch of 2, found 1",
                       ShapeError);
  CHECK_THROWS_WITH_AS(g2.forward(randn_var({2, 121}, 1), {1, 2}, true),
                       "Generator: expected z of shape [B, 120], found [2, 121]", ShapeError);
  CHECK_THROWS_WITH_AS(g2.forward(randn_var({2, 120}, 1), {1, 1000}, true),
                       "Embedding<1000, 128>: label 1000 at position 1 is outside [0, 1000)", ShapeError);
}

TEST_CASE("second order through the conditioning (double): z, features, shared, shared_feat, the blocks") {
  using G = Generator<Latent<6>, Classes<3>, SharedEmbedding<2>, InstanceFeatures<3, 2>, Hierarchical, Linear<3>,
                      ConcatCondition<6>, Tanh, Linear<4>, ConcatCondition<6>, Tanh>;
  static_assert(G::condition_size == 6 && std::is_same_v<G::output, Vector<10>>);
  Rng gen(10);
  Init init{gen};
  G::module<double, cpu> g(init);
  auto z = part_fixture::input({2, 6}, 11);
  auto f = part_fixture::input({2, 3}, 12);
  const std::vector<int64_t> y{2, 0};
  g.forward(z, y, f, false);
  spectral_norm_frozen frozen;
  std::vector<Var<double, cpu>> inputs{z, f};
  for_each_parameter<double, cpu>(g, [&](const std::string&, Var<double, cpu>& p) { inputs.push_back(p); });
  CHECK(inputs.size() == 2 + 1 + 2 + 2 + 2);  // shared, shared_feat (weight, bias), two linears
  const auto r = gradgradcheck(
      [&](const std::vector<Var<double, cpu>>& in) { return g.forward(in[0], y, in[1], false); }, inputs);
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("ClassChannels<K>: the one-hot class appended to a vector or as constant planes to an image") {
  static_assert(std::is_same_v<ClassChannels<3>::output<Vector<5>>, Vector<8>>);
  static_assert(std::is_same_v<ClassChannels<3>::output<Image<2, 4, 5>>, Image<5, 4, 5>>);
  Rng gen(3);
  Init init{gen};
  const std::vector<int64_t> y{2, 0};
  SUBCASE("vector, inside a Generator with Classes<K>") {
    using G = Generator<Latent<2>, Classes<3>, ClassChannels<3>>;
    G::module<double, cpu> g(init);
    const auto z = part_fixture::input({2, 2}, 4);
    const auto out = g.forward(z, y, false).value();
    const auto zv = z.value().to_vector();
    CHECK(out.shape() == Shape{2, 5});
    CHECK(out.to_vector() == std::vector<double>{zv[0], zv[1], 0, 0, 1, zv[2], zv[3], 1, 0, 0});
    int params = 0;
    for_each_parameter<double, cpu>(g, [&](const std::string&, Var<double, cpu>&) { ++params; });
    CHECK(params == 0);
  }
  SUBCASE("image planes, first and second order (double)") {
    using D = Discriminator<Image<2, 3, 3>, ClassChannels<3>, Flatten, Linear<1>>;
    D::module<double, cpu> d(init);
    const auto x = part_fixture::input({2, 2, 3, 3}, 5);
    Context<double, cpu> ctx;
    ctx.labels = y;
    ClassChannels<3>::module<Image<2, 3, 3>, double, cpu> part(init);
    const auto planes = part.forward(x, ctx).value();
    CHECK(planes.shape() == Shape{2, 5, 3, 3});
    const auto v = planes.to_vector();
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t k = 0; k < 3; ++k)
        for (int64_t i = 0; i < 9; ++i)
          CHECK(v[static_cast<std::size_t>((b * 5 + 2 + k) * 9 + i)] == (k == y[static_cast<std::size_t>(b)] ? 1.0 : 0.0));
    std::vector<Var<double, cpu>> inputs{x};
    for_each_parameter<double, cpu>(d, [&](const std::string&, Var<double, cpu>& p) { inputs.push_back(p); });
    const auto f = [&](const std::vector<Var<double, cpu>>& in) {
      const auto s = d.forward(in[0], y, false);
      return mul(s, s);
    };
    const auto first = gradcheck(f, inputs);
    CHECK_MESSAGE(first.ok, first.report);
    const auto second = gradgradcheck(f, inputs);
    CHECK_MESSAGE(second.ok, second.report);
  }
  SUBCASE("errors name the labels") {
    ClassChannels<3>::module<Vector<2>, float, cpu> part(init);
    Context<float, cpu> ctx;
    const Var<float> x(Tensor<float>::zeros(Shape{2, 2}));
    CHECK_THROWS_WITH(part.forward(x, ctx), doctest::Contains("ClassChannels<3>: expected 2 class labels for a batch of 2, found 0"));
    ctx.labels = {1, -1};
    CHECK_THROWS_WITH(part.forward(x, ctx), doctest::Contains("class label -1 of sample 1 is outside [0, 3)"));
  }
}
