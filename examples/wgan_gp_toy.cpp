// WGAN-GP on a 2-D toy distribution (the WGAN-GP paper's Figure 1 / gan_toy.py): trains the
// MLP generator and critic, writes a scatter plot of real (blue) and generated (orange) points
// and prints how many mixture modes the samples cover and the share of high-quality samples
// (within 3 sigma of a mode).
//
//   wgan_gp_toy [--data 8gaussians|25gaussians|swissroll] [--steps N] [--out DIR] [--paper]
//
// Default: the MLP at width 128 with lr 1e-3 decayed linearly to 0 over the run (3000 steps,
// about a minute); --paper uses gan_toy.py's width 512, lr 1e-4 and no decay (needs far more
// steps, e.g. --steps 20000).
#include <cstdlib>
#include <iostream>
#include <string>

#include "gantry/data/toy_stream.hpp"
#include "gantry/models/wgan_gp.hpp"
#include "gantry/models/wgan_nets.hpp"
#include "gantry/train/evaluate.hpp"
#include "gantry/train/trainer.hpp"

using namespace gantry;

namespace {

template <int Ch>
int run(data::ToyDistribution dist, const std::string& name, int64_t steps, const std::string& out, bool paper) {
  auto h = models::WganGpHyper::toy();
  if (!paper) {
    h.lr = 1e-3;
    h.decay_steps = steps;
  }
  models::wgan_gp<Vector<2>, Width<Ch>> model(h, train::derive_seed(1, train::init_stream));
  data::ToyStream stream(dist, h.batch_size, Rng(train::derive_seed(1, train::data_stream)));
  train::TrainerOptions o;
  o.steps = steps;
  o.out_dir = out;
  o.seed = 1;
  o.sample_every = steps / 10;
  train::Trainer trainer(model, stream, o, io::json::Object{{"data", name}, {"width", Ch}});
  Rng ref(12345);
  trainer.reference_points = data::toy_samples(dist, 1000, ref);
  const auto r = trainer.run();
  std::cout << "trained " << r.step << " generator steps in " << r.seconds << " s\n"
            << "scatter plot: " << out << "/samples.png (real blue, generated orange); loss curves: " << out
            << "/losses.png\n";
  if (dist == data::ToyDistribution::swiss_roll) return 0;
  const auto modes = dist == data::ToyDistribution::eight_gaussians ? toy::eight_gaussians_modes()
                                                                    : toy::twentyfive_gaussians_modes();
  const auto m = train::toy_metrics(model, modes, 10000, 9);
  std::cout << "modes covered: " << m[0].second << " of " << modes.centres.size()
            << "; high-quality samples (within 3 sigma of a mode): " << 100 * m[1].second << "%\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data = "8gaussians", out = "runs/wgan_gp_toy";
  int64_t steps = 3000;
  bool paper = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--paper") {
      paper = true;
    } else if ((a == "--data" || a == "--steps" || a == "--out") && i + 1 < argc) {
      const std::string v = argv[++i];
      if (a == "--data") data = v;
      if (a == "--out") out = v;
      if (a == "--steps") steps = std::atoll(v.c_str());
    } else {
      std::cerr << "usage: wgan_gp_toy [--data 8gaussians|25gaussians|swissroll] [--steps N] [--out DIR] [--paper]\n";
      return 2;
    }
  }
  try {
    if (steps < 10) fail<Error>("--steps must be >= 10, found ", steps);
    const auto dist = data::parse_toy_distribution(data);
    return paper ? run<512>(dist, data, steps, out, true) : run<128>(dist, data, steps, out, false);
  } catch (const std::exception& e) {
    std::cerr << "wgan_gp_toy: " << e.what() << '\n';
    return 1;
  }
}
