// SelfAttention (SAGAN / BigGAN non-local block) forward + backward, fp32, in training mode
// (one SN power iteration per convolution): the gradient of sum(out * gy) with respect to
// the input and every parameter, as PyTorch's forward + backward computes it. The default
// shape is SAGAN's: 256 channels at 16 x 16, batch 64.
//   bench_attention [--threads=N] [Google Benchmark flags]
#include <gantry/autograd.hpp>
#include <gantry/nn/framework/model.hpp>
#include <gantry/nn/layers/self_attention.hpp>

#include "bench_common.hpp"

using namespace gantry;

namespace {

template <int C, int HW>
void BM_attention_forward_backward(benchmark::State& state) {
  using M = SelfAttention::module<Image<C, HW, HW>, float, cpu>;
  const int64_t n = state.range(0);
  Rng gen(1);
  Init init{gen};
  M m(init);
  m.gamma.value().data()[0] = 1.0f;  // as after training: the attended path counts
  const auto x = Var<float>(randn<float>({n, C, HW, HW}, gen), true);
  const auto gy = Var<float>::constant(randn<float>({n, C, HW, HW}, gen));
  std::vector<Var<float>> wrt{x};
  for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float>& p) { wrt.push_back(p); });
  Context<float, cpu> ctx;
  for (auto _ : state) {
    const auto y = m.forward(x, ctx);
    const auto g = grad(std::vector{y}, wrt, std::vector{gy});
    benchmark::DoNotOptimize(g[0].value().data());
  }
  // Multiply-adds of the four 1x1 convolutions (C -> C/8, C/8, C/2; C/2 -> C) and the two
  // batched products (N x N/4 x C/8 and C/2 x N x N/4), three times for forward + backward.
  const double N = double(HW) * HW;
  const double fwd = 2.0 * double(n) * (N * C * (C / 8 + C / 8 + C / 2) + N * (C / 2) * C +
                                        N * (N / 4) * (C / 8) + (C / 2) * N * (N / 4));
  bench::set_gflops(state, 3 * fwd);
}

}  // namespace

BENCHMARK(BM_attention_forward_backward<256, 16>)->ArgName("N")->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_attention_forward_backward<64, 32>)->ArgName("N")->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) { return bench::run_main(argc, argv); }
