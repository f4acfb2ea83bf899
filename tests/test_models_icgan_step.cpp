// IC-GAN on the step template: the instance set's draws (G's conditioning and the loader's
// (instance, neighbour) pairs, data/instances.hpp), that D sees the real images with their
// instances' features and the fakes with theirs, cc-IC-GAN's labels, the layouts' sizes,
// clear errors, and a run that resumes bit for bit.
#include <doctest/doctest.h>

#include <gantry/models/icgan.hpp>
#include <gantry/train/evaluate.hpp>
#include <gantry/train/trainer.hpp>

#include "resume_support.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "step_log.hpp"

using namespace gantry;
using test::logged;

namespace {

constexpr int F = 16;
using Nets = models::icgan_nets<Image<1, 32, 32>, 0, 2, F, 8, 16>;
using CcNets = models::icgan_nets<Image<1, 32, 32>, 10, 2, F, 8, 16>;
using Model = models::icgan<Image<1, 32, 32>, Width<2>, InstanceFeatures<F, 8>, Latent<16>>;
using CcModel = models::cc_icgan<Image<1, 32, 32>, Classes<10>, Width<2>, InstanceFeatures<F, 8>, Latent<16>>;
static_assert(std::is_same_v<Model::Nets, Nets> && std::is_same_v<CcModel::Nets, CcNets>);

// n random L2-normalised features, their mirrored twins, labels i % 10 and k neighbours.
std::shared_ptr<data::Instances> instance_set(int64_t n, int64_t k, std::uint64_t seed, bool augment = true) {
  Rng r(seed);
  auto set = std::make_shared<data::Instances>();
  set->features = data::l2_normalised(randn<float>(Shape{n, F}, r));
  set->mirrored = data::l2_normalised(randn<float>(Shape{n, F}, r));
  for (int64_t i = 0; i < n; ++i) set->labels.push_back(i % 10);
  set->neighbours = data::nearest_neighbours(set->features, k);
  set->feature_augmentation = augment;
  return set;
}

bool same_row(const float* a, const float* b) { return std::equal(a, a + F, b); }

models::HingeGanHyper small() {
  auto h = models::icgan_fashion_hyper();
  h.batch_size = 4;
  h.ema_decay = 0;
  return h;
}

}  // namespace

TEST_CASE("draw_instances: h of a uniform instance (or its mirror image's), the label of one of its neighbours") {
  const auto set = instance_set(40, 5, 1);
  Rng rng(2);
  const data::InstanceDraw d = data::draw_instances(*set, 400, rng);
  CHECK(rng.offset() == 3 * 400);
  REQUIRE(d.features.shape() == Shape{400, F});
  int mirrored = 0;
  std::set<int64_t> seen;
  for (int64_t b = 0; b < 400; ++b) {
    const int64_t i = d.instances[static_cast<std::size_t>(b)];
    seen.insert(i);
    const float* row = d.features.data() + b * F;
    const bool plain = same_row(row, set->features.data() + i * F), mirror = same_row(row, set->mirrored.data() + i * F);
    CHECK((plain || mirror));
    mirrored += mirror;
    const auto nn = set->neighbours.of(i);
    const int64_t y = d.labels[static_cast<std::size_t>(b)];
    CHECK(std::any_of(nn.begin(), nn.end(), [&](int64_t j) { return set->labels[static_cast<std::size_t>(j)] == y; }));
  }
  CHECK(seen.size() == 40);  // 400 uniform draws of 40 miss one with probability 40 (39/40)^400 ≈ 1.6e-3
  CHECK(mirrored > 200 - 40);  // Binomial(400, 0.5): 4 standard deviations
  CHECK(mirrored < 200 + 40);
  // Without augmentation the features are always the instance's own.
  const auto plain = instance_set(40, 5, 1, false);
  Rng r2(2);
  const auto p = data::draw_instances(*plain, 50, r2);
  for (int64_t b = 0; b < 50; ++b)
    CHECK(same_row(p.features.data() + b * F, plain->features.data() + p.instances[static_cast<std::size_t>(b)] * F));
}

TEST_CASE("the loader's IC-GAN pairs: a neighbour's image and label with the instance's features, resumable") {
  const int64_t n = 40;
  const auto set = instance_set(n, 5, 1);
  // Image i is filled with the value i, so a batch names the images it holds.
  data::LabeledImages images{Tensor<float, cpu>(Shape{n, 1, 4, 4}), set->labels};
  for (int64_t i = 0; i < n; ++i) std::fill_n(images.images.data() + i * 16, 16, static_cast<float>(i) / 64.0f);
  data::LoaderOptions lo;
  lo.batch_size = 8;
  lo.range = data::PixelRange::unit;
  data::Loader loader(images, lo, Rng(3));
  loader.pair_with_neighbours(set);
  const data::LoaderState start = loader.state();
  for (int batch = 0; batch < 5; ++batch) {
    const data::Batch b = loader.next();
    REQUIRE(b.features.shape() == Shape{8, F});
    for (int64_t r = 0; r < 8; ++r) {
      const int64_t i = loader.permutation()[static_cast<std::size_t>(batch * 8 + r)];
      const int64_t j = std::llround(b.images.data()[r * 16] * 64.0f);
      const auto nn = set->neighbours.of(i);
      CHECK(std::find(nn.begin(), nn.end(), j) != nn.end());  // a neighbour of i, never i itself
      CHECK(b.labels[static_cast<std::size_t>(r)] == set->labels[static_cast<std::size_t>(j)]);
      const float* h = b.features.data() + r * F;
      CHECK((same_row(h, set->features.data() + i * F) || same_row(h, set->mirrored.data() + i * F)));
    }
  }
  // The same state gives the same pairs.
  data::Loader again(images, lo, Rng(3));
  again.pair_with_neighbours(set);
  loader.restore(start);
  again.restore(start);
  const data::Batch a = loader.next(), c = again.next();
  CHECK(a.images.to_vector() == c.images.to_vector());
  CHECK(a.features.to_vector() == c.features.to_vector());
  // A set of another size is refused.
  CHECK_THROWS_WITH(again.pair_with_neighbours(instance_set(30, 5, 1)),
                    doctest::Contains("the instance set has 30 samples, the dataset 40"));
}

TEST_CASE("IC-GAN steps: D on (neighbour image, h) and (G(z, h'), h'), G on its draws; sampling from given h") {
  Model m(small(), 1);
  const auto set = instance_set(40, 5, 1);
  Rng rng(2);
  data::Batch b;
  b.images = randn<float>(Shape{4, 1, 32, 32}, rng);
  // Without an instance set G cannot draw its conditioning; without features D cannot judge.
  CHECK_THROWS_WITH(m.d_step(std::vector<data::Batch>{b}, rng), doctest::Contains("draws its conditioning from an instance set"));
  m.nets.set_instances(set);
  CHECK_THROWS_WITH(m.d_step(std::vector<data::Batch>{b}, rng), doctest::Contains("features"));
  b.features = set->features.narrow0(0, 4).clone();
  const auto l = m.d_step(std::vector<data::Batch>{b}, rng);
  CHECK(std::isfinite(logged(l, "d_loss")));
  CHECK(std::isfinite(logged(m.g_step(1, rng), "g_loss")));
  // The same z with another h gives another image; the same h the same image.
  const Tensor<float, cpu> z = randn<float>(Shape{2, 16}, rng);
  const Tensor<float, cpu> h01 = set->features.narrow0(0, 2).clone(), h23 = set->features.narrow0(2, 4).clone();
  const auto a = m.sample(z, {{}, h01}).to_vector();
  CHECK(m.sample(z, {{}, h01}).to_vector() == a);
  CHECK(m.sample(z, {{}, h23}).to_vector() != a);
  // generate(): given features, or drawn from the set.
  Rng g(5);
  CHECK(train::generate(m, 3, g, {.features = set->features.narrow0(0, 3).clone()}).shape() == Shape{3, 1, 32, 32});
  CHECK(train::generate(m, 3, g).shape() == Shape{3, 1, 32, 32});
  // A set with features of another size is refused.
  auto wrong = std::make_shared<data::Instances>(*set);
  wrong->features = randn<float>(Shape{40, 8}, g);
  wrong->mirrored = Tensor<float, cpu>();
  wrong->feature_augmentation = false;
  CHECK_THROWS_WITH(m.nets.set_instances(wrong), doctest::Contains("G takes features of size 16, the instance set has 8"));
}

TEST_CASE("cc-IC-GAN: G's labels are the drawn instances' neighbours' classes; a set without labels is refused") {
  CcModel m(small(), 1);
  const auto set = instance_set(40, 5, 1);
  auto unlabelled = std::make_shared<data::Instances>(*set);
  unlabelled->labels.clear();
  CHECK_THROWS_WITH(m.nets.set_instances(unlabelled), doctest::Contains("needs the instance set's labels"));
  m.nets.set_instances(set);
  Rng rng(2);
  const auto c = m.nets.random_condition(6, rng);
  CHECK(c.labels.size() == 6);
  CHECK(c.features.shape() == Shape{6, F});
  data::Batch b;
  b.images = randn<float>(Shape{4, 1, 32, 32}, rng);
  b.features = set->features.narrow0(0, 4).clone();
  b.labels = {1, 2, 3, 4};
  CHECK(std::isfinite(logged(m.d_step(std::vector<data::Batch>{b}, rng), "d_loss")));
  CHECK(std::isfinite(logged(m.g_step(1, rng), "g_loss")));
  // A class swap: the same z and h with other labels.
  const Tensor<float, cpu> z = randn<float>(Shape{2, 16}, rng);
  const Tensor<float, cpu> h = set->features.narrow0(0, 2).clone();
  CHECK(m.sample(z, {{0, 0}, h}).to_vector() != m.sample(z, {{7, 7}, h}).to_vector());
}

TEST_CASE("IC-GAN layouts: the official 64 and 128 conditioning sizes") {
  using G64 = models::icgan64_nets<>::G;
  CHECK(G64::num_slots == 5);
  CHECK(G64::chunk_size == 24);
  CHECK(G64::condition_size == 512 + 24);
  CHECK(models::icgan64_nets<1000>::G::condition_size == 128 + 512 + 24);  // cc-IC-GAN: 664
  using G128 = models::icgan128_nets<>::G;
  CHECK(G128::num_slots == 6);
  CHECK(G128::condition_size == 512 + 20);
  CHECK(models::icgan_hyper().batch_size == 256);
  CHECK(models::icgan_hyper().adam_eps == 1e-6);
  CHECK(models::icgan128_hyper().g_lr == 4e-5);
}

TEST_CASE("IC-GAN resumes bit for bit (instance set on the model and the loader)") {
  const auto setup = [](auto& model, data::Loader& loader) {
    auto set = instance_set(40, 5, 9);
    model.nets.set_instances(set);
    loader.pair_with_neighbours(set);
  };
  test::resumes_bit_for_bit<Model>("icgan", small(), 4, setup);
}
