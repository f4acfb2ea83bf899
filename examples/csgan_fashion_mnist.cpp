// CSGAN (models/csgan.hpp: two ResNet generators, two PatchGANs, least squares, cycle and
// cyclic-synthesized L1, history pools; the translation step of models/translation.hpp)
// trained on the built-in paired task edges <-> garments (data/fashion_edges.hpp: Fashion-MNIST
// padded to 32x32, A = its edge map, B = the garment). Prints MSE / PSNR / SSIM of both
// directions on test pairs before and after; writes samples.png (rows of a, G_A(a),
// G_B(G_A(a)), b, G_B(b), G_A(G_B(b))), losses.png and a checkpoint to --out.
//
//   csgan_fashion_mnist [--steps N] [--out DIR] [--threads T] [--resume] [--cyclegan]
//                       [--ngf 8|16|32] [--batch B] [--mu M] [--identity W]
//
// --cyclegan trains the same nets with mu = 0 (CycleGAN); --mu sets CSGAN's weight of the
// cyclic-synthesized terms (the paper's 30); --identity W adds the identity terms with weight W
// (CycleGAN's option; 0 in the CSGAN authors' settings). Sized for CPU minutes: 6 residual
// blocks, a 2-layer PatchGAN (its 6x6 patch map sees 34x34 pixels: most of a 32x32 image),
// batch 4 (the paper's is 1), the paper's lr 2e-4 held constant.
#include <cstdlib>
#include <iostream>
#include <string>

#include "gantry/core/parallel.hpp"
#include "gantry/data/fashion_edges.hpp"
#include "gantry/data/pair_loader.hpp"
#include "gantry/models/csgan.hpp"
#include "gantry/train/trainer.hpp"
#include "gantry/train/translation_metrics.hpp"

namespace {

using namespace gantry;

struct Options {
  int64_t steps = 2000, batch = 4;
  double mu = -1;  // < 0: the paper's (30; CycleGAN 0)
  double identity = 0;  // the identity loss's weight (the authors' 0; CycleGAN's default 0.5)
  int ngf = 16;
  std::string out;
  bool resume = false, cyclegan = false;
};

void print(const char* when, const train::Metrics& m) {
  std::cout << when << ':';
  for (const auto& [k, v] : m) std::cout << ' ' << k << ' ' << v;
  std::cout << '\n';
}

template <class Model>
int run(const Options& opt) {
  models::CycleHyper h = Model::paper_hyper();
  h.batch_size = opt.batch;
  if (opt.mu >= 0) h.mu_a = h.mu_b = opt.mu;
  h.lambda_identity = opt.identity;
  Model model(h, train::derive_seed(0, train::init_stream));
  data::PairLoaderOptions lo;
  lo.batch_size = opt.batch;
  data::PairLoader loader(data::fashion_mnist_edges("train"), lo, Rng(train::derive_seed(0, train::data_stream)));
  const train::TranslationPairs test = train::translation_pairs(data::fashion_mnist_edges("test"), 1000);
  data::Batch preview;
  preview.images = ops::slice(test.a, 0, 0, 8).clone();
  preview.targets = ops::slice(test.b, 0, 0, 8).clone();
  model.set_preview(preview);

  train::TrainerOptions o;
  o.steps = opt.steps;
  o.out_dir = opt.out;
  o.resume = opt.resume;
  o.sample_every = std::max<int64_t>(1, opt.steps / 4);
  o.checkpoint_every = std::max<int64_t>(1, opt.steps / 4);
  o.eval_every = std::max<int64_t>(1, opt.steps / 10);
  train::Trainer trainer(model, loader, o,
                         io::json::Object{{"data", "fashion-edges"}, {"program", "csgan_fashion_mnist"},
                                          {"ngf", static_cast<int64_t>(opt.ngf)}});
  trainer.evaluate = [&](Model& m, int64_t) { return train::translation_metrics(m, test); };
  if (!opt.resume) print("untrained", train::translation_metrics(model, test));
  const auto r = trainer.run();
  print("trained", train::translation_metrics(model, test));
  std::cout << "trained " << r.step << " iterations in " << r.seconds << " s\n"
            << "translations (a, G_A(a), G_B(G_A(a)), b, G_B(b), G_A(G_B(b))): " << opt.out
            << "/samples.png, loss curves: " << opt.out << "/losses.png, checkpoint: " << r.checkpoint << '\n';
  return 0;
}

// The translator `M` (models::csgan or models::cyclegan) on the edge task's 32x32 images: 6
// residual blocks, a 2-layer PatchGAN, ngf = ndf.
template <template <class, class...> class M>
int at_width(const Options& o) {
  using I = Image<1, 32, 32>;
  switch (o.ngf) {
    case 8:
      return run<M<I, Width<8>, ResidualBlocks<6>, PatchLayers<2>>>(o);
    case 16:
      return run<M<I, Width<16>, ResidualBlocks<6>, PatchLayers<2>>>(o);
    case 32:
      return run<M<I, Width<32>, ResidualBlocks<6>, PatchLayers<2>>>(o);
  }
  std::cerr << "csgan_fashion_mnist: --ngf must be 8, 16 or 32, found " << o.ngf << '\n';
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool value = i + 1 < argc;
    if (a == "--resume") {
      o.resume = true;
    } else if (a == "--cyclegan") {
      o.cyclegan = true;
    } else if (value && a == "--steps") {
      o.steps = std::atoll(argv[++i]);
    } else if (value && a == "--batch") {
      o.batch = std::atoll(argv[++i]);
    } else if (value && a == "--identity") {
      o.identity = std::atof(argv[++i]);
    } else if (value && a == "--mu") {
      o.mu = std::atof(argv[++i]);
    } else if (value && a == "--ngf") {
      o.ngf = std::atoi(argv[++i]);
    } else if (value && a == "--out") {
      o.out = argv[++i];
    } else if (value && a == "--threads") {
      gantry::set_num_threads(std::atoi(argv[++i]));
    } else {
      std::cerr << "usage: csgan_fashion_mnist [--steps N] [--out DIR] [--threads T] [--resume] [--cyclegan] "
                   "[--ngf 8|16|32] [--batch B] [--mu M] [--identity W]\n";
      return 2;
    }
  }
  if (o.out.empty()) o.out = o.cyclegan ? "runs/cyclegan_fashion_mnist" : "runs/csgan_fashion_mnist";
  if (o.steps < 1 || o.batch < 1) {
    std::cerr << "csgan_fashion_mnist: --steps and --batch must be >= 1\n";
    return 2;
  }
  try {
    return o.cyclegan ? at_width<gantry::models::cyclegan>(o) : at_width<gantry::models::csgan>(o);
  } catch (const std::exception& e) {
    std::cerr << "csgan_fashion_mnist: " << e.what() << '\n';
    return 1;
  }
}
