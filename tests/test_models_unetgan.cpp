// models::unetgan against U-Net GAN's official code: tests/fixtures/make_unetgan_fixtures.py runs
// boschresearch/unetgan's own training function (train_fns.GAN_training_function with G_D,
// mixup.CutMix masks, --unconditional --hier --unet_mixup --consistency_loss_and_augmentation)
// in float64 on two layouts: the official 128 one (unetgan128_nets) and gantry's 32x32 one
// (unetgan_nets, the official modules on a 32 table). Here the state is read with
// load_official_unetgan, and gantry's nets and loss functions (NonSaturating, bce_with_logits,
// CutMix::mix_loss and consistency_loss with c = 1) redo the step's passes: G and D's outputs
// in eval and training mode, every loss term, every D and G gradient by official name.
#include <doctest/doctest.h>

#include <gantry/models/unetgan.hpp>
#include <gantry/models/unetgan_official.hpp>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "official_step_fixture.hpp"

using namespace gantry;

namespace {

const std::string fixtures = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/";
using V = Var<float>;

// The fixture script's nets: G_ch = D_ch = 2, dim_z 16, unconditional.
using Nets128 = models::unetgan128_nets<0, 2, 16>;
using Nets32 = models::unetgan_nets<Image<3, 32, 32>, 0, 2, 16>;

// Rows and columns 0, s, 2s, ... of [N, C, H, W] (the fixture's map_stride).
Tensor<float, cpu> strided(const Tensor<float, cpu>& t, int64_t s) {
  const int64_t n = t.dim(0), c = t.dim(1), h = t.dim(2), w = t.dim(3);
  const int64_t ho = (h + s - 1) / s, wo = (w + s - 1) / s;
  Tensor<float, cpu> out({n, c, ho, wo});
  float* o = out.data();
  for (int64_t i = 0; i < n * c; ++i)
    for (int64_t r = 0; r < ho; ++r)
      for (int64_t q = 0; q < wo; ++q) *o++ = t.data()[(i * h + r * s) * w + q * s];
  return out;
}
// Sums over H and W: [N, C].
Tensor<float, cpu> map_sums(const Tensor<float, cpu>& t) {
  const int64_t nc = t.dim(0) * t.dim(1), hw = t.dim(2) * t.dim(3);
  Tensor<float, cpu> out({t.dim(0), t.dim(1)});
  for (int64_t i = 0; i < nc; ++i) {
    double s = 0;
    for (int64_t k = 0; k < hw; ++k) s += t.data()[i * hw + k];
    out.data()[i] = static_cast<float>(s);
  }
  return out;
}

template <class Nets>
struct Case : test::OfficialStep {
  using Gm = typename Nets::G::template module<float, cpu>;
  using Dm = typename Nets::D::template module<float, cpu>;
  using U = typename models::detail::unetgan_unet<typename Nets::D>::type;

  int64_t stride = 1;

  explicit Case(std::string n) : OfficialStep(std::move(n)), stride(std::stoll(f.metadata.at("map_stride"))) {}

  // A per-pixel map or an image, stored whole or at the fixture's stride with its sums.
  void check_map(const std::string& key, const V& actual, const std::string& label) {
    check(key, strided(actual.value(), stride), label);
    if (stride != 1) check(key + ".sum", map_sums(actual.value()), label + " (sums over each whole map)");
  }
  // A value train_fns.py forms from two of the terms it returns (the sum is not returned).
  void check_sum(const std::string& a, const std::string& b, const V& actual, const std::string& label) {
    const double expected = scalar("loss." + a) + scalar("loss." + b);
    const double err = std::abs(actual.item() - expected) / std::abs(expected);
    CHECK_MESSAGE(err <= worst.tol, label, ": gantry ", actual.item(), ", official ", a, " + ", b, " = ", expected);
    if (err > worst.error) {
      worst.error = err;
      worst.where = label;
    }
    ++compared;
  }

  std::string official_g(const std::string& n, const std::vector<std::string>& parts) const {
    return models::detail::official_name(n, parts, "output_layer.0");
  }
  static std::string official_d(const std::string& n) {
    return models::detail::unetgan_official_d_name(n, U::encoder_blocks + U::decoder_blocks);
  }

  void run() {
    check_state_sum("make_unetgan_fixtures.py");
    Rng rng(0);
    Init init{rng, InitScheme::orthogonal};
    Gm g(init);
    Dm d(init);
    models::load_official_unetgan<Nets, float>(state, g, d);
    const auto g_parts = models::detail::unetgan_official_g_parts(g);

    const V z_d(f.get<float>("z_d")), z_g(f.get<float>("z_g"));
    Tensor<float, cpu> xs = f.get<float>("x_u8");
    for (int64_t i = 0; i < xs.numel(); ++i) xs.data()[i] = xs.data()[i] / 127.5f - 1.0f;
    const V x(xs);
    const Tensor<float, cpu> masks = f.get<float>("masks_u8");
    const int64_t n = z_d.dim(0);
    const std::vector<int64_t> none;

    // Eval mode on the stored state: batch norms on their stored statistics, SN without update.
    {
      no_grad guard;
      const V fake = g.forward(z_d, none, false);
      check_map("eval_g_fake", fake, "G(z_d), eval mode");
      const auto real_out = d.forward_all(x, none, false);
      const auto fake_out = d.forward_all(fake, none, false);
      check("eval_d_enc_real", real_out.adversarial.value(), "D_enc(x), eval mode");
      check("eval_d_enc_fake", fake_out.adversarial.value(), "D_enc(G(z_d)), eval mode");
      check_map("eval_d_dec_real", real_out.per_pixel, "D_dec(x), eval mode");
      check_map("eval_d_dec_fake", fake_out.per_pixel, "D_dec(G(z_d)), eval mode");
    }
    models::load_official_unetgan<Nets, float>(state, g, d);

    // D step (train_fns.py): G's fakes off the tape, one D pass on cat(fake, real, mixed) as G_D.
    V fake;
    {
      no_grad guard;
      fake = V(g.forward(z_d, none, true).value());
    }
    check_map("g_fake", fake, "G(z_d), training mode");
    const V mixed(cutmix_images(x.value(), fake.value(), masks));
    const auto out = d.forward_all(concat(std::vector<V>{fake, x, mixed}, 0), none, true);
    const auto enc = split(out.adversarial, {n, n, n}, 0);
    const auto dec = split(out.per_pixel, {n, n, n}, 0);
    check("d_enc_fake", enc[0].value(), "D_enc(G(z_d))");
    check("d_enc_real", enc[1].value(), "D_enc(x)");
    check("d_enc_mixed", enc[2].value(), "D_enc(mix)");
    check_map("d_dec_fake", dec[0], "D_dec(G(z_d))");
    check_map("d_dec_real", dec[1], "D_dec(x)");
    check_map("d_dec_mixed", dec[2], "D_dec(mix)");

    check_loss("D_loss_real_2d", bce_with_logits(dec[1], 1.0f), "BCE(D_dec(x), 1)");
    check_loss("D_loss_fake_2d", bce_with_logits(dec[0], 0.0f), "BCE(D_dec(G(z)), 0)");
    check_loss("D_loss_real_middle", bce_with_logits(enc[1], 1.0f), "BCE(D_enc(x), 1)");
    check_loss("D_loss_fake_middle", bce_with_logits(enc[0], 0.0f), "BCE(D_enc(G(z)), 0)");
    check_loss("D_loss_mixed_2d", bce_with_logits(dec[2], masks), "BCE(D_dec(mix), M)");
    check_loss("mixed_middle_loss", bce_with_logits(enc[2], 0.0f), "BCE(D_enc(mix), 0)");
    const V enc_loss = NonSaturating::d_loss(enc[1], enc[0]);
    const V dec_loss = NonSaturating::d_loss(dec[1], dec[0]);
    check_sum("D_loss_real_middle", "D_loss_fake_middle", enc_loss, "NonSaturating::d_loss on D_enc");
    check_sum("D_loss_real_2d", "D_loss_fake_2d", dec_loss, "NonSaturating::d_loss on D_dec");
    const V mix = CutMix::mix_loss(dec[2], enc[2], masks, 1.0);
    check_sum("D_loss_mixed_2d", "mixed_middle_loss", mix, "CutMix::mix_loss (c = 1)");
    const V cons = CutMix{}.consistency_loss(dec[2], dec[1], dec[0], masks, 1.0);
    check_loss("consistency", cons, "CutMix::consistency_loss (c = 1)");
    // gan.hpp's D loss: (1 - w) L(D_enc) + w L(D_dec) with w = 0.5, plus the CutMix terms.
    const V d_loss = add(add(mul_scalar(enc_loss, 0.5f), mul_scalar(dec_loss, 0.5f)), add(mix, cons));
    check_loss("D_loss", d_loss, "D's total loss");
    d_loss.backward();
    int grads = check_grads(d, "D", [](const std::string& nm) { return official_d(nm); });

    // G step: D(G(z_g)) in training mode, G_loss = 0.5 BCE(D_enc, 1) + 0.5 BCE(D_dec, 1).
    const V g_fake = g.forward(z_g, none, true);
    check_map("g_step_fake", g_fake, "G(z_g), training mode");
    const auto gout = d.forward_all(g_fake, none, true);
    check("g_step_enc", gout.adversarial.value(), "D_enc(G(z_g))");
    check_map("g_step_dec", gout.per_pixel, "D_dec(G(z_g))");
    const V g_enc = NonSaturating::g_loss(gout.adversarial);
    const V g_dec = NonSaturating::g_loss(gout.per_pixel);
    check_loss("G_loss_fake_middle", g_enc, "NonSaturating::g_loss on D_enc");
    check_loss("G_loss_fake_2d", g_dec, "NonSaturating::g_loss on D_dec");
    const V g_loss = add(mul_scalar(g_enc, 0.5f), mul_scalar(g_dec, 0.5f));
    check_loss("G_loss", g_loss, "G's total loss");
    g_loss.backward();
    grads += check_grads(g, "G", [&](const std::string& nm) { return official_g(nm, g_parts); });

    CHECK(grads == gradients_in_file());
    MESSAGE(name, " vs boschresearch/unetgan (float64): ", compared, " outputs and losses, ", grads,
            " gradients, worst relative error ", worst.error, " (", worst.where, "); zero-in-exact-arithmetic ",
            "gradients at 1e-3 of the largest rms: ", worst.floored, " (", worst.floored_where, "); D_loss ",
            d_loss.item(), " (CutMix ", mix.item(), ", consistency ", cons.item(), "), G_loss ", g_loss.item());
  }
};

}  // namespace

TEST_CASE("unetgan128_nets: outputs, losses and one D and one G step match U-Net GAN's official code") {
  Case<Nets128>("unetgan128").run();
}

TEST_CASE("unetgan_nets (32x32): the same against the official modules on the 32x32 table") {
  Case<Nets32>("unetgan32").run();
}

TEST_CASE("load_official_unetgan: a missing, unknown or misshapen tensor is named; the unused D.linear is not needed") {
  const io::TensorFile full = io::read_safetensors(fixtures + "models/unetgan32_state.safetensors");
  Rng rng(0);
  Init init{rng, InitScheme::orthogonal};
  Nets32::G::module<float, cpu> g(init);
  Nets32::D::module<float, cpu> d(init);
  const auto load = [&](const io::TensorFile& file) { models::load_official_unetgan<Nets32, float>(file, g, d); };
  {
    io::TensorFile f = full;
    for (const char* k : {"D.linear.weight", "D.linear.bias", "D.linear.u0", "D.linear.sv0"}) f.tensors.erase(k);
    CHECK_NOTHROW(load(f));
  }
  {
    io::TensorFile f = full;
    f.tensors.erase("D.blocks.6.weight");  // the per-pixel conv
    CHECK_THROWS_WITH_AS(load(f),
                         doctest::Contains("has no tensor 'D.blocks.6.weight' (for gantry's D.blocks.0.conv.weight"),
                         FormatError);
  }
  {
    io::TensorFile f = full;
    f.tensors.emplace("G.blocks.0.0.bn1.gain.1.weight", f.tensors.at("G.blocks.0.0.bn1.gain.0.weight"));
    CHECK_THROWS_WITH_AS(load(f), doctest::Contains("has tensor 'G.blocks.0.0.bn1.gain.1.weight', which these nets"),
                         FormatError);
  }
  {
    // A state of twice the width.
    models::unetgan_nets<Image<3, 32, 32>, 0, 4, 16>::G::module<float, cpu> g4(init);
    models::unetgan_nets<Image<3, 32, 32>, 0, 4, 16>::D::module<float, cpu> d4(init);
    CHECK_THROWS_WITH_AS((models::load_official_unetgan<models::unetgan_nets<Image<3, 32, 32>, 0, 4, 16>, float>(
                             full, g4, d4)),
                         doctest::Contains("load_official_unetgan: tensor 'G.linear.weight' has shape"), ShapeError);
  }
}
