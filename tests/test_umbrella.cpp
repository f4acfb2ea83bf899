// <gantry/gantry.hpp> compiles on its own and brings every layer a user needs.
#include <gantry/gantry.hpp>

#include <doctest/doctest.h>

TEST_CASE("the umbrella header brings every layer") {
  using namespace gantry;
  Rng rng(1);
  auto points = toy::eight_gaussians(64, rng);
  auto modes = toy::eight_gaussians_modes();
  std::vector<float> centres;
  for (const auto& c : modes.centres) centres.insert(centres.end(), {static_cast<float>(c[0]), static_cast<float>(c[1])});
  auto coverage = metrics::mode_coverage(points, from_vector<float>(centres, Shape{8, 2}), modes.std);
  CHECK(coverage.modes_covered == 8);
  Var<float> logits(from_vector<float>({2.0f, -1.0f}, Shape{2, 1}), true);
  auto loss = Hinge::g_loss(logits);
  loss.backward();
  CHECK(logits.grad().value().to_vector() == std::vector<float>{-0.5f, -0.5f});
}

TEST_CASE("the umbrella header brings the models and the trainer") {
  using namespace gantry;
  models::wgan_gp<Vector<2>, Width<8>> m(models::WganGpHyper::toy(), 1);
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 16, Rng(2));
  Rng rng(3);
  const data::Batch b = stream.next();
  const auto d = m.d_step(std::span<const data::Batch>(&b, 1), rng);
  CHECK(models::all_finite(d));
  CHECK(train::generate(m, 10, rng).shape() == Shape{10, 2});
}
