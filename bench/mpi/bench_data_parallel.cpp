// Data-parallel step times: the same global batch trained by one process or split over the
// processes of `mpirun -np N` (each on batch / N rows, gradients averaged by MPI), so that
//   mpirun -np 2 bench_data_parallel --threads=1      (2 processes x 1 thread)
//   bench_data_parallel --threads=2                   (1 process x 2 threads)
// time the same work on a 2-core machine. Steps (batch 64 in all, fp32, warm models):
//   wgan-gp/d, wgan-gp/g   models::wgan_gp<Image<3, 32, 32>> (Width 128), the critic
//                          step (with the gradient penalty) and the generator step
//   biggan/d, biggan/g     models::biggan<Image<3, 32, 32>, Classes<10>, Width<64>> (the CIFAR script)
// and the all-reduce itself (MPI_Allreduce of float sums, in place) on 1, 4, 16 and 64 MiB, as
// bytes per second of buffer. Every benchmark runs a fixed number of iterations, so that all
// processes make the same collective calls; rank 0 alone prints.
//   counters: comm_MiB = the gradient bytes one rank all-reduces in that step
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <gantry/core/parallel.hpp>
#include <gantry/distributed/mpi.hpp>
#include <gantry/models/biggan.hpp>
#include <gantry/models/wgan_gp.hpp>
#include <gantry/models/wgan_nets.hpp>
#include <gantry/optim/params.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

using namespace gantry;

namespace {

distributed::MpiGroup* world = nullptr;
constexpr int64_t batch = 64;  // all processes together
constexpr int classes = 10;

template <class Model>
struct Fixture {
  Model model;
  Rng rng{2};
  std::vector<data::Batch> real;

  explicit Fixture(typename Model::Hyper h) : model(h, 1) {
    model.nets.set_group(world, false);
    data::Batch all;
    Rng r(3);
    all.images = rand<float, cpu>(Shape{batch, 3, 32, 32}, r, -1.0f, 1.0f);
    for (int64_t i = 0; i < batch; ++i) all.labels.push_back(i % classes);
    real.push_back({rank_rows(all.images, world, "bench"), rank_rows(all.labels, world, "bench"), {}, {}});
    for (int i = 0; i < 2; ++i) {
      model.d_step(real, rng);
      model.g_step(1, rng);
    }
  }
};

template <class M>
double parameter_mib(M& m) {
  int64_t n = 0;
  for (const auto& p : named_parameters<float, cpu>(m)) n += p.var.numel();
  return static_cast<double>(n) * 4.0 / (1024.0 * 1024.0);
}

template <class Model>
void register_model(const std::string& name, typename Model::Hyper h) {
  static std::unique_ptr<Fixture<Model>> f;
  const auto get = [h]() -> Fixture<Model>& {
    if (!f) f = std::make_unique<Fixture<Model>>(h);
    return *f;
  };
  benchmark::RegisterBenchmark((name + "/d").c_str(), [get](benchmark::State& state) {
    auto& x = get();
    for (auto _ : state) benchmark::DoNotOptimize(x.model.d_step(x.real, x.rng).data());
    state.counters["comm_MiB"] = parameter_mib(x.model.nets.D);
  })->Iterations(2)->Repetitions(2)->ReportAggregatesOnly(true)->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((name + "/g").c_str(), [get](benchmark::State& state) {
    auto& x = get();
    for (auto _ : state) benchmark::DoNotOptimize(x.model.g_step(1, x.rng).data());
    state.counters["comm_MiB"] = parameter_mib(x.model.nets.G);
  })->Iterations(2)->Repetitions(2)->ReportAggregatesOnly(true)->UseRealTime()->Unit(benchmark::kMillisecond);
}

void BM_AllReduce(benchmark::State& state) {
  std::vector<float> v(static_cast<std::size_t>(state.range(0)) * 1024 * 1024 / 4, 1.0f);
  for (auto _ : state) world->all_reduce_sum(std::span<float>(v));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(v.size() * 4));
}

}  // namespace

int main(int argc, char** argv) {
  distributed::MpiSession mpi(&argc, &argv);
  distributed::MpiGroup group;
  world = &group;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0)
      set_num_threads(std::atoi(argv[i] + 10));
    else
      argv[kept++] = argv[i];
  }
  argc = kept;
  if (group.rank() != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) return 1;
  benchmark::AddCustomContext("processes", std::to_string(group.size()));
  benchmark::AddCustomContext("gantry_threads", std::to_string(num_threads()));
  benchmark::AddCustomContext("mpi", group.describe());

  models::WganGpHyper w;
  w.batch_size = w.g_batch_size = batch;
  register_model<models::wgan_gp<Image<3, 32, 32>>>("wgan-gp", w);
  auto b = models::biggan_hyper();
  b.batch_size = batch;
  register_model<models::biggan<Image<3, 32, 32>, Classes<classes>, Width<64>>>("biggan", b);
  benchmark::RegisterBenchmark("allreduce_MiB", BM_AllReduce)
      ->Arg(1)->Arg(4)->Arg(16)->Arg(64)->Iterations(20)->UseRealTime()->Unit(benchmark::kMillisecond);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
