#pragma once
// "FD in a Fashion-MNIST classifier's features": a small convolutional classifier that gantry
// trains on Fashion-MNIST once (examples/train_fashion_classifier, about a minute on 2 cores)
// and whose penultimate activation (128 values after ReLU) is the feature space for the
// Fréchet distance, KID and precision/recall of generated Fashion-MNIST images; its logits
// give class histograms and class consistency. Inception is the wrong judge for 28x28
// grey clothes, and this net is small enough to train where the metrics are computed.
// The numbers are not comparable with Inception FID (docs/metrics.md).
//
// Images are [N, 1, 28, 28] in [-1, 1], or [N, 1, 32, 32] as the GANs produce them (Fashion-
// MNIST zero-padded to 32): those are centre-cropped to 28, which drops exactly the padding.
// Weights live in a safetensors file with the test accuracy and the training options in its
// metadata; default_fashion_classifier_path() is the cache that load_or_train uses.
//
// It trains a model (optimiser, loss, data loader, module state), so it lives in train/, the
// layer that may use all of them; the metrics it feeds are metrics/'s.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../core/hash.hpp"
#include "../autograd.hpp"
#include "../data/fashion_mnist.hpp"
#include "../data/loader.hpp"
#include "../losses/classification.hpp"
#include "../nn.hpp"
#include "../optim/adam.hpp"
#include "../optim/schedule.hpp"
#include "module_state.hpp"
#include "progress.hpp"
#include "../metrics/class_histogram.hpp"
#include "../metrics/frechet.hpp"

namespace gantry::train {

// The feature trunk: two 3x3 conv + batch norm + 2x2 max-pool stages (28 -> 14 -> 7), then a
// 128-unit hidden layer whose ReLU output is the feature vector. The head maps it to the 10
// classes. Batch norm buys about a point of test accuracy for the same short training.
using FashionTrunk = Discriminator<Image<1, 28, 28>, Conv2d<32, 3>, BatchNorm2d<>, ReLU, MaxPool2d<2>, Conv2d<64, 3>,
                                  BatchNorm2d<>, ReLU, MaxPool2d<2>, Flatten, Linear<128>, ReLU>;
using FashionHead = Discriminator<Vector<128>, Linear<10>>;

inline constexpr int64_t fashion_feature_size = 128;
inline constexpr int64_t fashion_num_classes = 10;
inline constexpr const char* fashion_classifier_file = "fashion_mnist_classifier.safetensors";
// The example program that trains it (examples/train_fashion_classifier.cpp), as error
// messages name it: a program, not a path in some build tree.
inline constexpr const char* fashion_classifier_command = "train_fashion_classifier";
inline constexpr const char* fashion_classifier_architecture =
    "conv3x3(32)-bn-relu-maxpool2-conv3x3(64)-bn-relu-maxpool2-flatten-linear(128)-relu | linear(10)";

// The runtime net. Parameters are named `trunk.blocks.<i>.*` and `head.blocks.0.*`.
struct FashionClassifier {
  FashionTrunk::module<float, cpu> trunk;
  FashionHead::module<float, cpu> head;

  explicit FashionClassifier(Init& init) : trunk(init), head(init) {}
  // A net with PyTorch's default initialisation from `seed`.
  static FashionClassifier make(std::uint64_t seed) {
    Rng gen(seed);
    Init init{gen};
    return FashionClassifier(init);
  }

  // x: [B, 1, 28, 28] in [-1, 1] -> [B, 128].
  Var<float> features(const Var<float>& x, bool training) { return trunk.forward(x, {}, training); }
  // features [B, 128] -> logits [B, 10].
  Var<float> classify(const Var<float>& features, bool training) { return head.forward(features, {}, training); }
  Var<float> logits(const Var<float>& x, bool training) { return classify(features(x, training), training); }

  void visit(ParamVisitor<float, cpu>& v, const std::string& prefix) {
    trunk.visit(v, join_name(prefix, "trunk"));
    head.visit(v, join_name(prefix, "head"));
  }
};

struct FashionClassifierOptions {
  int64_t epochs = 2;
  int64_t batch = 64;
  double lr = 1e-3;  // Adam's, decayed linearly to 0 over the run
  std::uint64_t seed = 1;
  int64_t max_steps = 0;  // > 0: stop after this many steps (quick runs, tests)
  std::string data_dir = data::fashion_mnist_default_dir;
};

struct TrainedFashionClassifier {
  FashionClassifier net;
  double test_accuracy = 0;  // share of the 10k test images classified correctly
  int64_t steps = 0;
  double seconds = 0;        // training time, without data loading and evaluation
};

namespace detail {

// [0, 1] pixels (the dataset's) -> [-1, 1] (the GANs' and the classifier's).
inline Tensor<float, cpu> to_symmetric(const Tensor<float, cpu>& images) {
  return ops::add_scalar(ops::mul_scalar(images, 2.0f), -1.0f);
}

// Checks images [N, 1, 28, 28] or [N, 1, 32, 32] and returns the side (28 or 32).
inline int64_t checked_side(const char* who, const Tensor<float, cpu>& images) {
  const bool ok = images.defined() && images.rank() == 4 && images.dim(1) == 1 && images.dim(2) == images.dim(3) &&
                  (images.dim(2) == 28 || images.dim(2) == 32);
  check<ShapeError>(ok, who, ": expected images [N, 1, 28, 28] or [N, 1, 32, 32] (32: zero-padded, centre-cropped to "
                    "28) with values in [-1, 1], found ",
                    images.defined() ? images.shape().str() : std::string("an undefined tensor"));
  return images.dim(2);
}

// Rows [lo, hi) of `images` as [hi - lo, 1, 28, 28]: a view for 28, a centre crop for 32.
inline Tensor<float, cpu> batch_28(const Tensor<float, cpu>& images, int64_t side, int64_t lo, int64_t hi) {
  if (side == 28) return images.narrow0(lo, hi);
  Tensor<float, cpu> out(Shape{hi - lo, 1, 28, 28});
  const int64_t off = (side - 28) / 2;
  for (int64_t n = lo; n < hi; ++n)
    for (int64_t y = 0; y < 28; ++y) {
      const float* src = images.data() + (n * side + y + off) * side + off;
      std::copy(src, src + 28, out.data() + ((n - lo) * 28 + y) * 28);
    }
  return out;
}

// Runs the net in eval mode without the tape, `chunk` images at a time; fills features
// [N, 128] and/or logits [N, 10] (null pointers are skipped).
inline void run_classifier(const char* who, FashionClassifier& net, const Tensor<float, cpu>& images,
                           Tensor<float, cpu>* features, Tensor<float, cpu>* logits, int64_t chunk = 500) {
  const int64_t side = checked_side(who, images);
  const int64_t n = images.dim(0);
  if (features) *features = Tensor<float, cpu>(Shape{n, fashion_feature_size});
  if (logits) *logits = Tensor<float, cpu>(Shape{n, fashion_num_classes});
  no_grad guard;
  for (int64_t lo = 0; lo < n; lo += chunk) {
    const int64_t hi = std::min(n, lo + chunk);
    const Var<float> f = net.features(Var<float>::constant(batch_28(images, side, lo, hi)), false);
    if (features) std::copy_n(f.value().data(), f.numel(), features->data() + lo * fashion_feature_size);
    if (logits) {
      const Var<float> l = net.classify(f, false);
      std::copy_n(l.value().data(), l.numel(), logits->data() + lo * fashion_num_classes);
    }
  }
}

inline std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace detail

// The images of a Fashion-MNIST split in [-1, 1], as the classifier and the GANs take them:
// [N, 1, 28, 28], or zero-padded (in [0, 1], so the border is -1) to [N, 1, 32, 32] with
// pad_to = 32 like the GANs' data loaders.
inline Tensor<float, cpu> fashion_mnist_images(const std::string& split, int64_t pad_to = 28,
                                               const std::string& dir = data::fashion_mnist_default_dir) {
  check<Error>(pad_to == 28 || pad_to == 32, "fashion_mnist_images: pad_to must be 28 or 32, got ", pad_to);
  const data::LabeledImages d = data::fashion_mnist(split, dir);
  if (pad_to == 28) return detail::to_symmetric(d.images);
  const int64_t n = d.size();
  Tensor<float, cpu> out = ops::add_scalar(Tensor<float, cpu>::zeros(Shape{n, 1, 32, 32}), -1.0f);
  const Tensor<float, cpu> x = detail::to_symmetric(d.images);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < 28; ++y)
      std::copy_n(x.data() + (i * 28 + y) * 28, 28, out.data() + (i * 32 + y + 2) * 32 + 2);
  return out;
}

// Share of `split` (images in [0, 1], as data::fashion_mnist gives them) that `net` classifies correctly.
inline double fashion_classifier_accuracy(FashionClassifier& net, const data::LabeledImages& split) {
  check<Error>(split.size() > 0, "fashion_classifier_accuracy: the split is empty");
  Tensor<float, cpu> logits;
  detail::run_classifier("fashion_classifier_accuracy", net, detail::to_symmetric(split.images), nullptr, &logits);
  const std::vector<int64_t> predicted = metrics::predicted_classes(logits);
  return metrics::class_consistency(predicted, split.labels);
}

// Trains the classifier on the 60k training images (Adam, cross-entropy, shuffled batches in
// [-1, 1], learning rate decayed linearly to 0) and measures it on the 10k test images.
inline TrainedFashionClassifier train_fashion_classifier_model(const FashionClassifierOptions& opt = {},
                                                               bool show_progress = true) {
  check<Error>(opt.epochs >= 1, "train_fashion_classifier: epochs must be >= 1, got ", opt.epochs);
  check<Error>(opt.batch >= 2, "train_fashion_classifier: batch must be >= 2, got ", opt.batch);
  check<Error>(opt.lr > 0, "train_fashion_classifier: lr must be > 0, got ", opt.lr);
  check<Error>(opt.max_steps >= 0, "train_fashion_classifier: max_steps must be >= 0, got ", opt.max_steps);
  data::Loader loader(data::fashion_mnist("train", opt.data_dir),
                      data::LoaderOptions{.batch_size = opt.batch, .range = data::PixelRange::symmetric},
                      Rng(opt.seed ^ 0x9E3779B97F4A7C15ull));
  const int64_t per_epoch = loader.batches_per_epoch();
  const int64_t total = opt.max_steps > 0 ? std::min(opt.max_steps, opt.epochs * per_epoch) : opt.epochs * per_epoch;

  TrainedFashionClassifier out{FashionClassifier::make(opt.seed)};
  Adam<float> adam(named_parameters<float, cpu>(out.net), AdamOptions{.lr = opt.lr});
  const LinearDecayLR schedule(opt.lr, total);
  std::unique_ptr<train::Progress> bar;
  if (show_progress) bar = std::make_unique<train::Progress>(total, "fashion classifier");
  double running = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < total; ++step) {
    const data::Batch b = loader.next();
    const Var<float> loss = cross_entropy(out.net.logits(Var<float>::constant(b.images), true), b.labels);
    adam.zero_grad();
    loss.backward();
    adam.set_lr(schedule(step));
    adam.step();
    running = step == 0 ? loss.item() : 0.98 * running + 0.02 * loss.item();
    if (bar) bar->tick({{"loss", running}});
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (bar) bar->finish();
  out.steps = total;
  out.test_accuracy = fashion_classifier_accuracy(out.net, data::fashion_mnist("test", opt.data_dir));
  return out;
}

// Writes the weights (atomically) with the test accuracy, the options and the architecture
// in the file's metadata.
inline void save_fashion_classifier(const std::string& path, TrainedFashionClassifier& trained,
                                    const FashionClassifierOptions& opt) {
  train::SafetensorsWriter w;
  train::save_module(w, trained.net);
  w.metadata("gantry.model", "fashion_mnist_classifier")
      .metadata("architecture", fashion_classifier_architecture)
      .metadata("test_accuracy", detail::format_double(trained.test_accuracy))
      .metadata("epochs", std::to_string(opt.epochs))
      .metadata("batch", std::to_string(opt.batch))
      .metadata("lr", detail::format_double(opt.lr))
      .metadata("seed", std::to_string(opt.seed))
      .metadata("steps", std::to_string(trained.steps))
      .metadata("train_seconds", detail::format_double(trained.seconds))
      .metadata("threads", std::to_string(num_threads()));
  w.write(path);
}

// Trains (train_fashion_classifier_model), writes the weights to `weights_path` and returns
// the test accuracy.
inline double train_fashion_classifier(const std::string& weights_path, const FashionClassifierOptions& opt = {},
                                       bool show_progress = true) {
  TrainedFashionClassifier trained = train_fashion_classifier_model(opt, show_progress);
  save_fashion_classifier(weights_path, trained, opt);
  return trained.test_accuracy;
}

// $GANTRY_CACHE/fashion_mnist_classifier.safetensors, else $XDG_CACHE_HOME/gantry/..., else
// ~/.cache/gantry/...
inline std::string default_fashion_classifier_path() {
  namespace fs = std::filesystem;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  if (const std::string c = env("GANTRY_CACHE"); !c.empty()) return (fs::path(c) / fashion_classifier_file).string();
  if (const std::string x = env("XDG_CACHE_HOME"); !x.empty())
    return (fs::path(x) / "gantry" / fashion_classifier_file).string();
  if (const std::string h = env("HOME"); !h.empty())
    return (fs::path(h) / ".cache" / "gantry" / fashion_classifier_file).string();
  fail<Error>("default_fashion_classifier_path: none of GANTRY_CACHE, XDG_CACHE_HOME and HOME is set; set "
              "GANTRY_CACHE to a writable directory");
}

// The trained classifier as a feature extractor for the metrics.
class FashionFeatures {
 public:
  // Loads the weights written by train_fashion_classifier (strictly: every tensor, nothing else).
  explicit FashionFeatures(const std::string& path = default_fashion_classifier_path())
      : net_(FashionClassifier::make(0)), path_(path) {
    check<Error>(std::filesystem::exists(path), "FashionFeatures: no classifier weights at ", path,
                 "; create them once (about a minute on 2 cores) with the example program `",
                 fashion_classifier_command, " --out ", path, "`, or call train::load_or_train_fashion_classifier()");
    const train::TensorFile file = train::read_safetensors(path);
    auto acc = file.metadata.find("test_accuracy");
    auto arch = file.metadata.find("architecture");
    check<FormatError>(acc != file.metadata.end() && arch != file.metadata.end(), "FashionFeatures: ", path,
                       " has no test_accuracy and architecture metadata, so it was not written by "
                       "train_fashion_classifier");
    check<FormatError>(arch->second == fashion_classifier_architecture, "FashionFeatures: ", path,
                       " holds a classifier of another architecture (", arch->second, "; this gantry uses ",
                       fashion_classifier_architecture, "); retrain it with `", fashion_classifier_command, " --out ",
                       path, "`");
    test_accuracy_ = std::stod(acc->second);
    metadata_ = file.metadata;
    train::load_module(file, net_);
  }
  // Wraps a net in memory (for instance straight from train_fashion_classifier_model).
  FashionFeatures(FashionClassifier net, double test_accuracy) : net_(std::move(net)), test_accuracy_(test_accuracy) {}

  // Penultimate activations [N, 128] of images [N, 1, 28, 28] or [N, 1, 32, 32] in [-1, 1].
  Tensor<float, cpu> features(const Tensor<float, cpu>& images) {
    Tensor<float, cpu> f;
    detail::run_classifier("FashionFeatures::features", net_, images, &f, nullptr);
    return f;
  }
  // Class logits [N, 10] of the same images (metrics::class_histogram, metrics::class_consistency).
  Tensor<float, cpu> logits(const Tensor<float, cpu>& images) {
    Tensor<float, cpu> l;
    detail::run_classifier("FashionFeatures::logits", net_, images, nullptr, &l);
    return l;
  }
  // Both in one pass.
  std::pair<Tensor<float, cpu>, Tensor<float, cpu>> features_and_logits(const Tensor<float, cpu>& images) {
    std::pair<Tensor<float, cpu>, Tensor<float, cpu>> out;
    detail::run_classifier("FashionFeatures::features_and_logits", net_, images, &out.first, &out.second);
    return out;
  }

  // What names this feature space for caches (train/instance_features.hpp): the architecture
  // and a hash of every weight and statistic, so retrained weights give another identity.
  std::string identity() {
    struct Hash : ParamVisitor<float, cpu> {
      Fnv1a h;
      void add(const std::string& n, const Tensor<float, cpu>& t) { h.add(n).add(t.data(), t.bytes()); }
      void parameter(const std::string& n, Var<float, cpu>& p) override { add(n, p.value()); }
      void buffer(const std::string& n, Tensor<float, cpu>& b) override { add(n, b); }
    } hash;
    net_.visit(hash, "");
    return std::string("fashion-classifier ") + fashion_classifier_architecture + " " + hash.h.hex();
  }

  double test_accuracy() const { return test_accuracy_; }
  const std::string& path() const { return path_; }  // empty for a net in memory
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  FashionClassifier& net() { return net_; }

 private:
  FashionClassifier net_;
  std::string path_;
  double test_accuracy_ = 0;
  std::map<std::string, std::string> metadata_;
};

// Loads the classifier at `path`. When the file is missing, or is a cache left by a gantry whose
// classifier had another architecture, trains it first (creating the directories) and writes
// it there; any other unreadable file is an error, and is left alone.
inline FashionFeatures load_or_train_fashion_classifier(const std::string& path = default_fashion_classifier_path(),
                                                        bool show_progress = true,
                                                        const FashionClassifierOptions& opt = {}) {
  namespace fs = std::filesystem;
  bool stale = false;
  if (fs::exists(path)) {
    const auto meta = train::read_safetensors(path).metadata;
    auto arch = meta.find("architecture");
    stale = meta.count("gantry.model") && meta.at("gantry.model") == "fashion_mnist_classifier" &&
            arch != meta.end() && arch->second != fashion_classifier_architecture;
  }
  if (!fs::exists(path) || stale) {
    const fs::path dir = fs::path(path).parent_path();
    if (!dir.empty()) fs::create_directories(dir);
    if (show_progress)
      std::fprintf(stderr, "training the Fashion-MNIST classifier for the metrics into %s%s\n", path.c_str(),
                   stale ? " (the cached one has another architecture)" : "");
    const double accuracy = train_fashion_classifier(path, opt, show_progress);
    if (show_progress)
      std::fprintf(stderr, "the Fashion-MNIST classifier classifies %.1f %% of the 10000 test images correctly; cached in %s\n",
                   100.0 * accuracy, path.c_str());
  }
  return FashionFeatures(path);
}

// Feature statistics of the real images of `split` ("train" or "test"), the reference the
// generated images are compared with. Generated 32x32 images are cropped to 28 before the
// net, so these statistics serve padded and unpadded generators alike.
inline metrics::FeatureStats fashion_mnist_reference_stats(FashionFeatures& features, const std::string& split = "test",
                                                  const std::string& dir = data::fashion_mnist_default_dir) {
  return metrics::feature_stats(features.features(fashion_mnist_images(split, 28, dir)));
}

}  // namespace gantry::train
