// models::cdcgan (include/gantry/models/cdcgan.hpp): one training step against PyTorch
// (tests/fixtures/make_cdcgan_fixtures.py: the same nets written in PyTorch from the
// description, the same starting values; D loss and every D gradient, G loss and every G
// gradient, buffers afterwards), the nets' shapes and parameter counts, and the class reaching
// both nets.
#include <doctest/doctest.h>

#include <gantry/models/cdcgan.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "hashed_step.hpp"
#include "part_fixture.hpp"

using namespace gantry;

namespace {

// The fixture's nets: z 8, NGF = NDF = 8, so that every gradient fits a ~170 KB file.
using Small = models::cdcgan<Image<1, 32, 32>, Classes<10>, Latent<8>, Width<8>>;
using test::count_parameters;

static_assert(std::is_same_v<models::cdcgan_nets<Image<3, 32, 32>>::G::output, Image<3, 32, 32>>);
static_assert(std::is_same_v<models::cdcgan_nets<Image<3, 32, 32>>::D::output, Vector<1>>);
static_assert(models::cdcgan_nets<Image<1, 32, 32>>::G::num_classes == 10);


}  // namespace

TEST_CASE("cdcgan: one D step and one G step match PyTorch (losses, every gradient, buffers)") {
  const auto f = io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/models/cdcgan_step.safetensors");
  Small m(Small::paper_hyper(), 1);
  part_fixture::WorstError worst;
  test::set_initial(m.nets.G, "G.");
  test::set_initial(m.nets.D, "D.");
  const int compared = test::check_hashed_step<NonSaturating>(f, m.nets.G, m.nets.D, Shape{4, 1, 32, 32}, 8, worst,
                                                              [](const std::string&) { return 0.0; });
  CHECK(compared == 30);  // 10 + 8 parameters, 6 + 6 buffers
  MESSAGE("cdcgan step vs PyTorch (float64 reference): ", compared, " tensors, worst relative error ", worst.error,
          " (", worst.where, ")");
}

TEST_CASE("cdcgan: parameters counted by hand (Image<1, 32, 32>, 10 classes, z 100, NGF = NDF = 64)") {
  models::cdcgan<Image<1, 32, 32>, Classes<10>> m(models::AdamGanHyper{}, 1);
  // G: ConvT (110 -> 256, 4x4), three CBN tables (gain and bias [10, C]) and three ConvTs.
  const int64_t g = 110 * 256 * 16 + 2 * 10 * 256 + 256 * 128 * 16 + 2 * 10 * 128 + 128 * 64 * 16 + 2 * 10 * 64 +
                    64 * 1 * 16;
  CHECK(count_parameters(m.nets.G) == g);
  // D: every strided conv sees 10 class planes more than the previous layer's channels.
  const int64_t d = 64 * 11 * 16 + 128 * 74 * 16 + 2 * 128 + 256 * 138 * 16 + 2 * 256 + 256 * 16;
  CHECK(count_parameters(m.nets.D) == d);
  CHECK(std::string(decltype(m)::name) == "cdcgan");
}

TEST_CASE("cdcgan: the class reaches both nets") {
  Small m(Small::paper_hyper(), 3);
  Rng rng(5);
  const Var<float> z(randn<float>(Shape{2, 8}, rng));
  no_grad guard;
  // Same noise, another class: another image (bit-identical if the class were ignored; at
  // N(0, 0.02) the change is small), and D scores one image differently per class.
  const auto a = m.nets.G.forward(z, {0, 0}, false).value().to_vector();
  const auto b = m.nets.G.forward(z, {0, 9}, false).value().to_vector();
  const std::size_t half = a.size() / 2;
  CHECK(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(half), b.begin()));
  double moved = 0;
  for (std::size_t i = half; i < a.size(); ++i) moved = std::max(moved, static_cast<double>(std::abs(a[i] - b[i])));
  CHECK(moved > 0);
  const Var<float> x(Tensor<float>::from({2, 1, 32, 32}, std::vector<float>(a.begin(), a.end())));
  const auto s0 = m.nets.D.forward(x, {3, 3}, false).value().to_vector();
  const auto s1 = m.nets.D.forward(x, {3, 4}, false).value().to_vector();
  CHECK(s0[0] == s1[0]);
  CHECK(s0[1] != s1[1]);
  CHECK_THROWS_WITH(m.nets.D.forward(x, {3, 10}, false), doctest::Contains("class label 10 of sample 1 is outside [0, 10)"));
}
