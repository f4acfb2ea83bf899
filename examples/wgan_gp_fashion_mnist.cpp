// WGAN-GP (the paper's ResNet, gan_cifar_resnet.py, at 28x28) trained on Fashion-MNIST on the
// CPU: writes sample grids, the loss curves and a checkpoint, and measures the Fréchet distance
// in a Fashion-MNIST classifier's features (train/fashion_classifier.hpp; trained once and
// cached) before and after training, with KID, precision/recall and the class spread.
//
//   wgan_gp_fashion_mnist [--steps N] [--dim 16|32|64] [--out DIR] [--threads T] [--resume]
//
// Defaults are sized for a few minutes on 2 cores: width 32 (the paper's is 128), batch 32 for
// both nets, lr 1e-3 decayed linearly to 0 over the run (the paper: 2e-4 over 100k steps), 400
// generator steps with 5 critic steps each. `gantry train --model wgan-gp --data fashion-mnist`
// runs the paper's settings.
#include <cstdlib>
#include <iostream>
#include <string>

#include "gantry/core/parallel.hpp"
#include "gantry/data/fashion_mnist.hpp"
#include "gantry/data/loader.hpp"
#include "gantry/models/wgan_gp.hpp"
#include "gantry/models/wgan_nets.hpp"
#include "gantry/train/evaluate.hpp"
#include "gantry/train/fashion_classifier.hpp"
#include "gantry/train/trainer.hpp"

using namespace gantry;

namespace {

void print(const char* when, const train::Metrics& m) {
  std::cout << when << ':';
  for (const auto& [k, v] : m) std::cout << ' ' << k << ' ' << v;
  std::cout << '\n';
}

template <int Dim>
int run(int64_t steps, const std::string& out, bool resume) {
  auto h = models::WganGpHyper{};
  h.batch_size = h.g_batch_size = 32;
  h.lr = 1e-3;
  h.decay_steps = steps;
  models::wgan_gp<Image<1, 28, 28>, Width<Dim>> model(h, train::derive_seed(0, train::init_stream));
  data::LoaderOptions lo;
  lo.batch_size = h.batch_size;
  data::Loader loader(data::fashion_mnist("train"), lo, Rng(train::derive_seed(0, train::data_stream)));

  auto features = train::load_or_train_fashion_classifier();
  std::cout << "Fashion-MNIST classifier for the metrics: " << features.path() << " (test accuracy "
            << 100 * features.test_accuracy() << "%)\n";
  const auto real = train::real_features(features, train::fashion_mnist_images("test", 28));
  const train::ImageMetricOptions mo{.samples = 2000, .kid_subset = 1000, .kid_subsets = 50, .pr_samples = 2000, .seed = 5};
  if (!resume) print("untrained generator", train::image_metrics(model, features, real, mo));

  train::TrainerOptions o;
  o.steps = steps;
  o.out_dir = out;
  o.resume = resume;
  o.sample_every = std::max<int64_t>(1, steps / 4);
  o.checkpoint_every = std::max<int64_t>(1, steps / 4);
  train::Trainer trainer(model, loader, o, io::json::Object{{"data", "fashion-mnist"}, {"dim", Dim}});
  const auto r = trainer.run();
  print("trained generator", train::image_metrics(model, features, real, mo));
  std::cout << "trained " << r.step << " generator steps in " << r.seconds << " s\n"
            << "samples: " << out << "/samples.png, loss curves: " << out << "/losses.png, checkpoint: " << r.checkpoint
            << "\n(FD here is in the classifier's 128 features, not Inception FID; see docs/metrics.md)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t steps = 400, dim = 32;
  std::string out = "runs/wgan_gp_fashion_mnist";
  bool resume = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--resume") {
      resume = true;
    } else if ((a == "--steps" || a == "--dim" || a == "--out" || a == "--threads") && i + 1 < argc) {
      const std::string v = argv[++i];
      if (a == "--steps") steps = std::atoll(v.c_str());
      if (a == "--dim") dim = std::atoll(v.c_str());
      if (a == "--out") out = v;
      if (a == "--threads") set_num_threads(std::atoi(v.c_str()));
    } else {
      std::cerr << "usage: wgan_gp_fashion_mnist [--steps N] [--dim 16|32|64] [--out DIR] [--threads T] [--resume]\n";
      return 2;
    }
  }
  try {
    if (steps < 1) fail<Error>("--steps must be >= 1, found ", steps);
    if (dim == 16) return run<16>(steps, out, resume);
    if (dim == 32) return run<32>(steps, out, resume);
    if (dim == 64) return run<64>(steps, out, resume);
    fail<Error>("--dim must be 16, 32 or 64, found ", dim);
  } catch (const std::exception& e) {
    std::cerr << "wgan_gp_fashion_mnist: " << e.what() << '\n';
    return 1;
  }
}
