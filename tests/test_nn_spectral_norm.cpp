// Spectral norm (BigGAN-PyTorch flavour): PyTorch fixtures over several forwards in a row
// (u updated in training, σ recomputed in eval), σ against the exact top singular value,
// second-order gradchecks, names and shapes.
#include <doctest/doctest.h>

#include "part_fixture.hpp"

using namespace gantry;

namespace {

template <class M>
std::map<std::string, Tensor<float>*> buffers_of(M& m) {
  part_fixture::detail::Collect<float, cpu> c;
  m.visit(c, "");
  std::map<std::string, Tensor<float>*> out;
  for (auto& [n, b] : c.buffers) out[n] = b;
  return out;
}

// Runs the fixture's forwards in order on m (parameters and initial buffers loaded from the
// file) and compares every step's output, gradients and buffers. `run(m, x, ctx)` is the forward.
template <class M, class Run>
void check_steps(M& m, const std::string& name, Run run) {
  const io::TensorFile f = part_fixture::load(name);
  INFO("fixture ", f.path);
  part_fixture::detail::Collect<float, cpu> c;
  m.visit(c, "");
  for (auto& [n, p] : c.params) p->value() = f.get<float>("param." + n, p->shape());
  for (auto& [n, b] : c.buffers) *b = f.get<float>("buffer_init." + n, b->shape());
  std::vector<int64_t> labels;
  if (f.contains("labels")) labels = f.get_ints("labels");
  const int steps = std::stoi(f.metadata.at("steps"));
  REQUIRE(steps > 0);
  for (int k = 0; k < steps; ++k) {
    const std::string s = "step" + std::to_string(k) + ".";
    CAPTURE(k);
    Context<float, cpu> ctx;
    ctx.training = f.metadata.at(s + "mode") == "train";
    ctx.labels = labels;
    Var<float> x = f.contains(s + "input") ? Var<float>(f.get<float>(s + "input"), true) : Var<float>();
    auto out = run(m, x, ctx);
    part_fixture::check_close(f, s + "output", out.value(), 1e-4, s + "output");
    auto g = Var<float>::constant(f.get<float>(s + "grad_out", out.shape()));
    std::vector<Var<float>> wrt;
    std::vector<std::string> keys;
    if (x.defined()) {
      wrt.push_back(x);
      keys.push_back(s + "grad_input");
    }
    for (auto& [n, p] : c.params) {
      wrt.push_back(*p);
      keys.push_back(s + "grad." + n);
    }
    const auto grads = grad(std::vector<Var<float>>{out}, wrt, std::vector<Var<float>>{g});
    for (std::size_t i = 0; i < wrt.size(); ++i) part_fixture::check_close(f, keys[i], grads[i].value(), 1e-4, keys[i]);
    for (auto& [n, b] : c.buffers) part_fixture::check_close(f, s + "buffer." + n, *b, 1e-4, s + "buffer " + n);
  }
}

const auto plain = [](auto& m, auto& x, auto& ctx) { return m.forward(x, ctx); };

// Largest row norm of W.view(rows, -1): the top singular value when the rows are orthogonal.
double largest_row_norm(const Tensor<double>& w) {
  const auto m = as_matrix(w.reshape({w.dim(0), -1}));
  return m.rowwise().norm().maxCoeff();
}

}  // namespace

static_assert(std::is_same_v<SN<Linear<5>>::output<Vector<7>>, Vector<5>>);
static_assert(std::is_same_v<SNConv2d<4, 3>::output<Image<3, 5, 4>>, Image<4, 5, 4>>);
static_assert(std::is_same_v<SNConv2d<3, 4, 2, 1>::output<Image<2, 7, 7>>, Image<3, 3, 3>>);
static_assert(std::is_same_v<SNEmbedding<6, 4>::output<Vector<1>>, Vector<4>>);
static_assert(!SNConv2d<4, 3>::accepts<Vector<9>>);
static_assert(!SNLinear<4>::accepts<Image<1, 2, 2>>);
static_assert(SN<Linear<1>, 6>::eps == 1e-6 && SN<Linear<1>>::eps == 1e-8 && SN<Linear<1>, 12>::eps == 1e-12);

TEST_CASE("SN matches BigGAN-PyTorch's SN over several forwards (PyTorch fixtures)") {
  Rng gen(3);
  Init init{gen};
  SUBCASE("SNLinear, eps 1e-8: train, train, train, eval") {
    SNLinear<5>::module<Vector<7>, float, cpu> m(init);
    check_steps(m, "sn_linear", plain);
  }
  SUBCASE("SNConv2d 3x3, eps 1e-6: train, train, eval, train") {
    SN<Conv2d<4, 3, 1, 1>, 6>::module<Image<3, 5, 4>, float, cpu> m(init);
    check_steps(m, "sn_conv2d", plain);
  }
  SUBCASE("SNConv2d 4x4 stride 2 without bias, eps 1e-12: eval, train, train") {
    SNConv2d<3, 4, 2, 1, Bias::off, 12>::module<Image<2, 6, 7>, float, cpu> m(init);
    check_steps(m, "sn_conv2d_s2_nobias", plain);
  }
  SUBCASE("SN<ConvTranspose2d>, W viewed as [in, out * K * K]: train, train, eval") {
    SN<ConvTranspose2d<3, 4, 2, 1>>::module<Image<2, 3, 4>, float, cpu> m(init);
    check_steps(m, "sn_conv_transpose2d", plain);
  }
  SUBCASE("SNEmbedding: train, train, eval") {
    SNEmbedding<6, 4>::module<Vector<1>, float, cpu> m(init);
    check_steps(m, "sn_embedding", [](auto& mod, auto&, auto& ctx) {
      return mod.forward_labels(ctx.labels, ctx.training);
    });
    SNEmbedding<6, 4>::module<Vector<1>, float, cpu> as_part(init);  // forward(x, ctx): labels from ctx
    check_steps(as_part, "sn_embedding", [](auto& mod, auto&, auto& ctx) {
      return mod.forward(Var<float>::constant(Tensor<float>::zeros(Shape{3, 1})), ctx);
    });
  }
}

TEST_CASE("TorchSN matches torch.nn.utils.spectral_norm over several forwards, eval with the stored u and v") {
  Rng gen(3);
  Init init{gen};
  SUBCASE("TorchSN<Linear<5>>, eps 1e-12: train, train, eval, train") {
    TorchSN<Linear<5>>::module<Vector<7>, float, cpu> m(init);
    check_steps(m, "torch_sn_linear", plain);
  }
  SUBCASE("TorchSN<Conv2d 3x3>, eps 1e-6: eval (never iterated), train, eval, train") {
    TorchSN<Conv2d<4, 3, 1, 1>, 6>::module<Image<3, 5, 4>, float, cpu> m(init);
    check_steps(m, "torch_sn_conv2d", plain);
  }
}

TEST_CASE("TorchSN: torch's names and shapes; eval neither iterates nor stores; training agrees with BigGAN's SN") {
  Rng gen(4), gen2(4);
  Init init{gen}, init2{gen2};
  TorchSN<Conv2d<6, 3>>::module<Image<4, 5, 5>, double, cpu> t(init);
  SNConv2d<6, 3, 1, 1, Bias::on, 12>::module<Image<4, 5, 5>, double, cpu> b(init2);
  part_fixture::detail::Collect<double, cpu> c;
  t.visit(c, "conv1");
  std::map<std::string, Shape> params, bufs;
  for (auto& [n, p] : c.params) params[n] = p->shape();
  for (auto& [n, bb] : c.buffers) bufs[n] = bb->shape();
  CHECK(params == std::map<std::string, Shape>{{"conv1.weight_orig", Shape{6, 4, 3, 3}}, {"conv1.bias", Shape{6}}});
  CHECK(bufs == std::map<std::string, Shape>{{"conv1.weight_u", Shape{6}}, {"conv1.weight_v", Shape{36}}});
  // Same weights and the same starting u (v is never read before a training forward).
  b.inner.weight.value() = t.inner.weight.value().clone();
  b.inner.bias.value() = t.inner.bias.value().clone();
  b.sn.u = t.sn.u.clone().reshape({1, 6});
  Rng noise(5);
  auto x = Var<double>::constant(randn<double>({2, 4, 5, 5}, noise));
  Context<double, cpu> eval;
  eval.training = false;
  const auto u0 = t.sn.u.to_vector(), v0 = t.sn.v.to_vector();
  const auto e0 = t.forward(x, eval).value().to_vector();
  CHECK(t.sn.u.to_vector() == u0);
  CHECK(t.sn.v.to_vector() == v0);
  CHECK(t.forward(x, eval).value().to_vector() == e0);  // no iteration in eval: the same output twice
  Context<double, cpu> train;
  for (int i = 0; i < 3; ++i) {
    const auto yt = t.forward(x, train).value().to_vector(), yb = b.forward(x, train).value().to_vector();
    for (std::size_t k = 0; k < yt.size(); ++k) CHECK(yt[k] == doctest::Approx(yb[k]).epsilon(1e-12));
  }
  CHECK(t.sn.v.to_vector() != v0);
  // After training, torch's eval uses the stored vectors; BigGAN's iterates once more: close, not equal.
  const auto et = t.forward(x, eval).value().to_vector(), eb = b.forward(x, eval).value().to_vector();
  CHECK(et != eb);
}

TEST_CASE("SN: names, buffers, u updated only in training, σ converges to the top singular value") {
  Rng gen(4);
  Init init{gen, InitScheme::orthogonal};
  SNConv2d<6, 3>::module<Image<4, 5, 5>, double, cpu> m(init);
  std::map<std::string, Shape> params, bufs;
  for_each_parameter<double, cpu>(m, [&](const std::string& n, Var<double>& p) { params[n] = p.shape(); });
  part_fixture::detail::Collect<double, cpu> c;
  m.visit(c, "conv1");
  for (auto& [n, b] : c.buffers) bufs[n] = b->shape();
  CHECK(params == std::map<std::string, Shape>{{"weight", Shape{6, 4, 3, 3}}, {"bias", Shape{6}}});
  CHECK(bufs == std::map<std::string, Shape>{{"conv1.u", Shape{1, 6}}, {"conv1.sv", Shape{1}}});
  CHECK(m.sn.sv.to_vector() == std::vector<double>{1.0});

  // Orthonormal rows (orthogonal init) scaled by 1..6: singular values 1..6, then iterate.
  for (int64_t i = 0; i < m.inner.weight.numel(); ++i) m.inner.weight.value()[i] *= static_cast<double>(1 + i / 36);
  const double top = largest_row_norm(m.inner.weight.value());
  CHECK(top == doctest::Approx(6.0).epsilon(1e-12));
  Rng noise(5);
  auto x = Var<double>::constant(randn<double>({2, 4, 5, 5}, noise));
  Context<double, cpu> eval;
  eval.training = false;
  const auto u0 = m.sn.u.to_vector();
  m.forward(x, eval);
  CHECK(m.sn.u.to_vector() == u0);  // eval stores nothing
  CHECK(m.sn.sv.to_vector() == std::vector<double>{1.0});
  Context<double, cpu> train;
  {
    no_grad ng;  // the update follows the mode, not grad mode
    m.forward(x, train);
  }
  CHECK(m.sn.u.to_vector() != u0);
  for (int i = 0; i < 200; ++i) m.forward(x, train);
  CHECK(m.sn.sv[0] == doctest::Approx(top).epsilon(1e-9));
  // |u| = 1 and W/σ has spectral norm 1.
  double uu = 0;
  for (double v : m.sn.u.to_vector()) uu += v * v;
  CHECK(uu == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(largest_row_norm(m.normalised_weight().value()) == doctest::Approx(1.0).epsilon(1e-9));
  // The parameter is back in place after each forward.
  CHECK(m.inner.weight.is_leaf());
  CHECK(m.inner.weight.requires_grad());
}

TEST_CASE("SN: second derivatives in double with the vectors held (spectral_norm_frozen)") {
  Rng gen(6);
  Init init{gen};
  Context<double, cpu> train;
  SUBCASE("SNConv2d") {
    SNConv2d<3, 3>::module<Image<2, 4, 5>, double, cpu> m(init);
    auto x = part_fixture::input({2, 2, 4, 5});
    m.forward(x, train);  // moves u once; the check then holds v and u' fixed
    const auto u = m.sn.u.to_vector();
    spectral_norm_frozen frozen;
    const auto r = part_fixture::gradgrad(m, x, train);
    CHECK_MESSAGE(r, r.report);
    CHECK(m.sn.u.to_vector() == u);  // nothing stored while frozen, even in training
  }
  SUBCASE("SNLinear without bias, eps 1e-12") {
    SNLinear<4, Bias::off, 12>::module<Vector<3>, double, cpu> m(init);
    auto x = part_fixture::input({2, 3});
    spectral_norm_frozen frozen;  // first forward iterates once, then the vectors are held
    const auto r = part_fixture::gradgrad(m, x, train);
    CHECK_MESSAGE(r, r.report);
  }
  SUBCASE("SNEmbedding") {
    SNEmbedding<5, 3>::module<Vector<1>, double, cpu> m(init);
    Context<double, cpu> ctx;
    ctx.labels = {4, 0, 4};
    spectral_norm_frozen frozen;
    const auto r = part_fixture::gradgrad(m, part_fixture::input({3, 1}), ctx);
    CHECK_MESSAGE(r, r.report);
  }
}

TEST_CASE("SN: the gradient treats v and u' as constants: W/σ(W) with σ = v W_matᵀ u'ᵀ") {
  Rng gen(6), noise(7);
  Init init{gen};
  SNLinear<4>::module<Vector<3>, double, cpu> lin(init);
  Context<double, cpu> ctx;
  lin.forward(Var<double>::constant(randn<double>({2, 3}, noise)), ctx);  // one update of u
  const auto w = Var<double>::constant(lin.inner.weight.value().clone());
  const auto unit = [](const Var<double>& a) { return div(a, sqrt(sum(mul(a, a)))); };
  const auto v = unit(matmul(Var<double>::constant(lin.sn.u.clone()), w));  // [1, 3]
  const auto un = unit(matmul(v, w, false, true));                           // [1, 4]
  const auto reference = [&](const Var<double>& wv, const Var<double>& x) {
    const auto sigma = sum(mul(matmul(v, wv, false, true), un));
    return add(matmul(x, div(wv, sigma), false, true), lin.inner.bias);
  };
  // Eval: the module iterates from the same stored u, so it sees the same v and u'.
  const auto u_before = lin.sn.u.to_vector();
  auto wl = Var<double>(w.value().clone(), true), wr = Var<double>(w.value().clone(), true);
  lin.inner.weight = wl;
  auto x = Var<double>::constant(randn<double>({2, 3}, noise));
  Context<double, cpu> ev;
  ev.training = false;
  const auto out_module = lin.forward(x, ev);
  CHECK(lin.sn.u.to_vector() == u_before);
  const auto out_ref = reference(wr, x);
  const auto r = Var<double>::constant(randn<double>({2, 4}, noise));
  const auto ga = grad(std::vector<Var<double>>{sum(mul(out_module, r))}, std::vector<Var<double>>{wl});
  const auto gb = grad(std::vector<Var<double>>{sum(mul(out_ref, r))}, std::vector<Var<double>>{wr});
  const auto a = out_module.value().to_vector(), b = out_ref.value().to_vector();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-12));
  const auto ag = ga[0].value().to_vector(), bg = gb[0].value().to_vector();
  for (std::size_t i = 0; i < ag.size(); ++i) CHECK(ag[i] == doctest::Approx(bg[i]).epsilon(1e-12));
}

TEST_CASE("SN in a model: gradients reach the weight, seeds, and errors") {
  using Dsc = Discriminator<Image<3, 8, 8>, SNConv2d<4, 3, 2, 1>, ReLU, Flatten, SNLinear<1>>;
  Rng gen(1), gen2(1);
  Init init{gen}, init2{gen2};
  Dsc::module<float, cpu> d(init), d2(init2);
  std::map<std::string, Shape> names;
  for_each_parameter<float, cpu>(d, [&](const std::string& n, Var<float>& p) { names[n] = p.shape(); });
  CHECK(names.size() == 4);
  CHECK(names.count("blocks.0.weight"));
  CHECK(names.count("blocks.3.bias"));
  auto b1 = buffers_of(d), b2 = buffers_of(d2);
  CHECK(b1.size() == 4);
  CHECK(b1.at("blocks.0.u")->to_vector() == b2.at("blocks.0.u")->to_vector());
  Rng noise(2);
  auto x = Var<float>::constant(randn<float>({2, 3, 8, 8}, noise));
  auto y = d.forward(x, {}, true);
  sum(y).backward();
  for_each_parameter<float, cpu>(d, [](const std::string& n, Var<float>& p) {
    CAPTURE(n);
    CHECK(p.grad().defined());
  });
  SNEmbedding<3, 2>::module<Vector<1>, float, cpu> e(init);
  CHECK_THROWS_WITH_AS(e.forward_labels({0, 3}, true), "Embedding<3, 2>: label 3 at position 1 is outside [0, 3)",
                       ShapeError);
}
