// The Fashion-MNIST classifier behind the image metrics: a short training reaches an honest
// accuracy, its weights round-trip through safetensors exactly, its features separate real
// images from degraded ones, 32-padded inputs give the features of the 28x28 originals, and
// the error messages say what to do.
#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <gantry/train/fashion_classifier.hpp>
#include <gantry/metrics/kid.hpp>

using namespace gantry;
using namespace gantry::metrics;
using namespace gantry::train;
namespace fs = std::filesystem;

namespace {

bool have_data() {
  return fs::exists(std::string(data::fashion_mnist_default_dir) + "/t10k-images-idx3-ubyte.gz") &&
         fs::exists(std::string(data::fashion_mnist_default_dir) + "/train-images-idx3-ubyte.gz");
}

#define REQUIRE_DATA()                                                                          \
  if (!have_data()) {                                                                           \
    MESSAGE("skipped: Fashion-MNIST is not installed at ", data::fashion_mnist_default_dir);    \
    return;                                                                                     \
  }

// A fresh directory under the system's temporary directory, removed at exit.
gantry_test::TempDir& temp_dir() {
  static gantry_test::TempDir d("fashion_clf");
  return d;
}

// 400 steps of 64 (under half an epoch): enough for ~85% test accuracy, and trained once per
// process for every test below.
FashionClassifierOptions short_options() {
  FashionClassifierOptions o;
  o.max_steps = 400;
  o.seed = 3;
  return o;
}
TrainedFashionClassifier& trained() {
  static TrainedFashionClassifier t = train_fashion_classifier_model(short_options(), false);
  return t;
}
std::string weights_path() {
  static const std::string p = [] {
    const std::string path = (temp_dir().path / "clf.safetensors").string();
    save_fashion_classifier(path, trained(), short_options());
    return path;
  }();
  return p;
}

bool identical(const Tensor<float, cpu>& a, const Tensor<float, cpu>& b) {
  return a.shape() == b.shape() && a.to_vector() == b.to_vector();
}

// Each image moved `dx` pixels to the right; the uncovered columns are background (-1).
Tensor<float, cpu> shifted(const Tensor<float, cpu>& x, int dx) {
  Tensor<float, cpu> out(x.shape());
  for (int64_t i = 0; i < x.dim(0); ++i)
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t c = 0; c < 28; ++c) {
        const int64_t sc = c - dx;
        out.data()[(i * 28 + y) * 28 + c] = sc >= 0 && sc < 28 ? x.data()[(i * 28 + y) * 28 + sc] : -1.0f;
      }
  return out;
}

// A 3x3 box blur (the mean over the window's pixels inside the image).
Tensor<float, cpu> blurred(const Tensor<float, cpu>& x) {
  Tensor<float, cpu> out(x.shape());
  for (int64_t i = 0; i < x.dim(0); ++i)
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t c = 0; c < 28; ++c) {
        float s = 0;
        int k = 0;
        for (int64_t a = y - 1; a <= y + 1; ++a)
          for (int64_t b = c - 1; b <= c + 1; ++b)
            if (a >= 0 && a < 28 && b >= 0 && b < 28) s += x.data()[(i * 28 + a) * 28 + b], ++k;
        out.data()[(i * 28 + y) * 28 + c] = s / static_cast<float>(k);
      }
  return out;
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a short training reaches 80% test accuracy and the saved weights load back exactly") {
  REQUIRE_DATA();
  TrainedFashionClassifier& t = trained();
  MESSAGE("400 steps: test accuracy ", t.test_accuracy, " in ", t.seconds, " s");
  CHECK(t.steps == 400);
  CHECK(t.test_accuracy >= 0.80);
  CHECK(t.test_accuracy <= 1.0);

  FashionFeatures loaded(weights_path());
  CHECK(loaded.test_accuracy() == t.test_accuracy);  // %.17g round-trips a double
  CHECK(loaded.metadata().at("steps") == "400");
  CHECK(loaded.metadata().at("seed") == "3");
  CHECK(loaded.metadata().at("architecture") == fashion_classifier_architecture);

  const Tensor<float, cpu> x = fashion_mnist_images("test").narrow0(0, 300);
  // The loaded net, the net in memory and a plain eval-mode forward agree bit for bit.
  FashionFeatures in_memory(t.net, t.test_accuracy);
  const Tensor<float, cpu> l = loaded.logits(x);
  CHECK(l.shape() == Shape{300, 10});
  CHECK(identical(l, in_memory.logits(x)));
  Tensor<float, cpu> direct;
  {
    no_grad ng;
    direct = t.net.logits(Var<float>::constant(x), false).value();
  }
  CHECK(identical(l, direct));

  const auto [f, l2] = loaded.features_and_logits(x);
  CHECK(f.shape() == Shape{300, fashion_feature_size});
  CHECK(identical(f, loaded.features(x)));
  CHECK(identical(l2, l));
  // A batch of one gives the same features up to GEMM rounding (blocking depends on the batch).
  const auto one = loaded.features(x.narrow0(7, 8)).to_vector(), in_batch = f.narrow0(7, 8).to_vector();
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(one[i] == doctest::Approx(in_batch[i]).epsilon(1e-4).scale(1));

  // The test accuracy in the metadata is the one the logits give on the test split.
  const auto test = data::fashion_mnist("test");
  CHECK(class_consistency(loaded.logits(fashion_mnist_images("test")), test.labels) == t.test_accuracy);
}

TEST_CASE("FD in the classifier's features: real vs real is far below real vs degraded images") {
  REQUIRE_DATA();
  FashionFeatures clf(weights_path());
  const Tensor<float, cpu> x = fashion_mnist_images("test");
  const Tensor<float, cpu> b = x.narrow0(5000, 10000);
  const Tensor<float, cpu> fx = clf.features(x);
  const Tensor<float, cpu> fa = fx.narrow0(0, 5000), fb = fx.narrow0(5000, 10000);
  const Tensor<float, cpu> f_shift = clf.features(shifted(b, 2));
  const FeatureStats sa = feature_stats(fa);
  auto fd_to = [&](const Tensor<float, cpu>& features) { return frechet_distance(sa, feature_stats(features)); };

  Rng rng(11);
  const double halves = fd_to(fb);
  const double noise = fd_to(clf.features(rand<float>(b.shape(), rng, -1.0f, 1.0f)));
  const double shift = fd_to(f_shift);
  const double blur = fd_to(clf.features(blurred(b)));
  MESSAGE("FD: halves ", halves, ", shifted 2 px ", shift, ", blurred ", blur, ", uniform noise ", noise);
  CHECK(halves >= 0);
  CHECK(halves * 10 < shift);
  CHECK(halves * 10 < blur);
  CHECK(halves * 100 < noise);
  CHECK(shift < noise);

  // KID in the same features tells the same story.
  Rng k1(5), k2(5);
  const KidResult kid_halves = kid(fa, fb, k1, 20, 1000);
  const KidResult kid_shift = kid(fa, f_shift, k2, 20, 1000);
  MESSAGE("KID: halves ", kid_halves.mean, " +- ", kid_halves.std, ", shifted 2 px ", kid_shift.mean, " +- ",
          kid_shift.std);
  CHECK(kid_halves.mean + 3 * kid_halves.std < kid_shift.mean);

  // The reference statistics are those of the whole test split (FD of a set with itself is
  // rounding noise, see frechet.hpp).
  const FeatureStats ref = fashion_mnist_reference_stats(clf, "test");
  CHECK(ref.count == 10000);
  CHECK(ref.mean.size() == fashion_feature_size);
  CHECK(std::abs(frechet_distance(ref, feature_stats(fx))) < 1e-3);
}

TEST_CASE("32x32 zero-padded images give the features of the 28x28 originals") {
  REQUIRE_DATA();
  FashionFeatures clf(weights_path());
  const Tensor<float, cpu> x28 = fashion_mnist_images("test").narrow0(0, 700);
  const Tensor<float, cpu> x32 = fashion_mnist_images("test", 32).narrow0(0, 700);
  CHECK(x32.shape() == Shape{700, 1, 32, 32});
  CHECK(x32.at(0, 0, 0, 0) == -1.0f);     // the padding is background
  CHECK(x32.at(5, 0, 10, 12) == x28.at(5, 0, 8, 10));
  CHECK(identical(clf.features(x28), clf.features(x32)));
  CHECK(identical(clf.logits(x28), clf.logits(x32)));
}

TEST_CASE("wrong shapes are ShapeErrors naming what was expected and found") {
  REQUIRE_DATA();
  FashionFeatures clf(weights_path());
  CHECK_THROWS_AS(clf.features(Tensor<float, cpu>::zeros(Shape{4, 3, 28, 28})), ShapeError);
  const std::string rgb = error_of([&] { clf.features(Tensor<float, cpu>::zeros(Shape{4, 3, 28, 28})); });
  CHECK(rgb.find("FashionFeatures::features") != std::string::npos);
  CHECK(rgb.find("[N, 1, 28, 28] or [N, 1, 32, 32]") != std::string::npos);
  CHECK(rgb.find("found [4, 3, 28, 28]") != std::string::npos);
  const std::string side = error_of([&] { clf.logits(Tensor<float, cpu>::zeros(Shape{2, 1, 30, 30})); });
  CHECK(side.find("FashionFeatures::logits") != std::string::npos);
  CHECK(side.find("found [2, 1, 30, 30]") != std::string::npos);
  CHECK_THROWS_AS(clf.features(Tensor<float, cpu>::zeros(Shape{784})), ShapeError);
  CHECK(clf.features(Tensor<float, cpu>::zeros(Shape{0, 1, 28, 28})).shape() == Shape{0, fashion_feature_size});
}

TEST_CASE("a missing weights file says which command creates it; a foreign file is rejected") {
  const std::string missing = (temp_dir().path / "nowhere" / "clf.safetensors").string();
  const std::string msg = error_of([&] { FashionFeatures f(missing); });
  CHECK(msg.find("no classifier weights at " + missing) != std::string::npos);
  CHECK(msg.find(std::string(fashion_classifier_command) + " --out " + missing) != std::string::npos);
  CHECK(msg.find("load_or_train_fashion_classifier") != std::string::npos);
  CHECK(!fs::exists(missing));

  REQUIRE_DATA();
  // Weights without the head: strict loading names the missing tensors.
  const std::string partial = (temp_dir().path / "trunk_only.safetensors").string();
  {
    train::SafetensorsWriter w;
    train::save_module(w, trained().net.trunk, "trunk");
    w.metadata("test_accuracy", "0.5").metadata("architecture", fashion_classifier_architecture);
    w.write(partial);
  }
  const std::string strict = error_of([&] { FashionFeatures f(partial); });
  CHECK(strict.find("missing tensor 'head.blocks.0.weight'") != std::string::npos);
  // Weights without the metadata.
  const std::string bare = (temp_dir().path / "bare.safetensors").string();
  train::save_module(bare, trained().net);
  CHECK_THROWS_AS(FashionFeatures{bare}, FormatError);
  CHECK(error_of([&] { FashionFeatures f(bare); }).find("test_accuracy") != std::string::npos);
  // Weights of another architecture (an old cache): the message says how to retrain.
  const std::string old_arch = (temp_dir().path / "old_arch.safetensors").string();
  {
    train::SafetensorsWriter w;
    train::save_module(w, trained().net);
    w.metadata("test_accuracy", "0.9").metadata("architecture", "mlp").metadata("gantry.model", "fashion_mnist_classifier");
    w.write(old_arch);
  }
  const std::string arch = error_of([&] { FashionFeatures f(old_arch); });
  CHECK(arch.find("another architecture (mlp") != std::string::npos);
  CHECK(arch.find(std::string(fashion_classifier_command) + " --out " + old_arch) != std::string::npos);
}

TEST_CASE("the default cache path follows GANTRY_CACHE, then XDG_CACHE_HOME, then HOME") {
  auto saved = [](const char* k) -> std::optional<std::string> {
    const char* v = std::getenv(k);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  const auto gc = saved("GANTRY_CACHE"), xdg = saved("XDG_CACHE_HOME"), home = saved("HOME");
  ::setenv("GANTRY_CACHE", "/c", 1);
  ::setenv("XDG_CACHE_HOME", "/x", 1);
  ::setenv("HOME", "/h", 1);
  CHECK(default_fashion_classifier_path() == "/c/fashion_mnist_classifier.safetensors");
  ::unsetenv("GANTRY_CACHE");
  CHECK(default_fashion_classifier_path() == "/x/gantry/fashion_mnist_classifier.safetensors");
  ::setenv("XDG_CACHE_HOME", "", 1);
  CHECK(default_fashion_classifier_path() == "/h/.cache/gantry/fashion_mnist_classifier.safetensors");
  ::unsetenv("XDG_CACHE_HOME");
  ::unsetenv("HOME");
  CHECK_THROWS_AS(default_fashion_classifier_path(), Error);
  auto restore = [](const char* k, const std::optional<std::string>& v) {
    if (v) ::setenv(k, v->c_str(), 1);
    else ::unsetenv(k);
  };
  restore("GANTRY_CACHE", gc);
  restore("XDG_CACHE_HOME", xdg);
  restore("HOME", home);
}

TEST_CASE("load_or_train trains into missing directories once, then only loads; it replaces a stale cache") {
  REQUIRE_DATA();
  const std::string path = (temp_dir().path / "cache" / "deeper" / fashion_classifier_file).string();
  FashionClassifierOptions o;
  o.max_steps = 20;
  FashionFeatures first = load_or_train_fashion_classifier(path, false, o);
  CHECK(fs::exists(path));
  CHECK(first.metadata().at("steps") == "20");
  CHECK(first.path() == path);
  const auto stamp = fs::last_write_time(path);
  o.max_steps = 30;  // would give another file if it trained again
  FashionFeatures second = load_or_train_fashion_classifier(path, false, o);
  CHECK(second.metadata().at("steps") == "20");
  CHECK(fs::last_write_time(path) == stamp);
  const Tensor<float, cpu> x = fashion_mnist_images("test").narrow0(0, 50);
  CHECK(identical(first.logits(x), second.logits(x)));

  // A cache written for another architecture is retrained; a foreign file is not touched.
  {
    train::SafetensorsWriter w;
    w.add("w", Tensor<float, cpu>::zeros(Shape{2}));
    w.metadata("gantry.model", "fashion_mnist_classifier").metadata("architecture", "mlp");
    w.write(path);
  }
  o.max_steps = 10;
  FashionFeatures third = load_or_train_fashion_classifier(path, false, o);
  CHECK(third.metadata().at("steps") == "10");
  const std::string foreign = (temp_dir().path / "cache" / "foreign.safetensors").string();
  train::save_module(foreign, trained().net);
  CHECK_THROWS_AS(load_or_train_fashion_classifier(foreign, false, o), FormatError);
  CHECK(train::read_safetensors(foreign).metadata.empty());
}
