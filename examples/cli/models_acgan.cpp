// The `gantry` model acgan, AC-GAN (ADC-GAN's baseline): BigGAN with an unconditional head beside
// a K-way classifier. Widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32; in a translation unit
// of its own.
#include "cli.hpp"
#include "gantry/models/adcgan.hpp"

namespace gantry_cli {

template <int Ch>
using acgan_at = models::acgan<PaddedFashion, Classes<10>, Width<Ch>>;

namespace {
const auto offers = offers_at_widths<acgan_at>("acgan");
}  // namespace

Offers acgan_offers() { return offers; }

}  // namespace gantry_cli
