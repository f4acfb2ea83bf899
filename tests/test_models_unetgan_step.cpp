// models::unetgan on the step template: what a D step logs and optimises under each CutMix
// schedule, that the per-pixel output enters D's and G's losses with pixel_weight, that a
// class-conditional mix is of one class, the baseline without CutMix, hyper-parameter errors,
// decision maps, and a run that resumes bit for bit.
#include <doctest/doctest.h>

#include <gantry/models/unetgan.hpp>
#include <gantry/train/decision_maps.hpp>
#include <gantry/train/trainer.hpp>

#include "resume_support.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include "step_log.hpp"

using namespace gantry;
using test::logged;

namespace {

using Model = models::unetgan<Image<1, 32, 32>, Width<2>, Latent<8>>;

data::Batch batch(int64_t n, std::uint64_t seed, bool labelled = false) {
  Rng r(seed);
  data::Batch b;
  b.images = Tensor<float, cpu>({n, 1, 32, 32});
  for (int64_t i = 0; i < b.images.numel(); ++i) b.images.data()[i] = static_cast<float>(r.uniform() * 2 - 1);
  if (labelled)
    for (int64_t i = 0; i < n; ++i) b.labels.push_back(i % 3);
  return b;
}

models::UnetganHyper small() {
  auto h = models::unetgan_hyper();
  h.batch_size = 4;
  h.ema_decay = 0;
  return h;
}

}  // namespace

TEST_CASE("every batch: a D step logs CutMix and consistency on top of the adversarial terms") {
  Model m(small(), 1);
  Rng rng(2);
  const std::vector<data::Batch> b{batch(4, 3)};
  const auto l = m.d_step(b, rng);
  CHECK(logged(l, "mixed") == 1.0);
  CHECK(logged(l, "cutmix") > 0);
  CHECK(logged(l, "consistency") > 0);
  // d_loss = adversarial + cutmix + consistency, the adversarial part a positive BCE.
  CHECK(logged(l, "d_loss") > logged(l, "cutmix") + logged(l, "consistency") + 0.1);
  const auto g = m.g_step(1, rng);
  CHECK(g.size() == 1);
  CHECK(logged(g, "g_loss") > 0);
}

TEST_CASE("full-batch schedule: a mixing D step is CutMix + consistency alone; about half the steps mix") {
  auto h = small();
  h.set_schedule(CutMixSchedule::full_batch);
  Model m(h, 1);
  Rng rng(2);
  const std::vector<data::Batch> b{batch(4, 3)};
  int mixed = 0;
  const int steps = 40;
  for (int s = 0; s < steps; ++s) {
    m.set_step(s);
    const auto l = m.d_step(b, rng);
    if (logged(l, "mixed") == 1.0) {
      ++mixed;
      CHECK(logged(l, "d_loss") == doctest::Approx(logged(l, "cutmix") + logged(l, "consistency")).epsilon(1e-5));
    } else {
      CHECK(logged(l, "cutmix") == 0.0);
      CHECK(logged(l, "consistency") == 0.0);
    }
  }
  // Binomial(40, 0.5): 4 standard deviations are 12.6.
  CHECK(mixed > 20 - 13);
  CHECK(mixed < 20 + 13);
  // With a ramp over 1000 G steps, at step 0 nothing mixes.
  h.mixup_warmup = 1000;
  Model ramped(h, 1);
  for (int s = 0; s < 10; ++s) CHECK(logged(ramped.d_step(b, rng), "mixed") == 0.0);
}

TEST_CASE("warmup schedule: the CutMix encoder term and the consistency term scale with the ramp") {
  auto h = small();
  h.set_schedule(CutMixSchedule::warmup);
  h.mixup_warmup = 100;
  const std::vector<data::Batch> b{batch(4, 3)};
  Model at0(h, 1), at50(h, 1);
  Rng r0(2), r50(2);
  at50.set_step(50);
  const auto l0 = at0.d_step(b, r0), l50 = at50.d_step(b, r50);
  // The same nets, noise and masks: at step 0 only the decoder's CutMix term is left.
  CHECK(logged(l0, "consistency") == 0.0);
  CHECK(logged(l50, "consistency") > 0.0);
  CHECK(logged(l50, "cutmix") > logged(l0, "cutmix"));
}

TEST_CASE("pixel_weight: the decoder's share of D's adversarial loss (0: the encoder alone)") {
  auto h = small();
  h.mixup = false;
  const std::vector<data::Batch> b{batch(4, 3)};
  h.pixel_weight = 0.0;
  Model enc(h, 1);
  h.pixel_weight = 0.5;
  Model both(h, 1);
  Rng r1(2), r2(2);
  const auto le = enc.d_step(b, r1), lb = both.d_step(b, r2);
  CHECK(logged(le, "d_loss") != doctest::Approx(logged(lb, "d_loss")));
  // Without CutMix nothing of it is logged.
  for (const auto& [k, v] : lb) CHECK(k != "cutmix");
}

TEST_CASE("class-conditional U-Net GAN: mixing draws fakes of the real labels; projection heads get them") {
  models::unetgan<Image<1, 32, 32>, Classes<3>, Width<2>, Latent<8>> m(small(), 1);
  Rng rng(2);
  const std::vector<data::Batch> b{batch(4, 3, true)};
  const auto l = m.d_step(b, rng);
  CHECK(logged(l, "mixed") == 1.0);
  CHECK(std::isfinite(logged(l, "d_loss")));
  CHECK(std::isfinite(logged(m.g_step(1, rng), "g_loss")));
}

TEST_CASE("the baseline: the U-Net's encoder as D, no CutMix; CutMix on a D without per-pixel output is refused") {
  auto h = models::unetgan_baseline_hyper();
  h.batch_size = 4;
  models::unetgan_baseline<Image<1, 32, 32>, Width<2>, Latent<8>> m(h, 1);
  Rng rng(2);
  const std::vector<data::Batch> b{batch(4, 3)};
  const auto l = m.d_step(b, rng);
  CHECK(l.size() == 3);  // d_loss, d_real, d_fake
  h.mixup = true;
  CHECK_THROWS_WITH((models::unetgan_baseline<Image<1, 32, 32>, Width<2>, Latent<8>>(h, 1)),
                    doctest::Contains("CutMix needs a discriminator with a per-pixel output"));
}

TEST_CASE("U-Net GAN hyper-parameters: the CelebA script's values, the FFHQ ones, bad values named") {
  const auto h = models::unetgan_hyper();
  CHECK(h.batch_size == 50);
  CHECK(h.g_lr == 5e-5);
  CHECK(h.d_lr == 2e-4);
  CHECK(h.adam_eps == 1e-6);
  CHECK(h.ema_start == 21000);
  CHECK(h.schedule() == CutMixSchedule::every);
  CHECK(models::unetgan_ffhq_hyper().schedule() == CutMixSchedule::full_batch);
  auto bad = small();
  bad.pixel_weight = 1.5;
  CHECK_THROWS_WITH(Model(bad, 1), doctest::Contains("pixel_weight must be in [0, 1], found 1.5"));
  bad = small();
  bad.slow_mixup = true;  // the warmup schedule without its length
  CHECK_THROWS_WITH(Model(bad, 1), doctest::Contains("warmup_steps > 0"));
  auto j = models::hyper_to_json(h);
  CHECK(models::hyper_from_json<models::UnetganHyper>(j).mixup_warmup == h.mixup_warmup);
}

TEST_CASE("decision maps: seven rows of tiles in [-1, 1] and probabilities in [0, 1]") {
  Model m(small(), 1);
  Rng rng(4);
  const data::Batch b = batch(3, 5);
  const train::DecisionMaps d = train::decision_maps(m, b.images, {}, rng);
  REQUIRE(d.rows.shape() == Shape{21, 1, 32, 32});
  for (float v : d.rows.to_vector()) REQUIRE((v >= -1.0f && v <= 1.0f));
  CHECK(d.real_prob > 0);
  CHECK(d.real_prob < 1);
  CHECK(d.mix_agreement >= 0);
  CHECK(d.mix_agreement <= 1);
}

TEST_CASE("U-Net GAN resumes bit for bit: 6 steps straight equal 3, a checkpoint, and 3 more") {
  auto h = small();
  h.set_schedule(CutMixSchedule::full_batch);  // the mixing draws come from the run's stream too
  h.mixup_warmup = 2;
  test::resumes_bit_for_bit<Model>("unetgan", h, 6);
}
