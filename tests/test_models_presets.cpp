// Every preset has one spelling, models::<paper><Image, Options...>, and means the nets and
// the paper policy it always meant: each spelling below is checked against the composition
// it stands for (the nets struct and the paper), and its checkpoint name.
#include <doctest/doctest.h>

#include <string_view>
#include <type_traits>

#include "gantry/models.hpp"

using namespace gantry;
using namespace gantry::models;

namespace {
template <class A, class B>
constexpr bool same = std::is_same_v<A, B>;
using I1 = Image<1, 32, 32>;
using I3 = Image<3, 32, 32>;

static_assert(same<sagan<I1, Classes<10>, Width<8>, Latent<8>>, HingeGan<sagan_nets<I1, 10, 8, 8>, SaganPaper>>);
static_assert(same<sagan<I1, Latent<8>, Width<8>, Classes<10>>, sagan<I1, Classes<10>, Width<8>, Latent<8>>>,
              "options are named, so their order does not matter");
static_assert(same<sagan<I3, Classes<10>>, HingeGan<sagan_nets<I3, 10, 64, 128>, SaganPaper>>);
static_assert(same<biggan<I3, Classes<10>, Width<4>>, HingeGan<biggan_nets<I3, 10, 4>, BigganPaper>>);
static_assert(same<biggan<I3, Classes<10>, Width<4>, AttentionAt<16>, Hierarchical, WeightInit<InitScheme::orthogonal>,
                          Precision<double>>,
                   HingeGan<biggan_hier_nets<I3, 10, 4, 16>, BigganOrthoPaper, double>>);
static_assert(same<biggan_deep<I3, Classes<10>, Width<8>, Latent<32>, SharedEmbedding<16>, AttentionAt<16, 0>>,
                   HingeGan<biggan_deep_nets<I3, 10, 8, 32, 16, 16, 0>, BigganDeepPaper>>);
static_assert(same<logan<I1, Classes<10>, Width<4>, Latent<16>>, Gan<logan_nets<I1, 10, 4, 16>, LoganPaper>>);
static_assert(same<adcgan<I1, Classes<3>, Width<2>, Latent<8>>, Gan<adcgan_nets<I1, 3, 2, 0, 8>, AdcganPaper>>);
static_assert(same<acgan<I3, Classes<10>, Width<4>>, Gan<acgan_nets<I3, 10, 4>, AcganPaper>>);
static_assert(same<tacgan<I3, Classes<10>, Width<4>>, Gan<tacgan_nets<I3, 10, 4>, TacganPaper>>);
static_assert(same<adcgan<I3, Classes<10>, Hierarchical, AttentionAt<16>>, Gan<adcgan_hier_nets<I3, 10, 64, 16>, AdcganPaper>>);
static_assert(same<unetgan<I1, Width<2>, Latent<8>>, Gan<unetgan_nets<I1, 0, 2, 8>, UnetganPaper>>);
static_assert(same<unetgan<Image<3, 128, 128>, Width<16>>, Gan<unetgan128_nets<0, 16, 128, 3>, UnetganPaper>>);
static_assert(same<unetgan<Image<3, 256, 256>>, Gan<unetgan256_nets<0, 64, 128, 3>, UnetganPaper>>);
static_assert(same<unetgan_baseline<I1, Width<2>, Latent<8>>, Gan<unetgan_baseline_nets<I1, 0, 2, 8>, UnetganBaselinePaper>>);
static_assert(same<icgan<I1, Width<2>, InstanceFeatures<64, 8>, Latent<16>>,
                   HingeGan<icgan_nets<I1, 0, 2, 64, 8, 16>, IcganFashionPaper>>);
static_assert(same<cc_icgan<I1, Classes<10>, Width<2>, InstanceFeatures<64, 8>, Latent<16>>,
                   HingeGan<icgan_nets<I1, 10, 2, 64, 8, 16>, CcIcganFashionPaper>>);
static_assert(same<icgan<Image<3, 64, 64>>, HingeGan<icgan64_nets<>, IcganPaper>>);
static_assert(same<icgan<Image<3, 128, 128>>, HingeGan<icgan128_nets<>, Icgan128Paper>>);
static_assert(same<csgan<Image<1, 16, 16>, Width<4>, ResidualBlocks<2>, PatchLayers<2>>,
                   Translation<cycle_nets<Image<1, 16, 16>, Image<1, 16, 16>, 4, 4, 2, 2>, CsganPaper>>);
static_assert(same<csgan<Image<1, 32, 32>, Target<Image<3, 32, 32>>>,
                   Translation<cycle_nets<Image<1, 32, 32>, Image<3, 32, 32>>, CsganPaper>>);
static_assert(same<cyclegan<Image<3, 256, 256>>, Translation<cycle_nets<Image<3, 256, 256>>, CycleganPaper>>);
static_assert(same<dcgan<I1, Latent<16>, Width<8>>, Gan<dcgan_nets<I1, 16, 8, 8>, DcganPaper>>);
static_assert(same<lsgan<I1>, Gan<dcgan_nets<I1>, LsganPaper>>);
static_assert(same<cdcgan<I1, Classes<10>, Width<8>, Latent<8>>, Gan<cdcgan_nets<I1, 10, 8, 8, 8>, CdcganPaper>>);
static_assert(same<wgan_gp<Vector<2>, Width<8>>, Gan<wgan_gp_toy<8>, WganGpToyPaper>>, "gan_toy.py's settings");
static_assert(same<wgan_gp<Image<1, 28, 28>, Width<16>>, Gan<wgan_gp_resnet<Image<1, 28, 28>, 16>, WganGpPaper>>);
static_assert(same<wgan_gp<Image<3, 64, 64>>, Gan<wgan_gp_64<Image<3, 64, 64>>, WganGpPaper>>);
static_assert(same<wgan_gp<I1, Architecture<Arch::dcgan>>, Gan<wgan_dcgan<I1>, WganGpPaper>>);
static_assert(same<wgan<I1>, Gan<wgan_dcgan<I1>, WganPaper>>, "WGAN's own nets are DCGAN's");
static_assert(same<wgan<Vector<2>, Width<32>>, Gan<wgan_gp_toy<32>, WganPaper>>);
static_assert(same<wgan<I1, Architecture<Arch::resnet>, Width<32>>, Gan<wgan_gp_resnet<I1, 32>, WganPaper>>);
static_assert(same<sagan<I1, Classes<10>>::Nets, sagan_nets<I1, 10>>, "a model names its nets struct");
}  // namespace

TEST_CASE("every preset keeps its paper's checkpoint name") {
  CHECK(std::string_view(sagan<I1, Classes<10>>::name) == "sagan");
  CHECK(std::string_view(biggan<I3, Classes<10>, WeightInit<InitScheme::orthogonal>>::name) == "biggan");
  CHECK(std::string_view(biggan_deep<I3, Classes<10>>::name) == "biggan-deep");
  CHECK(std::string_view(logan<I3, Classes<10>>::name) == "logan");
  CHECK(std::string_view(adcgan<I3, Classes<10>>::name) == "adcgan");
  CHECK(std::string_view(acgan<I3, Classes<10>>::name) == "acgan");
  CHECK(std::string_view(tacgan<I3, Classes<10>>::name) == "tacgan");
  CHECK(std::string_view(unetgan<I1>::name) == "unetgan");
  CHECK(std::string_view(unetgan_baseline<I1>::name) == "unetgan-baseline");
  CHECK(std::string_view(icgan<I1>::name) == "icgan");
  CHECK(std::string_view(cc_icgan<I1, Classes<10>>::name) == "cc_icgan");
  CHECK(std::string_view(dcgan<I1>::name) == "dcgan");
  CHECK(std::string_view(lsgan<I1>::name) == "lsgan");
  CHECK(std::string_view(cdcgan<I1, Classes<10>>::name) == "cdcgan");
  CHECK(std::string_view(wgan_gp<I1>::name) == "wgan-gp");
  CHECK(std::string_view(wgan<I1>::name) == "wgan");
  CHECK(std::string_view(csgan<I1>::name) == "csgan");
  CHECK(std::string_view(cyclegan<I1>::name) == "cyclegan");
  CHECK(std::string_view(wgan_gp<Vector<2>>::name) == "wgan-gp");
}

TEST_CASE("every paper's settings are <paper>_hyper(), the preset's paper_hyper()") {
  CHECK(wgan_gp<I1>::paper_hyper().lambda == wgan_gp_hyper().lambda);
  CHECK(wgan_gp<Vector<2>>::paper_hyper().batch_size == 256);  // gan_toy.py's, for the toy data
  CHECK(wgan_gp<Vector<2>>::paper_hyper().lambda == wgan_gp_toy_hyper().lambda);
  CHECK(sagan<I1, Classes<10>>::paper_hyper().d_lr == sagan_hyper().d_lr);
  CHECK(biggan<I3, Classes<10>>::paper_hyper().d_steps == biggan_hyper().d_steps);
  CHECK(dcgan<I1>::paper_hyper().lr == dcgan_hyper().lr);
  CHECK(csgan<I1>::paper_hyper().mu_a == csgan_hyper().mu_a);
  CHECK(cyclegan<I1>::paper_hyper().mu_a == 0);
  CHECK(csgan_hyper().mu_a > 0);
}
