// PyTorch reads what gantry writes (issue #4). A few real training steps of WGAN-GP's ResNet
// (1x28x28, Dim 8, Z 16) write a checkpoint; tests/fixtures/make_checkpoint_interop_fixtures.py
// loads it with the `safetensors` package into plain torch.nn twins of G and D
// (load_state_dict(strict=True), batch-norm statistics included) and saves their outputs on
// fixed inputs. Committed under tests/fixtures/interop/:
//   wgan_gp_checkpoint.safetensors          the checkpoint PyTorch read
//   wgan_gp_checkpoint_outputs.safetensors  z, G_out (G in eval mode), images, D_out
// Checked here: (a) gantry still writes that checkpoint (names, dtypes, shapes, metadata and
// bits), (b) gantry loads it and computes PyTorch's outputs, (c) when /usr/bin/python3 (or
// $GANTRY_PYTHON) has torch and safetensors, the same round trip live on a fresh checkpoint.
//
// Regenerate (build this test first; the script runs it to write the checkpoint):
//   /usr/bin/python3 tests/fixtures/make_checkpoint_interop_fixtures.py --test-binary <build>/tests/test_checkpoint_interop
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "gantry/data/loader.hpp"
#include "gantry/models/wgan_gp.hpp"
#include "gantry/models/wgan_nets.hpp"
#include "gantry/train/trainer.hpp"
#include "part_fixture.hpp"

using namespace gantry;
namespace fs = std::filesystem;

namespace {

constexpr int Dim = 8, Z = 16, Side = 28;
using Model = models::WganGp<models::wgan_gp_resnet<Image<1, Side, Side>, Dim, Z>>;
constexpr std::uint64_t run_seed = 4;
constexpr int64_t run_steps = 3;
constexpr double output_tolerance = 1e-5;  // worst relative error, gantry vs PyTorch (float32 both)

const std::string fixture_dir = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/interop";
const std::string committed_checkpoint = fixture_dir + "/wgan_gp_checkpoint.safetensors";
const std::string committed_outputs = fixture_dir + "/wgan_gp_checkpoint_outputs.safetensors";
const std::string script = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/make_checkpoint_interop_fixtures.py";

struct TempDir {
  fs::path p;
  explicit TempDir(const std::string& name)
      : p(fs::temp_directory_path() / ("gantry_test_checkpoint_interop_" + name)) {
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~TempDir() { fs::remove_all(p); }
  std::string operator/(const std::string& f) const { return (p / f).string(); }
};

// Reductions may split by thread count; one thread makes the checkpoint's bits a function of
// the seed and the build alone.
struct OneThread {
  int old = num_threads();
  OneThread() { set_num_threads(1); }
  ~OneThread() { set_num_threads(old); }
};

// What decides float rounding besides the code: compiler and vector instructions. The
// checkpoint records it, so a build of another kind compares within a tolerance.
std::string build_label() {
#if defined(__clang__)
  std::string s = "clang-" + std::to_string(__clang_major__);
#elif defined(__GNUC__)
  std::string s = "gcc-" + std::to_string(__GNUC__);
#else
  std::string s = "unknown-compiler";
#endif
#if defined(__AVX512F__)
  s += " avx512f";
#elif defined(__AVX2__)
  s += " avx2";
#elif defined(__aarch64__)
  s += " aarch64";
#else
  s += " baseline";
#endif
#if defined(__FMA__)
  s += " fma";
#endif
  return s;
}

models::WganGpHyper hyper() {
  models::WganGpHyper h;
  h.batch_size = h.g_batch_size = 8;
  h.n_critic = 2;
  return h;
}

// 32 soft blobs in [0, 1] (centre and width drawn from the seed): real images without a download.
data::LabeledImages blobs() {
  constexpr int64_t n = 32;
  data::LabeledImages d{Tensor<float, cpu>::zeros(Shape{n, 1, Side, Side}), std::vector<int64_t>(n, 0)};
  Rng r(train::derive_seed(run_seed, 100));
  float* px = d.images.data();
  for (int64_t i = 0; i < n; ++i) {
    const double cy = 6 + 16 * r.uniform(), cx = 6 + 16 * r.uniform(), s = 2 + 3 * r.uniform();
    for (int y = 0; y < Side; ++y)
      for (int x = 0; x < Side; ++x)
        *px++ = static_cast<float>(std::exp(-((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (2 * s * s)));
  }
  return d;
}

io::json::Value run_config() {
  return io::json::Object{{"data", "32 synthetic blobs"},
                          {"net", "wgan_gp_resnet"},
                          {"image", io::json::Array{1, Side, Side}},
                          {"dim", Dim},
                          {"z", Z},
                          {"threads", 1},
                          {"build", build_label()}};
}

// Trains run_steps generator steps from run_seed in `dir` (empty) and returns the checkpoint.
std::string write_checkpoint(const std::string& dir) {
  OneThread one;
  Model m(hyper(), train::derive_seed(run_seed, train::init_stream));
  data::Loader loader(blobs(), data::LoaderOptions{.batch_size = 8}, Rng(train::derive_seed(run_seed, train::data_stream)));
  train::TrainerOptions o;
  o.steps = run_steps;
  o.out_dir = dir;
  o.seed = run_seed;
  o.log_every = 1;
  o.samples = 4;
  o.show_progress = false;
  train::Trainer trainer(m, loader, o, run_config());
  return trainer.run().checkpoint;
}

// The worst relative error of `actual` against the file's `key` (part_fixture's measure:
// |a - e| / max(|e|, rms(e))), after checking the shape.
double worst_error(const io::TensorFile& f, const std::string& key, const Tensor<float, cpu>& actual) {
  const auto expected = f.get<float>(key);
  REQUIRE_MESSAGE(actual.shape() == expected.shape(), key, ": gantry gives ", actual.shape().str(), ", PyTorch ",
                  expected.shape().str());
  const auto c = part_fixture::compare(actual.to_vector(), expected.to_vector(), expected.shape());
  INFO(key, ": worst at ", c.where, " (gantry ", c.actual, ", PyTorch ", c.expected, ")");
  CHECK(c.worst <= output_tolerance);
  return c.worst;
}

// Loads `checkpoint` into a model built from another seed and compares G (eval mode) and D
// with PyTorch's outputs in `outputs`.
void check_against_pytorch(const std::string& checkpoint, const std::string& outputs, const std::string& label) {
  Model m(hyper(), 12345);  // other weights: everything checked must come from the file
  const train::RunState st = train::load_checkpoint(checkpoint, m);
  CHECK(st.step == run_steps);
  const io::TensorFile out = io::read_safetensors(outputs);
  no_grad guard;
  const auto g = m.nets.G.forward(Var<float, cpu>(out.get<float>("z")), {}, false).value();
  const auto d = m.nets.D.forward(Var<float, cpu>(out.get<float>("images")), {}, false).value();
  const double eg = worst_error(out, "G_out", g), ed = worst_error(out, "D_out", d);
  const std::string by = out.metadata.count("made_by") ? out.metadata.at("made_by") : std::string("?");
  MESSAGE(label, ": worst relative error vs PyTorch (", by, "): G ", eg, ", D ", ed, " (tolerance ",
          output_tolerance, ")");
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

TEST_CASE("checkpoint interop: write a fresh checkpoint to $GANTRY_INTEROP_CHECKPOINT_OUT") {
  const char* out = std::getenv("GANTRY_INTEROP_CHECKPOINT_OUT");
  if (!out) return;  // only the fixture script asks for one
  TempDir d("write");
  fs::copy_file(write_checkpoint(d / "run"), out, fs::copy_options::overwrite_existing);
  MESSAGE("wrote ", std::string(out), " (", build_label(), ")");
}

TEST_CASE("checkpoint interop: the committed checkpoint is what gantry writes today") {
  TempDir d("again");
  const io::TensorFile fresh = io::read_safetensors(write_checkpoint(d / "run"));
  const io::TensorFile committed = io::read_safetensors(committed_checkpoint);

  std::set<std::string> a, b;
  for (const auto& [name, e] : fresh.tensors) a.insert(name);
  for (const auto& [name, e] : committed.tensors) b.insert(name);
  for (const auto& n : a) CHECK_MESSAGE(b.count(n), "gantry now writes '", n, "', the committed checkpoint lacks it");
  for (const auto& n : b) CHECK_MESSAGE(a.count(n), "the committed checkpoint has '", n, "', gantry no longer writes it");
  CHECK(b.count("G.blocks.2.norm1.running_mean") == 1);

  io::json::Value fresh_info = train::read_checkpoint_info(fresh), committed_info = train::read_checkpoint_info(committed);
  const bool same_build = fresh_info["run"]["build"] == committed_info["run"]["build"];
  int64_t identical = 0, compared = 0;
  double worst = 0;
  for (const auto& [name, e] : committed.tensors) {
    if (!fresh.tensors.count(name)) continue;
    INFO(name);
    const io::TensorEntry& f = fresh.tensors.at(name);
    CHECK(std::string(io::dtype_name(f.dtype)) == io::dtype_name(e.dtype));
    CHECK(f.shape == e.shape);
    if (f.dtype != e.dtype || f.shape != e.shape) continue;
    ++compared;
    if (f.bytes == e.bytes) {
      ++identical;
    } else if (same_build) {
      CHECK_MESSAGE(false, "the bits differ from the committed checkpoint's");
    } else if (e.dtype != io::DType::F32) {
      CHECK_MESSAGE(false, "the values differ (counters must not depend on the build)");
    } else if (name.rfind("opt_", 0) != 0) {
      // Another compiler or vector width rounds differently; three Adam steps move a weight by
      // at most a few lr (2e-4) whatever its gradient's rounding.
      const double w = part_fixture::compare(fresh.get<float>(name).to_vector(), committed.get<float>(name).to_vector(),
                                             Shape(e.shape))
                           .worst;
      worst = std::max(worst, w);
      CHECK_MESSAGE(w <= 1e-2, "worst relative difference ", w, " from the committed value");
    }
    // (Adam's moments are not compared across builds: the conv biases in front of batch norm
    // have a zero gradient in exact arithmetic, so their moments are the build's rounding noise.)
  }
  CHECK(compared == static_cast<int64_t>(committed.tensors.size()));
  if (same_build) {
    CHECK(fresh.metadata == committed.metadata);
    MESSAGE(identical, " of ", compared, " tensors bit-identical to the committed checkpoint (", build_label(), ")");
  } else {
    fresh_info["run"]["build"] = committed_info["run"]["build"];
    CHECK(io::json::dump(fresh_info) == io::json::dump(committed_info));
    MESSAGE("the committed checkpoint was made by a ", io::json::dump(committed_info["run"]["build"]),
            " build, this is \"", build_label(), "\": ", identical, " of ", compared,
            " tensors bit-identical, worst relative difference of the other weights and statistics ", worst);
  }
}

TEST_CASE("checkpoint interop: gantry computes PyTorch's outputs from the committed checkpoint") {
  const io::TensorFile committed = io::read_safetensors(committed_checkpoint);
  CHECK(train::read_checkpoint_info(committed)["model"] == io::json::Value("wgan-gp"));
  check_against_pytorch(committed_checkpoint, committed_outputs, "committed fixture");
}

TEST_CASE("checkpoint interop: live round trip through PyTorch (when python has torch and safetensors)") {
  const char* env = std::getenv("GANTRY_PYTHON");
  const std::string python = env && *env ? env : "/usr/bin/python3";
  if (std::system((quoted(python) + " -c 'import torch, safetensors' >/dev/null 2>&1").c_str()) != 0) {
    MESSAGE("live PyTorch check skipped: ", python, " cannot import torch and safetensors "
            "(pip install safetensors for it, or set GANTRY_PYTHON); the committed fixtures were checked");
    return;
  }
  TempDir d("live");
  const std::string checkpoint = write_checkpoint(d / "run");
  const std::string cmd = quoted(python) + " " + quoted(script) + " --checkpoint " + quoted(checkpoint) +
                          " --out-dir " + quoted(d / "torch") + " >" + quoted(d / "python.log") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::ifstream log(d / "python.log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    FAIL_CHECK("the fixture script failed (", rc, "): ", cmd, "\n", text);
    return;
  }
  check_against_pytorch(checkpoint, d / "torch/wgan_gp_checkpoint_outputs.safetensors", "live");
}
