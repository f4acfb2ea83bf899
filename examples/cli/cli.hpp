#pragma once
// The pieces of the `gantry` command line that its translation units share: the usage text,
// argument parsing, the run configuration a checkpoint records, and the train / sample / eval
// commands as templates over the model type. Each family of models is instantiated in a
// .cpp of its own (models_*.cpp), so the families compile in parallel; main.cpp dispatches.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gantry/core/parallel.hpp"
#include "gantry/data/fashion_mnist.hpp"
#include "gantry/data/image_folder.hpp"
#include "gantry/data/loader.hpp"
#include "gantry/data/toy_stream.hpp"
#include "gantry/io/grid.hpp"
#include "gantry/io/plot.hpp"
#include "gantry/train/fashion_classifier.hpp"
#include "gantry/models/standing_stats.hpp"
#include "gantry/models/hyper.hpp"
#include "gantry/train/decision_maps.hpp"
#include "gantry/train/evaluate.hpp"
#include "gantry/train/instance_features.hpp"
#include "gantry/train/trainer.hpp"


namespace gantry_cli {

using namespace gantry;
namespace json = gantry::io::json;

inline const char* usage = R"(usage:
  gantry train  --model wgan-gp|wgan|sagan|biggan|biggan-deep|logan|adcgan|acgan|tacgan|unetgan|
                        unetgan-baseline|icgan|cc-icgan|dcgan|lsgan
                --data fashion-mnist|8gaussians|25gaussians|swissroll --steps N --out DIR [options]
  gantry train  --model csgan|cyclegan                 (two-domain translators)
                --data fashion-edges|paired:DIR_A,DIR_B|side-by-side:DIR|unpaired:DIR_A,DIR_B
                --steps N --out DIR [--test paired:...|side-by-side:...] [--size 256|128]
                [--load-size L] [--dim 16|32 (fashion-edges) | 64 (folders)] [options below]
                                         fashion-edges: the built-in paired task, Fashion-MNIST
                                         edge maps (A) <-> garments (B), 1x32x32, 6 residual
                                         blocks, batch 4; folders: RGB, 9 residual blocks at
                                         --size 256 (the papers') or 6 at 128, batch 1, the
                                         images resized to --load-size (default --size) then
                                         randomly cropped to --size; --test: paired images for
                                         MSE / PSNR / SSIM of both directions (fashion-edges:
                                         its test split); --set mu_a=0 ... or --set
                                         epoch_steps=N (the decaying schedule)
      --net resnet|dcgan|toy   wgan-gp / wgan nets (default: resnet for images, toy for 2-D
                               data; dcgan is 32x32, for wgan). sagan, biggan, biggan-deep,
                               logan, adcgan, acgan and tacgan are class-conditional, 32x32
                               (Fashion-MNIST zero-padded), with their own nets; unetgan (U-Net
                               D, CutMix) and unetgan-baseline (its encoder alone as D) are
                               unconditional, 32x32; icgan and cc-icgan (class-conditional)
                               are conditioned on instances: the Fashion-MNIST classifier's
                               features of a training image, trained on its k = 50 nearest
                               neighbours (the set is built once and cached); dcgan and lsgan
                               use the dcgan nets (32x32)
      --dim D                  width: resnet 32, 64 (default) or 128 (the paper's);
                               toy 128 or 512 (default, the paper's);
                               sagan, biggan, adcgan, acgan, tacgan, unetgan,
                               unetgan-baseline, icgan, cc-icgan: Ch 16, 32 or 64
                               (default, the papers');
                               biggan-deep, logan: Ch 16 or 32 (default);
                               dcgan, lsgan: NGF = NDF 32 or 64 (default, the paper's)
      --seed S                 default 0
      --threads T              default: all cores
      --set name=value         override a hyper-parameter (repeatable), e.g. --set lr=1e-4
      --resume                 continue the run in --out from its checkpoint
      --accumulate K           micro-batches per step (gradient accumulation), default 1
      --log-every N --sample-every N --checkpoint-every N --eval-every N
      --eval-samples N         generated samples per evaluation (default 2000)
      --lo ngd|gd|off          logan: natural-gradient (default) or plain gradient latent
                               steps, or none (the uniform prior alone)
      --latent-steps N         logan: latent steps per update (default 1)
      --schedule every|warmup|full-batch
                               unetgan's CutMix schedule: every D step (default, the CelebA
                               script); its weight ramped up; or whole mixed D steps with a
                               probability ramped to 0.5 (the FFHQ and COCO scripts). The ramp
                               is --set mixup_warmup=N G steps (default a quarter of --steps)
  gantry sample --checkpoint FILE [--n 64] [--out samples.png] [--seed S] [--class K] [--nrow R]
                                         (class-conditional: row r shows class r mod K
                                         unless --class K asks for one)
                [--truncation T]         z truncated to [-T, T] (BigGAN's truncation trick)
                [--standing-stats N]     batch norms use statistics averaged over N batches of
                                         50 fresh samples (BigGAN's standing statistics)
                [--latent-steps N]       logan: N latent optimisation steps before G (as the
                                         paper samples)
                [--decision-map FILE]    unetgan: instead of samples, D's per-pixel decisions
                                         on --n (default 8) test images, fakes and mixes
                [--instance IMAGE]       icgan, cc-icgan: samples around this image (any
                                         PNG/JPEG, read as grey and fitted to 28x28 like
                                         Fashion-MNIST: a light garment on black), shown
                                         first; cc-icgan: of the class of its nearest
                                         training image unless --class K swaps it
                                         (icgan and cc-icgan without --instance: instances
                                         drawn from the training set, one per row)
  gantry eval   --checkpoint FILE [--samples 10000] [--seed S] [--truncation T] [--standing-stats N]
                [--latent-steps N]
                (csgan, cyclegan: rows a, G_A(a), G_B(G_A(a)), b, G_B(b), G_A(G_B(b)) of the
                 first --n test pairs; eval: MSE / PSNR / SSIM per direction [--test SPEC])
  gantry translate --checkpoint FILE --in DIR --out DIR [--direction a2b|b2a]
                (a csgan or cyclegan checkpoint; or a converted official CycleGAN generator:
                 --official resnet_9blocks|resnet_6blocks [--size 256|128] [--prefix P])
  gantry plot   --log DIR/log.jsonl --out losses.png [--keys d_loss,g_loss,fd] [--x step]
                (--x: the horizontal axis' field, e.g. truncation for a sweep of eval lines)
)";

struct UsageError : Error {
  using Error::Error;
};

// --key value pairs and --flags, checked against what the command knows.
struct Args {
  std::map<std::string, std::string> values;
  std::vector<std::string> sets;
  bool resume = false;

  Args(int argc, char** argv, int first, const std::vector<std::string>& known) {
    for (int i = first; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--resume") {
        resume = true;
        continue;
      }
      if (a.rfind("--", 0) != 0) fail<UsageError>("unexpected argument '", a, "'");
      const std::string key = a.substr(2);
      if (std::find(known.begin(), known.end(), key) == known.end()) fail<UsageError>("unknown option '", a, "'");
      if (i + 1 >= argc) fail<UsageError>("option '", a, "' needs a value");
      if (key == "set")
        sets.push_back(argv[++i]);
      else
        values[key] = argv[++i];
    }
  }
  bool has(const std::string& k) const { return values.count(k) > 0; }
  std::string str(const std::string& k, const std::string& fallback = "") const {
    auto it = values.find(k);
    return it == values.end() ? fallback : it->second;
  }
  std::string required(const std::string& k) const {
    if (!has(k)) fail<UsageError>("missing --", k);
    return values.at(k);
  }
  int64_t integer(const std::string& k, int64_t fallback) const {
    if (!has(k)) return fallback;
    const std::string& s = values.at(k);
    int64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) fail<UsageError>("--", k, " expects an integer, found '", s, "'");
    return v;
  }
};

// What a run was made of; stored in its checkpoints.
struct RunConfig {
  std::string model, data, net;
  int64_t dim = 64;
  json::Value to_json() const { return json::Object{{"model", model}, {"data", data}, {"net", net}, {"dim", dim}}; }
  static RunConfig from_json(const json::Value& v) {
    RunConfig c;
    const auto get = [&](const char* k) -> const json::Value& {
      const json::Value* x = v.is_object() ? v.find(k) : nullptr;
      check<FormatError>(x != nullptr, "checkpoint: the run options have no \"", k, "\" (not written by `gantry train`?)");
      return *x;
    };
    c.model = get("model").as_string();
    c.data = get("data").as_string();
    c.net = get("net").as_string();
    c.dim = get("dim").as_int();
    return c;
  }
  bool toy() const { return data != "fashion-mnist"; }
};

// The model types the command line offers, by (model, net, dim).
using FashionShape = Image<1, 28, 28>;
using PaddedFashion = Image<1, 32, 32>;

// Class-conditional hinge-loss models: the paper's nets at width Ch, Fashion-MNIST padded to 32.
// (And the U-Net GAN models, whose nets are also named after them.)
inline bool hinge_model(const std::string& name) {
  return name == "sagan" || name == "biggan" || name == "biggan-deep" || name == "logan" || name == "adcgan" ||
         name == "acgan" || name == "tacgan" || name == "unetgan" || name == "unetgan-baseline" || name == "icgan" ||
         name == "cc-icgan";
}
// Unconditional DCGAN-net models, Fashion-MNIST padded to 32.
inline bool dcgan_model(const std::string& name) { return name == "dcgan" || name == "lsgan"; }
// Two-domain translators (models/csgan.hpp): their own data, nets and commands (translation.hpp).
inline bool translation_model(const std::string& name) { return name == "csgan" || name == "cyclegan"; }

template <class Model>
constexpr int64_t image_side() {
  using Out = typename Model::Pair::GNet::output;
  if constexpr (requires { Out::height; })
    return Out::height;
  else
    return 0;
}

template <class Model>
typename Model::Hyper default_hyper(const RunConfig& c, int64_t steps) {
  typename Model::Hyper h{};
  if constexpr (requires { Model::paper_hyper(); }) h = Model::paper_hyper();
  if constexpr (requires { h.decay_steps; }) {
    if (c.toy()) h = Model::Hyper::toy();
    h.decay_steps = c.toy() ? 0 : steps;  // decay to 0 over this run, as the paper over its 100k steps
  }
  return h;
}

// Fashion-MNIST in [-1, 1], zero-padded to the model's side.
inline data::Loader fashion_loader(const std::string& split, int64_t side, int64_t batch, std::uint64_t seed) {
  data::LoaderOptions o;
  o.batch_size = batch;
  o.pad_to = side == 28 ? 0 : side;
  return data::Loader(data::fashion_mnist(split), o, Rng(seed));
}

// IC-GAN's instance set of the Fashion-MNIST training images (padded to `side`): the
// classifier's features, their mirror images', k = 50 neighbours; cached next to the
// classifier, so only the first run of a machine computes it.
inline std::shared_ptr<const data::Instances> fashion_instances(train::FashionFeatures& f, int64_t side) {
  const std::string dir = (std::filesystem::path(train::default_fashion_classifier_path()).parent_path() / "instances").string();
  return train::instance_set(f, train::fashion_mnist_images("train", side), data::fashion_mnist("train").labels,
                             {.k = 50, .feature_augmentation = true, .cache_dir = dir, .show_progress = true});
}

inline const toy::Modes* toy_modes(const std::string& data) {
  static const toy::Modes eight = toy::eight_gaussians_modes(), grid = toy::twentyfive_gaussians_modes();
  if (data == "8gaussians") return &eight;
  if (data == "25gaussians") return &grid;
  return nullptr;  // the swiss roll has no modes
}

// The trainer's options from train's --out, --resume, --accumulate and --*-every.
inline train::TrainerOptions trainer_options(const Args& a, int64_t steps, std::uint64_t seed) {
  train::TrainerOptions o;
  o.steps = steps;
  o.out_dir = a.required("out");
  o.seed = seed;
  o.resume = a.resume;
  o.accumulate = static_cast<int>(a.integer("accumulate", 1));
  o.log_every = a.integer("log-every", 10);
  o.sample_every = a.integer("sample-every", 0);
  o.checkpoint_every = a.integer("checkpoint-every", 0);
  o.eval_every = a.integer("eval-every", 0);
  return o;
}

template <class Model>
int train_command(const Args& a, const RunConfig& c) {
  const int64_t steps = a.integer("steps", 0);
  if (steps < 1) fail<UsageError>("--steps must be >= 1");
  const std::uint64_t seed = static_cast<std::uint64_t>(a.integer("seed", 0));
  auto h = default_hyper<Model>(c, steps);
  if (a.has("lo") || a.has("latent-steps")) {
    if constexpr (requires { h.lo_steps; }) {
      const std::string lo = a.str("lo", "ngd");
      if (lo != "ngd" && lo != "gd" && lo != "off") fail<UsageError>("--lo expects ngd, gd or off, found '", lo, "'");
      h.lo_natural_gradient = lo == "ngd";
      h.lo_steps = lo == "off" ? 0 : a.integer("latent-steps", 1);
      if (h.lo_steps < (lo == "off" ? 0 : 1))
        fail<UsageError>("--latent-steps must be >= 1, found ", a.integer("latent-steps", 1));
    } else {
      fail<UsageError>("--lo and --latent-steps are for --model logan (", c.model, " has no latent optimisation)");
    }
  }
  if (a.has("schedule")) {
    if constexpr (requires { h.set_schedule(CutMixSchedule::every); }) {
      const std::string name = a.str("schedule");
      if (name != "every" && name != "warmup" && name != "full-batch")
        fail<UsageError>("--schedule expects every, warmup or full-batch, found '", name, "'");
      h.set_schedule(parse_cutmix_schedule(name));
      if (name != "every" && h.mixup_warmup == 0) h.mixup_warmup = std::max<int64_t>(1, steps / 4);
    } else {
      fail<UsageError>("--schedule is for --model unetgan (", c.model, " has no CutMix)");
    }
  }
  for (const auto& s : a.sets) models::hyper_set(h, s);
  if (a.resume) {
    // The run's own hyper-parameters win, so `--resume` needs no repeated --set.
    const auto f = io::read_safetensors(std::filesystem::path(a.required("out")) / "checkpoint.safetensors");
    h = models::hyper_from_json<typename Model::Hyper>(*train::read_checkpoint_info(f).find("hyper"));
  }
  Model model(h, train::derive_seed(seed, train::init_stream));

  const train::TrainerOptions o = trainer_options(a, steps, seed);
  const int64_t eval_samples = a.integer("eval-samples", 2000);
  const Rng data_rng(train::derive_seed(seed, train::data_stream));

  if (c.toy()) {
    data::ToyStream stream(data::parse_toy_distribution(c.data), model.batch_size(), data_rng);
    train::Trainer trainer(model, stream, o, c.to_json());
    Rng ref(12345);
    trainer.reference_points = data::toy_samples(stream.distribution(), 1000, ref);
    if (const toy::Modes* modes = toy_modes(c.data))
      trainer.evaluate = [modes, eval_samples](Model& m, int64_t) { return train::toy_metrics(m, *modes, eval_samples, 99); };
    const auto r = trainer.run();
    std::cout << "trained " << r.step << " steps in " << r.seconds << " s; checkpoint " << r.checkpoint << '\n';
  } else {
    constexpr int64_t side = image_side<Model>();
    data::Loader loader = fashion_loader("train", side, model.batch_size(), data_rng.seed());
    std::optional<train::FashionFeatures> features;
    json::Value run = c.to_json();
    if constexpr (Model::Pair::feature_size > 0) {
      features.emplace(train::load_or_train_fashion_classifier());
      const auto set = fashion_instances(*features, side);
      model.nets.set_instances(set);
      loader.pair_with_neighbours(set);
      run["instances"] = set->key;  // a resume, sample or eval must find the same set
    }
    train::Trainer trainer(model, loader, o, run);
    train::RealFeatures real;
    trainer.evaluate = [&](Model& m, int64_t) {
      if (!features) features.emplace(train::load_or_train_fashion_classifier());
      if (!real.features.defined()) {
        real = train::real_features(*features, train::fashion_mnist_images("test", side), data::fashion_mnist("test").labels);
      }
      return train::image_metrics(m, *features, real, {.samples = eval_samples, .seed = 99});
    };
    const auto r = trainer.run();
    std::cout << "trained " << r.step << " steps in " << r.seconds << " s; checkpoint " << r.checkpoint
              << "; pictures " << o.out_dir << "/samples.png, " << o.out_dir << "/losses.png\n";
  }
  return 0;
}

// --latent-steps N (>= 1) for sample and eval, or 0 when absent.
inline int latent_steps(const Args& a) {
  if (!a.has("latent-steps")) return 0;
  const int64_t n = a.integer("latent-steps", 0);
  if (n < 1) fail<UsageError>("--latent-steps must be >= 1, found ", n);
  return static_cast<int>(n);
}

// --truncation T (> 0), or 0 when absent: no truncation.
inline double truncation(const Args& a) {
  if (!a.has("truncation")) return 0;
  const std::string& s = a.values.at("truncation");
  char* end = nullptr;
  const double t = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !(t > 0))
    fail<UsageError>("--truncation expects a threshold > 0, found '", s, "'");
  return t;
}

// Builds the checkpoint's model with its own hyper-parameters and loads it; with
// --standing-stats N, its sampling generator's batch norms then take standing statistics
// (drawn with the command's --truncation, from a stream of their own).
template <class Model>
std::unique_ptr<Model> load_model(const io::TensorFile& f, const Args& a) {
  const auto info = train::read_checkpoint_info(f);
  auto h = models::hyper_from_json<typename Model::Hyper>(*info.find("hyper"), "checkpoint hyper-parameters");
  auto m = std::make_unique<Model>(h, 0);
  train::load_checkpoint(f, *m);
  if constexpr (Model::Pair::feature_size > 0) {
    auto features = train::load_or_train_fashion_classifier();
    const auto set = fashion_instances(features, image_side<Model>());
    const json::Value* run = info.find("run");
    const json::Value* key = run && run->is_object() ? run->find("instances") : nullptr;
    check<FormatError>(key != nullptr && key->as_string() == set->key, f.path, " was trained with the instance set ",
                       key ? key->as_string() : std::string("(none recorded)"), "; the training images and today's "
                       "Fashion-MNIST classifier give ", set->key, " (was the classifier retrained?)");
    m->nets.set_instances(set);
  }
  if (a.has("standing-stats")) {
    const int64_t batches = a.integer("standing-stats", 0);
    if (batches < 1) fail<UsageError>("--standing-stats must be >= 1, found ", batches);
    Rng rng(static_cast<std::uint64_t>(a.integer("seed", 0)) + 0x5354414eull);
    if (models::standing_statistics(*m, batches, 50, rng, truncation(a)) == 0)
      fail<UsageError>("--standing-stats: this model's generator has no batch norm");
  }
  return m;
}

// gantry sample --decision-map FILE: D's per-pixel decisions (train/decision_maps.hpp) on the
// first --n test images (from --seed on), fakes of their classes and CutMix mixes.
template <class Model>
int decision_map_command(Model& model, const Args& a, const RunConfig& c) {
  if constexpr (Model::has_pixel) {
    const int64_t n = a.integer("n", 8);
    if (n < 1) fail<UsageError>("--n must be >= 1");
    const auto images = train::fashion_mnist_images("test", image_side<Model>());
    const auto labels = data::fashion_mnist("test").labels;
    const int64_t first = a.integer("seed", 0) * n % (images.dim(0) - n + 1);
    Tensor<float, cpu> real = ops::slice(images, 0, first, first + n);
    std::vector<int64_t> y;
    if constexpr (Model::Pair::num_classes > 0) y.assign(labels.begin() + first, labels.begin() + first + n);
    Rng rng(static_cast<std::uint64_t>(a.integer("seed", 0)));
    const std::string out = a.str("decision-map");
    const train::DecisionMaps d = train::save_decision_maps(model, real, y, rng, out);
    std::cout << "wrote D's decision maps to " << out << " (rows: real, map, generated, map, CutMix mask, mix, map); "
              << "mean P(real) per pixel: real " << d.real_prob << ", generated " << d.fake_prob
              << "; mixed pixels whose decision matches the mask: " << d.mix_agreement << '\n';
    return 0;
  } else {
    fail<UsageError>("--decision-map: ", c.model, "'s discriminator has no per-pixel output (only unetgan's has)");
  }
}

// gantry sample --instance IMAGE: --n samples conditioned on the image's features, the image
// first in the grid.
template <class Model>
int instance_command(Model& model, const Args& a, const RunConfig& c) {
  constexpr int K = Model::Pair::num_classes;
  const int64_t n = a.integer("n", 63), side = image_side<Model>();
  if (n < 1) fail<UsageError>("--n must be >= 1");
  const std::string path = a.str("instance"), out = a.str("out", "samples.png");
  // The image as Fashion-MNIST's: grey, 28x28 in [0, 1], then as the model sees it.
  Tensor<float, cpu> img28(Shape{1, 1, 28, 28});
  data::detail::load_image(path, 1, 28, img28.data());
  Tensor<float, cpu> x = ops::add_scalar(Tensor<float, cpu>::zeros(Shape{1, 1, side, side}), -1.0f);
  const int64_t off = (side - 28) / 2;
  for (int64_t y = 0; y < 28; ++y)
    for (int64_t q = 0; q < 28; ++q) x.data()[(y + off) * side + q + off] = 2.0f * img28.data()[y * 28 + q] - 1.0f;
  auto features = train::load_or_train_fashion_classifier();
  const Tensor<float, cpu> h = data::l2_normalised(features.features(x));
  const int64_t fs = h.dim(1);
  Tensor<float, cpu> hs(Shape{n, fs});
  for (int64_t i = 0; i < n; ++i) std::copy_n(h.data(), fs, hs.data() + i * fs);
  std::vector<int64_t> labels;
  std::string what;
  if constexpr (K > 0) {
    int64_t k = 0;
    if (a.has("class")) {
      k = a.integer("class", 0);
      if (k < 0 || k >= K) fail<UsageError>("--class must be in [0, ", K, "), found ", k);
      what = ", class " + std::to_string(k) + " (swapped)";
    } else {
      // The class of the nearest training instance.
      const data::Instances& set = *model.nets.instances();
      k = set.labels[static_cast<std::size_t>(data::nearest_neighbours(h, set.features, 1).of(0)[0])];
      what = ", class " + std::to_string(k) + " (its nearest training image's)";
    }
    labels.assign(static_cast<std::size_t>(n), k);
  } else if (a.has("class")) {
    fail<UsageError>("--class: ", c.model, " is conditioned on the instance alone (cc-icgan takes a class)");
  }
  Rng rng(static_cast<std::uint64_t>(a.integer("seed", 0)));
  const Tensor<float, cpu> s = train::generate(model, n, rng, {.labels = labels, .features = hs});
  Tensor<float, cpu> grid(Shape{n + 1, 1, side, side});
  std::copy_n(x.data(), x.numel(), grid.data());
  std::copy_n(s.data(), s.numel(), grid.data() + x.numel());
  const int64_t nrow = a.integer("nrow", static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n + 1)))));
  if (nrow < 1) fail<UsageError>("--nrow must be >= 1");
  io::save_grid(grid, out, io::GridOptions{.nrow = nrow});
  std::cout << "wrote " << path << " and " << n << " samples around it to " << out << what << '\n';
  return 0;
}

template <class Model>
int sample_command(const Args& a, const io::TensorFile& f, const RunConfig& c) {
  auto model = load_model<Model>(f, a);
  if (a.has("decision-map")) return decision_map_command(*model, a, c);
  if (a.has("instance")) {
    if constexpr (Model::Pair::feature_size > 0)
      return instance_command(*model, a, c);
    else
      fail<UsageError>("--instance: ", c.model, " is not instance-conditioned (icgan and cc-icgan are)");
  }
  const int64_t n = a.integer("n", 64);
  if (n < 1) fail<UsageError>("--n must be >= 1");
  const std::string out = a.str("out", "samples.png");
  Rng rng(static_cast<std::uint64_t>(a.integer("seed", 0)));
  const int64_t nrow = a.integer("nrow", static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n)))));
  if (nrow < 1) fail<UsageError>("--nrow must be >= 1");
  constexpr int K = Model::Pair::num_classes;
  std::vector<int64_t> labels;
  if (Model::Pair::feature_size > 0) {
    // Instances drawn from the training set, one per row (and, cc-IC-GAN, the class of a
    // neighbour of each, or --class K for all).
    const int64_t rows = (n + nrow - 1) / nrow;
    const auto drawn = model->nets.random_condition(rows, rng);
    Tensor<float, cpu> hs(Shape{n, drawn.features.dim(1)});
    const int64_t fs = drawn.features.dim(1);
    for (int64_t i = 0; i < n; ++i) std::copy_n(drawn.features.data() + (i / nrow) * fs, fs, hs.data() + i * fs);
    if (K > 0)
      for (int64_t i = 0; i < n; ++i)
        labels.push_back(a.has("class") ? a.integer("class", 0) : drawn.labels[static_cast<std::size_t>(i / nrow)]);
    if (a.has("class") && (K == 0 || labels[0] < 0 || labels[0] >= K))
      fail<UsageError>("--class: ", K == 0 ? c.model + " takes no class" : "expected a class in [0, " + std::to_string(K) + ")");
    const Tensor<float, cpu> s = train::generate(*model, n, rng, {.labels = labels, .features = hs});
    io::save_grid(s, out, io::GridOptions{.nrow = nrow});
    std::cout << "wrote " << n << " samples to " << out << " (one instance of the training set per row)\n";
    return 0;
  }
  if (a.has("class")) {
    if (K == 0) fail<UsageError>("--class: this ", c.model, " model is unconditional");
    const int64_t k = a.integer("class", 0);
    if (k < 0 || k >= K) fail<UsageError>("--class must be in [0, ", K, "), found ", k);
    labels.assign(static_cast<std::size_t>(n), k);
  } else if (K > 0) {
    for (int64_t i = 0; i < n; ++i) labels.push_back((i / nrow) % K);  // row r shows class r mod K
  }
  const Tensor<float, cpu> s =
      train::generate(*model, n, rng, {.labels = labels, .truncation = truncation(a), .latent_steps = latent_steps(a)});
  if (c.toy()) {
    Rng ref(12345);
    io::scatter_plot(out, data::toy_samples(data::parse_toy_distribution(c.data), 1000, ref), s);
  } else {
    io::save_grid(s, out, io::GridOptions{.nrow = nrow});
  }
  std::cout << "wrote " << n << " samples to " << out << '\n';
  return 0;
}

template <class Model>
int eval_command(const Args& a, const io::TensorFile& f, const RunConfig& c) {
  auto model = load_model<Model>(f, a);
  const int64_t n = a.integer("samples", 10000);
  const std::uint64_t seed = static_cast<std::uint64_t>(a.integer("seed", 99));
  train::Metrics m;
  if (c.toy()) {
    const toy::Modes* modes = toy_modes(c.data);
    if (!modes) fail<Error>("eval: ", c.data, " has no modes to count");
    m = train::toy_metrics(*model, *modes, n, seed);
  } else {
    auto features = train::load_or_train_fashion_classifier();
    const auto real = train::real_features(features, train::fashion_mnist_images("test", image_side<Model>()),
                                           data::fashion_mnist("test").labels);
    m = train::image_metrics(*model, features, real, {.samples = n, .kid_subset = 1000, .kid_subsets = 100,
                                                      .pr_samples = std::min<int64_t>(n, 10000), .seed = seed,
                                                      .truncation = truncation(a), .latent_steps = latent_steps(a),
                                                      .per_class_fd = true});
  }
  json::Object rec{{"checkpoint", f.path}, {"samples", n}};
  if (a.has("truncation")) rec.emplace_back("truncation", truncation(a));
  if (a.has("standing-stats")) rec.emplace_back("standing_stats", a.integer("standing-stats", 0));
  if (a.has("latent-steps")) rec.emplace_back("latent_steps", latent_steps(a));
  for (const auto& [k, v] : m) rec.emplace_back(k, v);
  std::cout << json::dump(json::Value(std::move(rec))) << '\n';
  return 0;
}

enum class Command { train, sample, eval, translate };

// `cmd` with the model type Model (`f`: the checkpoint, for sample and eval).
template <class Model>
int run_model(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  if (cmd == Command::train) return train_command<Model>(a, c);
  if (cmd == Command::translate) fail<UsageError>("translate: ", c.model, " is not a translator (csgan and cyclegan are)");
  return cmd == Command::sample ? sample_command<Model>(a, *f, c) : eval_command<Model>(a, *f, c);
}

// No model of that name, net and width: a usage error that lists what is offered (main.cpp).
[[noreturn]] void no_such_model(const RunConfig& c);

// A class-conditional model on Fashion-MNIST padded to 32x32 offered at widths Ch 16, 32 and
// 64 (`ModelAt<Ch>`): the command's status when c.model is `name`, nullopt otherwise.
template <template <int> class ModelAt>
std::optional<int> run_at_width(const char* name, Command cmd, const Args& a, const RunConfig& c,
                                const io::TensorFile* f) {
  if (c.model != name) return std::nullopt;
  if (c.toy() || c.net != c.model) no_such_model(c);
  if (c.dim == 16) return run_model<ModelAt<16>>(cmd, a, c, f);
  if (c.dim == 32) return run_model<ModelAt<32>>(cmd, a, c, f);
  if (c.dim == 64) return run_model<ModelAt<64>>(cmd, a, c, f);
  no_such_model(c);
}

// Each family runs the command when c.model is one of its models and returns its status;
// nullopt when c.model is not one of them.
using Family = std::optional<int> (*)(Command, const Args&, const RunConfig&, const io::TensorFile*);
std::optional<int> run_wgan_family(Command, const Args&, const RunConfig&, const io::TensorFile*);   // wgan-gp, wgan, dcgan, lsgan
std::optional<int> run_hinge_family(Command, const Args&, const RunConfig&, const io::TensorFile*);  // sagan, biggan, biggan-deep
std::optional<int> run_logan(Command, const Args&, const RunConfig&, const io::TensorFile*);
std::optional<int> run_adcgan(Command, const Args&, const RunConfig&, const io::TensorFile*);
std::optional<int> run_acgan(Command, const Args&, const RunConfig&, const io::TensorFile*);
std::optional<int> run_tacgan(Command, const Args&, const RunConfig&, const io::TensorFile*);
std::optional<int> run_unetgan(Command, const Args&, const RunConfig&, const io::TensorFile*);  // unetgan, unetgan-baseline
std::optional<int> run_icgan(Command, const Args&, const RunConfig&, const io::TensorFile*);    // icgan, cc-icgan
std::optional<int> run_csgan(Command, const Args&, const RunConfig&, const io::TensorFile*);    // translators
std::optional<int> run_cyclegan(Command, const Args&, const RunConfig&, const io::TensorFile*);
int translate_official(const Args& a);  // gantry translate --official (models_csgan.cpp)

}  // namespace gantry_cli
