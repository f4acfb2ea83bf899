// One discriminator step and one generator step of IC-GAN as models::icgan runs them with the
// 64x64 config's hyper-parameters (batch set per case, no EMA: the PyTorch side has none):
//   BM_DStep/<case>  d_step: B fakes from G (no tape, training-mode norms) conditioned on B
//                    instances drawn from the instance set, one D pass over cat(real, fake)
//                    with the real batch's instance features and the fakes', the hinge loss,
//                    backward, Adam on D.
//   BM_GStep/<case>  g_step: B draws of (z, instance), G forward, D forward (D frozen), the
//                    hinge G loss, backward through D into G, Adam on G.
// Cases (3 channels, 2048-d features as ResNet-50's, shared_feat 512, orthogonal init):
//   icgan32   icgan_nets<Image<3, 32, 32>, 0, 64, 2048, 512, 128>   batch 64 (BigGAN.py arch[32])
//   icgan64   icgan64_nets<0, 16, 120, 2048, 512, 3, 32>             batch 16 (the official 64
//             table at a quarter of its width, attention at 32)
// The instance set: 1000 random unit feature vectors (and mirrored twins), k = 50. Parameter
// counts are reported as G_params and D_params; bench/icgan_steps.py is the same work with
// facebookresearch/ic_gan's modules and checks that its nets have these counts.
// bench/compare_pytorch.py --suite icgan runs the two interleaved.
//   bench_icgan_steps [--threads=N] --benchmark_min_time=0.01 --benchmark_repetitions=3
#include <gantry/autograd.hpp>
#include <gantry/data/loader.hpp>
#include <gantry/models/icgan.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"

using namespace gantry;

namespace {

constexpr int features = 2048;

template <class Model>
struct Fixture {
  Model model;
  Rng rng{2};
  std::vector<data::Batch> real;

  using Hyper = typename Model::Hyper;
  Fixture(int64_t batch, int64_t size) : model(sized(batch), 1) {
    auto set = std::make_shared<data::Instances>();
    set->features = data::l2_normalised(randn<float>(Shape{1000, features}, rng));
    set->mirrored = data::l2_normalised(randn<float>(Shape{1000, features}, rng));
    set->feature_augmentation = true;
    set->neighbours = data::nearest_neighbours(set->features, 50);
    model.nets.set_instances(set);
    data::Batch b{rand<float, cpu>(Shape{batch, 3, size, size}, rng, -1.0f, 1.0f), {}, {}, {}};
    b.features = set->features.narrow0(0, batch).clone();
    real.push_back(b);
    model.d_step(real, rng);
    model.g_step(1, rng);
  }

  static Hyper sized(int64_t batch) {
    Hyper h = models::icgan_hyper();
    h.batch_size = batch;
    h.ema_decay = 0;
    return h;
  }

  void report(benchmark::State& state) { bench::report_parameters(state, model); }
};

template <class Model>
Fixture<Model>& fixture(int64_t batch, int64_t size) {
  static std::unique_ptr<Fixture<Model>> f;
  if (!f) f = std::make_unique<Fixture<Model>>(batch, size);
  return *f;
}

template <class Model>
void register_case(const char* name, int64_t batch, int64_t size) {
  bench::register_steps(name, [batch, size]() -> Fixture<Model>& { return fixture<Model>(batch, size); });
}

}  // namespace

int main(int argc, char** argv) {
  register_case<models::HingeGan<models::icgan_nets<Image<3, 32, 32>, 0, 64, features, 512, 128>, models::IcganPaper>>(
      "icgan32", 64, 32);
  register_case<models::icgan<Image<3, 64, 64>, Width<16>, InstanceFeatures<features, 512>>>("icgan64",
                                                                                                          16, 64);
  return bench::run_main(argc, argv);
}
