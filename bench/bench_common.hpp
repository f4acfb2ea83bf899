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

}  // namespace gantry::bench
