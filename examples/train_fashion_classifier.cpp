// Trains the Fashion-MNIST classifier whose features the image metrics use ("FD in a
// Fashion-MNIST classifier's features", include/gantry/train/fashion_classifier.hpp) and
// caches its weights; then prints its test accuracy and the reference floor of the metric:
// FD and KID between the real training and test images.
// Usage: train_fashion_classifier [--out PATH] [--epochs N] [--seed N] [--data DIR]
#include <gantry/train/fashion_classifier.hpp>
#include <gantry/metrics/kid.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

using namespace gantry;

namespace {

int usage(const char* msg) {
  std::fprintf(stderr,
               "train_fashion_classifier: %s\n"
               "usage: train_fashion_classifier [--out PATH] [--epochs N] [--seed N] [--data DIR]\n"
               "  --out PATH   where the weights go (default: %s)\n"
               "  --epochs N   passes over the 60k training images (default: %lld)\n"
               "  --seed N     initialisation and shuffling seed (default: %llu)\n"
               "  --data DIR   directory of the Fashion-MNIST IDX files (default: %s)\n",
               msg, "$GANTRY_CACHE, $XDG_CACHE_HOME/gantry or ~/.cache/gantry",
               static_cast<long long>(train::FashionClassifierOptions{}.epochs),
               static_cast<unsigned long long>(train::FashionClassifierOptions{}.seed),
               data::fashion_mnist_default_dir);
  return 2;
}

bool parse_int(const std::string& s, long long& out) {
  try {
    std::size_t used = 0;
    out = std::stoll(s, &used);
    return used == s.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string out;
  train::FashionClassifierOptions opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return usage("trains the classifier behind the Fashion-MNIST image metrics"), 0;
    if (i + 1 >= argc) return usage(("missing value after " + a).c_str());
    const std::string v = argv[++i];
    long long n = 0;
    if (a == "--out") {
      out = v;
    } else if (a == "--data") {
      opt.data_dir = v;
    } else if (a == "--epochs") {
      if (!parse_int(v, n) || n < 1) return usage(("--epochs needs a positive integer, got '" + v + "'").c_str());
      opt.epochs = n;
    } else if (a == "--seed") {
      if (!parse_int(v, n) || n < 0) return usage(("--seed needs a non-negative integer, got '" + v + "'").c_str());
      opt.seed = static_cast<std::uint64_t>(n);
    } else {
      return usage(("unknown argument '" + a + "'").c_str());
    }
  }
  try {
    if (out.empty()) out = train::default_fashion_classifier_path();
    const auto dir = std::filesystem::path(out).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    std::printf("training the Fashion-MNIST classifier: %lld epochs, batch %lld, Adam lr %g, seed %llu, %d threads\n",
                static_cast<long long>(opt.epochs), static_cast<long long>(opt.batch), opt.lr,
                static_cast<unsigned long long>(opt.seed), num_threads());
    std::fflush(stdout);
    auto trained = train::train_fashion_classifier_model(opt, true);
    train::save_fashion_classifier(out, trained, opt);
    std::printf("test accuracy: %.2f%% (%lld steps in %.1f s)\n", 100.0 * trained.test_accuracy,
                static_cast<long long>(trained.steps), trained.seconds);
    std::printf("weights: %s\n", out.c_str());
    std::fflush(stdout);

    // The floor of the metric: two real samples of the same distribution.
    const auto t0 = std::chrono::steady_clock::now();
    train::FashionFeatures features(out);
    const auto f_train = features.features(train::fashion_mnist_images("train", 28, opt.data_dir));
    const auto f_test = features.features(train::fashion_mnist_images("test", 28, opt.data_dir));
    const double fd = metrics::frechet_distance(f_train, f_test);
    Rng rng(0);
    const auto k = metrics::kid(f_train, f_test, rng, 100, 1000);
    std::printf("reference floor, real train (60k) vs real test (10k): FD %.4f, KID %.6f +- %.6f (%.1f s)\n", fd,
                k.mean, k.std, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_fashion_classifier: %s\n", e.what());
    return 1;
  }
}
