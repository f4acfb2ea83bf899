// The `gantry` models icgan (IC-GAN: conditioned on the Fashion-MNIST classifier's features of
// a training image, trained on its 50 nearest neighbours) and cc-icgan (the same with the
// neighbours' classes), 32x32 layout at widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32;
// in a translation unit of their own.
#include "cli.hpp"
#include "gantry/models/icgan.hpp"

namespace gantry_cli {

template <int Ch>
using icgan_at = models::icgan<PaddedFashion, Width<Ch>>;

template <int Ch>
using cc_icgan_at = models::cc_icgan<PaddedFashion, Classes<10>, Width<Ch>>;

namespace {
const auto first = offers_at_widths<icgan_at>("icgan");
const auto second = offers_at_widths<cc_icgan_at>("cc-icgan");
const Offer offers[] = {first[0], first[1], first[2], second[0], second[1], second[2]};
}  // namespace

Offers icgan_offers() { return offers; }

}  // namespace gantry_cli
