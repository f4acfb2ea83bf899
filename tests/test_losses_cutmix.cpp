// U-Net GAN's CutMix (losses/cutmix.hpp): the masks' statistics (box side from λ ~ Beta(1, 1),
// inversion rate, boundaries), the mixed images, the two loss terms against hand computations,
// and the three schedules of the official scripts.
#include <doctest/doctest.h>

#include <gantry/losses/cutmix.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace gantry;

TEST_CASE("cutmix_box: λ ~ U(0, 1) sets the side int(S sqrt(1 - λ)), boxes stay inside, half are inverted") {
  Rng rng(1);
  const int64_t S = 128;
  const int n = 20000;
  std::vector<double> lambdas;
  int inverted = 0, unclipped = 0;
  for (int i = 0; i < n; ++i) {
    const CutMixBox b = cutmix_box(S, S, rng);
    lambdas.push_back(b.lambda);
    inverted += b.inverted;
    REQUIRE(0 <= b.y1);
    REQUIRE(b.y1 <= b.y2);
    REQUIRE(b.y2 <= S);
    REQUIRE(0 <= b.x1);
    REQUIRE(b.x1 <= b.x2);
    REQUIRE(b.x2 <= S);
    // A box away from the borders has the side mixup.py gives it: 2 (side / 2).
    const int64_t side = static_cast<int64_t>(S * std::sqrt(1.0 - b.lambda));
    if (b.y1 > 0 && b.y2 < S && b.x1 > 0 && b.x2 < S) {
      ++unclipped;
      CHECK(b.y2 - b.y1 == 2 * (side / 2));
      CHECK(b.x2 - b.x1 == 2 * (side / 2));
    }
  }
  CHECK(unclipped > n / 10);
  // Kolmogorov-Smirnov against U(0, 1): at n = 20000 the 0.1 % critical value is 1.95 / sqrt(n).
  std::sort(lambdas.begin(), lambdas.end());
  double ks = 0;
  for (int i = 0; i < n; ++i)
    ks = std::max({ks, std::abs(lambdas[i] - static_cast<double>(i) / n), std::abs(lambdas[i] - static_cast<double>(i + 1) / n)});
  CHECK(ks < 1.95 / std::sqrt(static_cast<double>(n)));
  // Inversion with p = 0.5: 4 standard deviations of a binomial(20000, 0.5) are 283.
  CHECK(std::abs(inverted - n / 2) < 283);
}

TEST_CASE("cutmix_masks: 0/1 masks whose zeros (or ones, inverted) are the drawn box; mean area as Beta(1,1) gives") {
  Rng a(5), b(5);
  const int64_t n = 4000, H = 32, W = 32;
  const Tensor<float, cpu> m = cutmix_masks<float, cpu>(n, H, W, a);
  REQUIRE(m.shape() == Shape{n, 1, H, W});
  double box_area = 0;
  for (int64_t i = 0; i < n; ++i) {
    const CutMixBox box = cutmix_box(H, W, b);  // the same stream, box for box
    int64_t zeros = 0, wrong = 0;
    for (int64_t r = 0; r < H; ++r)
      for (int64_t c = 0; c < W; ++c) {
        const float v = m.data()[(i * H + r) * W + c];
        wrong += v != box.at(r, c);  // (at() is 0 or 1)
        zeros += v == 0.0f;
      }
    REQUIRE(wrong == 0);
    const int64_t area = (box.y2 - box.y1) * (box.x2 - box.x1);
    CHECK(zeros == (box.inverted ? H * W - area : area));
    box_area += static_cast<double>(area) / static_cast<double>(H * W);
  }
  // Unclipped, E[area] = E[1 - λ] = 1/2 less the integer halving; clipping at the borders cuts
  // it further: the mean is well inside (0.2, 0.5).
  box_area /= static_cast<double>(n);
  CHECK(box_area > 0.2);
  CHECK(box_area < 0.5);
  MESSAGE("mean box area ", box_area);
}

TEST_CASE("cutmix_images, mix_loss and consistency_loss against a hand computation") {
  Rng rng(3);
  const Tensor<double, cpu> real = randn<double>({2, 3, 4, 4}, rng), fake = randn<double>({2, 3, 4, 4}, rng);
  Tensor<double, cpu> masks({2, 1, 4, 4});
  for (int64_t i = 0; i < masks.numel(); ++i) masks.data()[i] = (i % 3 == 0) ? 1.0 : 0.0;
  const Tensor<double, cpu> mixed = cutmix_images(real, fake, masks);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t p = 0; p < 16; ++p) {
        const double m = masks.data()[i * 16 + p];
        const int64_t k = (i * 3 + c) * 16 + p;
        CHECK(mixed.data()[k] == doctest::Approx(m * real.data()[k] + (1 - m) * fake.data()[k]));
      }
  CHECK_THROWS_WITH_AS(cutmix_images(real, fake, Tensor<double, cpu>({2, 3, 4, 4})),
                       doctest::Contains("expected masks [2, 1, 4, 4]"), ShapeError);

  const Var<double> pix_mix(randn<double>({2, 1, 4, 4}, rng)), enc_mix(randn<double>({2, 1}, rng));
  const Var<double> pix_real(randn<double>({2, 1, 4, 4}, rng)), pix_fake(randn<double>({2, 1, 4, 4}, rng));
  const auto sp = [](double x) { return std::log1p(std::exp(x)); };
  for (const double c : {1.0, 0.25}) {
    double dec = 0, enc = 0, cons = 0;
    for (int64_t k = 0; k < 32; ++k) {
      const double l = pix_mix.value().data()[k], t = masks.data()[k];
      dec += (sp(l) - t * l) / 32;  // BCE(D_dec(mix), M)
      const double target = t * pix_real.value().data()[k] + (1 - t) * pix_fake.value().data()[k];
      cons += (l - target) * (l - target) / 32;
    }
    for (int64_t k = 0; k < 2; ++k) enc += sp(enc_mix.value().data()[k]) / 2;  // BCE(D_enc(mix), 0)
    CHECK(CutMix::mix_loss(pix_mix, enc_mix, masks, c).item() == doctest::Approx(dec + c * enc).epsilon(1e-12));
    CutMix policy;
    policy.consistency = 2.0;
    CHECK(policy.consistency_loss(pix_mix, pix_real, pix_fake, masks, c).item() ==
          doctest::Approx(c * 2.0 * cons).epsilon(1e-12));
  }
}

TEST_CASE("CutMix schedules: every, warmup (the weight ramps), full_batch (the mixing probability ramps to 0.5)") {
  CutMix every;
  CHECK(every.coefficient(0) == 1.0);
  CHECK(every.mix_probability(0) == 1.0);
  CHECK_FALSE(every.replaces_batch());
  CutMix warm{.schedule = CutMixSchedule::warmup, .warmup_steps = 100};
  CHECK(warm.coefficient(0) == 0.0);
  CHECK(warm.coefficient(25) == 0.25);
  CHECK(warm.coefficient(500) == 1.0);
  CHECK(warm.mix_probability(0) == 1.0);
  CutMix full{.schedule = CutMixSchedule::full_batch, .warmup_steps = 100};
  CHECK(full.coefficient(10) == 1.0);
  CHECK(full.mix_probability(50) == 0.25);
  CHECK(full.mix_probability(1000) == 0.5);
  CHECK(full.replaces_batch());
  CHECK(CutMix{.schedule = CutMixSchedule::full_batch}.mix_probability(0) == 0.5);
  CHECK_THROWS_WITH(CutMix{.schedule = CutMixSchedule::warmup}.validate(), doctest::Contains("warmup_steps > 0"));
  CHECK(parse_cutmix_schedule("full-batch") == CutMixSchedule::full_batch);
  CHECK_THROWS_WITH(parse_cutmix_schedule("sometimes"), doctest::Contains("expected every, warmup or full-batch"));
}
