// Exact k = 50 nearest-neighbour search (data::nearest_neighbours), the neighbourhoods of IC-GAN:
//   BM_knn_self/N/F        every row of N x F features against all the others (60 000 x 128:
//                          Fashion-MNIST-sized)
//   BM_knn_slice/N/F/Q     the first Q rows as queries against all N rows (200 000 x 2048 with
//                          2 000 queries: the full self-search is ~1.6e14 flop, too long to
//                          time here). Time scales with queries x base x F, so the counters
//                          extrapolate: full_s, the whole N x N search, and imagenet_h, the
//                          1.28 M x 1.28 M x 2048 self-search of ImageNet, in hours
//   BM_knn_blocks/.../qb/bb  the same slice with other query / base block sizes (tuning)
// Features: a mixture of 1 000 Gaussian clusters (centre N(0, 1), spread 0.5 per coordinate),
// rows L2-normalised, so that neighbourhoods are tighter than in isotropic noise, as with real
// image features. bench/knn_faiss.py generates the same kind of set for faiss.
//   bench_knn [--threads=N] [Google Benchmark flags]
#include <gantry/core/factories.hpp>
#include <gantry/data/neighbours.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <utility>

#include "bench_common.hpp"

using namespace gantry;

namespace {

const Tensor<float, cpu>& features(int64_t n, int64_t f) {
  static std::map<std::pair<int64_t, int64_t>, Tensor<float, cpu>> cache;
  auto it = cache.find({n, f});
  if (it != cache.end()) return it->second;
  constexpr int64_t clusters = 1000;
  Rng gen(1);
  const auto centres = randn<float>({clusters, f}, gen);
  auto x = randn<float>({n, f}, gen, 0.0f, 0.5f);
  parallel_for(0, n, 256, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float* r = x.data() + i * f;
      const float* c = centres.data() + (i * 7919 % clusters) * f;
      double s = 0;
      for (int64_t j = 0; j < f; ++j) {
        r[j] += c[j];
        s += double(r[j]) * r[j];
      }
      const float inv = static_cast<float>(1.0 / std::sqrt(s));
      for (int64_t j = 0; j < f; ++j) r[j] *= inv;
    }
  });
  return cache.emplace(std::pair{n, f}, std::move(x)).first->second;
}

constexpr int64_t K = 50;
constexpr double imagenet = 1281167;

// Runs fn() per iteration; reports GFLOP/s for `flops`, and seconds per iteration times `scale`
// as full_s, and as imagenet_h when `imagenet_scale` > 0.
template <class F>
void timed(benchmark::State& state, double flops, double scale, double imagenet_scale, F&& fn) {
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto nn = fn();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(nn.ids.data());
  }
  const double per = seconds / static_cast<double>(state.iterations());
  bench::set_gflops(state, flops);
  state.counters["full_s"] = per * scale;
  if (imagenet_scale > 0) state.counters["imagenet_h"] = per * imagenet_scale / 3600;
  state.counters["threads"] = num_threads();
}

void BM_knn_self(benchmark::State& state) {
  const int64_t n = state.range(0), f = state.range(1);
  const auto& x = features(n, f);
  timed(state, 2.0 * double(n) * double(n) * double(f), 1.0, 0.0, [&] { return data::nearest_neighbours(x, K); });
}

void run_slice(benchmark::State& state, data::NeighbourOptions o) {
  const int64_t n = state.range(0), f = state.range(1), q = state.range(2);
  const auto& x = features(n, f);
  const Tensor<float, cpu> queries = x.narrow0(0, q);
  const double nd = double(n), qd = double(q);
  timed(state, 2.0 * qd * nd * double(f), nd / qd, (imagenet / qd) * (imagenet / nd) * (2048.0 / double(f)),
        [&] { return data::nearest_neighbours(queries, x, K, o); });
}

void BM_knn_slice(benchmark::State& state) { run_slice(state, {}); }

void BM_knn_blocks(benchmark::State& state) {
  run_slice(state, {.query_block = state.range(3), .base_block = state.range(4)});
}

}  // namespace

BENCHMARK(BM_knn_self)
    ->ArgNames({"N", "F"})
    ->Args({60000, 128})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_knn_slice)
    ->ArgNames({"N", "F", "Q"})
    ->Args({200000, 2048, 2000})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_knn_blocks)
    ->ArgNames({"N", "F", "Q", "qb", "bb"})
    ->ArgsProduct({{60000}, {128}, {6000}, {128, 256, 512}, {1024, 2048, 4096}})
    ->ArgsProduct({{50000}, {2048}, {1000}, {128, 256, 512}, {1024, 2048, 4096}})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->UseRealTime();

int main(int argc, char** argv) { return bench::run_main(argc, argv); }
