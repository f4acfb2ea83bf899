// The `gantry` model adcgan, ADC-GAN: BigGAN with an unconditional head beside the 2K-way
// classifier. Widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32; in a translation unit of its
// own.
#include "cli.hpp"
#include "gantry/models/adcgan.hpp"

namespace gantry_cli {

template <int Ch>
using adcgan_at = models::adcgan<models::adcgan_nets<PaddedFashion, 10, Ch>>;

std::optional<int> run_adcgan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  return run_at_width<adcgan_at>("adcgan", cmd, a, c, f);
}

}  // namespace gantry_cli
