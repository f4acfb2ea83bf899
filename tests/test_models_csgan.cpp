// CSGAN and CycleGAN (models/csgan.hpp on the translation step, models/translation.hpp):
// two iterations against the official framework's nets and csgan.py's update
// (tests/fixtures/make_csgan_fixtures.py), the official ResnetGenerator loader, the history
// pool, the learning-rate schedule, and a bit-for-bit resume through a checkpoint.
#include <doctest/doctest.h>

#include <gantry/models.hpp>
#include <gantry/train.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "part_fixture.hpp"

using namespace gantry;

namespace {

using SmallNets = models::cycle_nets<Image<1, 16, 16>, Image<1, 16, 16>, 4, 4, 2, 2>;
using SmallCsgan = models::Translation<SmallNets, models::CsganPaper>;
using SmallCyclegan = models::Translation<SmallNets, models::CycleganPaper>;

std::string fixture(const std::string& name) { return std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/models/" + name; }

template <class Model>
models::CycleHyper small_hyper() {
  models::CycleHyper h = Model::paper_hyper();
  h.batch_size = 2;
  return h;
}

template <class Model>
void load_state(Model& m, const io::TensorFile& f) {
  train::load_module(f, m.G_A, "state.G_A");
  train::load_module(f, m.G_B, "state.G_B");
  train::load_module(f, m.D_A, "state.D_A");
  train::load_module(f, m.D_B, "state.D_B");
}

double value_of(const models::StepLosses& l, const std::string& key) {
  for (const auto& [k, v] : l)
    if (k == key) return v;
  FAIL("no loss named ", key);
  return 0;
}

// Every weight after the second iteration. Adam's first steps move a weight by about lr *
// sign(its gradient), so an element whose first gradient is ~0 in exact arithmetic (a conv
// bias before an instance norm) may move either way in float32: those are held to 2 steps of
// the learning rate, the rest to 2e-6.
template <class M>
void check_weights(M& module, const std::string& net, const io::TensorFile& f, double lr) {
  part_fixture::detail::Collect<float, cpu> c;
  module.visit(c, "");
  double scale = 0;
  for (auto& [n, p] : c.params) {
    for (float g : f.get<float>("it0.grad." + net + "." + n).to_vector()) scale = std::max<double>(scale, std::abs(g));
  }
  for (auto& [n, p] : c.params) {
    const auto expected = f.get<float>("it1." + net + "." + n).to_vector();
    const auto grad = f.get<float>("it0.grad." + net + "." + n).to_vector();
    const auto actual = p->value().to_vector();
    REQUIRE(actual.size() == expected.size());
    double worst = 0;
    for (std::size_t i = 0; i < actual.size(); ++i) {
      const bool ambiguous = std::abs(grad[i]) < 1e-4 * scale;
      const double err = std::abs(static_cast<double>(actual[i]) - expected[i]);
      if (ambiguous)
        CHECK(err <= 2.01 * 2 * lr);
      else
        worst = std::max(worst, err);
    }
    CHECK_MESSAGE(worst <= 2e-6, net, ".", n, " after two iterations: worst |error| ", worst);
  }
}

template <class Model>
void check_two_iterations(const char* file, double mu) {
  const io::TensorFile f = io::read_safetensors(fixture(file));
  Model m(small_hyper<Model>(), 1);
  REQUIRE(std::get<1>(m.terms()).mu_a == mu);
  load_state(m, f);
  const Tensor<float, cpu> a = f.get<float>("a"), b = f.get<float>("b");
  part_fixture::WorstError worst{.tol = 1e-4};
  worst.check(f, "out.fake_B", m.translate_a(a), "G_A(a)");
  worst.check(f, "out.rec_A", m.translate_b(m.translate_a(a)), "G_B(G_A(a))");

  std::vector<data::Batch> batch(1);
  batch[0].images = a;
  batch[0].targets = b;
  Rng rng(3);
  const std::vector<std::pair<const char*, const char*>> names{
      {"g_a", "G_A"},   {"g_b", "G_B"}, {"cycle_a", "cycle_A"}, {"cycle_b", "cycle_B"}, {"cs_a", "CSA"},
      {"cs_b", "CSB"}, {"g_loss", "G"}, {"d_a", "D_A"},         {"d_b", "D_B"}};
  for (int it = 0; it < 2; ++it) {
    m.set_step(it);
    const models::StepLosses losses = m.step(batch, rng);
    for (const auto& [mine, theirs] : names) {
      const std::string key = "it" + std::to_string(it) + ".loss." + theirs;
      const double expected = f.get<float>(key).to_vector().at(0);
      CHECK_MESSAGE(std::abs(value_of(losses, mine) - expected) <= 1e-5 * std::max(1.0, std::abs(expected)), key,
                    ": gantry ", value_of(losses, mine), ", official ", expected);
    }
    if (it == 0) {
      int n = 0;
      const auto grads = [&](auto& module, const std::string& net) {
        part_fixture::detail::Collect<float, cpu> c;
        module.visit(c, "");
        double scale = 0;
        for (auto& [name, p] : c.params)
          for (float g : f.get<float>("it0.grad." + net + "." + name).to_vector())
            scale = std::max<double>(scale, std::abs(g));
        for (auto& [name, p] : c.params) {
          worst.check(f, "it0.grad." + net + "." + name, p->grad().value(), net + " gradient of " + name, 1e-3 * scale);
          ++n;
        }
      };
      grads(m.G_A, "G_A");
      grads(m.G_B, "G_B");
      grads(m.D_A, "D_A");
      grads(m.D_B, "D_B");
      CHECK(n > 40);
    }
  }
  check_weights(m.G_A, "G_A", f, 2e-4);
  check_weights(m.G_B, "G_B", f, 2e-4);
  check_weights(m.D_A, "D_A", f, 2e-4);
  check_weights(m.D_B, "D_B", f, 2e-4);
  MESSAGE(std::string(file), ": worst relative error ", worst.error, " at ", worst.where, "; floored ", worst.floored, " at ",
          worst.floored_where);
}

}  // namespace

TEST_CASE("CSGAN: two iterations match the official nets and csgan.py's update") {
  check_two_iterations<SmallCsgan>("csgan_csgan.safetensors", 30.0);
}

TEST_CASE("CycleGAN (mu = 0): two iterations match, and differ from CSGAN's") {
  check_two_iterations<SmallCyclegan>("csgan_cyclegan.safetensors", 0.0);
  // The cyclic-synthesized terms are not idle: CSGAN's second iteration differs.
  const io::TensorFile cs = io::read_safetensors(fixture("csgan_csgan.safetensors"));
  const io::TensorFile cy = io::read_safetensors(fixture("csgan_cyclegan.safetensors"));
  CHECK(std::abs(cs.get<float>("it1.loss.G_A").to_vector()[0] - cy.get<float>("it1.loss.G_A").to_vector()[0]) > 1e-3);
  // And in gantry: CSGAN's step on CycleGAN's starting state and batch adds the CS terms, so
  // its G loss misses CycleGAN's by their size (the official CSA + CSB).
  SmallCsgan m(small_hyper<SmallCsgan>(), 1);
  load_state(m, cy);
  std::vector<data::Batch> batch(1);
  batch[0].images = cy.get<float>("a");
  batch[0].targets = cy.get<float>("b");
  Rng rng(3);
  m.set_step(0);
  const double g = value_of(m.step(batch, rng), "g_loss");
  const double cs_terms = cs.get<float>("it0.loss.CSA").to_vector()[0] + cs.get<float>("it0.loss.CSB").to_vector()[0];
  CHECK(g == doctest::Approx(cy.get<float>("it0.loss.G").to_vector()[0] + cs_terms).epsilon(1e-5));
}

TEST_CASE("Official ResnetGenerator state dicts load and reproduce their outputs") {
  using G = models::resnet_generator<Image<3, 32, 32>, 3, 4, 9>;
  Rng gen(0);
  Init init{gen};
  G::module<float, cpu> g(init);
  const io::TensorFile f = io::read_safetensors(fixture("cyclegan_resnet_official.safetensors"));
  const io::TensorFile xy = io::read_safetensors(fixture("cyclegan_resnet_official_io.safetensors"));
  models::load_official_cyclegan_generator(f, g);
  no_grad guard;
  const Tensor<float, cpu> y = g.forward(Var<float, cpu>(xy.get<float>("x")), false).value();
  part_fixture::check_close(xy, "y", y, 1e-4, "resnet_9blocks output");

  SUBCASE("a missing tensor is named") {
    io::TensorFile broken = f;
    broken.tensors.erase("model.26.weight");
    CHECK_THROWS_WITH(models::load_official_cyclegan_generator(broken, g),
                      doctest::Contains("has no tensor 'model.26.weight'"));
  }
  SUBCASE("a tensor these nets lack is named (a dropout net's block)") {
    io::TensorFile extra = f;
    extra.tensors.emplace("model.10.conv_block.6.weight", f.tensors.at("model.10.conv_block.5.weight"));
    CHECK_THROWS_WITH(models::load_official_cyclegan_generator(extra, g),
                      doctest::Contains("model.10.conv_block.6.weight"));
  }
  SUBCASE("a 6-block generator does not take a 9-block file") {
    using G6 = models::resnet_generator<Image<3, 32, 32>, 3, 4, 6>;
    G6::module<float, cpu> g6(init);
    CHECK_THROWS_WITH(models::load_official_cyclegan_generator(f, g6), doctest::Contains("model.16"));
  }
}

TEST_CASE("ImagePool: stores while filling, then swaps half the time; its state round-trips") {
  models::ImagePool<float> pool(2, 1, 1, 2);
  Rng rng(5);
  const auto batch = [](float v) {
    Tensor<float, cpu> t(Shape{1, 1, 1, 2});
    t.data()[0] = t.data()[1] = v;
    return t;
  };
  CHECK(pool.query(batch(1), rng).to_vector()[0] == 1);
  CHECK(pool.query(batch(2), rng).to_vector()[0] == 2);
  CHECK(pool.size() == 2);
  int swapped = 0;
  for (int i = 0; i < 200; ++i) {
    const float v = static_cast<float>(10 + i);
    const float got = pool.query(batch(v), rng).to_vector()[0];
    swapped += got != v;
  }
  CHECK(swapped > 70);
  CHECK(swapped < 130);
  models::ImagePool<float> none(0, 1, 1, 2);
  CHECK(none.query(batch(7), rng).to_vector()[0] == 7);
  CHECK_THROWS_WITH(pool.query(Tensor<float, cpu>::zeros(Shape{1, 2, 1, 2}), rng),
                    doctest::Contains("ImagePool: expected images [B, 1, 1, 2]"));
}

TEST_CASE("The 'lambda' schedule: constant, then linear to 0, as the official get_scheduler") {
  models::CycleHyper h;
  h.epoch_steps = 10;  // constant_epochs 100, decay_epochs 100
  CHECK(models::cycle_learning_rate(h, 0) == h.lr);
  CHECK(models::cycle_learning_rate(h, 989) == h.lr);                       // epoch 98 (0-based)
  CHECK(models::cycle_learning_rate(h, 990) == doctest::Approx(h.lr * (1 - 1.0 / 101)));  // epoch 99
  CHECK(models::cycle_learning_rate(h, 1989) == doctest::Approx(h.lr * (1 - 100.0 / 101)));
  CHECK(models::cycle_learning_rate(h, 1990) == 0);  // the 200th epoch runs at 0
  CHECK(models::cycle_learning_rate(h, 5000) == 0);
  h.epoch_steps = 0;
  CHECK(models::cycle_learning_rate(h, 100000) == h.lr);
  models::CycleHyper bad;
  bad.pool_size = -1;
  CHECK_THROWS_WITH(SmallCsgan(bad, 0), doctest::Contains("pool_size must be >= 0, found -1"));
}

TEST_CASE("A translator resumes bit for bit from a checkpoint (nets, Adam moments, pools)") {
  const io::TensorFile f = io::read_safetensors(fixture("csgan_csgan.safetensors"));
  std::vector<data::Batch> batch(1);
  Rng data_rng(11);
  models::CycleHyper h = small_hyper<SmallCsgan>();
  h.pool_size = 3;  // full after two iterations: the swaps draw from the rng
  SmallCsgan a(h, 4), b(h, 9);
  Rng rng_a(2);
  const auto next = [&](int i) {
    batch[0].images = f.get<float>("a");
    Tensor<float, cpu> t = f.get<float>("b");
    for (int64_t k = 0; k < t.numel(); ++k) t.data()[k] *= 1.0f - 0.1f * static_cast<float>(i);
    batch[0].targets = t;
  };
  for (int i = 0; i < 2; ++i) {
    next(i);
    a.set_step(i);
    a.step(batch, rng_a);
  }
  const std::string path = (std::filesystem::temp_directory_path() / "gantry_csgan_resume.safetensors").string();
  train::save_checkpoint(path, a, train::RunState{2, rng_a, {}, models::hyper_to_json(a.hyper()), io::json::Object{}});
  const train::RunState st = train::load_checkpoint(path, b);
  Rng rng_b = st.rng;
  std::remove(path.c_str());
  CHECK(b.pool_a.size() == 3);
  for (int i = 2; i < 5; ++i) {
    next(i);
    a.set_step(i);
    b.set_step(i);
    const auto la = a.step(batch, rng_a), lb = b.step(batch, rng_b);
    CHECK(la == lb);
  }
  const auto same = [](auto& x, auto& y) {
    part_fixture::detail::Collect<float, cpu> cx, cy;
    x.visit(cx, "");
    y.visit(cy, "");
    for (std::size_t i = 0; i < cx.params.size(); ++i)
      CHECK(cx.params[i].second->value().to_vector() == cy.params[i].second->value().to_vector());
  };
  same(a.G_A, b.G_A);
  same(a.D_B, b.D_B);
}
