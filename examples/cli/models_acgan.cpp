// The `gantry` model acgan, AC-GAN (ADC-GAN's baseline): BigGAN with an unconditional head beside
// a K-way classifier. Widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32; in a translation unit
// of its own.
#include "cli.hpp"
#include "gantry/models/adcgan.hpp"

namespace gantry_cli {

template <int Ch>
using acgan_at = models::acgan<models::acgan_nets<PaddedFashion, 10, Ch>>;

std::optional<int> run_acgan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  return run_at_width<acgan_at>("acgan", cmd, a, c, f);
}

}  // namespace gantry_cli
