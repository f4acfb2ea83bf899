#pragma once
// The `gantry` commands for two-domain translators (models/csgan.hpp: csgan, cyclegan), shared by
// models_csgan.cpp and models_cyclegan.cpp. What a run is made of:
//   --data fashion-edges                  the built-in paired task (edges <-> garments, 1x32x32):
//                                         6 residual blocks, a 2-layer PatchGAN, --dim 16|32
//                                         (ngf = ndf), default 16
//   --data paired:DIR_A,DIR_B             two folders matched by file stem (aligned)
//   --data side-by-side:DIR               pix2pix's A|B images (aligned)
//   --data unpaired:DIR_A,DIR_B           CycleGAN's trainA / trainB layout
//                                         (folders: RGB at --size 256 with 9 blocks, the
//                                         papers' nets, or 128 with 6 blocks; ngf = ndf = 64,
//                                         a 3-layer (70x70) PatchGAN; --load-size L resizes
//                                         to L before the random crop to --size)
// The checkpoint records the model, the data spec, the net ("resnet_<n>blocks") and the
// width, so sample, eval and translate need only the file.
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "cli.hpp"
#include "gantry/data/fashion_edges.hpp"
#include "gantry/data/image_pairs.hpp"
#include "gantry/data/pair_loader.hpp"
#include "gantry/io/png.hpp"
#include "gantry/models/csgan.hpp"
#include "gantry/models/csgan_official.hpp"
#include "gantry/train/translation_metrics.hpp"

namespace gantry_cli {

// The images of a --data / --test spec in [0, 1] (split: the built-in task's "train" or "test").
inline data::ImagePairs load_pairs(const PairSpec& spec, const std::string& split, int channels, int64_t size) {
  if (spec.builtin()) return data::fashion_mnist_edges(split);
  const data::ImagePairOptions o{.channels_a = channels, .channels_b = channels, .load_size = size};
  if (spec.kind == "paired") return data::paired_folders(spec.dir_a, spec.dir_b, o);
  if (spec.kind == "side-by-side") return data::side_by_side(spec.dir_a, o);
  return data::unpaired_folders(spec.dir_a, spec.dir_b, o);
}

template <class Model>
constexpr int64_t translation_side() {
  return Model::ImageA::height;
}

// The first n pairs of an aligned test set for pictures and metrics; for an unpaired one, the
// first n images of each domain (metrics then need --test with pairs).
inline train::TranslationPairs preview_pairs(const data::ImagePairs& p, int64_t n) {
  if (p.aligned) return train::translation_pairs(p, n);
  data::ImagePairs paired = p;
  const int64_t k = std::min({n, p.size_a(), p.size_b()});
  paired.a = ops::slice(p.a, 0, 0, k).clone();
  paired.b = ops::slice(p.b, 0, 0, k).clone();
  paired.aligned = true;
  paired.names.clear();
  return train::translation_pairs(paired, k);
}

template <class Model>
int translation_train(const Args& a, const RunConfig& c) {
  const int64_t steps = a.integer("steps", 0, 1);
  const std::uint64_t seed = static_cast<std::uint64_t>(a.integer("seed", 0, 0));
  constexpr int64_t side = translation_side<Model>();
  constexpr int channels = Model::ImageA::channels;
  const PairSpec spec = PairSpec::parse(c.data, "--data");
  const int64_t load = a.integer("load-size", side);
  if (load < side) fail<UsageError>("--load-size must be >= --size ", side, ", found ", load);
  data::ImagePairs train_set = load_pairs(spec, "train", channels, spec.builtin() ? 0 : load);

  models::CycleHyper h = Model::paper_hyper();
  if (spec.builtin()) h.batch_size = 4;  // (the learning rate stays constant unless --set epoch_steps=N)
  apply_sets(h, a);
  resume_hyper(h, a);
  Model model(h, train::derive_seed(seed, train::init_stream));
  data::PairLoaderOptions lo;
  lo.batch_size = model.batch_size();
  lo.fine_size = side;
  data::PairLoader loader(std::move(train_set), lo, Rng(train::derive_seed(seed, train::data_stream)));

  std::optional<train::TranslationPairs> test;
  const std::string test_spec = a.str("test", spec.builtin() ? "fashion-edges" : "");
  if (!test_spec.empty()) {
    const data::ImagePairs t = load_pairs(PairSpec::parse(test_spec, "--test"), "test", channels, side);
    check(t.aligned, "--test: the metrics compare translations with their pairs; ", test_spec, " is unpaired");
    test = train::translation_pairs(t, a.integer("eval-samples", 1000, 1));
  }
  data::Batch preview;
  if (test) {
    preview.images = ops::slice(test->a, 0, 0, std::min<int64_t>(8, test->a.dim(0))).clone();
    preview.targets = ops::slice(test->b, 0, 0, std::min<int64_t>(8, test->b.dim(0))).clone();
  } else {
    data::PairLoader first(loader.data(), data::PairLoaderOptions::evaluation(side, 8), Rng(0));
    preview = first.next();
  }
  model.set_preview(preview);

  const train::TrainerOptions o = trainer_options(a, steps, seed);
  json::Value run = c.to_json();
  if (!test_spec.empty()) run["test"] = test_spec;
  train::Trainer trainer(model, loader, o, run);
  if (test) trainer.evaluate = [&](Model& m, int64_t) { return train::translation_metrics(m, *test); };
  return report_run(trainer.run(), o,
                    "; translations " + o.out_dir + "/samples.png (a, G_A(a), G_B(G_A(a)), b, G_B(b), G_A(G_B(b))), " +
                        o.out_dir + "/losses.png");
}

template <class Model>
std::unique_ptr<Model> load_translator(const io::TensorFile& f) {
  const auto info = train::read_checkpoint_info(f);
  auto h = models::hyper_from_json<models::CycleHyper>(*info.find("hyper"), "checkpoint hyper-parameters");
  auto m = std::make_unique<Model>(h, 0);
  train::load_checkpoint(f, *m);
  return m;
}

// The test pairs of a checkpoint's run: --test, else what the run recorded.
inline std::string test_spec_of(const Args& a, const io::TensorFile& f) {
  if (a.has("test")) return a.str("test");
  const auto info = train::read_checkpoint_info(f);
  const json::Value* run = info.find("run");
  const json::Value* t = run && run->is_object() ? run->find("test") : nullptr;
  if (t && t->is_string()) return t->as_string();
  fail<UsageError>("this checkpoint's run had no test pairs: give --test paired:DIR_A,DIR_B or side-by-side:DIR");
}

template <class Model>
int translation_sample(const Args& a, const io::TensorFile& f) {
  auto model = load_translator<Model>(f);
  const int64_t n = a.integer("n", 8);
  if (n < 1) fail<UsageError>("--n must be >= 1");
  const data::ImagePairs t =
      load_pairs(PairSpec::parse(test_spec_of(a, f), "--test"), "test", Model::ImageA::channels, translation_side<Model>());
  const train::TranslationPairs p = preview_pairs(t, n);
  data::Batch b;
  b.images = p.a;
  b.targets = p.b;
  model->set_preview(b);
  const std::string out = a.output("out", "translations.png", io::FileKind::png);
  io::save_grid(model->preview(), out, io::GridOptions{.nrow = Model::preview_columns});
  std::cout << "wrote " << p.a.dim(0) << " rows (a, G_A(a), G_B(G_A(a)), b, G_B(b), G_A(G_B(b))) to " << out << '\n';
  return 0;
}

template <class Model>
int translation_eval(const Args& a, const io::TensorFile& f) {
  auto model = load_translator<Model>(f);
  const std::string spec = test_spec_of(a, f);
  const data::ImagePairs t = load_pairs(PairSpec::parse(spec, "--test"), "test", Model::ImageA::channels, translation_side<Model>());
  check(t.aligned, "eval: the metrics compare translations with their pairs; ", spec, " is unpaired");
  const train::TranslationPairs p = train::translation_pairs(t, a.integer("samples", 0));
  json::Object rec{{"checkpoint", f.path}, {"test", spec}, {"pairs", p.a.dim(0)}};
  for (const auto& [k, v] : train::translation_metrics(*model, p)) rec.emplace_back(k, v);
  std::cout << json::dump(json::Value(std::move(rec))) << '\n';
  return 0;
}

// Translates every image of --in into --out (PNG, the same stem), refusing to overwrite.
template <class Translate>
int translate_folder(const Args& a, int channels, int64_t side, Translate&& translate, const std::string& what) {
  namespace fs = std::filesystem;
  const std::string in = a.required("in"), out = a.required("out");
  const std::vector<std::string> files = data::detail::image_files(data::detail::image_folder_root(in), false);
  check(!files.empty(), "translate: ", in, " holds no PNG or JPEG images");
  std::map<std::string, std::string> stems;  // two inputs with one stem would write one output
  for (const std::string& file : files) {
    const std::string stem = fs::path(file).stem().string();
    const auto [it, fresh] = stems.emplace(stem, file);
    check(fresh, "translate: ", it->second, " and ", file, " would both be written as ", stem,
          ".png; rename one of them");
    const fs::path target = fs::path(out) / (stem + ".png");
    if (const std::string why = io::overwrite_problem(target.string(), io::FileKind::png, a.force); !why.empty())
      fail<UsageError>("--out: ", why);
  }
  if (fs::exists(out) && !fs::is_directory(out))
    fail<UsageError>("--out: ", out, " exists and is ", io::describe(io::file_kind(out)), ", not a directory");
  fs::create_directories(out);
  int64_t done = 0;
  for (const std::string& file : files) {
    Tensor<float, cpu> x(Shape{1, channels, side, side});
    data::detail::load_image(file, channels, side, x.data());
    for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = 2.0f * x.data()[i] - 1.0f;
    const Tensor<float, cpu> y = translate(x);
    io::write_png((fs::path(out) / (fs::path(file).stem().string() + ".png")).string(),
                  y.reshape({y.dim(1), y.dim(2), y.dim(3)}), io::PixelRange{-1, 1});
    ++done;
  }
  std::cout << "translated " << done << " images of " << in << " (" << what << ", " << side << "x" << side << ") into "
            << out << '\n';
  return 0;
}

template <class Model>
int translation_translate(const Args& a, const io::TensorFile& f) {
  auto model = load_translator<Model>(f);
  const std::string dir = a.str("direction", "a2b");
  if (dir != "a2b" && dir != "b2a") fail<UsageError>("--direction expects a2b or b2a, found '", dir, "'");
  return translate_folder(a, Model::ImageA::channels, translation_side<Model>(),
                          [&](const Tensor<float, cpu>& x) { return dir == "a2b" ? model->translate_a(x) : model->translate_b(x); },
                          dir == "a2b" ? "G_A, A -> B" : "G_B, B -> A");
}

template <class Model>
int run_translator(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  switch (cmd) {
    case Command::train:
      return translation_train<Model>(a, c);
    case Command::sample:
      return translation_sample<Model>(a, *f);
    case Command::eval:
      return translation_eval<Model>(a, *f);
    case Command::translate:
      return translation_translate<Model>(a, *f);
    case Command::probe:
      return probe_checkpoint<Model>(*f);
    case Command::bench:
      fail<UsageError>("bench: ", c.model, " is a translator; bench/bench_csgan_steps times its iterations");
  }
  return 2;
}

// A translator between two domains of one image shape: ngf = ndf = Ch, Blocks residual
// blocks, a DLayers-layer PatchGAN.
template <class Paper, class Img, int Ch, int Blocks, int DLayers>
using translator_at = models::Translation<models::cycle_nets<Img, Img, Ch, Ch, Blocks, DLayers>, Paper>;

// The offered translators of paper `Paper` (models::CsganPaper, models::CycleganPaper).
template <class Paper>
std::optional<int> run_translation_family(const char* name, Command cmd, const Args& a, const RunConfig& c,
                                          const io::TensorFile* f) {
  if (c.model != name) return std::nullopt;
  const PairSpec spec = PairSpec::parse(c.data, "--data");
  using Edges = Image<1, 32, 32>;
  if (spec.builtin() && c.net == "resnet_6blocks") {
    if (c.dim == 16) return run_translator<translator_at<Paper, Edges, 16, 6, 2>>(cmd, a, c, f);
    if (c.dim == 32) return run_translator<translator_at<Paper, Edges, 32, 6, 2>>(cmd, a, c, f);
  }
  if (!spec.builtin() && c.dim == 64) {
    if (c.net == "resnet_9blocks") return run_translator<translator_at<Paper, Image<3, 256, 256>, 64, 9, 3>>(cmd, a, c, f);
    if (c.net == "resnet_6blocks") return run_translator<translator_at<Paper, Image<3, 128, 128>, 64, 6, 3>>(cmd, a, c, f);
  }
  fail<UsageError>("no ", c.model, " model with --data ", c.data, " --dim ", c.dim, " (", c.net,
                   "); offered: --data fashion-edges --dim 16|32; folders --dim 64 at --size 256 (9 blocks) or 128 "
                   "(6 blocks)");
}

}  // namespace gantry_cli
