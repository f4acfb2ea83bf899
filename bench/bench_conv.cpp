// 3x3 convolution (padding 1), fp32, batch 64: forward, input gradient, weight gradient,
// and all of them with the bias gradient (a training step's work for one layer).
//   bench_conv [--threads=N] [Google Benchmark flags]
#include <gantry/backend/cpu/conv.hpp>
#include <gantry/backend/cpu/reduce.hpp>
#include <gantry/core/factories.hpp>

#include "bench_common.hpp"

using namespace gantry;

namespace {

struct Layer {
  Tensor<float, cpu> x, w, b, gy;
  ops::Conv2dOptions o{1, 1, 1, 1};
  double flops = 0;  // of one of the three products
  Layer(int64_t n, int64_t cin, int64_t cout, int64_t hw) {
    Rng gen(1);
    x = randn<float>({n, cin, hw, hw}, gen);
    w = randn<float>({cout, cin, 3, 3}, gen);
    b = randn<float>({cout}, gen);
    gy = randn<float>({n, cout, hw, hw}, gen);
    flops = 2.0 * double(n * cout * hw * hw) * double(cin * 9);
  }
};

Layer make(const benchmark::State& state) { return Layer(state.range(0), state.range(1), state.range(2), state.range(3)); }

void BM_conv_forward(benchmark::State& state) {
  Layer l = make(state);
  for (auto _ : state) benchmark::DoNotOptimize(ops::conv2d(l.x, l.w, l.b, l.o).data());
  bench::set_gflops(state, l.flops);
}
void BM_conv_input_grad(benchmark::State& state) {
  Layer l = make(state);
  for (auto _ : state) benchmark::DoNotOptimize(ops::conv2d_input_grad(l.gy, l.w, l.x.shape(), l.o).data());
  bench::set_gflops(state, l.flops);
}
void BM_conv_weight_grad(benchmark::State& state) {
  Layer l = make(state);
  for (auto _ : state) benchmark::DoNotOptimize(ops::conv2d_weight_grad(l.x, l.gy, l.w.shape(), l.o).data());
  bench::set_gflops(state, l.flops);
}
// Forward + input, weight and bias gradients (what PyTorch's forward + backward computes).
void BM_conv_forward_backward(benchmark::State& state) {
  Layer l = make(state);
  for (auto _ : state) {
    auto y = ops::conv2d(l.x, l.w, l.b, l.o);
    auto dx = ops::conv2d_input_grad(l.gy, l.w, l.x.shape(), l.o);
    auto dw = ops::conv2d_weight_grad(l.x, l.gy, l.w.shape(), l.o);
    auto db = ops::sum(l.gy, {0, 2, 3});
    benchmark::DoNotOptimize(y.data());
    benchmark::DoNotOptimize(db.data());
    benchmark::DoNotOptimize(dx.data());
    benchmark::DoNotOptimize(dw.data());
  }
  bench::set_gflops(state, 3 * l.flops);
}

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"N", "Cin", "Cout", "HW"});
  b->Args({64, 3, 128, 32})->Args({64, 128, 128, 16})->Args({64, 256, 256, 8});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_conv_forward)->Apply(shapes);
BENCHMARK(BM_conv_input_grad)->Apply(shapes);
BENCHMARK(BM_conv_weight_grad)->Apply(shapes);
BENCHMARK(BM_conv_forward_backward)->Apply(shapes);

int main(int argc, char** argv) { return bench::run_main(argc, argv); }
