// train::instance_set: features of the images and of their mirror images, L2-normalised, the
// exact k nearest neighbours, and the on-disk cache keyed by content: read back when nothing
// changed, recomputed when the images, the labels, the extractor or k change.
#include <doctest/doctest.h>

#include <gantry/autograd.hpp>
#include <gantry/train/instance_features.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

using namespace gantry;

namespace {

// Features: the mean of each image row (H values), scaled by a weight; the identity names the
// weight, so "retraining" (another weight) is another feature space.
struct RowMeans {
  float weight = 1;
  int calls = 0;
  Tensor<float, cpu> features(const Tensor<float, cpu>& images) {
    ++calls;
    const int64_t n = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
    Tensor<float, cpu> out(Shape{n, h});
    for (int64_t i = 0; i < n; ++i)
      for (int64_t y = 0; y < h; ++y) {
        double s = 0;
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t x = 0; x < w; ++x) s += images.data()[((i * c + ch) * h + y) * w + x] * (1.0 + 0.1 * x);
        out.data()[i * h + y] = static_cast<float>(weight * s);
      }
    return out;
  }
  std::string identity() const { return "row means x" + std::to_string(weight); }
};

Tensor<float, cpu> images(int64_t n, std::uint64_t seed) {
  Rng r(seed);
  return ops::add_scalar(ops::mul_scalar(rand<float, cpu>(Shape{n, 1, 8, 6}, r), 2.0f), -1.0f);
}

}  // namespace

TEST_CASE("instance_set: normalised features, mirror images' features, neighbours of the features") {
  RowMeans e;
  const auto x = images(30, 1);
  std::vector<int64_t> y;
  for (int i = 0; i < 30; ++i) y.push_back(i % 3);
  const auto set = train::instance_set(e, x, y, {.k = 4, .cache_dir = ""});
  REQUIRE(set->features.shape() == Shape{30, 8});
  CHECK(set->feature_augmentation);
  CHECK(set->labels == y);
  for (int64_t i = 0; i < 30; ++i) {
    double s = 0;
    for (int64_t k = 0; k < 8; ++k) s += std::pow(set->features.data()[i * 8 + k], 2);
    CHECK(s == doctest::Approx(1.0).epsilon(1e-6));
  }
  // The mirrored features are those of the mirrored images (the weights 1 + 0.1 x tell).
  const auto m = data::l2_normalised(e.features(train::mirrored_images(x)));
  CHECK(set->mirrored.to_vector() == m.to_vector());
  CHECK(set->mirrored.to_vector() != set->features.to_vector());
  // Neighbours: those of the (unmirrored) features.
  const auto nn = data::nearest_neighbours(set->features, 4);
  CHECK(set->neighbours.ids == nn.ids);
  // Without augmentation, no mirrored features.
  const auto plain = train::instance_set(e, x, y, {.k = 4, .feature_augmentation = false, .cache_dir = ""});
  CHECK_FALSE(plain->mirrored.defined());
  CHECK_FALSE(plain->feature_augmentation);
}

TEST_CASE("instance_set: cached by content; the same data and extractor read it back, any change recomputes") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "gantry_test_instance_cache";
  fs::remove_all(dir);
  const train::InstanceSetOptions o{.k = 3, .cache_dir = dir.string()};
  RowMeans e;
  const auto x = images(20, 2);
  const std::vector<int64_t> y(20, 1);
  const auto a = train::instance_set(e, x, y, o);
  CHECK(e.calls == 2);  // images and mirror images
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.path().extension() == ".safetensors";
  CHECK(files == 2);
  const auto b = train::instance_set(e, x, y, o);
  CHECK(e.calls == 2);  // read back
  CHECK(b->features.to_vector() == a->features.to_vector());
  CHECK(b->mirrored.to_vector() == a->mirrored.to_vector());
  CHECK(b->neighbours.ids == a->neighbours.ids);
  CHECK(b->labels == y);
  CHECK(a->key.size() == 16);  // the content hash names the set, read back or not
  CHECK(b->key == a->key);
  // Another image, other labels, another extractor identity, another k: recomputed.
  auto x2 = x.clone();
  x2.data()[5] += 0.5f;
  train::instance_set(e, x2, y, o);
  CHECK(e.calls == 4);
  train::instance_set(e, x, std::vector<int64_t>(20, 2), o);
  CHECK(e.calls == 6);
  RowMeans e2{.weight = 2};
  train::instance_set(e2, x, y, o);
  CHECK(e2.calls == 2);
  train::InstanceSetOptions o5 = o;
  o5.k = 5;
  CHECK(train::instance_set(e, x, y, o5)->k() == 5);
  CHECK(e.calls == 8);
  fs::remove_all(dir);
}

TEST_CASE("instance_set: bad input is named") {
  RowMeans e;
  CHECK_THROWS_WITH(train::instance_set(e, images(5, 1), {}, {.k = 5, .cache_dir = ""}),
                    doctest::Contains("expected images [N, C, H, W] with N > k = 5, found [5, 1, 8, 6]"));
  CHECK_THROWS_WITH(train::instance_set(e, images(10, 1), {1, 2}, {.k = 3, .cache_dir = ""}), doctest::Contains("10 images but 2 labels"));
}
