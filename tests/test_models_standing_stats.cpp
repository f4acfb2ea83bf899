// Standing statistics (BigGAN-PyTorch utils.accumulate_standing_stats): one batch norm against
// the official layers.myBN and torch's BatchNorm2d(momentum=None) (fixture from
// tests/fixtures/make_standing_stats_fixtures.py), then models::standing_statistics on a small
// BigGAN with and without EMA against statistics computed here from the same draws.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gantry/autograd.hpp>
#include <gantry/io.hpp>
#include <gantry/models/biggan.hpp>
#include <gantry/models/standing_stats.hpp>

using namespace gantry;

namespace {

// max |a - b| / max |b|
double rel_error(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / scale;
}
std::vector<double> values(const Tensor<float, cpu>& t) {
  const auto v = t.to_vector();
  return {v.begin(), v.end()};
}

// Every parameter and buffer of a module, copied, by name.
template <class M>
std::map<std::string, std::vector<float>> state_of(M& m) {
  struct V : ParamVisitor<float, cpu> {
    std::map<std::string, std::vector<float>> out;
    void parameter(const std::string& name, Var<float, cpu>& p) override { out[name] = p.value().to_vector(); }
    void buffer(const std::string& name, Tensor<float, cpu>& b) override { out[name] = b.to_vector(); }
  } v;
  m.visit(v, "");
  return std::move(v.out);
}
template <class Model>
std::map<std::string, std::vector<float>> ema_state_of(Model& m) {
  std::map<std::string, std::vector<float>> out;
  m.nets.checkpoint_parts([&](const auto& prefix, auto& part) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(part)>, EMA<float, cpu>>) {
      CHECK(std::string(prefix) == "G_ema");
      part.visit_state([&](const std::string& name, Tensor<float, cpu>& t) { out[name] = t.to_vector(); });
    }
  });
  return out;
}

bool is_running_stat(const std::string& name) {
  const auto ends = [&](const std::string& s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".running_mean") || ends(".running_var");
}

using Model = models::biggan<Image<3, 32, 32>, Classes<10>, Width<4>>;
constexpr int64_t kBatches = 3, kBatch = 6;

// The mean over the draws of standing_statistics(…, rng(seed)) of the batch mean and biased
// batch variance of the first batch norm's input (G's SNLinear output as [B, 16, 4, 4]),
// computed in double from a twin of the model, whose spectral norm iterates as the one in the
// run does.
std::pair<std::vector<double>, std::vector<double>> first_bn_statistics(std::uint64_t seed, double truncation) {
  Model twin(models::biggan_hyper(), 7);
  auto& linear = std::get<0>(twin.nets.G.body.parts);
  Rng rng(seed);
  constexpr int C = 16, HW = 16;
  std::vector<double> mean(C, 0.0), var(C, 0.0);
  no_grad guard;
  for (int64_t k = 0; k < kBatches; ++k) {
    const auto z = truncation > 0 ? models::truncated_noise<float>(kBatch, 128, truncation, rng) : twin.nets.noise(kBatch, rng);
    twin.nets.random_labels(kBatch, rng);
    Context<float, cpu> ctx;
    ctx.training = true;
    const auto h = linear.forward(Var<float, cpu>(z), ctx).value().to_vector();  // [B, C*HW]
    for (int c = 0; c < C; ++c) {
      double s = 0, ss = 0;
      for (int64_t b = 0; b < kBatch; ++b)
        for (int i = 0; i < HW; ++i) {
          const double v = h[static_cast<std::size_t>((b * C + c) * HW + i)];
          s += v;
          ss += v * v;
        }
      const double n = static_cast<double>(kBatch * HW), m = s / n;
      mean[c] += m / kBatches;
      var[c] += (ss / n - m * m) / kBatches;
    }
  }
  return {mean, var};
}

std::string message_of(const auto& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST_CASE("standing statistics of one batch norm equal BigGAN-PyTorch's myBN and torch's momentum=None") {
  const io::TensorFile file = io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/models/standing_stats.safetensors");
  const auto batches = file.get<float>("batches");  // [K, N, C, H, W]
  const int64_t K = batches.shape()[0];
  Rng gen(0);
  Init init{gen};
  BatchNorm2d<Affine::off>::module<Image<4, 3, 3>, float, cpu> bn(init);
  bn.stats.running_mean = file.get<float>("running_mean_init").clone();
  bn.stats.running_var = file.get<float>("running_var_init").clone();
  const auto tracked = bn.num_batches_tracked.to_vector();
  {
    no_grad guard;
    batch_norm_standing standing;
    Context<float, cpu> ctx;  // training
    for (int64_t k = 0; k < K; ++k) {
      const auto x = batches.reshape({K, -1}).narrow0(k, k + 1).reshape({6, 4, 3, 3}).clone();
      bn.forward(Var<float, cpu>(x), ctx);
    }
    CHECK(standing.layers() == 1);
    CHECK(standing.rewrote(bn.stats.running_mean.data()));
    CHECK(standing.rewrote(bn.stats.running_var.data()));
    CHECK_FALSE(standing.rewrote(bn.num_batches_tracked.data()));
  }
  const double e_mean = rel_error(values(bn.stats.running_mean), values(file.get<float>("standing_mean")));
  const double e_var = rel_error(values(bn.stats.running_var), values(file.get<float>("standing_var")));
  MESSAGE("myBN standing mean rel. error ", e_mean, ", variance ", e_var);
  CHECK(e_mean <= 1e-5);
  CHECK(e_var <= 1e-5);
  // torch's cumulative average has the same mean and the unbiased variance: n/(n-1) times ours.
  const double n = 6 * 3 * 3;
  auto unbiased = values(bn.stats.running_var);
  for (auto& v : unbiased) v *= n / (n - 1);
  CHECK(rel_error(values(bn.stats.running_mean), values(file.get<float>("cumulative_mean"))) <= 1e-5);
  CHECK(rel_error(unbiased, values(file.get<float>("cumulative_var"))) <= 1e-5);
  // myBN's eval output with the standing statistics.
  {
    no_grad guard;
    Context<float, cpu> ctx;
    ctx.training = false;
    const auto y = bn.forward(Var<float, cpu>(file.get<float>("x_eval")), ctx).value();
    const double e_out = rel_error(values(y), values(file.get<float>("eval_output")));
    MESSAGE("myBN eval output rel. error ", e_out);
    CHECK(e_out <= 1e-5);
  }
  // The counter kept counting training forwards; outside the scope the momentum update is back.
  CHECK(bn.num_batches_tracked.to_vector()[0] == tracked[0] + static_cast<float>(K));
  const auto before_mean = bn.stats.running_mean.to_vector();
  const auto x0 = batches.reshape({K, -1}).narrow0(0, 1).reshape({6, 4, 3, 3}).clone();
  {
    no_grad guard;
    Context<float, cpu> ctx;
    bn.forward(Var<float, cpu>(x0), ctx);
  }
  const auto batch_mean = file.get<float>("batches").reshape({K, 6, 4, 9}).to_vector();
  for (int c = 0; c < 4; ++c) {
    double m = 0;
    for (int b = 0; b < 6; ++b)
      for (int i = 0; i < 9; ++i) m += batch_mean[static_cast<std::size_t>((b * 4 + c) * 9 + i)];
    m /= 54;
    CHECK(bn.stats.running_mean.to_vector()[c] == doctest::Approx(0.9 * before_mean[c] + 0.1 * m).epsilon(1e-5));
  }
}

TEST_CASE("standing_statistics on a BigGAN with EMA: the EMA's running statistics, nothing else") {
  Model m(models::biggan_hyper(), 7);
  REQUIRE(m.nets.has_ema());
  Rng zr(11);
  const auto z = m.nets.noise(4, zr);
  const std::vector<int64_t> y{0, 3, 5, 9};
  const auto before = m.sample(z, y).to_vector();
  const auto g_before = state_of(m.nets.G);
  const auto ema_before = ema_state_of(m);

  Rng rng(21);
  CHECK(models::standing_statistics(m, kBatches, kBatch, rng) == 7);  // 3 blocks x 2 ccbn + the output BN

  const auto [mean, var] = first_bn_statistics(21, 0);
  const auto ema_after = ema_state_of(m);
  const auto& got_mean = ema_after.at("blocks.2.bn1.running_mean");
  const auto& got_var = ema_after.at("blocks.2.bn1.running_var");
  const double e_mean = rel_error({got_mean.begin(), got_mean.end()}, mean);
  const double e_var = rel_error({got_var.begin(), got_var.end()}, var);
  MESSAGE("first ccbn: mean rel. error ", e_mean, ", variance ", e_var);
  CHECK(e_mean <= 1e-5);
  CHECK(e_var <= 1e-5);

  CHECK(state_of(m.nets.G) == g_before);  // the trained G: parameters and buffers
  int changed = 0;
  for (const auto& [name, v] : ema_after) {
    if (is_running_stat(name)) {
      changed += v != ema_before.at(name);
    } else {
      CHECK_MESSAGE(v == ema_before.at(name), name);  // parameters, SN u and sv, counters
    }
  }
  CHECK(changed == 14);
  const auto after = m.sample(z, y).to_vector();
  CHECK(after != before);
  CHECK(m.sample(z, y).to_vector() == after);  // sample() keeps using them
}

TEST_CASE("standing_statistics without EMA acts on G and restores its other buffers; truncated z") {
  auto h = models::biggan_hyper();
  h.ema_decay = 0;
  Model m(h, 7);
  REQUIRE_FALSE(m.nets.has_ema());
  Rng zr(11);
  const auto z = m.nets.noise(4, zr);
  const std::vector<int64_t> y{1, 2, 3, 4};
  const auto before = m.sample(z, y).to_vector();
  const auto g_before = state_of(m.nets.G);

  Rng rng(33);
  CHECK(models::standing_statistics(m.nets, kBatches, kBatch, rng, 0.5) == 7);

  const auto [mean, var] = first_bn_statistics(33, 0.5);
  const auto g_after = state_of(m.nets.G);
  const auto& got_mean = g_after.at("blocks.2.bn1.running_mean");
  const auto& got_var = g_after.at("blocks.2.bn1.running_var");
  CHECK(rel_error({got_mean.begin(), got_mean.end()}, mean) <= 1e-5);
  CHECK(rel_error({got_var.begin(), got_var.end()}, var) <= 1e-5);
  for (const auto& [name, v] : g_after)
    if (!is_running_stat(name)) CHECK_MESSAGE(v == g_before.at(name), name);
  CHECK(m.sample(z, y).to_vector() != before);
}

TEST_CASE("standing_statistics: bad arguments") {
  auto h = models::biggan_hyper();
  h.ema_decay = 0;
  Model m(h, 7);
  const auto g_before = state_of(m.nets.G);
  Rng rng(1);
  CHECK(message_of([&] { models::standing_statistics(m, 0, 8, rng); }) ==
        "standing_statistics: batches must be >= 1, got 0");
  CHECK(message_of([&] { models::standing_statistics(m, 2, 0, rng); }) ==
        "standing_statistics: batch_size must be >= 1, got 0");
  CHECK(message_of([&] { models::standing_statistics(m, 2, 8, rng, -1.0); }) ==
        "standing_statistics: truncation must be >= 0 (0: plain normal z), got -1");
  CHECK(state_of(m.nets.G) == g_before);
}
