// Module and optimiser state through safetensors files: round trips, strict loading.
#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <unistd.h>

#include <filesystem>
#include <gantry/autograd.hpp>
#include <gantry/train/module_state.hpp>
#include <gantry/nn.hpp>
#include <gantry/optim.hpp>
#include <map>
#include <string>
#include <vector>

using namespace gantry;
namespace fs = std::filesystem;

namespace {

// Buffers included: SN's u and sv, batch norm's running statistics and batch count.
using G = Generator<Latent<16>, SNLinear<36>, Reshape<4, 3, 3>, BatchNorm2d<>, ReLU, Conv2d<2, 3>, Tanh>;
using GM = G::module<float, cpu>;

std::string temp_file(const std::string& name) {
  static const gantry_test::TempDir dir("test_module_state");
  return (dir.path / name).string();
}

// Every parameter and buffer by name, as values.
template <class M>
std::map<std::string, std::vector<float>> state_of(M& m) {
  struct V : ParamVisitor<float, cpu> {
    std::map<std::string, std::vector<float>> out;
    void parameter(const std::string& n, Var<float>& p) override { out[n] = p.value().to_vector(); }
    void buffer(const std::string& n, Tensor<float>& b) override { out[n] = b.to_vector(); }
  } v;
  m.visit(v, "");
  return v.out;
}

GM make(uint64_t seed) {
  Rng gen(seed);
  Init init{gen};
  return GM(init);
}

// Trains a little so the buffers differ from their initial values.
void warm_up(GM& g, uint64_t seed) {
  Rng noise(seed);
  for (int i = 0; i < 2; ++i) g.forward(Var<float>::constant(randn<float>({4, 16}, noise)), {}, true);
}

template <class F>
void check_rejected(GM& g, const io::TensorFile& file, const std::string& message, F&& reason) {
  CAPTURE(reason);
  const auto before = state_of(g);
  CHECK_THROWS_WITH_AS(train::load_module(file, g, "G"), message.c_str(), FormatError);
  CHECK(state_of(g) == before);
}

}  // namespace

TEST_CASE("a generator's parameters and buffers survive a file round trip") {
  GM g = make(1);
  warm_up(g, 7);
  const std::string path = temp_file("g.safetensors");
  train::save_module(path, g, "G");

  const io::TensorFile file = io::read_safetensors(path);
  std::vector<std::string> names;
  for (const auto& kv : file.tensors) names.push_back(kv.first);
  CHECK(names == std::vector<std::string>{"G.blocks.0.bias", "G.blocks.0.sv", "G.blocks.0.u", "G.blocks.0.weight",
                                          "G.blocks.2.bias", "G.blocks.2.num_batches_tracked",
                                          "G.blocks.2.running_mean", "G.blocks.2.running_var", "G.blocks.2.weight",
                                          "G.blocks.4.bias", "G.blocks.4.weight"});
  CHECK(file.entry("G.blocks.0.u").shape == std::vector<int64_t>{1, 36});
  CHECK(file.get<float>("G.blocks.2.num_batches_tracked").to_vector() == std::vector<float>{2});

  GM h = make(2);
  const auto original = state_of(g);
  CHECK(state_of(h) != original);
  // The tensors are written in place: a view taken before the load sees the new values.
  Tensor<float> weight_view = std::get<4>(h.body.parts).weight.value();
  train::load_module(path, h, "G");
  CHECK(state_of(h) == original);
  CHECK(weight_view.to_vector() == original.at("blocks.4.weight"));

  Rng noise(9);
  const auto z = Var<float>::constant(randn<float>({3, 16}, noise));
  CHECK(h.forward(z, {}, false).value().to_vector() == g.forward(z, {}, false).value().to_vector());
  CHECK(h.forward(z, {}, true).value().to_vector() == g.forward(z, {}, true).value().to_vector());
  CHECK(state_of(h) == state_of(g));  // the training pass updated both alike
}

TEST_CASE("a writer holds several modules under their prefixes; each loads its own") {
  GM a = make(1), b = make(2);
  io::SafetensorsWriter w;
  train::save_module(w, a, "G");
  train::save_module(w, b, "G_ema");
  const std::string path = temp_file("two.safetensors");
  w.write(path);
  const auto file = io::read_safetensors(path);
  GM a2 = make(3), b2 = make(4);
  train::load_module(file, a2, "G");  // "G_ema.*" is not under "G"
  train::load_module(file, b2, "G_ema");
  CHECK(state_of(a2) == state_of(a));
  CHECK(state_of(b2) == state_of(b));
  // Without a prefix every tensor of the file is expected to belong to the module.
  GM c = make(5);
  CHECK_THROWS_AS(train::load_module(file, c, ""), FormatError);
}

TEST_CASE("loading is strict, names each problem and leaves the module unchanged") {
  GM g = make(1);
  const std::string path = temp_file("strict.safetensors");
  train::save_module(path, g, "G");
  const io::TensorFile good = io::read_safetensors(path);
  const std::string where = "checkpoint " + path + ": ";
  GM h = make(2);

  {
    auto f = good;
    f.tensors["G.blocks.4.weight"] = io::TensorEntry::from(Tensor<float>::zeros({2, 8, 3, 3}));
    check_rejected(h, f, where + "tensor 'G.blocks.4.weight' has shape [2, 8, 3, 3], the model expects [2, 4, 3, 3]",
                   "shape");
  }
  {
    auto f = good;
    f.tensors.erase("G.blocks.0.u");
    check_rejected(h, f, where + "missing tensor 'G.blocks.0.u'", "missing");
  }
  {
    auto f = good;
    f.tensors["G.extra"] = io::TensorEntry::from(Tensor<float>::zeros({1}));
    check_rejected(h, f, where + "unexpected tensor 'G.extra'", "unexpected");
  }
  {
    auto f = good;
    f.tensors["G.blocks.4.bias"] = io::TensorEntry::from(Tensor<double>::zeros({2}));
    check_rejected(h, f, where + "tensor 'G.blocks.4.bias' has dtype F64, the model expects F32", "dtype");
  }
  {
    // Every problem is listed, and the valid tensors before and after are not copied either.
    auto f = good;
    f.tensors.erase("G.blocks.0.bias");
    f.tensors["G.blocks.2.running_var"] = io::TensorEntry::from(Tensor<float>::zeros({5}));
    f.tensors["G.zzz"] = io::TensorEntry::from_ints({1});
    check_rejected(h, f,
                   where +
                       "missing tensor 'G.blocks.0.bias'; tensor 'G.blocks.2.running_var' has shape [5], the model "
                       "expects [4]; unexpected tensor 'G.zzz'",
                   "several");
  }
  {
    // Another prefix: every tensor is missing.
    const auto before = state_of(h);
    CHECK_THROWS_AS(train::load_module(good, h, "D"), FormatError);
    CHECK(state_of(h) == before);
  }
  train::load_module(good, h, "G");
  CHECK(state_of(h) == state_of(g));
}

TEST_CASE("Adam's moments and step count round trip: training continues bit for bit") {
  const AdamOptions opts{.lr = 1e-2, .beta1 = 0.5, .beta2 = 0.9};
  auto train_step = [](GM& g, Adam<float>& opt, uint64_t seed) {
    Rng noise(seed);
    opt.zero_grad();
    auto z = Var<float>::constant(randn<float>({4, 16}, noise));
    sum(mul(g.forward(z, {}, true), g.forward(z, {}, true))).backward();
    opt.step();
  };

  GM g = make(1);
  Adam<float> opt(named_parameters<float, cpu>(g), opts);
  for (uint64_t s = 0; s < 3; ++s) train_step(g, opt, 100 + s);

  const std::string path = temp_file("adam.safetensors");
  io::SafetensorsWriter w;
  train::save_module(w, g, "G");
  train::save_optimizer(w, opt, "opt_G");
  w.write(path);
  const auto file = io::read_safetensors(path);
  CHECK(file.get_ints("opt_G.step") == std::vector<int64_t>{3});
  CHECK(file.entry("opt_G.step").shape.empty());
  CHECK(file.contains("opt_G.blocks.0.weight.exp_avg"));
  CHECK(file.contains("opt_G.blocks.0.weight.exp_avg_sq"));

  GM h = make(2);
  Adam<float> opt2(named_parameters<float, cpu>(h), opts);
  train::load_module(file, h, "G");
  train::load_optimizer(file, opt2, "opt_G");
  CHECK(opt2.step_count() == 3);

  for (uint64_t s = 3; s < 5; ++s) {
    train_step(g, opt, 100 + s);
    train_step(h, opt2, 100 + s);
  }
  CHECK(state_of(h) == state_of(g));
  std::map<std::string, std::vector<float>> m1, m2;
  opt.visit_state([&](const std::string& n, Tensor<float>& t) { m1[n] = t.to_vector(); });
  opt2.visit_state([&](const std::string& n, Tensor<float>& t) { m2[n] = t.to_vector(); });
  CHECK(m1 == m2);
  CHECK(opt2.step_count() == 5);
}

TEST_CASE("optimiser loading is strict too") {
  GM g = make(1);
  Adam<float> opt(named_parameters<float, cpu>(g), {});
  io::SafetensorsWriter w;
  train::save_optimizer(w, opt, "opt");
  const std::string path = temp_file("opt.safetensors");
  w.write(path);
  const auto good = io::read_safetensors(path);
  const std::string where = "checkpoint " + path + ": ";

  GM h = make(2);
  Adam<float> opt2(named_parameters<float, cpu>(h), {});
  opt2.set_step_count(7);
  {
    auto f = good;
    f.tensors.erase("opt.step");
    CHECK_THROWS_WITH_AS(train::load_optimizer(f, opt2, "opt"),
                         (where + "missing tensor 'opt.step' (the optimiser's step count)").c_str(), FormatError);
  }
  {
    auto f = good;
    f.tensors.erase("opt.blocks.4.bias.exp_avg_sq");
    CHECK_THROWS_WITH_AS(train::load_optimizer(f, opt2, "opt"),
                         (where + "missing tensor 'opt.blocks.4.bias.exp_avg_sq'").c_str(), FormatError);
  }
  {
    auto f = good;
    f.tensors["opt.step"] = io::TensorEntry::from(Tensor<float>::zeros({}));
    CHECK_THROWS_WITH_AS(
        train::load_optimizer(f, opt2, "opt"),
        (where + "tensor 'opt.step' has dtype F32 and shape [], the optimiser's step count is I64 of shape []").c_str(),
        FormatError);
  }
  CHECK(opt2.step_count() == 7);
  train::load_optimizer(good, opt2, "opt");
  CHECK(opt2.step_count() == 0);
}

TEST_CASE("an EMA's averages round trip through save_optimizer") {
  GM g = make(1);
  EMA<float> ema(g, 0.9);
  warm_up(g, 3);
  ema.update(g, 1);
  io::SafetensorsWriter w;
  train::save_optimizer(w, ema, "G_ema");
  CHECK(w.contents().contains("G_ema.blocks.2.running_mean"));
  CHECK(!w.contents().contains("G_ema.step"));  // an EMA has no step count
  GM h = make(2);
  EMA<float> ema2(h, 0.9);
  train::load_optimizer(w.contents(), ema2, "G_ema");
  GM a = make(3), b = make(4);
  ema.copy_to(a);
  ema2.copy_to(b);
  CHECK(state_of(a) == state_of(b));
}
