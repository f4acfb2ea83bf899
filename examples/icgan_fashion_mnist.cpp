// IC-GAN (models/icgan.hpp: BigGAN's G and D conditioned on an instance's features, trained on
// (instance, neighbour) pairs; the hinge loss) on Fashion-MNIST (zero-padded to 32x32) on the
// CPU, with the Fashion-MNIST classifier as its feature extractor (128-d features, k = 50
// neighbourhoods, feature augmentation; the instance set is built once and cached next to the
// classifier). --cc trains cc-IC-GAN (the neighbours' classes as well).
//
//   icgan_fashion_mnist [--cc] [--steps N] [--out DIR] [--threads T] [--resume]
//
// Prints FD / KID / precision / recall / diversity before and after; then, for 50 test images
// the model never saw, the Fréchet distance between each image's 50 nearest training images
// and samples around the image, beside that of samples around training instances
// (train/instance_metrics.hpp). Writes samples.png (a training instance per row),
// instances.png (8 test images, each followed by 8 samples around it), for --cc
// class_swap.png (8 test images, then the same z with each of the 10 classes), losses.png and
// a checkpoint to --out. Sized for a few minutes on 2 cores: Ch = 16, batch 32, 2e-4 for both.
#include <cstring>
#include <iostream>
#include <vector>

#include "conditional_fashion_mnist.hpp"
#include "gantry/io/grid.hpp"
#include "gantry/models/icgan.hpp"
#include "gantry/train/instance_features.hpp"
#include "gantry/train/instance_metrics.hpp"

namespace {

using namespace gantry;

// The classifier's instance set of the training images, cached next to the classifier.
std::shared_ptr<const data::Instances> fashion_instances(train::FashionFeatures& f) {
  const std::string dir = (std::filesystem::path(train::default_fashion_classifier_path()).parent_path() / "instances").string();
  return train::instance_set(f, train::fashion_mnist_images("train", 32), data::fashion_mnist("train").labels,
                             {.k = 50, .feature_augmentation = true, .cache_dir = dir, .show_progress = true});
}

// Rows of [the image, `per` samples around it] (cc-IC-GAN: of the classes in `labels` when
// given, else of the class of its nearest training image).
template <class Model>
Tensor<float, cpu> around(Model& m, train::FashionFeatures& f, const Tensor<float, cpu>& images, int64_t per,
                          const std::vector<int64_t>& labels, Rng& rng) {
  const int64_t n = images.dim(0), side = images.dim(3), px = side * side;
  const Tensor<float, cpu> h = data::l2_normalised(f.features(images));
  const int64_t fs = h.dim(1);
  const data::Neighbours nn = data::nearest_neighbours(h, m.nets.instances()->features, 1);
  Tensor<float, cpu> grid(Shape{n * (per + 1), 1, side, side});
  for (int64_t i = 0; i < n; ++i) {
    Tensor<float, cpu> hs(Shape{per, fs});
    for (int64_t s = 0; s < per; ++s) std::copy_n(h.data() + i * fs, fs, hs.data() + s * fs);
    train::GenerateOptions g{.features = hs};
    if constexpr (Model::Pair::num_classes > 0) {
      if (labels.empty())
        g.labels.assign(static_cast<std::size_t>(per), m.nets.instances()->labels[static_cast<std::size_t>(nn.of(i)[0])]);
      else
        g.labels = labels;
    }
    const Tensor<float, cpu> s = train::generate(m, per, rng, g);
    std::copy_n(images.data() + i * px, px, grid.data() + i * (per + 1) * px);
    std::copy_n(s.data(), s.numel(), grid.data() + (i * (per + 1) + 1) * px);
  }
  return grid;
}

template <class Model>
int run(const example::Options& o, bool cc) {
  auto h = models::icgan_fashion_hyper();
  h.batch_size = 32;
  h.ema_decay = 0;
  const char* program = cc ? "icgan_fashion_mnist --cc" : "icgan_fashion_mnist";
  const auto before = [](Model& m, data::Loader& loader, train::FashionFeatures& f) {
    const auto set = fashion_instances(f);
    m.nets.set_instances(set);
    loader.pair_with_neighbours(set);
  };
  const auto after = [cc](Model& m, const std::string& out) {
    auto f = train::load_or_train_fashion_classifier();
    const Tensor<float, cpu> test = train::fashion_mnist_images("test", 32);
    const train::InstanceFd fd = train::instance_neighbourhood_fd(m, f, f, train::fashion_mnist_images("train", 32),
                                                                  test.narrow0(0, 50).clone());
    std::cout << "held-out instances (" << fd.instances << " test images): FD to each image's 50 nearest training "
              << "images, samples around the image " << fd.conditioned << ", samples around training instances "
              << fd.unconditioned << '\n';
    Rng rng(7);
    io::save_grid(around(m, f, test.narrow0(100, 108).clone(), 8, {}, rng), out + "/instances.png", {.nrow = 9});
    std::cout << "test images beside 8 samples around each: " << out << "/instances.png\n";
    if (cc) {
      // The same z for every class: one row per test image, the image then classes 0..9.
      const Tensor<float, cpu> images = test.narrow0(200, 208).clone();
      const Tensor<float, cpu> hh = data::l2_normalised(f.features(images));
      const int64_t fs = hh.dim(1), px = 32 * 32;
      Tensor<float, cpu> grid(Shape{8 * 11, 1, 32, 32});
      Rng zr(3);
      const Tensor<float, cpu> z = m.nets.noise(1, zr);
      for (int64_t i = 0; i < 8; ++i) {
        Tensor<float, cpu> hs(Shape{10, fs}), zs(Shape{10, z.dim(1)});
        std::vector<int64_t> y;
        for (int64_t k = 0; k < 10; ++k) {
          std::copy_n(hh.data() + i * fs, fs, hs.data() + k * fs);
          std::copy_n(z.data(), z.dim(1), zs.data() + k * z.dim(1));
          y.push_back(k);
        }
        const Tensor<float, cpu> s = m.sample(zs, {y, hs});
        std::copy_n(images.data() + i * px, px, grid.data() + i * 11 * px);
        std::copy_n(s.data(), s.numel(), grid.data() + (i * 11 + 1) * px);
      }
      io::save_grid(grid, out + "/class_swap.png", {.nrow = 11});
      std::cout << "class swap (a test image, then classes 0..9 with its features and one z): " << out
                << "/class_swap.png\n";
    }
  };
  return example::train_conditional<Model>(program, o, h, after, before);
}

}  // namespace

int main(int argc, char** argv) {
  bool cc = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strcmp(argv[i], "--cc") == 0)
      cc = true;
    else
      args.push_back(argv[i]);
  }
  const auto o = example::parse(static_cast<int>(args.size()), args.data(), "icgan_fashion_mnist [--cc]",
                                {.steps = 300, .out = cc ? "runs/cc_icgan_fashion_mnist" : "runs/icgan_fashion_mnist"});
  if (cc) return run<models::cc_icgan<Image<1, 32, 32>, Classes<10>, Width<16>>>(o, true);
  return run<models::icgan<Image<1, 32, 32>, Width<16>>>(o, false);
}
