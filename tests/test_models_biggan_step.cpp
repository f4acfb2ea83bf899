// models::biggan and models::biggan_deep: one training step against the official BigGAN-PyTorch
// code (tests/fixtures/make_biggan_step_fixtures.py runs BigGAN.py / BigGANdeep.py's own
// Generator, Discriminator, G_D and losses.py in float64 on the weights of the forward-interop
// fixtures): the D hinge loss with fake and real in one D pass and every D gradient, the G
// hinge loss and every G gradient, every buffer afterwards (SN's u and sv, batch-norm
// statistics), each compared by official name (the loaders' name maps); and a perturbed weight
// moves the losses well past the tolerance, so the comparison can fail.
#include <doctest/doctest.h>

#include <gantry/models/biggan.hpp>
#include <gantry/models/biggan_deep.hpp>
#include <gantry/models/biggan_deep_official.hpp>
#include <gantry/models/biggan_official.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "part_fixture.hpp"

using namespace gantry;

namespace {

const std::string fixtures = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/";

// The nets of the forward-interop fixtures (test_models_biggan.cpp, test_models_biggan_deep.cpp).
using Cifar = models::biggan_nets<Image<3, 32, 32>, 10, 4>;
using Hier = models::biggan_hier_nets<Image<3, 32, 32>, 10, 4, 16>;
using Deep = models::biggan_deep_nets<Image<3, 32, 32>, 10, 8, 32, 16, 16, 0>;

// Loader and gantry -> official name map of each family ("" for a tensor with no counterpart).
template <class Nets>
struct BigganOfficial {
  template <class G, class D>
  static void load(const io::TensorFile& f, G& g, D& d) {
    models::load_official_biggan<Nets, float>(f, g, d);
  }
  static std::string g_name(const std::string& n) {
    return models::official_biggan_g_name<Nets>(n);
  }
  static std::string d_name(const std::string& n) {
    return models::official_biggan_d_name<Nets>(n);
  }
};
template <class Nets>
struct DeepOfficial {
  template <class G, class D>
  static void load(const io::TensorFile& f, G& g, D& d) {
    models::load_official_biggan_deep<Nets, float>(f, g, d);
  }
  static std::string g_name(const std::string& n) { return models::official_biggan_deep_g_name<Nets>(n); }
  static std::string d_name(const std::string& n) { return models::official_biggan_deep_d_name<Nets>(n); }
};

struct Collect : ParamVisitor<float, cpu> {
  std::map<std::string, Var<float, cpu>*> params;
  std::map<std::string, Tensor<float, cpu>*> buffers;
  void parameter(const std::string& name, Var<float, cpu>& p) override { params[name] = &p; }
  void buffer(const std::string& name, Tensor<float, cpu>& b) override { buffers[name] = &b; }
};

struct Inputs {
  Var<float> x, z_d, z_g;
  std::vector<int64_t> y_real, y_fake, y_g;
};

struct Step {
  Var<float> fake, d_fake, d_real, d_loss, g_loss;
};

// train_fns.GAN_training_function's D and G passes without the optimizer steps: G's fakes
// off the tape, D on cat(fake, real) with cat(y_fake, y_real) (G_D's order), the D hinge loss
// and its backward, `after_d()` (D's gradients are final there), then the G hinge loss on
// D(G(z_g, y_g), y_g) (its backward is the caller's).
template <class G, class D, class AfterD>
Step run_step(G& g, D& d, const Inputs& in, AfterD after_d) {
  Step s;
  {
    no_grad guard;
    s.fake = Var<float>(g.forward(in.z_d, in.y_fake, true).value());
  }
  std::vector<int64_t> y = in.y_fake;
  y.insert(y.end(), in.y_real.begin(), in.y_real.end());
  const int64_t n = in.z_d.dim(0);
  const auto both = split(d.forward(concat(std::vector<Var<float>>{s.fake, in.x}, 0), y, true), {n, n}, 0);
  s.d_fake = both[0];
  s.d_real = both[1];
  s.d_loss = Hinge::d_loss(s.d_real, s.d_fake);
  s.d_loss.backward();
  after_d(s);
  s.g_loss = Hinge::g_loss(d.forward(g.forward(in.z_g, in.y_g, true), in.y_g, true));
  return s;
}

double sum_abs_state(const io::TensorFile& f) {
  double s = 0;
  for (const auto& [key, e] : f.tensors) {
    if (key.rfind("G.", 0) != 0 && key.rfind("D.", 0) != 0) continue;
    const auto v = f.get<double>(key).to_vector();
    for (double a : v) s += std::abs(a);
  }
  return s;
}

// |a - e| / |e| for a scalar loss a and its reference e.
double scalar_rel(const Var<float>& a, double e) { return std::abs(a.item() - e) / std::abs(e); }


double max_abs(const Tensor<float, cpu>& t) {
  double m = 0;
  for (float v : t.to_vector()) m = std::max(m, static_cast<double>(std::abs(v)));
  return m;
}

double rms(const Tensor<float, cpu>& t) {
  double s = 0;
  for (float v : t.to_vector()) s += static_cast<double>(v) * v;
  return std::sqrt(s / static_cast<double>(std::max<int64_t>(t.numel(), 1)));
}

template <class Nets, class Official>
void check_step(const std::string& name, double tol = 1e-4) {
  const io::TensorFile f = io::read_safetensors(fixtures + "models/biggan_" + name + "_step.safetensors");
  REQUIRE(f.metadata.count("state_file"));
  const io::TensorFile state = io::read_safetensors(fixtures + f.metadata.at("state_file"));
  {
    const double expected = f.get<double>("state_sum").to_vector().at(0);
    REQUIRE_MESSAGE(std::abs(sum_abs_state(state) - expected) <= 1e-6 * expected, state.path,
                    " is not the state make_biggan_step_fixtures.py started from: rerun that script");
  }
  Rng rng(0);
  Init init{rng, InitScheme::normal_002};
  typename Nets::G::template module<float, cpu> g(init);
  typename Nets::D::template module<float, cpu> d(init);
  Official::load(state, g, d);

  Inputs in;
  // 8-bit pixels to [-1, 1], in float32 as the fixture script does.
  Tensor<float, cpu> x = f.get<float>("x_u8");
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = x.data()[i] / 127.5f - 1.0f;
  in.x = Var<float>(x);
  in.z_d = Var<float>(f.get<float>("z_d"));
  in.z_g = Var<float>(f.get<float>("z_g"));
  in.y_real = f.get_ints("y_real");
  in.y_fake = f.get_ints("y_fake");
  in.y_g = f.get_ints("y_g");

  Collect gc, dc;
  g.visit(gc, "");
  d.visit(dc, "");
  part_fixture::WorstError worst{.tol = tol};
  int grads = 0, buffers = 0;
  const Step s = run_step(g, d, in, [&](const Step& st) {
    worst.check(f, "fake_sum", sum(st.fake).value().reshape({1}), "sum of the D step's fakes");
    worst.check(f, "d_fake", st.d_fake.value(), "D(G(z_d), y_fake)");
    worst.check(f, "d_real", st.d_real.value(), "D(x, y_real)");
    worst.check(f, "d_loss", st.d_loss.value().reshape({1}), "D loss");
    for (auto& [gname, p] : dc.params) {
      worst.check(f, "grad.D." + Official::d_name(gname), p->grad().value(), "D loss gradient of gantry's D." + gname);
      ++grads;
    }
  });
  s.g_loss.backward();
  worst.check(f, "g_loss", s.g_loss.value().reshape({1}), "G loss");
  // A bias whose per-channel constant only reaches training-mode batch norms (directly, or
  // along the residual path through 1x1 shortcuts and on to the output BN when no attention
  // comes between) has zero gradient in exact arithmetic: conv1 (BigGAN-deep: conv1..3) of
  // every G block, and the residual-path biases after the last attention. The float64
  // reference is ~1e-16 of the G gradient scale there; gantry's float rounding noise is compared
  // at 1e-3 of the largest G gradient rms instead (so it must stay below 1e-7 of it).
  double g_scale = 0;
  for (auto& [gname, p] : gc.params) g_scale = std::max(g_scale, rms(f.get<float>("grad.G." + Official::g_name(gname))));
  std::vector<std::string> zero_in_exact;
  for (auto& [gname, p] : gc.params) {
    const std::string key = "grad.G." + Official::g_name(gname);
    const bool zero = max_abs(f.get<float>(key)) < 1e-9 * g_scale;
    if (zero) zero_in_exact.push_back(gname);
    worst.check(f, key, p->grad().value(), "G loss gradient of gantry's G." + gname, zero ? 1e-3 * g_scale : 0.0);
    ++grads;
  }
  for (auto& [gname, b] : gc.buffers) {
    const std::string off = Official::g_name(gname);
    if (off.empty()) continue;  // num_batches_tracked
    worst.check(f, "buffer.G." + off, *b, "buffer G." + gname);
    ++buffers;
  }
  for (auto& [dname, b] : dc.buffers) {
    const std::string off = Official::d_name(dname);
    if (off.empty()) continue;
    worst.check(f, "buffer.D." + off, *b, "buffer D." + dname);
    ++buffers;
  }
  // Everything the fixture holds was compared: nothing on one side only.
  int in_file_grads = 0, in_file_buffers = 0;
  for (const auto& [key, e] : f.tensors) {
    in_file_grads += key.rfind("grad.", 0) == 0;
    in_file_buffers += key.rfind("buffer.", 0) == 0;
  }
  CHECK(grads == in_file_grads);
  CHECK(buffers == in_file_buffers);
  std::string zeros;
  for (const auto& z : zero_in_exact) zeros += (zeros.empty() ? "" : ", ") + z;
  MESSAGE("biggan ", name, " step vs BigGAN-PyTorch (float64): ", grads, " gradients, ", buffers,
          " buffers, worst relative error ", worst.error, " (", worst.where, "); d_loss ", s.d_loss.item(), ", g_loss ",
          s.g_loss.item(), "; zero in exact arithmetic, compared at 1e-3 of the G gradient scale (worst ",
          worst.floored, ", ", worst.floored_where, "): ", zeros);

  // The comparison can fail: every element of G's output batch-norm gain or of D's linear
  // weight moved by half the tensor's largest |element| (a shift, not a rescale, which D's
  // spectral norm would undo).
  const double ref_d = f.get<double>("d_loss").to_vector().at(0), ref_g = f.get<double>("g_loss").to_vector().at(0);
  const auto perturbed = [&](bool in_g) {
    typename Nets::G::template module<float, cpu> g2(init);
    typename Nets::D::template module<float, cpu> d2(init);
    Official::load(state, g2, d2);
    Collect c;
    if (in_g) g2.visit(c, "");
    else d2.visit(c, "");
    Var<float, cpu>* w = nullptr;
    for (auto& [pname, p] : c.params)
      if ((in_g ? Official::g_name(pname) : Official::d_name(pname)) == (in_g ? "output_layer.0.gain" : "linear.weight"))
        w = p;
    REQUIRE(w != nullptr);
    Tensor<float, cpu> v = w->value();
    const auto shift = static_cast<float>(0.5 * max_abs(v));
    for (int64_t i = 0; i < v.numel(); ++i) v.data()[i] += shift;
    return run_step(g2, d2, in, [](const Step&) {});
  };
  const Step pd = perturbed(false);
  const Step pg = perturbed(true);
  MESSAGE("perturbed D linear weight: d_loss rel. change ", scalar_rel(pd.d_loss, ref_d), ", g_loss ",
          scalar_rel(pd.g_loss, ref_g), "; perturbed G output BN gain: g_loss ", scalar_rel(pg.g_loss, ref_g));
  CHECK(scalar_rel(pd.d_loss, ref_d) > 1e-3);
  CHECK(scalar_rel(pd.g_loss, ref_g) > 1e-3);
  CHECK(scalar_rel(pg.g_loss, ref_g) > 1e-3);
}

}  // namespace

TEST_CASE("biggan_nets (CIFAR flags): one D step and one G step match BigGAN-PyTorch (losses, gradients, buffers)") {
  check_step<Cifar, BigganOfficial<Cifar>>("cifar");
}

TEST_CASE("biggan_hier_nets (shared, hier, attention): one D and one G step match BigGAN-PyTorch") {
  check_step<Hier, BigganOfficial<Hier>>("hier");
}

TEST_CASE("biggan_deep_nets: one D step and one G step match BigGANdeep.py (losses, gradients, buffers)") {
  // The deepest stack (4 convs a block) sums the most float32 terms: worst 6.9e-5 with the
  // AVX-512 kernels, 1.14e-4 with the portable build's 4-wide ones (conv4 biases of G, whose
  // gradient sums every pixel of the batch); 2e-4 holds on both.
  check_step<Deep, DeepOfficial<Deep>>("deep", 2e-4);
}
