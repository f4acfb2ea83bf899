#pragma once
// Shared by the benchmark programs: `--threads=N` (or GANTRY_NUM_THREADS) picks the
// thread count; the rest of the command line goes to Google Benchmark.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <gantry/core/parallel.hpp>
#include <gantry/nn/model.hpp>
#include <string>

namespace gantry::bench {

inline int run_main(int argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      set_num_threads(std::atoi(argv[i] + 10));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::AddCustomContext("gantry_threads", std::to_string(num_threads()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// flops per iteration reported as GFLOP/s.
inline void set_gflops(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The G_params and D_params counters of a model's nets (checked against PyTorch's counts by
// the Python side of a comparison).
template <class Model>
void report_parameters(benchmark::State& state, Model& model) {
  const auto count = [](auto& m) {
    int64_t n = 0;
    for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float>& p) { n += p.numel(); });
    return static_cast<double>(n);
  };
  state.counters["G_params"] = count(model.nets.G);
  state.counters["D_params"] = count(model.nets.D);
}

// BM_DStep/<name> and BM_GStep/<name>: one d_step(real, rng) / g_step(1, rng) per iteration
// of the warm model that `fixture()` returns (a reference to an object with `model`, `real`,
// `rng` and report(state)), in milliseconds of real time.
template <class GetFixture>
void register_steps(const std::string& name, GetFixture fixture) {
  benchmark::RegisterBenchmark(("BM_DStep/" + name).c_str(),
                               [fixture](benchmark::State& state) {
                                 auto& f = fixture();
                                 for (auto _ : state) benchmark::DoNotOptimize(f.model.d_step(f.real, f.rng).data());
                                 f.report(state);
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark(("BM_GStep/" + name).c_str(),
                               [fixture](benchmark::State& state) {
                                 auto& f = fixture();
                                 for (auto _ : state) benchmark::DoNotOptimize(f.model.g_step(1, f.rng).data());
                                 f.report(state);
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

}  // namespace gantry::bench
