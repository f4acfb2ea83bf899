// models::icgan against IC-GAN's official code: tests/fixtures/make_icgan_fixtures.py runs
// facebookresearch/ic_gan's own training function (train_fns.GAN_training_function with G_D,
// the hinge loss, one D step) in float64 on three layouts: gantry's 32x32 IC-GAN and cc-IC-GAN
// (BigGAN.py's arch[32] with instance features) and the official 64 table. Here the state is
// read with load_official_icgan, and gantry's nets and Hinge redo the step's passes: G and D's
// outputs in eval and training mode, every loss, every D and G gradient by official name.
#include <doctest/doctest.h>

#include <gantry/models/icgan.hpp>
#include <gantry/models/icgan_official.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "official_step_fixture.hpp"

using namespace gantry;

namespace {

const std::string fixtures = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/";
using V = Var<float>;

// The fixture script's nets: G_ch = D_ch = 2, 64-d features, shared_feat 8.
using Nets32 = models::icgan_nets<Image<3, 32, 32>, 0, 2, 64, 8, 16>;
using CcNets32 = models::icgan_nets<Image<3, 32, 32>, 10, 2, 64, 8, 16>;
using Nets64 = models::icgan64_nets<0, 2, 20, 64, 8, 3, 0>;

std::vector<int64_t> labels(const io::TensorFile& f, const std::string& key) {
  std::vector<int64_t> y;
  if (!f.contains(key)) return y;
  for (float v : f.get<float>(key).to_vector()) y.push_back(std::lround(v));
  return y;
}

template <class Nets>
struct Case : test::OfficialStep {
  using Gm = typename Nets::G::template module<float, cpu>;
  using Dm = typename Nets::D::template module<float, cpu>;
  using OfficialStep::OfficialStep;

  template <class M>
  int check_official_grads(M& m, const std::string& net, bool generator) {
    const auto parts = models::detail::biggan_official_parts(m, generator);
    return check_grads(m, net, [&](const std::string& n) { return models::detail::icgan_official_name(n, parts); });
  }

  void run() {
    check_state_sum("make_icgan_fixtures.py");
    Rng rng(0);
    Init init{rng, InitScheme::orthogonal};
    Gm g(init);
    Dm d(init);
    models::load_official_icgan<Nets, float>(state, g, d);

    const V z_d(f.get<float>("z_d")), z_g(f.get<float>("z_g"));
    const V f_d(f.get<float>("f_d")), f_g(f.get<float>("f_g")), f_real(f.get<float>("f_real"));
    const auto y_d = labels(f, "y_d"), y_g = labels(f, "y_g"), y_real = labels(f, "y_real");
    Tensor<float, cpu> xs = f.get<float>("x_u8");
    for (int64_t i = 0; i < xs.numel(); ++i) xs.data()[i] = xs.data()[i] / 127.5f - 1.0f;
    const V x(xs);
    const int64_t n = z_d.dim(0);

    // Eval mode on the stored state: batch norms on their stored statistics, SN without update.
    {
      no_grad guard;
      const V fake = g.forward(z_d, y_d, f_d, false);
      check("eval_g_fake", fake.value(), "G(z_d, h_d), eval mode");
      check("eval_d_real", d.forward(x, y_real, f_real, false).value(), "D(x, h_real), eval mode");
      check("eval_d_fake", d.forward(fake, y_d, f_d, false).value(), "D(G(z_d, h_d), h_d), eval mode");
    }
    models::load_official_icgan<Nets, float>(state, g, d);

    // D step: G's fakes off the tape, one D pass on cat(fake, real) as G_D.
    V fake;
    {
      no_grad guard;
      fake = V(g.forward(z_d, y_d, f_d, true).value());
    }
    check("g_fake", fake.value(), "G(z_d, h_d), training mode");
    std::vector<int64_t> y_all = y_d;
    y_all.insert(y_all.end(), y_real.begin(), y_real.end());
    const V out = d.forward(concat(std::vector<V>{fake, x}, 0), y_all, concat(std::vector<V>{f_d, f_real}, 0), true);
    const auto parts = split(out, {n, n}, 0);
    check("d_fake", parts[0].value(), "D(G(z_d, h_d), h_d)");
    check("d_real", parts[1].value(), "D(x, h_real)");
    const V d_loss = Hinge::d_loss(parts[1], parts[0]);
    check_loss("D_loss", d_loss, "Hinge::d_loss");
    const double terms = scalar("loss.D_loss_real") + scalar("loss.D_loss_fake");
    CHECK(d_loss.item() == doctest::Approx(terms).epsilon(1e-4));
    d_loss.backward();
    int grads = check_official_grads(d, "D", false);

    // G step: D(G(z_g, h_g), h_g) in training mode, G_loss = -mean.
    const V g_fake = g.forward(z_g, y_g, f_g, true);
    check("g_step_fake", g_fake.value(), "G(z_g, h_g), training mode");
    const V g_out = d.forward(g_fake, y_g, f_g, true);
    check("g_step_d", g_out.value(), "D(G(z_g, h_g), h_g)");
    const V g_loss = Hinge::g_loss(g_out);
    check_loss("G_loss", g_loss, "Hinge::g_loss");
    g_loss.backward();
    grads += check_official_grads(g, "G", true);

    CHECK(grads == gradients_in_file());
    MESSAGE(name, " vs facebookresearch/ic_gan (float64): ", compared, " outputs and losses, ", grads,
            " gradients, worst relative error ", worst.error, " (", worst.where, "); zero-in-exact-arithmetic ",
            "gradients at 1e-3 of the largest rms: ", worst.floored, " (", worst.floored_where, "); D_loss ",
            d_loss.item(), ", G_loss ", g_loss.item());
  }
};

}  // namespace

TEST_CASE("icgan_nets (32x32): outputs, losses and one D and one G step match IC-GAN's official code") {
  Case<Nets32>("icgan32").run();
}

TEST_CASE("icgan_nets with classes (cc-IC-GAN, 32x32): the same, class embedding and feature projection") {
  Case<CcNets32>("cc_icgan32").run();
}

TEST_CASE("icgan64_nets: the official 64 table, the same") { Case<Nets64>("icgan64").run(); }

TEST_CASE("load_official_icgan: the unused G.shared of IC-GAN is ignored; a missing, unknown or misshapen tensor is named") {
  const io::TensorFile full = io::read_safetensors(fixtures + "models/icgan32_state.safetensors");
  REQUIRE(full.contains("G.shared.weight"));  // BigGAN.py builds it without classes
  Rng rng(0);
  Init init{rng, InitScheme::orthogonal};
  Nets32::G::module<float, cpu> g(init);
  Nets32::D::module<float, cpu> d(init);
  const auto load = [&](const io::TensorFile& file) { models::load_official_icgan<Nets32, float>(file, g, d); };
  CHECK_NOTHROW(load(full));
  {
    io::TensorFile f = full;
    f.tensors.erase("D.linear_feat.weight");
    CHECK_THROWS_WITH_AS(load(f), doctest::Contains("has no tensor 'D.linear_feat.weight' (for gantry's D.blocks.4.linear_feat.weight"),
                         FormatError);
  }
  {
    io::TensorFile f = full;
    f.tensors.emplace("D.embed.weight", f.tensors.at("D.linear.weight"));
    CHECK_THROWS_WITH_AS(load(f), doctest::Contains("has tensor 'D.embed.weight', which these nets (IC-GAN"),
                         FormatError);
  }
  {
    models::icgan_nets<Image<3, 32, 32>, 0, 2, 32, 8, 16>::G::module<float, cpu> g32(init);
    models::icgan_nets<Image<3, 32, 32>, 0, 2, 32, 8, 16>::D::module<float, cpu> d32(init);
    CHECK_THROWS_WITH_AS((models::load_official_icgan<models::icgan_nets<Image<3, 32, 32>, 0, 2, 32, 8, 16>, float>(
                             full, g32, d32)),
                         doctest::Contains("load_official_icgan: tensor 'G.shared_feat.weight' has shape"), ShapeError);
  }
}
