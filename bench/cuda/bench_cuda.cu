// GPU throughput of what the CUDA backend has today, each against its ceiling on the same
// device: gantry's matmul (cuBLAS behind gantry's shape checks and caching allocator) against
// a bare cublasSgemm on preallocated buffers, and the elementwise and reduction kernels'
// bandwidth against a device-to-device copy. Times are CUDA-event times of the work queued
// on gantry's stream (Google Benchmark's manual time). Without a device: prints why, exits 0.
//   bench_cuda [Google Benchmark flags]     (bench/cuda_pytorch.py runs the same in PyTorch)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>
#include <gantry/backend/cuda.hpp>

using namespace gantry;

namespace {

// Times `reps` launches of `work` between two events on gantry's stream: one iteration of a
// benchmark is kReps launches, and its counters count the work of all of them.
class EventTimer {
 public:
  EventTimer() {
    GANTRY_CUDA_CHECK(cudaEventCreate(&start_));
    GANTRY_CUDA_CHECK(cudaEventCreate(&stop_));
  }
  ~EventTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  template <class Work>
  double seconds(Work&& work, int reps) {
    GANTRY_CUDA_CHECK(cudaEventRecord(start_, cuda_stream()));
    for (int i = 0; i < reps; ++i) work();
    GANTRY_CUDA_CHECK(cudaEventRecord(stop_, cuda_stream()));
    GANTRY_CUDA_CHECK(cudaEventSynchronize(stop_));
    float ms = 0;
    GANTRY_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return ms * 1e-3;
  }

 private:
  cudaEvent_t start_{}, stop_{};
};

constexpr int kReps = 10;  // launches per timed iteration: amortises the event overhead

template <class Work>
void run_timed(benchmark::State& state, Work&& work) {
  EventTimer timer;
  work();  // warm-up: cuBLAS handle, allocator's first blocks
  cuda_synchronize();
  for (auto _ : state) state.SetIterationTime(timer.seconds(work, kReps));
}

Tensor<float, cuda> filled(Shape s, float v) {
  return Tensor<float, cuda>::from(s, std::vector<float>(static_cast<std::size_t>(s.numel()), v));
}

void set_flops(benchmark::State& state, double flops) {
  state.counters["TFLOP/s"] = benchmark::Counter(flops * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
}
void set_bytes(benchmark::State& state, double bytes) {
  state.counters["TB/s"] = benchmark::Counter(bytes * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
}

void matmul_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "N", "K"});
  for (int64_t s : {1024, 2048, 4096, 8192}) b->Args({s, s, s});
  b->Args({65536, 128, 576});   // 3x3 conv, 64 -> 128 channels, batch 64 at 32x32, as im2col
  b->Args({64, 8192, 128});     // WGAN-GP's first linear layer at batch 64
  b->UseManualTime()->Unit(benchmark::kMillisecond);
}

void BM_gantry_matmul(benchmark::State& state) {
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  const auto a = filled({M, K}, 0.5f), b = filled({K, N}, 0.25f);
  run_timed(state, [&] { benchmark::DoNotOptimize(ops::matmul(a, b)); });
  set_flops(state, 2.0 * double(M) * double(N) * double(K) * kReps);
}
BENCHMARK(BM_gantry_matmul)->Apply(matmul_shapes);

void BM_cublas_sgemm(benchmark::State& state) {
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  const auto a = filled({M, K}, 0.5f), b = filled({K, N}, 0.25f);
  auto c = filled({M, N}, 0.f);
  const float one = 1, zero = 0;
  run_timed(state, [&] {
    GANTRY_CUBLAS_CHECK(cublasSgemm(cublas_handle(), CUBLAS_OP_N, CUBLAS_OP_N, int(N), int(M), int(K), &one, b.data(),
                                    int(N), a.data(), int(K), &zero, c.data(), int(N)));
  });
  set_flops(state, 2.0 * double(M) * double(N) * double(K) * kReps);
}
BENCHMARK(BM_cublas_sgemm)->Apply(matmul_shapes);

constexpr int64_t kElems = int64_t{1} << 28;  // 1 GiB of floats: far beyond the 60 MB L2

void BM_copy(benchmark::State& state) {
  const auto a = filled({kElems}, 1.f);
  auto c = filled({kElems}, 0.f);
  run_timed(state, [&] { DeviceMemory<cuda>::copy(c.data(), a.data(), kElems * sizeof(float)); });
  set_bytes(state, 2.0 * kElems * sizeof(float) * kReps);
}
BENCHMARK(BM_copy)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_add(benchmark::State& state) {
  const auto a = filled({kElems}, 1.f), b = filled({kElems}, 2.f);
  run_timed(state, [&] { benchmark::DoNotOptimize(ops::add(a, b)); });
  set_bytes(state, 3.0 * kElems * sizeof(float) * kReps);
}
BENCHMARK(BM_add)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_add_broadcast_rows(benchmark::State& state) {  // [N, 4096] + [4096], as a bias add
  const int64_t cols = 4096, rows = kElems / cols;
  const auto a = filled({rows, cols}, 1.f), b = filled({cols}, 2.f);
  run_timed(state, [&] { benchmark::DoNotOptimize(ops::add(a, b)); });
  set_bytes(state, 2.0 * kElems * sizeof(float) * kReps);
}
BENCHMARK(BM_add_broadcast_rows)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_sum_all(benchmark::State& state) {
  const auto a = filled({kElems}, 1.f);
  run_timed(state, [&] { benchmark::DoNotOptimize(ops::sum(a)); });
  set_bytes(state, 1.0 * kElems * sizeof(float) * kReps);
}
BENCHMARK(BM_sum_all)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_sum_channels(benchmark::State& state) {  // [64, C, 32, 32] -> [C], batch norm's statistics
  const int64_t c = kElems / (64 * 32 * 32);
  const auto a = filled({64, c, 32, 32}, 1.f);
  run_timed(state, [&] { benchmark::DoNotOptimize(ops::sum(a, {0, 2, 3})); });
  set_bytes(state, 1.0 * kElems * sizeof(float) * kReps);
}
BENCHMARK(BM_sum_channels)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (!cuda_available()) {
    std::printf("no CUDA device: skipped\n");
    return 0;
  }
  cudaDeviceProp p{};
  GANTRY_CUDA_CHECK(cudaGetDeviceProperties(&p, cuda_current_device()));
  benchmark::AddCustomContext("gpu", p.name);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
