#pragma once
// What the resume-bit-for-bit tests of the models share: a short run on 40 random labelled
// 28x28 images (padded to 32), checkpointed at its end, and the test that `steps` G steps
// straight give the same checkpoint as `steps / 2`, a checkpoint, and a resumed run to `steps`.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "gantry/data/loader.hpp"
#include "gantry/io/safetensors.hpp"
#include "gantry/train/trainer.hpp"

namespace gantry::test {

// What a model needs before it trains besides its hyper-parameters (IC-GAN: its instance set,
// given to the model and the loader).
struct NoSetup {
  template <class Model>
  void operator()(Model&, data::Loader&) const {}
};

template <class Model, class Setup = NoSetup>
void short_run(const std::filesystem::path& dir, const typename Model::Hyper& h, int64_t steps, bool resume,
               const Setup& setup = {}) {
  Model model(h, train::derive_seed(7, train::init_stream));
  Rng data_rng(11);
  data::LabeledImages images{ops::add_scalar(ops::mul_scalar(rand<float, cpu>(Shape{40, 1, 28, 28}, data_rng), 2.0f), -1.0f), {}};
  for (int64_t i = 0; i < 40; ++i) images.labels.push_back(i % 10);
  data::LoaderOptions lo;
  lo.batch_size = 4;
  lo.pad_to = 32;
  data::Loader loader(images, lo, Rng(train::derive_seed(7, train::data_stream)));
  setup(model, loader);
  train::TrainerOptions o;
  o.steps = steps;
  o.out_dir = dir.string();
  o.seed = 7;
  o.resume = resume;
  o.show_progress = false;
  train::Trainer trainer(model, loader, o);
  trainer.run();
}

template <class Model, class Setup = NoSetup>
void resumes_bit_for_bit(const std::string& name, const typename Model::Hyper& h, int64_t steps,
                         const Setup& setup = {}) {
  namespace fs = std::filesystem;
  const fs::path a = fs::temp_directory_path() / ("gantry_test_" + name + "_straight"),
                 b = fs::temp_directory_path() / ("gantry_test_" + name + "_resumed");
  fs::remove_all(a);
  fs::remove_all(b);
  short_run<Model>(a, h, steps, false, setup);
  short_run<Model>(b, h, steps / 2, false, setup);
  short_run<Model>(b, h, steps, true, setup);
  const auto fa = io::read_safetensors((a / "checkpoint.safetensors").string());
  const auto fb = io::read_safetensors((b / "checkpoint.safetensors").string());
  REQUIRE(fa.tensors.size() == fb.tensors.size());
  for (const auto& [tensor, e] : fa.tensors) {
    INFO(tensor);
    REQUIRE(fb.tensors.count(tensor) == 1);
    CHECK(e.bytes == fb.tensors.at(tensor).bytes);
  }
  CHECK(fa.metadata == fb.metadata);
  fs::remove_all(a);
  fs::remove_all(b);
}

}  // namespace gantry::test
