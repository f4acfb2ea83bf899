// One CSGAN iteration as models::csgan runs it with the paper's hyper-parameters
// (models::CsganPaper: least squares, cycle λ 10, cyclic-synthesized μ 30, Adam 2e-4
// (0.5, 0.999), history pools of 50, N(0, 0.02) weights), fp32:
//   BM_Step/<case>  step(batch, rng): the G step (fake_b = G_A(a), fake_a = G_B(b), rec_a,
//                   rec_b, both PatchGANs on the fakes with their weights frozen, the LSGAN,
//                   cycle and cyclic-synthesized terms, backward, Adam on both generators),
//                   then the D step (each fake batch through its pool, each D on its real and
//                   pooled fake batch, backward, Adam on both discriminators).
// Both pools are filled (50 random images each) and one iteration is run before timing, so the
// timed iterations include the pools' random swaps. Cases:
//   csgan256  csgan<Image<3, 256, 256>>: the paper's nets (ngf 64, 9 residual blocks, the
//             3-layer 70x70 PatchGAN, ndf 64), batch 1 (the paper's)
//   csgan32   csgan<Image<1, 32, 32>, Image<1, 32, 32>, 16, 16, 6, 2>: the nets of
//             examples/csgan_fashion_mnist.cpp, batch 4
// Parameter counts are reported as G_params (G_A + G_B) and D_params (D_A + D_B);
// bench/csgan_steps.py is the same work with pytorch-CycleGAN-and-pix2pix's modules and checks
// that its nets have these counts. bench/compare_pytorch.py --suite csgan runs the two
// interleaved.
//   bench_csgan_steps [--threads=N] --benchmark_min_time=0.01 --benchmark_repetitions=3
#include <gantry/autograd.hpp>
#include <gantry/data/loader.hpp>
#include <gantry/models/csgan.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"

using namespace gantry;

namespace {

template <class Model>
struct Fixture {
  using A = typename Model::ImageA;
  using B = typename Model::ImageB;
  Model model;
  Rng rng{2};
  std::vector<data::Batch> batches;

  explicit Fixture(int64_t batch) : model(sized(batch), 1) {
    data::Batch b;
    b.images = rand<float, cpu>(Shape{batch, A::channels, A::height, A::width}, rng, -1.0f, 1.0f);
    b.targets = rand<float, cpu>(Shape{batch, B::channels, B::height, B::width}, rng, -1.0f, 1.0f);
    batches.push_back(b);
    for (int64_t i = 0; i < model.pool_a.capacity(); ++i)
      model.pool_a.query(rand<float, cpu>(Shape{1, A::channels, A::height, A::width}, rng, -1.0f, 1.0f), rng);
    for (int64_t i = 0; i < model.pool_b.capacity(); ++i)
      model.pool_b.query(rand<float, cpu>(Shape{1, B::channels, B::height, B::width}, rng, -1.0f, 1.0f), rng);
    model.step(batches, rng);
  }

  static typename Model::Hyper sized(int64_t batch) {
    typename Model::Hyper h = Model::paper_hyper();
    h.batch_size = batch;
    return h;
  }

  template <class M>
  static double count(M& m) {
    int64_t n = 0;
    for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float>& p) { n += p.numel(); });
    return static_cast<double>(n);
  }

  void report(benchmark::State& state) {
    state.counters["G_params"] = count(model.G_A) + count(model.G_B);
    state.counters["D_params"] = count(model.D_A) + count(model.D_B);
  }
};

template <class Model>
Fixture<Model>& fixture(int64_t batch) {
  static std::unique_ptr<Fixture<Model>> f;
  if (!f) f = std::make_unique<Fixture<Model>>(batch);
  return *f;
}

template <class Model>
void register_case(const std::string& name, int64_t batch) {
  benchmark::RegisterBenchmark(("BM_Step/" + name).c_str(),
                               [batch](benchmark::State& state) {
                                 auto& f = fixture<Model>(batch);
                                 for (auto _ : state) benchmark::DoNotOptimize(f.model.step(f.batches, f.rng));
                                 f.report(state);
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  register_case<models::csgan<Image<3, 256, 256>>>("csgan256", 1);
  register_case<models::csgan<Image<1, 32, 32>, Width<16>, ResidualBlocks<6>, PatchLayers<2>>>("csgan32", 4);
  return bench::run_main(argc, argv);
}
