// The `gantry` model tacgan, TAC-GAN (ADC-GAN's baseline): BigGAN with an unconditional head
// beside a classifier and its twin. Widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32; in a
// translation unit of its own.
#include "cli.hpp"
#include "gantry/models/adcgan.hpp"

namespace gantry_cli {

template <int Ch>
using tacgan_at = models::tacgan<models::tacgan_nets<PaddedFashion, 10, Ch>>;

std::optional<int> run_tacgan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  return run_at_width<tacgan_at>("tacgan", cmd, a, c, f);
}

}  // namespace gantry_cli
