// One WGAN-GP training step of the paper's CIFAR ResNet (models::wgan_gp_resnet<Image<3, 32,
// 32>>, Dim 128: G 1,204,483 and D 1,053,825 parameters), fp32, as models::wgan_gp runs it:
//   BM_WganGpCriticStep     d_step: fakes from G (no tape), D on the real and the fake batch,
//                           the gradient penalty (D's input gradient with create_graph, so the
//                           backward is a double backward), backward, Adam on D.
//   BM_WganGpGeneratorStep  g_step: G forward, D forward (D's weights frozen), backward through
//                           D into G, Adam on G.
// Both at batch N (default 64): the critic batch is hyper.batch_size and the generator batch
// hyper.g_batch_size, which is set to N here too (gan_cifar_resnet.py uses 2N = 128 for G).
// The real batch is uniform noise in [-1, 1] (the step's cost does not depend on the data).
// bench/wgan_gp_step.py is the same step in PyTorch; bench/compare_pytorch.py --suite wgan-gp
// runs the two interleaved.
//
// Each (step, N) keeps one model for the whole process and takes two untimed steps first (the
// caching allocator and the kernels' scratch warm up), so with --benchmark_repetitions=R and
// a small --benchmark_min_time every repetition times one warm step:
//   bench_wgan_gp_step [--threads=N] --benchmark_repetitions=5 --benchmark_min_time=0.01
#include <gantry/autograd.hpp>
#include <gantry/data/loader.hpp>
#include <gantry/models/wgan_gp.hpp>
#include <gantry/models/wgan_nets.hpp>
#include <map>
#include <memory>
#include <vector>

#include "bench_common.hpp"

using namespace gantry;

namespace {

using Model = models::wgan_gp<Image<3, 32, 32>>;

struct Fixture {
  Model model;
  Rng rng{2};
  std::vector<data::Batch> real;

  explicit Fixture(int64_t n) : model(hyper(n), 1) {
    real.emplace_back();
    real.back().images = rand<float, cpu>(Shape{n, 3, 32, 32}, rng, -1.0f, 1.0f);
    for (int i = 0; i < 2; ++i) {
      model.d_step(real, rng);
      model.g_step(1, rng);
    }
  }

  static models::WganGpHyper hyper(int64_t n) {
    models::WganGpHyper h;
    h.batch_size = n;
    h.g_batch_size = n;  // the benchmark's choice: both steps at batch N
    return h;
  }
};

// One warm model per batch size, shared by both benchmarks and all repetitions.
Fixture& fixture(int64_t n) {
  static std::map<int64_t, std::unique_ptr<Fixture>> cache;
  auto& f = cache[n];
  if (!f) f = std::make_unique<Fixture>(n);
  return *f;
}

void BM_WganGpCriticStep(benchmark::State& state) {
  Fixture& f = fixture(state.range(0));
  for (auto _ : state) {
    const auto losses = f.model.d_step(f.real, f.rng);
    benchmark::DoNotOptimize(losses.data());
  }
}

void BM_WganGpGeneratorStep(benchmark::State& state) {
  Fixture& f = fixture(state.range(0));
  for (auto _ : state) {
    const auto losses = f.model.g_step(1, f.rng);
    benchmark::DoNotOptimize(losses.data());
  }
}

}  // namespace

BENCHMARK(BM_WganGpCriticStep)->ArgName("N")->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WganGpGeneratorStep)->ArgName("N")->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) { return bench::run_main(argc, argv); }
