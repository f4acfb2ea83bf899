// The `gantry` model tacgan, TAC-GAN (ADC-GAN's baseline): BigGAN with an unconditional head
// beside a classifier and its twin. Widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32; in a
// translation unit of its own.
#include "cli.hpp"
#include "gantry/models/adcgan.hpp"

namespace gantry_cli {

template <int Ch>
using tacgan_at = models::tacgan<PaddedFashion, Classes<10>, Width<Ch>>;

namespace {
const auto offers = offers_at_widths<tacgan_at>("tacgan");
}  // namespace

Offers tacgan_offers() { return offers; }

}  // namespace gantry_cli
