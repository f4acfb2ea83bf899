// Discriminator heads, several heads on one feature map, the U-Net discriminator and
// Discriminator::forward_all: static shapes at odd and even sizes, PyTorch fixtures
// (tests/fixtures/make_head_fixtures.py), second-order gradchecks, names.
#include "part_fixture.hpp"

#include <map>
#include <set>

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

template <class T>
Var<T, cpu> random_var(const Shape& shape, std::uint64_t seed, bool requires_grad = false) {
  Rng gen(seed);
  return Var<T, cpu>(randn<T>(shape, gen), requires_grad);
}

// The runtime shape of a forward equals the static output shape (batch 3, labels and features given).
template <class P, class In, int FeatDim = 1>
void check_runtime_shape() {
  auto m = make<P, In>();
  Context<float, cpu> ctx;
  ctx.labels = {0, 1, 0};
  ctx.features = random_var<float>({3, FeatDim}, 4);
  auto x = random_var<float>(In::runtime(3), 3);
  CHECK(m.forward(x, ctx).shape() == out<P, In>::runtime(3));
}

// Second order in double. The spectral norms' vectors v, u' are held (spectral_norm_frozen)
// after one forward, so the finite differences see the function the gradient describes.
template <class M, class F = part_fixture::Default>
void gradgrad_ok(M& m, const Shape& in, const Context<double, cpu>& ctx = {}, F f = {}) {
  const auto x = part_fixture::input(in);
  Context<double, cpu> first = ctx;
  f(m, x, first);
  spectral_norm_frozen frozen;
  const auto r = part_fixture::gradgrad(m, x, ctx, f);
  CHECK_MESSAGE(r.ok, r.report);
}

template <class M>
std::map<std::string, Shape> names_of(M& m) {
  part_fixture::detail::Collect<float, cpu> c;
  m.visit(c, "");
  std::map<std::string, Shape> out;
  for (auto& [n, p] : c.params) out[n] = p->shape();
  for (auto& [n, b] : c.buffers) out[n] = b->shape();
  return out;
}

std::set<std::string> keys(const std::map<std::string, Shape>& m) {
  std::set<std::string> s;
  for (const auto& kv : m) s.insert(kv.first);
  return s;
}

const auto all_outputs = [](auto& m, auto& x, auto& ctx) { return m.forward_all(x, ctx).defined(); };

// A tiny U-Net (the fixture's): encoder 3 -> 4 (8 -> 4 px) -> 6 (2 px) -> 8 (bottleneck), decoder
// 8 -> 6, cat(6, 6) -> 4 (4 px), cat(4, 4) -> 3 (8 px); projection on the bottleneck, per-pixel
// projection at the end.
template <int K>
using TinyUNet = UNet<Encoder<Sequential<Conv2d<4, 3>, ReLU, AvgPool2d<2>>, Sequential<Conv2d<6, 3>, ReLU, AvgPool2d<2>>,
                              Conv2d<8, 3>>,
                      ProjectionHead<K>,
                      Decoder<Conv2d<6, 3>, Sequential<UpsampleNearest<2>, Conv2d<4, 3>>,
                              Sequential<UpsampleNearest<2>, Conv2d<3, 3>>>,
                      PerPixelHead<K>>;

// Stand-ins with the channel and resolution changes of unetgan's DBlock (down) and GBlock2 (up).
template <int Out>
using Down = Sequential<Conv2d<Out, 3>, AvgPool2d<2>>;
template <int Out>
using Up = Sequential<UpsampleNearest<2>, Conv2d<Out, 3>>;
// SPECS §6b, 128 x 128, ch = 64.
using UNet128 = UNet<Encoder<Down<64>, Down<128>, Down<256>, Down<512>, Down<1024>>, ProjectionHead<10>,
                     Decoder<Up<512>, Up<256>, Up<128>, Up<64>, Up<64>>, PerPixelHead<10>>;

}  // namespace

// ---- static shapes, odd and even ----
static_assert(std::is_same_v<out<LinearHead<>, Image<3, 5, 4>>, Vector<1>>);
static_assert(std::is_same_v<out<ProjectionHead<10>, Image<7, 4, 4>>, Vector<1>>);
static_assert(std::is_same_v<out<FeatureProjectionHead<6>, Image<5, 3, 3>>, Vector<1>>);
static_assert(std::is_same_v<out<FeatureProjectionHead<6, 5>, Image<4, 3, 2>>, Vector<1>>);
static_assert(!FeatureProjectionHead<6, 5>::accepts<Image<5, 3, 3>>);  // the channels are split in two
static_assert(std::is_same_v<FeatureProjectionHead<6, 5>::expects<Image<5, 3, 3>>, ImageWithEvenChannels>);
static_assert(std::is_same_v<out<ClassifierHead<10>, Image<3, 5, 4>>, Vector<10>>);
static_assert(std::is_same_v<out<ADCHead<10>, Image<3, 5, 4>>, Vector<20>>);
static_assert(std::is_same_v<out<PatchGANHead, Image<512, 31, 31>>, Image<1, 30, 30>>);  // 70 x 70 PatchGAN at 256
static_assert(std::is_same_v<out<PatchGANHead, Image<3, 6, 5>>, Image<1, 5, 4>>);
static_assert(!PatchGANHead::accepts<Image<3, 1, 5>> && PatchGANHead::accepts<Image<3, 2, 2>>);
static_assert(std::is_same_v<out<PerPixelHead<>, Image<3, 4, 5>>, Image<1, 4, 5>>);
static_assert(std::is_same_v<out<PerPixelHead<5>, Image<64, 7, 7>>, Image<1, 7, 7>>);
static_assert(!LinearHead<>::accepts<Vector<4>> && !ProjectionHead<3>::accepts<Vector<4>> &&
              !PerPixelHead<>::accepts<Vector<4>> && !ADCHead<3>::accepts<Vector<4>>);
static_assert(LinearHead<>::role == HeadRole::adversarial && ClassifierHead<3>::role == HeadRole::classifier &&
              ADCHead<3>::role == HeadRole::classifier && PerPixelHead<>::role == HeadRole::per_pixel &&
              PatchGANHead::role == HeadRole::adversarial);

// Heads: the primary output is the adversarial head's; outputs names every slot.
using ProjADC = Heads<ProjectionHead<5>, ADCHead<5>>;
static_assert(std::is_same_v<out<ProjADC, Image<4, 3, 3>>, Vector<1>>);
static_assert(std::is_same_v<ProjADC::outputs<Image<4, 3, 3>>, OutputShapes<Vector<1>, Vector<10>, NoOutput>>);
static_assert(std::is_same_v<Heads<ClassifierHead<3>, LinearHead<>>::outputs<Image<2, 1, 1>>,
                             OutputShapes<Vector<1>, Vector<3>, NoOutput>>);
static_assert(std::is_same_v<out<Heads<ClassifierHead<3>>, Image<2, 1, 1>>, Vector<3>>);
static_assert(!Heads<ClassifierHead<2>, FeatureProjectionHead<4, 2>>::accepts<Image<3, 2, 2>>);
static_assert(std::is_same_v<Heads<ClassifierHead<2>, FeatureProjectionHead<4, 2>>::expects<Image<3, 2, 2>>,
                             ImageWithEvenChannels>);

// Discriminators: outputs of a plain last part, of Heads, of a UNet.
using AcD = Discriminator<Image<3, 8, 7>, Conv2d<4, 3, 2, 1>, Heads<ProjectionHead<3>, ClassifierHead<3>>>;
static_assert(std::is_same_v<AcD::output, Vector<1>>);
static_assert(std::is_same_v<AcD::outputs, OutputShapes<Vector<1>, Vector<3>, NoOutput>>);
using PatchD = Discriminator<Image<3, 9, 8>, Conv2d<4, 4, 2, 1>, LeakyReLU<>, PatchGANHead>;
static_assert(std::is_same_v<PatchD::outputs, OutputShapes<Image<1, 3, 3>>>);
static_assert(std::is_same_v<Discriminator<Image<3, 4, 4>, PerPixelHead<>>::outputs,
                             OutputShapes<NoOutput, NoOutput, Image<1, 4, 4>>>);

// U-Net: the tiny one and SPECS §6b's 128 x 128 one (decoder inputs = input + skip channels).
static_assert(std::is_same_v<out<TinyUNet<4>, Image<3, 8, 8>>, Vector<1>>);
static_assert(std::is_same_v<TinyUNet<4>::outputs<Image<3, 8, 8>>, OutputShapes<Vector<1>, NoOutput, Image<1, 8, 8>>>);
static_assert(std::is_same_v<TinyUNet<4>::decoder_inputs<Image<3, 8, 8>>,
                             std::tuple<Image<8, 2, 2>, Image<12, 2, 2>, Image<8, 4, 4>>>);
static_assert(std::is_same_v<UNet128::encoder_outputs<Image<3, 128, 128>>,
                             std::tuple<Image<64, 64, 64>, Image<128, 32, 32>, Image<256, 16, 16>, Image<512, 8, 8>,
                                        Image<1024, 4, 4>>>);
static_assert(std::is_same_v<UNet128::decoder_inputs<Image<3, 128, 128>>,
                             std::tuple<Image<1024, 4, 4>, Image<1024, 8, 8>, Image<512, 16, 16>, Image<256, 32, 32>,
                                        Image<128, 64, 64>>>);
static_assert(std::is_same_v<Discriminator<Image<3, 128, 128>, UNet128>::outputs,
                             OutputShapes<Vector<1>, NoOutput, Image<1, 128, 128>>>);
// Odd sizes: the skip and the decoder input must agree, so a 9 x 9 input that pools to 4 x 4
// and upsamples to 8 x 8 would not join the 9 x 9 skip (tests/compile_fail/unet_skip_mismatch.cpp);
// unpooled encoders work at any size.
using FlatUNet = UNet<Encoder<Conv2d<2, 3>, Conv2d<3, 3>>, LinearHead<>, Decoder<Conv2d<2, 3>, Conv2d<2, 3>>, PerPixelHead<>>;
static_assert(std::is_same_v<FlatUNet::decoder_inputs<Image<1, 7, 5>>, std::tuple<Image<3, 7, 5>, Image<4, 7, 5>>>);
static_assert(std::is_same_v<FlatUNet::outputs<Image<1, 7, 5>>, OutputShapes<Vector<1>, NoOutput, Image<1, 7, 5>>>);

TEST_CASE("runtime shapes equal the static shapes") {
  check_runtime_shape<LinearHead<>, Image<3, 5, 4>>();
  check_runtime_shape<ProjectionHead<2>, Image<3, 3, 3>>();
  check_runtime_shape<FeatureProjectionHead<6>, Image<5, 3, 3>, 6>();
  check_runtime_shape<FeatureProjectionHead<6, 2>, Image<4, 2, 3>, 6>();
  check_runtime_shape<ClassifierHead<7>, Image<3, 5, 4>>();
  check_runtime_shape<ADCHead<7>, Image<3, 4, 5>>();
  check_runtime_shape<PatchGANHead, Image<3, 6, 5>>();
  check_runtime_shape<PerPixelHead<>, Image<3, 4, 5>>();
  check_runtime_shape<PerPixelHead<2>, Image<3, 5, 5>>();
  check_runtime_shape<Heads<ProjectionHead<2>, ADCHead<2>>, Image<3, 2, 3>>();
  check_runtime_shape<TinyUNet<2>, Image<3, 8, 8>>();
  check_runtime_shape<FlatUNet, Image<1, 7, 5>>();
}

TEST_CASE("fixture: single heads") {
  SUBCASE("LinearHead") {
    auto m = make<LinearHead<>, Image<3, 5, 4>>();
    part_fixture::check(m, "head_linear");
  }
  SUBCASE("ProjectionHead, training and eval") {
    auto m = make<ProjectionHead<5>, Image<4, 3, 5>>();
    part_fixture::check(m, "head_projection");
    auto e = make<ProjectionHead<5, 6>, Image<4, 2, 2>>();
    part_fixture::check(e, "head_projection_eval");
  }
  SUBCASE("FeatureProjectionHead, instance and class + instance") {
    auto m = make<FeatureProjectionHead<6>, Image<4, 3, 3>>();
    part_fixture::check(m, "head_feature_projection");
    auto c = make<FeatureProjectionHead<6, 5>, Image<4, 3, 3>>();
    part_fixture::check(c, "head_feature_projection_cc");
  }
  SUBCASE("ClassifierHead and ADCHead") {
    auto m = make<ClassifierHead<5>, Image<4, 3, 2>>();
    part_fixture::check(m, "head_classifier");
    auto a = make<ADCHead<5>, Image<4, 3, 2>>();
    part_fixture::check(a, "head_adc");
  }
  SUBCASE("PatchGANHead") {
    auto m = make<PatchGANHead, Image<3, 6, 5>>();
    part_fixture::check(m, "head_patchgan");
  }
  SUBCASE("PerPixelHead, plain and with projection") {
    auto m = make<PerPixelHead<>, Image<3, 4, 5>>();
    part_fixture::check(m, "head_per_pixel");
    auto p = make<PerPixelHead<5>, Image<3, 4, 5>>();
    part_fixture::check(p, "head_per_pixel_projection");
  }
}

TEST_CASE("fixture: two heads on one feature map, and a U-Net") {
  auto h = make<ProjADC, Image<4, 3, 3>>();
  part_fixture::check(h, "heads_projection_adc", all_outputs);
  auto u = make<TinyUNet<4>, Image<3, 8, 8>>();
  part_fixture::check(u, "unet_tiny", all_outputs);
}

TEST_CASE("names") {
  auto p = make<ProjectionHead<5>, Image<4, 3, 3>>();
  CHECK(keys(names_of(p)) == std::set<std::string>{"linear.weight", "linear.bias", "linear.u", "linear.sv",
                                                    "embed.weight", "embed.u", "embed.sv"});
  auto f = make<FeatureProjectionHead<6, 5>, Image<4, 3, 3>>();
  const auto fn = names_of(f);
  CHECK(fn.at("linear_feat.weight") == Shape{2, 6});
  CHECK(fn.at("embed.weight") == Shape{5, 2});
  CHECK(fn.at("linear.weight") == Shape{1, 4});
  auto adc = make<Heads<LinearHead<>, ADCHead<3>>, Image<4, 2, 2>>();
  const auto an = names_of(adc);  // as ADC-GAN's D: linear, adc
  CHECK(an.at("adc.weight") == Shape{6, 4});
  CHECK(an.at("linear.weight") == Shape{1, 4});
  CHECK(an.size() == 8);
  auto pp = make<PerPixelHead<3>, Image<4, 2, 2>>();
  CHECK(keys(names_of(pp)) ==
        std::set<std::string>{"conv.weight", "conv.bias", "embed.weight", "embed.u", "embed.sv"});
  auto u = make<TinyUNet<4>, Image<3, 8, 8>>();
  const auto un = names_of(u);  // unetgan's names: blocks.<i>, linear_middle, embed_middle, embed
  CHECK(un.at("blocks.0.0.weight") == Shape{4, 3, 3, 3});
  CHECK(un.at("blocks.2.weight") == Shape{8, 6, 3, 3});
  CHECK(un.at("blocks.4.1.weight") == Shape{4, 12, 3, 3});
  CHECK(un.at("blocks.5.1.weight") == Shape{3, 8, 3, 3});
  CHECK(un.at("linear_middle.weight") == Shape{1, 8});
  CHECK(un.at("embed_middle.weight") == Shape{4, 8});
  CHECK(un.at("embed_middle.u") == Shape{1, 4});
  CHECK(un.at("conv.weight") == Shape{1, 3, 1, 1});
  CHECK(un.at("embed.weight") == Shape{4, 3});
}

TEST_CASE("Heads rejects two heads with the same parameter names") {
  Rng gen(1);
  Init init{gen};
  using Fine = Heads<LinearHead<>, ClassifierHead<3>, PerPixelHead<>>::module<Image<2, 2, 2>, float, cpu>;
  CHECK_NOTHROW(Fine{init});
  using Clash = Heads<ProjectionHead<3>, PerPixelHead<3>>::module<Image<2, 2, 2>, float, cpu>;  // both have `embed`
  CHECK_THROWS_WITH_AS(Clash{init}, doctest::Contains("two heads name a parameter or buffer 'embed.weight'"), Error);
  // Two heads of one role do not compile (Heads' static_assert).
  static_assert(!detail::distinct_roles<LinearHead<>, FeatureProjectionHead<3>>());
}

TEST_CASE("Discriminator::forward_all: heads share φ and agree with forward") {
  using D = Discriminator<Image<3, 8, 7>, Conv2d<4, 3, 2, 1>, Heads<ProjectionHead<3>, ClassifierHead<3>>>;
  Rng gen(2);
  Init init{gen};
  D::module<float, cpu> d(init);
  const auto names = keys(names_of(d));
  CHECK(names.count("blocks.1.linear.weight"));
  CHECK(names.count("blocks.1.embed.weight"));
  CHECK(names.count("blocks.1.ac.weight"));
  auto x = random_var<float>({2, 3, 8, 7}, 5);
  const std::vector<int64_t> y{2, 0};
  const auto all = d.forward_all(x, y, false);
  CHECK(all.adversarial.shape() == Shape{2, 1});
  CHECK(all.classifier.shape() == Shape{2, 3});
  CHECK(!all.per_pixel.defined());
  CHECK(d.forward(x, y, false).value().to_vector() == all.adversarial.value().to_vector());
  // The classifier on φ = Σ ReLU(conv(x)) by hand.
  Context<float, cpu> ctx;
  ctx.training = false;
  ctx.labels = y;
  auto& conv = std::get<0>(d.body.parts);
  auto& heads = std::get<1>(d.body.parts);
  const auto cls = std::get<1>(heads.heads).forward(conv.forward(x, ctx), ctx);
  CHECK(cls.value().to_vector() == all.classifier.value().to_vector());
  CHECK_THROWS_WITH_AS(d.forward_all(x, {1}, false), "Discriminator: expected 2 labels for a batch of 2, found 1",
                       ShapeError);
  CHECK_THROWS_WITH_AS(d.forward_all(x, {}, false),
                       "ProjectionHead: a batch of 2 needs as many class labels, found 0", ShapeError);
}

TEST_CASE("Discriminator::forward_all: a plain last part, a per-pixel head, a U-Net, IC-GAN features") {
  Rng gen(3);
  Init init{gen};
  Discriminator<Image<3, 9, 8>, Conv2d<4, 4, 2, 1>, LeakyReLU<>, PatchGANHead>::module<float, cpu> patch(init);
  auto a = patch.forward_all(random_var<float>({2, 3, 9, 8}, 6), {}, true);
  CHECK(a.adversarial.shape() == Shape{2, 1, 3, 3});
  CHECK(a.defined().size() == 1);

  Discriminator<Image<3, 4, 4>, PerPixelHead<>>::module<float, cpu> pix(init);
  auto p = pix.forward_all(random_var<float>({2, 3, 4, 4}, 7), {}, true);
  CHECK(!p.adversarial.defined());
  CHECK(p.per_pixel.shape() == Shape{2, 1, 4, 4});

  using UD = Discriminator<Image<3, 8, 8>, TinyUNet<4>>;
  UD::module<float, cpu> ud(init);
  CHECK(keys(names_of(ud)).count("blocks.0.linear_middle.weight"));
  auto x = random_var<float>({3, 3, 8, 8}, 8);
  const auto o = ud.forward_all(x, {0, 3, 1}, false);
  CHECK(o.adversarial.shape() == Shape{3, 1});
  CHECK(o.per_pixel.shape() == Shape{3, 1, 8, 8});
  CHECK(ud.forward(x, {0, 3, 1}, false).value().to_vector() == o.adversarial.value().to_vector());

  using FD = Discriminator<Image<3, 4, 4>, Conv2d<4, 3>, FeatureProjectionHead<5>>;
  FD::module<float, cpu> fd(init);
  auto f = random_var<float>({2, 5}, 9);
  CHECK(fd.forward(random_var<float>({2, 3, 4, 4}, 10), {}, f, true).shape() == Shape{2, 1});
  CHECK_THROWS_WITH_AS(fd.forward(random_var<float>({2, 3, 4, 4}, 10), {}, true),
                       "FeatureProjectionHead: needs instance features [2, 5] in the context, found none", ShapeError);
  CHECK_THROWS_WITH_AS(fd.forward(random_var<float>({2, 3, 4, 4}, 10), {}, random_var<float>({2, 4}, 1), true),
                       "FeatureProjectionHead: expected instance features of shape [2, 5], found [2, 4]", ShapeError);
}

TEST_CASE("second order: every head, Heads, UNet (double, eval)") {
  Context<double, cpu> ctx;
  ctx.training = false;
  ctx.labels = {1, 0};
  ctx.features = random_var<double>({2, 3}, 11, true);
  auto lin = make<LinearHead<>, Image<3, 2, 3>, double>();
  gradgrad_ok(lin, {2, 3, 2, 3}, ctx);
  auto proj = make<ProjectionHead<2>, Image<3, 3, 2>, double>();
  gradgrad_ok(proj, {2, 3, 3, 2}, ctx);
  auto feat = make<FeatureProjectionHead<3>, Image<3, 2, 2>, double>();
  gradgrad_ok(feat, {2, 3, 2, 2}, ctx);
  auto featc = make<FeatureProjectionHead<3, 2>, Image<4, 2, 2>, double>();
  gradgrad_ok(featc, {2, 4, 2, 2}, ctx);
  auto cls = make<ClassifierHead<3>, Image<2, 2, 3>, double>();
  gradgrad_ok(cls, {2, 2, 2, 3}, ctx);
  auto adc = make<ADCHead<2>, Image<3, 2, 2>, double>();
  gradgrad_ok(adc, {2, 3, 2, 2}, ctx);
  auto patch = make<PatchGANHead, Image<2, 4, 3>, double>();
  gradgrad_ok(patch, {2, 2, 4, 3}, ctx);
  auto pix = make<PerPixelHead<>, Image<3, 2, 3>, double>();
  gradgrad_ok(pix, {2, 3, 2, 3}, ctx);
  auto pixp = make<PerPixelHead<2>, Image<3, 3, 2>, double>();
  gradgrad_ok(pixp, {2, 3, 3, 2}, ctx);
  auto both = make<Heads<ProjectionHead<2>, ADCHead<2>>, Image<3, 2, 2>, double>();
  gradgrad_ok(both, {2, 3, 2, 2}, ctx, all_outputs);
  using SmallUNet = UNet<Encoder<Sequential<Conv2d<2, 3>, AvgPool2d<2>>, Conv2d<3, 3>>, ProjectionHead<2>,
                         Decoder<Conv2d<2, 3>, Sequential<UpsampleNearest<2>, Conv2d<2, 3>>>, PerPixelHead<2>>;
  auto unet = make<SmallUNet, Image<2, 4, 4>, double>();
  gradgrad_ok(unet, {2, 2, 4, 4}, ctx, all_outputs);
}
