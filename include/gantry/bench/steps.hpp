#pragma once
// Timing your own parts and models with Google Benchmark, reported the way gantry's benchmarks
// (bench/) and `gantry bench` report: milliseconds of wall-clock time per iteration, GFLOP/s
// where the work's FLOP count is known, the nets' parameter counts.
//
//   #include <gantry/bench/steps.hpp>           // link benchmark::benchmark (libbenchmark-dev)
//   gantry::bench::register_model_steps<MyModel>("mine", hyper);   // BM_DStep/mine, BM_GStep/mine
//   benchmark::RegisterBenchmark("my_part", [](benchmark::State& s) {
//     for (auto _ : s) ...;
//     gantry::bench::set_gflops(s, flops_per_iteration);
//   });
//   // then benchmark::Initialize, RunSpecifiedBenchmarks as usual
//
// A model step is timed on a warm model (one untimed D and G step first: the caching
// allocator and the kernels' scratch warm up) and a batch of random images in [-1, 1] of the
// generator's shape, with labels cycling through its classes.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/factories.hpp"
#include "../data/loader.hpp"
#include "../nn/framework/model.hpp"

namespace gantry::bench {

// flops per iteration, reported as the counter GFLOP/s.
inline void set_gflops(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The counters G_params and D_params of a model's nets.
template <class Model>
void report_parameters(benchmark::State& state, Model& model) {
  const auto count = [](auto& m) {
    int64_t n = 0;
    for_each_parameter<typename Model::Pair::value_type, cpu>(
        m, [&](const std::string&, auto& p) { n += p.numel(); });
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

// A warm model of the step template (models::Gan) and a batch of random real images at its
// batch size for its steps.
template <class Model>
struct ModelSteps {
  Model model;
  Rng rng{2};
  std::vector<data::Batch> real;

  explicit ModelSteps(const typename Model::Hyper& h, std::uint64_t seed = 1) : model(h, seed) {
    using Out = typename Model::Pair::GNet::output;
    constexpr int K = Model::Pair::num_classes;
    check(Model::Pair::feature_size == 0, "bench::ModelSteps: ", Model::name,
          " is instance-conditioned: its steps need an instance set (set_instances) and paired batches");
    const int64_t n = model.batch_size();
    data::Batch b;
    b.images = rand<float, cpu>(Out::runtime(n), rng, -1.0f, 1.0f);
    if constexpr (K > 0)
      for (int64_t i = 0; i < n; ++i) b.labels.push_back(i % K);
    real.push_back(std::move(b));
    model.d_step(real, rng);
    model.g_step(1, rng);
  }
  void report(benchmark::State& state) { report_parameters(state, model); }
};

// BM_DStep/<name> and BM_GStep/<name> of a Model with hyper-parameters `h` (made, and warmed,
// when one of them first runs; shared by both and by every repetition).
template <class Model>
void register_model_steps(const std::string& name, typename Model::Hyper h) {
  auto made = std::make_shared<std::unique_ptr<ModelSteps<Model>>>();
  register_steps(name, [made, h]() -> ModelSteps<Model>& {
    if (!*made) *made = std::make_unique<ModelSteps<Model>>(h);
    return **made;
  });
}

}  // namespace gantry::bench
