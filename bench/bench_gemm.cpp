// GEMM throughput (fp32): square products and the im2col-shaped product of a 3x3
// convolution at batch 64 (M = 64*32*32, N = 128, K = 64*3*3).
//   bench_gemm [--threads=N] [Google Benchmark flags]
#include <gantry/backend/cpu/gemm.hpp>
#include <gantry/core/factories.hpp>

#include "bench_common.hpp"

using namespace gantry;

static void BM_gemm(benchmark::State& state) {
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  Rng gen(1);
  auto a = randn<float>({M, K}, gen), b = randn<float>({K, N}, gen);
  auto c = Tensor<float, cpu>::empty({M, N});
  for (auto _ : state) {
    ops::gemm<float>(M, N, K, a.data(), K, 1, b.data(), N, 1, c.data(), N);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  bench::set_gflops(state, 2.0 * double(M) * double(N) * double(K));
}
BENCHMARK(BM_gemm)
    ->ArgNames({"M", "N", "K"})
    ->Args({256, 256, 256})
    ->Args({512, 512, 512})
    ->Args({1024, 1024, 1024})
    ->Args({2048, 2048, 2048})
    ->Args({65536, 128, 576})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

int main(int argc, char** argv) { return bench::run_main(argc, argv); }
