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

#include "temp_dir.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
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
using Model = models::wgan_gp<Image<1, Side, Side>, Width<Dim>, Latent<Z>>;
constexpr std::uint64_t run_seed = 4;
constexpr int64_t run_steps = 3;
constexpr double output_tolerance = 1e-5;  // worst relative error, gantry vs PyTorch (float32 both)

const std::string fixture_dir = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/interop";
const std::string committed_checkpoint = fixture_dir + "/wgan_gp_checkpoint.safetensors";
const std::string committed_outputs = fixture_dir + "/wgan_gp_checkpoint_outputs.safetensors";
const std::string script = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/make_checkpoint_interop_fixtures.py";

// gantry_checkpoint_interop_<name>_<pid>, created.
struct TempDir : gantry_test::TempDir {
  explicit TempDir(const std::string& name) : gantry_test::TempDir("checkpoint_interop_" + name) {}
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

// What gantry promises about bits (docs/reproducibility.md): one binary, one thread count and
// the same inputs give the same bits on one machine; another CPU model or build gives values
// within a tolerance (compilers tune per CPU model, so the same flags can round differently).
// So the committed checkpoint, made on some machine, is compared within tolerances, and bit
// identity is asked only of two checkpoints this binary writes in this run.
constexpr double weight_tolerance = 1e-4;  // worst relative difference of a weight or statistic
                                           // (measured across CPU models: 1e-6)
// G's biases in front of a batch norm have a zero gradient in exact arithmetic: their
// gradient is rounding noise, which Adam (beta1 0) normalises into steps of up to
// sqrt(1 / (1 - beta2)) = 3.2 lr each, in any direction, on each machine. So they are
// compared in absolute terms: two machines' values after run_steps G steps may be 2 x
// 3.2 lr x run_steps apart (measured: 3.7e-5 AVX-512 builds, 1.2e-4 portable against
// AVX-512). The running means of the batch norms they feed average them in (momentum
// weights summing to at most 1), so they share that bound (measured: 1.2e-4, portable).
constexpr double noise_tolerance = 2 * 3.2 * 2e-4 * run_steps;
bool noise_parameter(const std::string& name) {
  static const std::regex noise(R"(^G\.(blocks\.(0|\d+\.(conv1|conv2|shortcut))\.bias|.*running_mean)$)");
  return std::regex_match(name, noise);
}

struct CheckpointDifference {
  int64_t compared = 0, identical = 0;
  double worst = 0;          // relative, over the float weights and statistics (not Adam's moments)
  std::string worst_name;
  double worst_noise = 0;    // absolute, over the biases in front of batch norm and G's running means
  std::vector<std::string> problems;  // empty: within the promise
};

// Names, dtypes, shapes and metadata (but the build label) must match exactly, integer
// tensors (counters) too; float weights and statistics within `tolerance`.
CheckpointDifference compare_checkpoints(const io::TensorFile& fresh, const io::TensorFile& committed,
                                         double tolerance) {
  CheckpointDifference r;
  const auto problem = [&](const std::string& name, const std::string& what) { r.problems.push_back(name + ": " + what); };
  for (const auto& [name, e] : fresh.tensors)
    if (!committed.tensors.count(name)) problem(name, "gantry writes it, the committed checkpoint lacks it");
  for (const auto& [name, e] : committed.tensors) {
    if (!fresh.tensors.count(name)) {
      problem(name, "the committed checkpoint has it, gantry no longer writes it");
      continue;
    }
    const io::TensorEntry& f = fresh.tensors.at(name);
    if (f.dtype != e.dtype || f.shape != e.shape) {
      problem(name, std::string("dtype/shape ") + io::dtype_name(f.dtype) + " " + Shape(f.shape).str() + ", committed " +
                        io::dtype_name(e.dtype) + " " + Shape(e.shape).str());
      continue;
    }
    ++r.compared;
    if (f.bytes == e.bytes) {
      ++r.identical;
    } else if (e.dtype != io::DType::F32) {
      problem(name, "the values differ (counters must not depend on the machine)");
    } else if (name.rfind("opt_", 0) != 0) {
      // Adam's moments are left out: the conv biases in front of batch norm have a zero
      // gradient in exact arithmetic, so their moments are the machine's rounding noise.
      const auto a = fresh.get<float>(name).to_vector(), b = committed.get<float>(name).to_vector();
      if (noise_parameter(name)) {
        double d = 0;
        for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(double(a[i]) - double(b[i])));
        r.worst_noise = std::max(r.worst_noise, d);
        if (!(d <= noise_tolerance))
          problem(name, "largest difference " + std::to_string(d) + " > " + std::to_string(noise_tolerance) +
                            " (a bias in front of batch norm, or a running mean that averages one)");
        continue;
      }
      const double w = part_fixture::compare(a, b, Shape(e.shape)).worst;
      if (w > r.worst) r.worst = w, r.worst_name = name;
      if (!(w <= tolerance)) problem(name, "worst relative difference " + std::to_string(w) + " > " + std::to_string(tolerance));
    }
  }
  io::json::Value fi = train::read_checkpoint_info(fresh), ci = train::read_checkpoint_info(committed);
  fi["run"]["build"] = ci["run"]["build"];
  if (io::json::dump(fi) != io::json::dump(ci))
    problem("metadata", io::json::dump(fi) + " vs committed " + io::json::dump(ci));
  return r;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

// `file` with element `at` of float tensor `name` moved by `relative` times the comparison's
// scale max(|e|, rms(e)).
io::TensorFile perturbed(io::TensorFile file, const std::string& name, int64_t at, double relative) {
  io::TensorEntry& e = file.tensors.at(name);
  std::vector<float> v = file.get<float>(name).to_vector();
  double ss = 0;
  for (float x : v) ss += double(x) * x;
  const double scale = std::max(std::abs(double(v[at])), std::sqrt(ss / double(v.size())));
  v[at] = static_cast<float>(v[at] + relative * scale);
  std::memcpy(e.bytes.data(), v.data(), v.size() * sizeof(float));
  return file;
}

}  // namespace

TEST_CASE("checkpoint interop: write a fresh checkpoint to $GANTRY_INTEROP_CHECKPOINT_OUT") {
  const char* out = std::getenv("GANTRY_INTEROP_CHECKPOINT_OUT");
  if (!out) return;  // only the fixture script asks for one
  TempDir d("write");
  fs::copy_file(write_checkpoint(d / "run"), out, fs::copy_options::overwrite_existing);
  MESSAGE("wrote ", std::string(out), " (", build_label(), ")");
}

TEST_CASE("checkpoint interop: this binary writes the same bits twice") {
  TempDir d1("twice1"), d2("twice2");
  const io::TensorFile a = io::read_safetensors(write_checkpoint(d1 / "run"));
  const io::TensorFile b = io::read_safetensors(write_checkpoint(d2 / "run"));
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, e] : a.tensors) {
    INFO(name);
    REQUIRE(b.tensors.count(name));
    CHECK(e.bytes == b.tensors.at(name).bytes);
  }
  CHECK(a.metadata == b.metadata);
}

TEST_CASE("checkpoint interop: the committed checkpoint is what gantry writes today, within the cross-machine tolerance") {
  TempDir d("again");
  const io::TensorFile fresh = io::read_safetensors(write_checkpoint(d / "run"));
  const io::TensorFile committed = io::read_safetensors(committed_checkpoint);
  REQUIRE(committed.tensors.count("G.blocks.2.norm1.running_mean") == 1);
  const CheckpointDifference r = compare_checkpoints(fresh, committed, weight_tolerance);
  CHECK_MESSAGE(r.problems.empty(), r.problems.size(), " differences beyond the promise:", joined(r.problems));
  CHECK(r.compared == static_cast<int64_t>(committed.tensors.size()));
  MESSAGE("committed checkpoint (", io::json::dump(train::read_checkpoint_info(committed)["run"]["build"]),
          " build) vs this machine (", build_label(), "): ", r.identical, " of ", r.compared,
          " tensors bit-identical; worst relative difference of the weights and statistics ", r.worst,
          r.worst_name.empty() ? "" : " (" + r.worst_name + ")", ", tolerance ", weight_tolerance,
          "; biases in front of batch norm and G's running means at most ", r.worst_noise, " apart, tolerance ", noise_tolerance);
}

TEST_CASE("checkpoint interop: the cross-machine comparison accepts rounding and catches real changes") {
  const io::TensorFile committed = io::read_safetensors(committed_checkpoint);
  const std::string w = "D.blocks.0.conv1.weight";
  REQUIRE(committed.tensors.count(w));
  CHECK(compare_checkpoints(committed, committed, weight_tolerance).problems.empty());
  CHECK(compare_checkpoints(committed, committed, weight_tolerance).identical == int64_t(committed.tensors.size()));

  const auto within = compare_checkpoints(perturbed(committed, w, 3, 0.5 * weight_tolerance), committed, weight_tolerance);
  CHECK(within.problems.empty());
  CHECK(within.worst_name == w);
  CHECK(within.worst == doctest::Approx(0.5 * weight_tolerance).epsilon(1e-3));

  const auto beyond = compare_checkpoints(perturbed(committed, w, 3, 2 * weight_tolerance), committed, weight_tolerance);
  REQUIRE(beyond.problems.size() == 1);
  CHECK(beyond.problems[0].rfind(w + ": worst relative difference", 0) == 0);

  // A bias in front of batch norm may move by rounding noise, within its absolute bound.
  const std::string nb = "G.blocks.2.conv1.bias";
  REQUIRE(noise_parameter(nb));
  CHECK_FALSE(noise_parameter("G.blocks.6.bias"));  // the output conv's bias has a real gradient
  CHECK(noise_parameter("G.blocks.4.running_mean"));
  CHECK_FALSE(noise_parameter("G.blocks.4.running_var"));
  io::TensorFile noisy = committed;
  {
    std::vector<float> v = noisy.get<float>(nb).to_vector();
    v[0] += static_cast<float>(0.5 * noise_tolerance);
    std::memcpy(noisy.tensors.at(nb).bytes.data(), v.data(), v.size() * sizeof(float));
    CHECK(compare_checkpoints(noisy, committed, weight_tolerance).problems.empty());
    v[0] += static_cast<float>(noise_tolerance);
    std::memcpy(noisy.tensors.at(nb).bytes.data(), v.data(), v.size() * sizeof(float));
    const auto r = compare_checkpoints(noisy, committed, weight_tolerance);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].rfind(nb + ": largest difference", 0) == 0);
  }

  // Adam's moments may differ freely; its step counters and the metadata may not.
  io::TensorFile other_counter = committed;
  for (auto& [name, e] : other_counter.tensors)
    if (e.dtype != io::DType::F32) {
      e.bytes[0] ^= 1;
      const auto r = compare_checkpoints(other_counter, committed, weight_tolerance);
      REQUIRE(r.problems.size() == 1);
      CHECK(r.problems[0] == name + ": the values differ (counters must not depend on the machine)");
      break;
    }
  io::TensorFile renamed = committed;
  auto node = renamed.tensors.extract(w);
  node.key() = w + "_renamed";
  renamed.tensors.insert(std::move(node));
  CHECK(compare_checkpoints(renamed, committed, weight_tolerance).problems.size() == 2);
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
