#pragma once
// The pieces of the `gantry` command line that its translation units share (its arguments are
// in args.hpp): the data, and the train / sample / eval commands as templates over the model
// type. Each family of models is instantiated in a .cpp of its own (models_*.cpp), so the
// families compile in parallel; main.cpp dispatches.
#include <charconv>
#include <csignal>
#include <limits>
#include <sstream>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <array>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "gantry/bench/steps.hpp"
#include "gantry/core/parallel.hpp"
#include "gantry/data/fashion_mnist.hpp"
#include "gantry/data/image_folder.hpp"
#include "gantry/data/loader.hpp"
#include "gantry/data/point_set.hpp"
#include "gantry/data/toy_stream.hpp"
#include "gantry/io/grid.hpp"
#include "gantry/io/output_path.hpp"
#include "gantry/io/plot.hpp"
#include "gantry/train/fashion_classifier.hpp"
#include "gantry/models/standing_stats.hpp"
#include "gantry/models/hyper.hpp"
#include "gantry/train/decision_maps.hpp"
#include "gantry/train/evaluate.hpp"
#include "gantry/train/instance_features.hpp"
#include "gantry/train/trainer.hpp"
#include "args.hpp"


namespace gantry_cli {

// The reference points drawn next to generated 2-D samples: 1000 of the distribution, or
// (points:FILE) up to 1000 of the file's.
inline Tensor<float, cpu> reference_points(const Tensor<float, cpu>& all) {
  return all.narrow0(0, std::min<int64_t>(all.dim(0), 1000)).clone();
}
inline Tensor<float, cpu> reference_points(const RunConfig& c) {
  if (c.points()) return reference_points(data::read_points_csv(c.path()));
  Rng ref(12345);
  return data::toy_samples(data::parse_toy_distribution(c.data), 1000, ref);
}

// The model types the command line offers, by (model, net, dim).
using FashionShape = Image<1, 28, 28>;
using PaddedFashion = Image<1, 32, 32>;


template <class Model>
constexpr int64_t image_side() {
  using Out = typename Model::Pair::GNet::output;
  if constexpr (requires { Out::height; })
    return Out::height;
  else
    return 0;
}

// The channels of the model's images (0 for 2-D points).
template <class Model>
constexpr int image_channels() {
  if constexpr (image_side<Model>() > 0)
    return Model::Pair::GNet::output::channels;
  else
    return 0;
}

// The hyper-parameters a run starts from, before --set. --preset paper: the paper's (on 2-D
// data gan_toy.py's). --preset gantry (the default): the settings behind the results in
// docs/, so the documented command lines reproduce them: the learning rate decays to 0 over
// this run's --steps as the paper's over its 100k; on 2-D data lr 1e-3 decayed over 3000
// steps (docs/models/wgan_gp.md: 8 of 8 modes, 92 %); and the overrides the runs in
// docs/models/ used (WGAN-GP's G batch 64; BigGAN's EMA decay 0.999; 4x the learning rates
// for SAGAN, BigGAN-deep and LOGAN at these small widths; the conditional DCGAN's batch 64).
template <class Model>
typename Model::Hyper default_hyper(const RunConfig& c, int64_t steps, const std::string& preset = "gantry") {
  const bool paper = paper_preset(preset);
  typename Model::Hyper h{};
  if constexpr (requires { Model::paper_hyper(); }) h = Model::paper_hyper();
  if constexpr (requires { h.decay_steps; }) {
    if (c.toy()) h = Model::Hyper::toy();
    if (!paper) {
      h.decay_steps = c.toy() ? 3000 : steps;
      if (c.toy()) h.lr = 1e-3;
    }
  }
  if (!paper && !c.toy()) {
    std::vector<std::string> sets;
    if (c.model == "wgan-gp") sets = {"g_batch_size=64"};
    if (c.model == "biggan") sets = {"ema_decay=0.999"};
    if (c.model == "sagan" || c.model == "biggan-deep" || c.model == "logan") sets = {"g_lr=4e-4", "d_lr=1.6e-3"};
    if (c.model == "cdcgan") sets = {"batch_size=64"};
    for (const auto& s : sets) models::hyper_set(h, s);
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

// The processes of a data-parallel run (main.cpp joins them under mpirun), or null.
inline const ProcessGroup* process_group = nullptr;

// The trainer's options from train's --out, --resume, --accumulate, --*-every and --sync-bn.
inline train::TrainerOptions trainer_options(const Args& a, int64_t steps, std::uint64_t seed) {
  train::TrainerOptions o;
  o.group = process_group;
  o.sync_batch_norm = a.sync_bn;
  if (a.sync_bn && group_size(process_group) == 1)
    std::cerr << "gantry: --sync-bn has no effect in one process (start the run with mpirun -np N)\n";
  o.steps = steps;
  o.out_dir = a.required("out");
  o.seed = seed;
  o.resume = a.resume;
  o.restart = a.restart;
  if (a.resume && a.restart) fail<UsageError>("--resume continues the run in --out and --restart discards it: pass one");
  o.accumulate = static_cast<int>(a.integer("accumulate", 1, 1, 1024));
  o.log_every = a.integer("log-every", 10, 1);
  o.sample_every = a.integer("sample-every", 0, 0);
  o.checkpoint_every = a.integer("checkpoint-every", train::auto_checkpoint_every(steps), 0);
  o.eval_every = a.integer("eval-every", 0, 0);
  return o;
}

// What a training run prints when it returns, and the command's status: 0, or 128 + the
// signal that stopped it early (the shells' convention), after saying how to continue.
inline int report_run(const train::TrainResult& r, const train::TrainerOptions& o, const std::string& pictures) {
  if (r.stopped_by != 0) {
    std::cout << "stopped by " << (r.stopped_by == SIGINT ? "SIGINT" : "SIGTERM") << " after step " << r.step << " of "
              << o.steps << "; checkpoint " << r.checkpoint << "; to continue, run the same command with --resume\n";
    return 128 + r.stopped_by;
  }
  std::cout << "trained " << r.step << " steps in " << r.seconds << " s; checkpoint " << r.checkpoint << pictures << '\n';
  return 0;
}

// --resume: the hyper-parameters of the checkpoint in --out (the run's own win, so a resume
// needs no repeated --set), when there is one yet.
template <class Hyper>
void resume_hyper(Hyper& h, const Args& a) {
  const std::filesystem::path ckpt = std::filesystem::path(a.required("out")) / "checkpoint.safetensors";
  if (!a.resume || !std::filesystem::exists(ckpt)) return;
  const auto f = io::read_safetensors(ckpt.string());
  h = models::hyper_from_json<Hyper>(*train::read_checkpoint_info(f).find("hyper"));
}

template <class Model>
int train_command(const Args& a, const RunConfig& c) {
  const int64_t steps = a.integer("steps", 0, 1);
  const std::uint64_t seed = static_cast<std::uint64_t>(a.integer("seed", 0, 0));
  auto h = default_hyper<Model>(c, steps, a.str("preset", "gantry"));
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
  apply_sets(h, a);
  resume_hyper(h, a);
  Model model(h, train::derive_seed(seed, train::init_stream));

  const train::TrainerOptions o = trainer_options(a, steps, seed);
  const int64_t eval_samples = a.integer("eval-samples", 2000, c.toy() ? 1 : 10);
  const Rng data_rng(train::derive_seed(seed, train::data_stream));
  const auto report = [&](const train::TrainResult& r, const std::string& pictures) { return report_run(r, o, pictures); };

  if (c.toy()) {
    const auto run_on = [&](auto& stream, Tensor<float, cpu> reference) {
      train::Trainer trainer(model, stream, o, c.to_json());
      trainer.reference_points = std::move(reference);
      if (const toy::Modes* modes = toy_modes(c.data))
        trainer.evaluate = [modes, eval_samples](Model& m, int64_t) { return train::toy_metrics(m, *modes, eval_samples, 99); };
      return report(trainer.run(), "; pictures " + o.out_dir + "/samples.png, " + o.out_dir + "/losses.png");
    };
    if (c.points()) {
      data::PointStream stream(data::read_points_csv(c.path()), model.batch_size(), data_rng);
      return run_on(stream, reference_points(stream.points()));
    }
    data::ToyStream stream(data::parse_toy_distribution(c.data), model.batch_size(), data_rng);
    return run_on(stream, reference_points(c));
  } else {
    constexpr int64_t side = image_side<Model>();
    constexpr int K = Model::Pair::num_classes;
    const auto folder = [&] {
      data::LabeledImages set = data::image_folder(c.path(), {.size = side, .channels = image_channels<Model>()});
      const auto classes = static_cast<int64_t>(data::image_folder_classes(c.path()).size());
      if (K > 0 && classes != K)
        fail<UsageError>("--data ", c.data, ": ", c.model, " is conditioned on ", K, " classes, the folder has ", classes,
                         " class sub-directories");
      data::LoaderOptions lo;
      lo.batch_size = model.batch_size();
      return data::Loader(std::move(set), lo, Rng(data_rng.seed()));
    };
    data::Loader loader = c.folder() ? folder() : fashion_loader("train", side, model.batch_size(), data_rng.seed());
    std::optional<train::FashionFeatures> features;
    json::Value run = c.to_json();
    if constexpr (Model::Pair::feature_size > 0) {
      if (c.folder()) fail<UsageError>("--data folder: ", c.model, "'s instance sets are built for fashion-mnist only");
      features.emplace(train::load_or_train_fashion_classifier());
      const auto set = fashion_instances(*features, side);
      model.nets.set_instances(set);
      loader.pair_with_neighbours(set);
      run["instances"] = set->key;  // a resume, sample or eval must find the same set
    }
    train::Trainer trainer(model, loader, o, run);
    train::RealFeatures real;
    if (!c.folder()) trainer.evaluate = [&](Model& m, int64_t) {
      if (!features) features.emplace(train::load_or_train_fashion_classifier());
      if (!real.features.defined()) {
        real = train::real_features(*features, train::fashion_mnist_images("test", side), data::fashion_mnist("test").labels);
      }
      return train::image_metrics(m, *features, real, {.samples = eval_samples, .seed = 99});
    };
    return report(trainer.run(), "; pictures " + o.out_dir + "/samples.png, " + o.out_dir + "/losses.png");
  }
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
    if (n > images.dim(0)) fail<UsageError>("--n: the test set has ", images.dim(0), " images, found ", n);
    const int64_t windows = images.dim(0) - n + 1;  // --seed picks which n (seed * n mod windows, without overflow)
    const int64_t first = a.integer("seed", 0) % windows * (n % windows) % windows;
    Tensor<float, cpu> real = ops::slice(images, 0, first, first + n);
    std::vector<int64_t> y;
    if constexpr (Model::Pair::num_classes > 0) y.assign(labels.begin() + first, labels.begin() + first + n);
    Rng rng(static_cast<std::uint64_t>(a.integer("seed", 0)));
    const std::string out = a.output("decision-map", "", io::FileKind::png);
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
  const std::string path = a.str("instance"), out = a.output("out", "samples.png", io::FileKind::png);
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
  const int64_t n = a.integer("n", 64, 1, 100000);
  const std::string out = a.output("out", "samples.png", io::FileKind::png);
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
    io::scatter_plot(out, reference_points(c), s);
  } else {
    io::save_grid(s, out, io::GridOptions{.nrow = nrow});
  }
  std::cout << "wrote " << n << " samples to " << out << '\n';
  return 0;
}

template <class Model>
int eval_command(const Args& a, const io::TensorFile& f, const RunConfig& c) {
  const int64_t n = a.integer("samples", 10000, c.toy() ? 1 : 10, 1000000);
  const std::uint64_t seed = static_cast<std::uint64_t>(a.integer("seed", 99, 0));
  if (c.toy() && !toy_modes(c.data))
    fail<UsageError>("eval: ", c.data, " has no modes to count (8gaussians and 25gaussians have)");
  if (c.folder())
    fail<UsageError>("eval: the metrics compare with Fashion-MNIST's test images in its classifier's features; this "
                     "run trained on ", c.data);
  auto model = load_model<Model>(f, a);
  train::Metrics m;
  if (c.toy()) {
    m = train::toy_metrics(*model, *toy_modes(c.data), n, seed);
  } else {
    auto features = train::load_or_train_fashion_classifier();
    std::cerr << "gantry eval: " << n << " generated samples against the 10000 Fashion-MNIST test images, in the "
              << "features of gantry's classifier (" << features.test_accuracy() * 100 << " % accurate)\n";
    const auto real = train::real_features(features, train::fashion_mnist_images("test", image_side<Model>()),
                                           data::fashion_mnist("test").labels);
    m = train::image_metrics(*model, features, real, {.samples = n, .kid_subset = 1000, .kid_subsets = 100,
                                                      .pr_samples = std::min<int64_t>(n, 10000), .seed = seed,
                                                      .truncation = truncation(a), .latent_steps = latent_steps(a),
                                                      .per_class_fd = true, .show_progress = true});
  }
  json::Object rec{{"checkpoint", f.path}, {"samples", n}};
  if (a.has("truncation")) rec.emplace_back("truncation", truncation(a));
  if (a.has("standing-stats")) rec.emplace_back("standing_stats", a.integer("standing-stats", 0));
  if (a.has("latent-steps")) rec.emplace_back("latent_steps", latent_steps(a));
  for (const auto& [k, v] : m) rec.emplace_back(k, v);
  std::cout << json::dump(json::Value(std::move(rec))) << '\n';
  return 0;
}

// probe: does the checkpoint load into this model type (0), or does it throw?
enum class Command { train, sample, eval, translate, probe, bench };

// gantry bench: the model's D and G steps as `train` builds it (its preset, --set), timed on
// random images of its shape with the helpers users have too (gantry/bench/steps.hpp).
template <class Model>
int bench_command(const Args& a, const RunConfig& c) {
  if constexpr (Model::Pair::feature_size > 0) {
    fail<UsageError>("bench: ", c.model, " is instance-conditioned (its steps need an instance set); "
                     "bench/bench_icgan_steps times it");
  } else {
    auto h = default_hyper<Model>(c, 1000, a.str("preset", "gantry"));
    apply_sets(h, a);
    const int64_t steps = a.integer("steps", 3, 1, 1000);
    std::string name = c.model + "/" + c.net + "/dim:" + std::to_string(c.dim);
    bench::register_model_steps<Model>(name, h);
    benchmark::AddCustomContext("gantry_threads", std::to_string(num_threads()));
    benchmark::AddCustomContext("model", c.model + " --net " + c.net + " --dim " + std::to_string(c.dim) +
                                             " --data " + c.data);
    std::vector<std::string> words{"gantry bench", "--benchmark_min_time=0.2",
                                   "--benchmark_repetitions=" + std::to_string(steps),
                                   "--benchmark_report_aggregates_only=" + std::string(steps > 1 ? "true" : "false")};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    int argc = static_cast<int>(argv.size());
    benchmark::Initialize(&argc, argv.data());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  }
}

template <class Model>
int probe_checkpoint(const io::TensorFile& f) {
  const auto info = train::read_checkpoint_info(f);
  auto h = models::hyper_from_json<typename Model::Hyper>(*info.find("hyper"), "checkpoint hyper-parameters");
  Model m(h, 0);
  train::load_checkpoint(f, m);
  return 0;
}

// `cmd` with the model type Model (`f`: the checkpoint, for sample and eval).
template <class Model>
int run_model(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  if (cmd == Command::train) return train_command<Model>(a, c);
  if (cmd == Command::probe) return probe_checkpoint<Model>(*f);
  if (cmd == Command::bench) return bench_command<Model>(a, c);
  if (cmd == Command::translate) fail<UsageError>("translate: ", c.model, " is not a translator (csgan and cyclegan are)");
  return cmd == Command::sample ? sample_command<Model>(a, *f, c) : eval_command<Model>(a, *f, c);
}

// No model of that name, net and width: a usage error that lists what is offered (main.cpp).
[[noreturn]] void no_such_model(const RunConfig& c);

// One model the command line offers: its --model, --net and --dim, the data it trains on
// (Fashion-MNIST or a folder of images; the 2-D toy sets), and the preset that runs a command.
// Each models_*.cpp lists its presets as a table of these; main.cpp looks a run up in them.
enum class Data { images, points };
struct Offer {
  std::string_view model, net;
  int dim;
  Data data;
  int (*run)(Command, const Args&, const RunConfig&, const io::TensorFile*);
};
template <class Model>
constexpr Offer offer(std::string_view model, std::string_view net, int dim, Data data = Data::images) {
  return {model, net, dim, data, &run_model<Model>};
}
// A class-conditional model `ModelAt<Ch>` at widths 16, 32 and 64 (--net is the model's name).
template <template <int> class ModelAt>
constexpr std::array<Offer, 3> offers_at_widths(std::string_view model) {
  return {offer<ModelAt<16>>(model, model, 16), offer<ModelAt<32>>(model, model, 32),
          offer<ModelAt<64>>(model, model, 64)};
}
using Offers = std::span<const Offer>;
Offers wgan_offers();    // wgan-gp, wgan, dcgan, lsgan
Offers cdcgan_offers();
Offers hinge_offers();   // sagan, biggan, biggan-deep
Offers logan_offers();
Offers adcgan_offers();
Offers acgan_offers();
Offers tacgan_offers();
Offers unetgan_offers();  // unetgan, unetgan-baseline
Offers icgan_offers();    // icgan, cc-icgan

// The translators run the command when c.model is theirs (their data are image pairs) and
// return its status; nullopt when it is not.
using Family = std::optional<int> (*)(Command, const Args&, const RunConfig&, const io::TensorFile*);
std::optional<int> run_csgan(Command, const Args&, const RunConfig&, const io::TensorFile*);    // translators
std::optional<int> run_cyclegan(Command, const Args&, const RunConfig&, const io::TensorFile*);
int translate_official(const Args& a);  // gantry translate --official (models_csgan.cpp)

}  // namespace gantry_cli
