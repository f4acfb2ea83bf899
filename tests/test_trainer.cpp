// The training loop on a small WGAN-GP toy model: resume is bit for bit, a run directory is
// never overwritten, a non-finite loss stops the run and keeps the last good checkpoint,
// and checkpoints are checked against the model.
#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include "gantry/data/toy_stream.hpp"
#include "gantry/models/wgan.hpp"
#include "gantry/models/wgan_gp.hpp"
#include "gantry/models/wgan_nets.hpp"
#include "gantry/train/trainer.hpp"

using namespace gantry;
namespace fs = std::filesystem;

namespace {

using Toy = models::wgan_gp<Vector<2>, Width<32>>;

// gantry_test_trainer_<name>_<pid>, not created: the trainer makes the run directory.
struct TempDir : gantry_test::TempDir {
  explicit TempDir(const std::string& name) : gantry_test::TempDir("test_trainer_" + name, false) {}
};

models::WganGpHyper small_hyper() {
  auto h = models::WganGpHyper::toy();
  h.batch_size = h.g_batch_size = 32;
  return h;
}

train::TrainerOptions options(const std::string& dir, int64_t steps) {
  train::TrainerOptions o;
  o.steps = steps;
  o.out_dir = dir;
  o.seed = 7;
  o.log_every = 1;
  o.show_progress = false;
  return o;
}

train::TrainResult train_toy(const std::string& dir, int64_t steps, bool resume, int64_t checkpoint_every = 0) {
  Toy model(small_hyper(), train::derive_seed(7, train::init_stream));
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 32, Rng(train::derive_seed(7, train::data_stream)));
  auto o = options(dir, steps);
  o.resume = resume;
  o.checkpoint_every = checkpoint_every;
  train::Trainer trainer(model, stream, o, io::json::Object{{"data", "8gaussians"}});
  return trainer.run();
}

std::vector<float> tensor_of(const std::string& file, const std::string& name) {
  const auto f = io::read_safetensors(file);
  const auto& e = f.tensors.at(name);
  std::vector<float> v(e.bytes.size() / sizeof(float));
  std::memcpy(v.data(), e.bytes.data(), e.bytes.size());
  return v;
}

}  // namespace

TEST_CASE("trainer: 20 steps straight equal 10 steps, a checkpoint, and 10 more (bits)") {
  TempDir a("straight"), b("resumed");
  train_toy(a.str(), 20, false);
  train_toy(b.str(), 10, false);
  train_toy(b.str(), 20, true);
  const auto fa = io::read_safetensors(a.str() + "/checkpoint.safetensors");
  const auto fb = io::read_safetensors(b.str() + "/checkpoint.safetensors");
  REQUIRE(fa.tensors.size() == fb.tensors.size());
  CHECK(fa.tensors.size() > 8);
  for (const auto& [name, e] : fa.tensors) {
    INFO(name);
    REQUIRE(fb.tensors.count(name) == 1);
    CHECK(e.bytes == fb.tensors.at(name).bytes);
  }
  CHECK(fa.metadata == fb.metadata);
  // The resumed run's log has each step once.
  const auto recs = io::read_jsonl(b.str() + "/log.jsonl");
  CHECK(recs.size() == 20);
}

TEST_CASE("trainer: a run directory is not overwritten, resume needs a checkpoint") {
  TempDir d("refuse");
  train_toy(d.str(), 3, false);
  const auto before = tensor_of(d.str() + "/checkpoint.safetensors", "G.blocks.0.weight");
  CHECK_THROWS_WITH_AS(train_toy(d.str(), 3, false), doctest::Contains("already holds a run"), Error);
  CHECK(tensor_of(d.str() + "/checkpoint.safetensors", "G.blocks.0.weight") == before);
  TempDir e("noresume");
  CHECK_THROWS_WITH_AS(train_toy(e.str(), 3, true), doctest::Contains("does not exist"), Error);
}

TEST_CASE("trainer: resume refuses other hyper-parameters or another run's options") {
  TempDir d("mismatch");
  train_toy(d.str(), 2, false);
  auto h = small_hyper();
  h.lambda = 1;
  Toy model(h, 1);
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 32, Rng(1));
  auto o = options(d.str(), 4);
  o.resume = true;
  train::Trainer t1(model, stream, o, io::json::Object{{"data", "8gaussians"}});
  CHECK_THROWS_WITH_AS(t1.run(), doctest::Contains("hyper-parameters"), Error);
  Toy model2(small_hyper(), 1);
  train::Trainer t2(model2, stream, o, io::json::Object{{"data", "25gaussians"}});
  CHECK_THROWS_WITH_AS(t2.run(), doctest::Contains("25gaussians"), Error);
}

TEST_CASE("trainer: a NaN loss stops the run and keeps the last good checkpoint") {
  TempDir d("nan");
  train_toy(d.str(), 4, false, 2);
  Toy model(small_hyper(), train::derive_seed(7, train::init_stream));
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 32, Rng(3));
  auto o = options(d.str(), 8);
  o.resume = true;
  o.checkpoint_every = 1;
  train::Trainer trainer(model, stream, o, io::json::Object{{"data", "8gaussians"}});
  // Poison the critic in the checkpoint at step 4: the resumed run's next losses are NaN.
  train::RunState st = train::load_checkpoint(d.str() + "/checkpoint.safetensors", model);
  CHECK(st.step == 4);
  for_each_parameter<float, cpu>(model.nets.D, [](const std::string&, Var<float, cpu>& p) { p.value().data()[0] = NAN; });
  // Write the poisoned state as the checkpoint at step 4 so the resumed run starts from it.
  train::save_checkpoint(d.str() + "/checkpoint.safetensors", model, st);
  const auto poisoned = io::read_safetensors(d.str() + "/checkpoint.safetensors").tensors.at("D.blocks.0.weight").bytes;
  CHECK_THROWS_WITH_AS(trainer.run(), doctest::Contains("diverged at generator step 5"), train::TrainingDiverged);
  // The message names the last good checkpoint and the rates to look at.
  Toy again(small_hyper(), 1);
  train::Trainer t2(again, stream, o, io::json::Object{{"data", "8gaussians"}});
  std::string said;
  try {
    t2.run();
  } catch (const train::TrainingDiverged& e) {
    said = e.what();
  }
  CHECK(said.find("the last good checkpoint (step 4)") != std::string::npos);
  CHECK(said.find("lower the learning rates (lr = ") != std::string::npos);
  // The checkpoint on disk is the one from before the divergence.
  CHECK(io::read_safetensors(d.str() + "/checkpoint.safetensors").tensors.at("D.blocks.0.weight").bytes == poisoned);
}

TEST_CASE("checkpoint: wrong model, missing metadata and mismatched tensors are named") {
  TempDir d("ckpt");
  train_toy(d.str(), 1, false);
  const std::string p = d.str() + "/checkpoint.safetensors";
  models::wgan<Vector<2>, Width<32>> other(models::WganHyper{}, 1);
  CHECK_THROWS_WITH_AS(train::load_checkpoint(p, other), doctest::Contains("holds a 'wgan-gp' model, expected 'wgan'"),
                       FormatError);
  models::wgan_gp<Vector<2>, Width<16>> smaller(small_hyper(), 1);
  CHECK_THROWS_WITH_AS(train::load_checkpoint(p, smaller), doctest::Contains("G.blocks.0.weight"), FormatError);
  io::write_safetensors<float>(d.str() + "/plain.safetensors", {{"x", Tensor<float, cpu>::zeros({2})}});
  Toy m(small_hyper(), 1);
  CHECK_THROWS_WITH_AS(train::load_checkpoint(d.str() + "/plain.safetensors", m),
                       doctest::Contains("not a gantry training checkpoint"), FormatError);
}

TEST_CASE("wgan: 100 critic steps for the first 25 generator steps and every 500th") {
  models::wgan<Vector<2>, Width<8>> m(models::WganHyper{}, 1);
  CHECK(m.d_steps(0) == 100);
  CHECK(m.d_steps(24) == 100);
  CHECK(m.d_steps(25) == 5);
  CHECK(m.d_steps(499) == 5);
  CHECK(m.d_steps(500) == 100);
  CHECK(m.d_steps(1000) == 100);
  CHECK(m.d_steps(1001) == 5);
}

TEST_CASE("hyper-parameters: JSON round trip, overrides and strict reading") {
  auto h = models::WganGpHyper{};
  models::hyper_set(h, "lr=1e-4");
  models::hyper_set(h, "n_critic=3");
  CHECK(h.lr == 1e-4);
  CHECK(h.n_critic == 3);
  const auto j = models::hyper_to_json(h);
  const auto back = models::hyper_from_json<models::WganGpHyper>(j);
  CHECK(models::hyper_to_json(back) == j);
  CHECK_THROWS_WITH(models::hyper_set(h, "n_critic=2.5"), doctest::Contains("expected an integer"));
  CHECK_THROWS_WITH(models::hyper_set(h, "gamma=1"), doctest::Contains("unknown name 'gamma'"));
  auto bad = j;
  bad["extra"] = 1;
  CHECK_THROWS_WITH(models::hyper_from_json<models::WganGpHyper>(bad), doctest::Contains("unknown hyper-parameter"));
}

TEST_CASE("trainer: a checkpoint every twentieth of the run by default; a locked directory is refused") {
  CHECK(train::auto_checkpoint_every(100) == 5);
  CHECK(train::auto_checkpoint_every(10) == 1);
  CHECK(train::auto_checkpoint_every(1000000) == 500);
  TempDir d("lock");
  Toy model(small_hyper(), 1);
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 32, Rng(1));
  train::Trainer trainer(model, stream, options(d.str(), 4), io::json::Object{{"data", "8gaussians"}});
  {
    // The lock another training would hold on the directory.
    const train::RunLock other(d.str());
    CHECK_THROWS_WITH_AS(trainer.run(), doctest::Contains("is in use by a training that is still running"),
                         train::RunDirectoryInUse);
    CHECK_FALSE(std::filesystem::exists(d.str() + "/log.jsonl"));  // nothing was written
  }
  CHECK(trainer.run().step == 4);  // free again
  const auto o = options(d.str(), 100);
  CHECK(o.checkpoint_every == -1);  // the default: auto_checkpoint_every(steps)
}
