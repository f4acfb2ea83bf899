// One discriminator step and one generator step of U-Net GAN (models/unetgan.hpp), unconditional,
// 3-channel images, fp32, as models::unetgan runs them with the header's hyper-parameters
// (models::unetgan_hyper(): the CelebA script's CutMix and consistency every D step, one
// concatenated D pass, non-saturating BCE with weight 0.5 on the bottleneck logit and 0.5 on the
// per-pixel map, Adam G 5e-5 / D 2e-4, β (0, 0.999), ε 1e-6) with batch_size set and EMA off
// (ema_decay 0):
//   BM_DStep/<case>  d_step: B fakes from G (no tape, training-mode norms), B CutMix masks, the
//                    mix M ⊙ x + (1 - M) ⊙ G(z), one D pass over the 3B images (real, fake,
//                    mix), the loss 0.5 BCE(enc) + 0.5 BCE(dec) on real and fake + the CutMix
//                    terms + the consistency term, backward, Adam on D.
//   BM_GStep/<case>  g_step: G forward, D forward (D's weights frozen), 0.5 BCE(enc, 1) +
//                    0.5 BCE(dec, 1), backward through D into G, Adam on G.
// Cases:
//   unetgan32   models::unetgan<Image<3, 32, 32>, Width<64>, Latent<128>>, batch 64
//               (the headers' default width, Ch 64, Z 128)
//   unetgan128  models::unetgan<Image<3, 128, 128>, Width<16>, Latent<128>>, batch 16 (the official
//               128 table at Ch 16, Z 128: the scripts' Ch 64 and batch 50 is too slow for a
//               shared 2-core machine)
// Their parameter counts are reported as the counters G_params and D_params;
// bench/unetgan_steps.py is the same work in PyTorch with boschresearch/unetgan's own modules
// and checks that its nets have these counts. bench/compare_pytorch.py --suite unetgan runs the
// two interleaved.
//
// Each (case, step) keeps one model for the whole process and takes one untimed step of each
// kind first, so with --benchmark_repetitions=R and a small --benchmark_min_time every
// repetition times one warm step:
//   bench_unetgan_steps [--threads=N] --benchmark_filter='unetgan32(/|$)' --benchmark_min_time=0.01
//     --benchmark_repetitions=3
#include <gantry/autograd.hpp>
#include <gantry/data/loader.hpp>
#include <gantry/models/unetgan.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"

using namespace gantry;

namespace {

template <class Model>
struct Fixture {
  Model model;
  Rng rng{2};
  std::vector<data::Batch> real;

  using Hyper = typename Model::Hyper;
  Fixture(Hyper h, int64_t batch, int64_t size) : model(sized(h, batch), 1) {
    real.emplace_back();
    real.back().images = rand<float, cpu>(Shape{batch, 3, size, size}, rng, -1.0f, 1.0f);
    model.d_step(real, rng);
    model.g_step(1, rng);
  }

  static Hyper sized(Hyper h, int64_t batch) {
    h.batch_size = batch;
    h.ema_decay = 0;  // no EMA: the PyTorch side has none
    return h;
  }

  void report(benchmark::State& state) { bench::report_parameters(state, model); }
};

// One warm model per case, shared by both steps and all repetitions.
template <class Model>
Fixture<Model>& fixture(int64_t batch, int64_t size) {
  static std::unique_ptr<Fixture<Model>> f;
  if (!f) f = std::make_unique<Fixture<Model>>(models::unetgan_hyper(), batch, size);
  return *f;
}

template <class Model>
void register_case(const char* name, int64_t batch, int64_t size) {
  bench::register_steps(name, [batch, size]() -> Fixture<Model>& { return fixture<Model>(batch, size); });
}

}  // namespace

int main(int argc, char** argv) {
  register_case<models::unetgan<Image<3, 32, 32>, Width<64>, Latent<128>>>("unetgan32", 64, 32);
  register_case<models::unetgan<Image<3, 128, 128>, Width<16>, Latent<128>>>("unetgan128", 16, 128);
  return bench::run_main(argc, argv);
}
