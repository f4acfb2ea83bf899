// The `gantry` model adcgan, ADC-GAN: BigGAN with an unconditional head beside the 2K-way
// classifier. Widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32; in a translation unit of its
// own.
#include "cli.hpp"
#include "gantry/models/adcgan.hpp"

namespace gantry_cli {

template <int Ch>
using adcgan_at = models::adcgan<PaddedFashion, Classes<10>, Width<Ch>>;

namespace {
const auto offers = offers_at_widths<adcgan_at>("adcgan");
}  // namespace

Offers adcgan_offers() { return offers; }

}  // namespace gantry_cli
