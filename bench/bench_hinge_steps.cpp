// One discriminator step and one generator step of SAGAN, BigGAN, BigGAN-deep, LOGAN and ADC-GAN at batch 64,
// 3 x 32 x 32, 10 classes, fp32, as models::HingeGan runs them with each paper's
// hyper-parameters (only batch_size set to 64):
//   BM_DStep/<model>  d_step: 64 fakes from G (no tape, training-mode norms) for uniform
//                     labels, D on the real and the fake batch (one pass over the 128 images
//                     for BigGAN and BigGAN-deep, concat_real_fake; two passes for SAGAN), the
//                     hinge loss, backward, Adam on D.
//   BM_GStep/<model>  g_step: G forward, D forward (D's weights frozen), the hinge G loss,
//                     backward through D into G, Adam on G, then the EMA update of G
//                     (BigGAN and BigGAN-deep; before ema_start it is a plain copy).
// The models are the headers' defaults:
//   sagan        models::sagan<Image<3, 32, 32>, Classes<10>> (Ch 64)
//   biggan       models::biggan<Image<3, 32, 32>, Classes<10>, Width<64>> (the CIFAR script)
//   biggan-deep  models::biggan_deep<Image<3, 32, 32>, Classes<10>> (Ch 32)
//   logan        models::logan over BigGAN-deep's nets as above (ReLU, latent 128, so the nets
//                are the same and the difference is the latent step): z ~ U(-1, 1), one
//                natural-gradient latent step (α 0.9, β 5, c 0.5 per sample, w_r 300) with the
//                second-order path before both updates (G frozen but on the tape in d_step)
//   adcgan       models::adcgan<Image<3, 32, 32>, Classes<10>, Width<64>>: BigGAN's nets
//                with D's head unconditional beside the 2K-way classifier, whose cross-entropy
//                terms (λ 1) join both losses
// Their parameter counts are reported as the counters G_params and D_params;
// bench/hinge_steps.py is the same work in PyTorch and checks that its nets have these counts.
// bench/compare_pytorch.py --suite hinge runs the two interleaved.
//
// Each (model, step) keeps one model for the whole process and takes one untimed step of each
// kind first (the caching allocator and the kernels' scratch warm up), so with
// --benchmark_repetitions=R and a small --benchmark_min_time every repetition times one warm
// step:
//   bench_hinge_steps [--threads=N] --benchmark_filter='biggan(/|$)' --benchmark_min_time=0.01
//     --benchmark_repetitions=3
#include <gantry/autograd.hpp>
#include <gantry/data/loader.hpp>
#include <gantry/models/adcgan.hpp>
#include <gantry/models/biggan.hpp>
#include <gantry/models/biggan_deep.hpp>
#include <gantry/models/logan.hpp>
#include <gantry/models/sagan.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"

using namespace gantry;

namespace {

using Img = Image<3, 32, 32>;
constexpr int classes = 10;
constexpr int64_t batch = 64;

template <class Model>
void register_model(const char* name, typename Model::Hyper (*hyper)()) {
  typename Model::Hyper h = hyper();
  h.batch_size = batch;
  bench::register_model_steps<Model>(name, h);
}

}  // namespace

int main(int argc, char** argv) {
  register_model<models::sagan<Img, Classes<classes>>>("sagan", &models::sagan_hyper);
  register_model<models::biggan<Img, Classes<classes>, Width<64>>>("biggan", &models::biggan_hyper);
  register_model<models::biggan_deep<Img, Classes<classes>>>("biggan-deep",
                                                                                &models::biggan_deep_hyper);
  register_model<models::Gan<models::logan_nets<Img, classes, 32, 128, ReLU>, models::LoganPaper>>("logan", &models::logan_hyper);
  register_model<models::adcgan<Img, Classes<classes>, Width<64>>>("adcgan", &models::adcgan_hyper);
  return bench::run_main(argc, argv);
}
