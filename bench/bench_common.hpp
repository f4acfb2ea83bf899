#pragma once
// Shared by the benchmark programs: `--threads=N` (or GANTRY_NUM_THREADS) picks the
// thread count; the rest of the command line goes to Google Benchmark. The reporting helpers
// are the public ones (gantry/bench/steps.hpp), which users' benchmarks use too.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <gantry/bench/steps.hpp>  // set_gflops, report_parameters, register_steps, ModelSteps
#include <gantry/core/parallel.hpp>
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

}  // namespace gantry::bench
