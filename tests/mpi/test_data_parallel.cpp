// Data-parallel training over MPI, run as `mpirun -np 2 test_data_parallel` (CTest does).
// Each rank runs every case; the cases compare 2 ranks, each with half of a batch, against
// one process with the whole batch (which every rank also computes by itself).
//
// Only CHECKs here (no REQUIRE): a case that stopped early on one rank only would leave the
// other waiting in a collective.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gantry/autograd.hpp"
#include "gantry/data/loader.hpp"
#include "gantry/data/toy_stream.hpp"
#include "gantry/distributed/mpi.hpp"
#include "gantry/io/safetensors.hpp"
#include "gantry/models/csgan.hpp"
#include "gantry/models/dcgan.hpp"
#include "gantry/models/wgan_gp.hpp"
#include "gantry/models/wgan_nets.hpp"
#include "gantry/train/trainer.hpp"

using namespace gantry;
namespace fs = std::filesystem;

namespace {

distributed::MpiGroup* world = nullptr;

using Toy = models::wgan_gp<Vector<2>, Width<32>>;
using Dcgan = models::dcgan<Image<1, 32, 32>, Latent<16>, Width<8>>;

// Every parameter and buffer of G and D by name.
template <class Model>
std::map<std::string, std::vector<float>> state_of(Model& m) {
  struct V : ParamVisitor<float, cpu> {
    std::map<std::string, std::vector<float>> out;
    void parameter(const std::string& n, Var<float, cpu>& p) override { buffer(n, p.value()); }
    void buffer(const std::string& n, Tensor<float, cpu>& b) override { out[n] = b.to_vector(); }
  } v;
  m.nets.G.visit(v, "G");
  m.nets.D.visit(v, "D");
  return v.out;
}

// The largest difference of any tensor relative to that tensor's largest value.
double worst_relative(const std::map<std::string, std::vector<float>>& a,
                      const std::map<std::string, std::vector<float>>& b, std::string* where = nullptr) {
  double worst = 0;
  for (const auto& [name, x] : a) {
    const std::vector<float>& y = b.at(name);
    double diff = 0, scale = 1e-12;
    for (std::size_t i = 0; i < x.size(); ++i) {
      diff = std::max(diff, std::abs(double(x[i]) - double(y[i])));
      scale = std::max(scale, std::abs(double(y[i])));
    }
    if (diff / scale > worst) {
      worst = diff / scale;
      if (where) *where = name;
    }
  }
  return worst;
}

data::Batch rows(const data::Batch& b) {
  return {rank_rows(b.images, world, "test"), rank_rows(b.labels, world, "test"), {}, {}};
}

// One D step and one G step of `Model` on `batch`: by one process, and by the ranks on their rows.
template <class Model>
void one_step_each(const typename Model::Hyper& h, const data::Batch& batch, bool sync_bn, double& worst,
                   std::string& where, double& loss_gap) {
  Model single(h, 11), parallel(h, 11);
  parallel.nets.set_group(world, sync_bn);
  Rng r1(5), r2(5);
  const data::Batch all[1] = {batch};
  const data::Batch mine[1] = {rows(batch)};
  const auto l1 = single.d_step(all, r1);
  const auto l2 = parallel.d_step(mine, r2);
  const auto g1 = single.g_step(1, r1);
  const auto g2 = parallel.g_step(1, r2);
  worst = worst_relative(state_of(parallel), state_of(single), &where);
  loss_gap = std::max(std::abs(l1[0].second - l2[0].second) / std::max(1e-9, std::abs(l1[0].second)),
                      std::abs(g1[0].second - g2[0].second) / std::max(1e-9, std::abs(g1[0].second)));
}

data::Batch images(int64_t n, std::uint64_t seed) {
  Rng r(seed);
  data::Batch b;
  b.images = ops::add_scalar(ops::mul_scalar(rand<float, cpu>(Shape{n, 1, 32, 32}, r), 2.0f), -1.0f);
  return b;
}

// A directory every rank uses (so not tests/temp_dir.hpp's, which is per process): rank 0
// empties it and removes it, the others wait for that.
struct SharedDir {
  fs::path p;
  explicit SharedDir(const std::string& name) : p(fs::temp_directory_path() / ("gantry_test_dp_" + name)) {
    if (world->rank() == 0) fs::remove_all(p);
    double sync = 0;
    world->all_reduce_sum(std::span<double>(&sync, 1));  // nobody uses it before it is empty
  }
  ~SharedDir() {
    double sync = 0;
    world->all_reduce_sum(std::span<double>(&sync, 1));
    if (world->rank() == 0) fs::remove_all(p);
  }
  std::string str() const { return p.string(); }
};

models::WganGpHyper toy_hyper() {
  auto h = models::WganGpHyper::toy();
  h.batch_size = h.g_batch_size = 32;
  h.n_critic = 2;
  return h;
}

// The toy WGAN-GP trained to `steps` in `dir` by the processes of `group` (null: this one alone).
train::TrainResult train_toy(const ProcessGroup* group, const std::string& dir, int64_t steps, bool resume,
                             models::WganGpHyper h = toy_hyper()) {
  Toy model(h, train::derive_seed(7, train::init_stream));
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 32, Rng(train::derive_seed(7, train::data_stream)));
  train::TrainerOptions o;
  o.steps = steps;
  o.out_dir = dir;
  o.seed = 7;
  o.log_every = 1;
  o.checkpoint_every = 0;
  o.show_progress = false;
  o.stop_on_signals = false;
  o.resume = resume;
  o.group = group;
  train::Trainer trainer(model, stream, o, io::json::Object{{"data", "8gaussians"}});
  return trainer.run();
}

std::map<std::string, std::vector<float>> checkpoint_tensors(const std::string& file) {
  std::map<std::string, std::vector<float>> out;
  const auto f = io::read_safetensors(file);
  for (const auto& [name, e] : f.tensors) {
    if (e.dtype != io::DType::F32) continue;
    std::vector<float> v(e.bytes.size() / sizeof(float));
    std::memcpy(v.data(), e.bytes.data(), e.bytes.size());
    out[name] = v;
  }
  return out;
}

}  // namespace

TEST_CASE("MpiGroup: its communicator, and split into groups of one") {
  int size = 0;
  MPI_Comm_size(world->comm(), &size);
  CHECK(size == world->size());
  // Each rank alone: a group of one whose sum is its own value.
  const distributed::MpiGroup alone = world->split(world->rank());
  CHECK(alone.size() == 1);
  CHECK(alone.rank() == 0);
  double v = world->rank() + 1.0;
  alone.all_reduce_sum(std::span<double>(&v, 1));
  CHECK(v == world->rank() + 1.0);
  // Both ranks together (one colour): the sum over the world.
  const distributed::MpiGroup both = world->split(0);
  CHECK(both.size() == world->size());
  double w = 1.0;
  both.all_reduce_sum(std::span<double>(&w, 1));
  CHECK(w == world->size());
}

TEST_CASE("synchronised normalisation: values, first and second derivatives are one process's (double)") {
  // normalize over the whole batch in one process, against global_moments + sync_normalize on
  // each rank's rows; L = sum(w * y), its gradient g, and the gradient of sum(g * g).
  Rng r(1);
  const Tensor<double, cpu> X = randn<double, cpu>(Shape{8, 3, 2, 2}, r);
  const Tensor<double, cpu> W = randn<double, cpu>(Shape{8, 3, 2, 2}, r);
  const std::vector<int> axes{0, 2, 3};
  const double eps = 1e-5;

  Var<double, cpu> xs(X, true);
  const auto ys = normalize(xs, axes, eps);
  const auto gs = grad(std::vector{sum(mul(ys, Var<double, cpu>::constant(W)))}, std::vector{xs}, {},
                       GradOptions{.create_graph = true})[0];
  const auto hs = grad(std::vector{sum(mul(gs, gs))}, std::vector{xs})[0];

  Var<double, cpu> xp(rank_rows(X, world, "test").clone(), true);
  const auto m = global_moments(xp, axes, *world);
  CHECK(m.count == 8 * 2 * 2);
  const auto yp = sync_normalize(xp, m, eps);
  const auto gp = grad(std::vector{sum(mul(yp, Var<double, cpu>::constant(rank_rows(W, world, "test").clone())))},
                       std::vector{xp}, {}, GradOptions{.create_graph = true})[0];
  const auto hp = grad(std::vector{sum(mul(gp, gp))}, std::vector{xp})[0];

  const auto gap = [](const Tensor<double, cpu>& a, const Tensor<double, cpu>& b) {
    double d = 0, s = 1e-300;
    const auto x = a.to_vector(), y = b.to_vector();
    for (std::size_t i = 0; i < x.size(); ++i) {
      d = std::max(d, std::abs(x[i] - y[i]));
      s = std::max(s, std::abs(y[i]));
    }
    return d / s;
  };
  const double e0 = gap(yp.value(), rank_rows(ys.value(), world, "test"));
  const double e1 = gap(gp.value(), rank_rows(gs.value(), world, "test"));
  const double e2 = gap(hp.value(), rank_rows(hs.value(), world, "test"));
  MESSAGE("sync_normalize vs normalize on the whole batch: values ", e0, ", gradient ", e1, ", second order ", e2);
  CHECK(e0 < 1e-12);
  CHECK(e1 < 1e-10);
  CHECK(e2 < 1e-10);
  CHECK(gap(hs.value(), Tensor<double, cpu>::zeros(hs.shape())) > 1e-3);  // (the check can fail)
}

TEST_CASE("WGAN-GP: one step on 2 ranks equals one process with the whole batch (penalty included)") {
  // 2-D points: the toy critic; each rank draws all rows' noise and alphas and keeps its own.
  Rng r(3);
  data::Batch batch;
  batch.images = randn<float, cpu>(Shape{32, 2}, r);
  double worst = 0, gap = 0;
  std::string where;
  one_step_each<Toy>(toy_hyper(), batch, false, worst, where, gap);
  MESSAGE("WGAN-GP toy, 2 ranks vs 1 process: worst relative difference ", worst, " (", where, "), losses ", gap);
  CHECK(worst < 1e-5);
  CHECK(gap < 1e-5);
}

TEST_CASE("DCGAN (batch norm in G and D): synchronised batch norm equals one process; per-rank does not") {
  models::AdamGanHyper h;
  h.batch_size = 16;
  const data::Batch batch = images(16, 9);
  double worst = 0, gap = 0;
  std::string where;
  one_step_each<Dcgan>(h, batch, true, worst, where, gap);
  MESSAGE("DCGAN, synchronised batch norm: worst relative difference ", worst, " (", where, "), losses ", gap);
  CHECK(worst < 1e-5);  // parameters and running statistics
  CHECK(gap < 1e-5);
  one_step_each<Dcgan>(h, batch, false, worst, where, gap);
  MESSAGE("DCGAN, per-rank batch norm: worst relative difference ", worst, " (", where, ")");
  CHECK(worst > 1e-3);  // each rank normalises its own 8 images: a different model
}

TEST_CASE("CSGAN (translator, history pools): two iterations on 2 ranks match one process") {
  // Small nets of the official layout; pools of 6 with batches of 4, so the second iteration
  // already draws from a full pool. Compared: the second iteration's gradients (a bias before
  // an instance norm has a gradient of ~0 and Adam moves it by lr * its sign, which rounding
  // may flip, and which the norm then removes: so gradients, not weights), the pools, the losses.
  using Nets = models::cycle_nets<Image<1, 16, 16>, Image<1, 16, 16>, 4, 4, 2, 2>;
  using Csgan = models::Translation<Nets, models::CsganPaper>;
  models::CycleHyper h = Csgan::paper_hyper();
  h.batch_size = 4;
  h.pool_size = 6;
  Csgan single(h, 3), parallel(h, 3);
  parallel.set_group(world, false);
  Rng r1(4), r2(4), data(5);
  double loss_gap = 0;
  for (int it = 0; it < 2; ++it) {
    data::Batch b;
    b.images = randn<float, cpu>(Shape{4, 1, 16, 16}, data);
    b.targets = randn<float, cpu>(Shape{4, 1, 16, 16}, data);
    data::Batch mine{rank_rows(b.images, world, "test"), {}, {}, rank_rows(b.targets, world, "test")};
    const auto l1 = single.step(std::span<const data::Batch>(&b, 1), r1);
    const auto l2 = parallel.step(std::span<const data::Batch>(&mine, 1), r2);
    for (std::size_t i = 0; i < l1.size(); ++i)
      loss_gap = std::max(loss_gap, std::abs(l1[i].second - l2[i].second) / std::max(1e-6, std::abs(l1[i].second)));
  }
  const auto grads = [](auto& m) {
    std::map<std::string, std::vector<float>> out;
    const auto add = [&](auto& net, const std::string& prefix) {
      for (const auto& p : named_parameters<float, cpu>(net, prefix))
        if (p.var.grad().defined()) out[p.name] = p.var.grad().value().to_vector();
    };
    add(m.G_A, "G_A");
    add(m.G_B, "G_B");
    add(m.D_A, "D_A");
    add(m.D_B, "D_B");
    return out;
  };
  const auto g1 = grads(single), g2 = grads(parallel);
  // Tensors of ~0 gradients (below 1e-3 of the largest: the biases before instance norms)
  // are held to an absolute 1e-6 of the largest gradient, the others to 1e-5 of their own.
  double worst = 0, worst_zero = 0, top = 0;
  std::string where;
  for (const auto& [n, g] : g1)
    for (float x : g) top = std::max(top, double(std::abs(x)));
  for (const auto& [n, g] : g1) {
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < g.size(); ++i) {
      diff = std::max(diff, std::abs(double(g[i]) - double(g2.at(n)[i])));
      scale = std::max(scale, std::abs(double(g[i])));
    }
    if (scale < 1e-3 * top)
      worst_zero = std::max(worst_zero, diff / top);
    else if (diff / scale > worst)
      worst = diff / scale, where = n;
  }
  std::map<std::string, std::vector<float>> pools1, pools2;
  struct V : ParamVisitor<float, cpu> {
    std::map<std::string, std::vector<float>>* out;
    void parameter(const std::string&, Var<float, cpu>&) override {}
    void buffer(const std::string& n, Tensor<float, cpu>& b) override { (*out)[n] = b.to_vector(); }
  } v1, v2;
  v1.out = &pools1;
  v2.out = &pools2;
  single.pool_a.visit(v1, "a"), single.pool_b.visit(v1, "b");
  parallel.pool_a.visit(v2, "a"), parallel.pool_b.visit(v2, "b");
  std::string pool_where;
  const double pools = worst_relative(pools2, pools1, &pool_where);
  MESSAGE("CSGAN, 2 ranks vs 1 process after 2 iterations: gradients ", worst, " (", where, "), ~0 gradients ",
          worst_zero, " of the largest, pools ", pools, ", losses ", loss_gap);
  CHECK(worst < 1e-5);
  CHECK(worst_zero < 1e-6);
  CHECK(pools < 1e-5);
  CHECK(pools1.at("b.count") == std::vector<float>{6});
  CHECK(loss_gap < 1e-5);
}

TEST_CASE("the trainer: rank 0 writes; resume 2 -> 2 is bit for bit, 2 -> 1 and 1 process match 2 ranks") {
  SharedDir straight("straight"), halves("halves"), alone("alone"), single("single");
  train_toy(world, straight.str(), 4, false);
  train_toy(world, halves.str(), 2, false);
  train_toy(world, halves.str(), 4, true);
  // The same 2-step start, continued by one process (rank 0 alone, the others wait).
  train_toy(world, alone.str(), 2, false);
  if (world->rank() == 0) {
    train_toy(nullptr, alone.str(), 4, true);
    train_toy(nullptr, single.str(), 4, false);
    const auto a = checkpoint_tensors(straight.str() + "/checkpoint.safetensors");
    const auto b = checkpoint_tensors(halves.str() + "/checkpoint.safetensors");
    CHECK(a.size() > 10);
    CHECK(a == b);  // bit for bit
    std::string where;
    const double one = worst_relative(checkpoint_tensors(alone.str() + "/checkpoint.safetensors"), a, &where);
    MESSAGE("2 ranks -> checkpoint -> 1 process, vs 2 ranks throughout: ", one, " (", where, ")");
    CHECK(one < 1e-4);
    const double whole = worst_relative(checkpoint_tensors(single.str() + "/checkpoint.safetensors"), a, &where);
    MESSAGE("1 process throughout vs 2 ranks: ", whole, " (", where, ")");
    CHECK(whole < 1e-4);
    CHECK(fs::exists(straight.str() + "/log.jsonl"));
  }
}

TEST_CASE("ranks that disagree stop with an error naming the difference, not a hang") {
  SharedDir dir("disagree");
  auto h = toy_hyper();
  if (world->rank() == 1) h.lambda = 1.0;
  std::string message;
  try {
    train_toy(world, dir.str(), 2, false, h);
  } catch (const Error& e) {
    message = e.what();
  }
  if (world->rank() == 0) MESSAGE(message);
  CHECK(message.find("the processes disagree about the hyper-parameters") != std::string::npos);
  CHECK(message.find("rank 1 has") != std::string::npos);
  SharedDir odd("odd");
  auto o = toy_hyper();
  o.g_batch_size = 33;
  CHECK_THROWS_WITH_AS(train_toy(world, odd.str(), 2, false, o), doctest::Contains("does not split evenly over 2"),
                       Error);
}

int main(int argc, char** argv) {
  distributed::MpiSession mpi(&argc, &argv);
  distributed::MpiGroup group;
  world = &group;
  if (group.size() != 2) {
    std::fprintf(stderr, "test_data_parallel: run it as `mpirun -np 2 test_data_parallel` (found %d processes)\n",
                 group.size());
    return 2;
  }
  if (group.rank() == 0) std::printf("%s\n", group.describe().c_str());
  doctest::Context ctx(argc, argv);
  double failed = ctx.run() != 0 ? 1.0 : 0.0;
  group.all_reduce_sum(std::span<double>(&failed, 1));
  return failed > 0 ? 1 : 0;
}
