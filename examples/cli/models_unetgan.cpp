// The `gantry` models unetgan (U-Net GAN: the U-Net D with CutMix and consistency, 32x32 layout)
// and unetgan-baseline (the same G and policy with the U-Net's encoder alone as D, no CutMix),
// unconditional, widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32; in a translation unit
// of their own.
#include "cli.hpp"
#include "gantry/models/unetgan.hpp"

namespace gantry_cli {

template <int Ch>
using unetgan_at = models::unetgan<PaddedFashion, Width<Ch>>;

template <int Ch>
using unetgan_baseline_at = models::unetgan_baseline<PaddedFashion, Width<Ch>>;

namespace {
const auto first = offers_at_widths<unetgan_at>("unetgan");
const auto second = offers_at_widths<unetgan_baseline_at>("unetgan-baseline");
const Offer offers[] = {first[0], first[1], first[2], second[0], second[1], second[2]};
}  // namespace

Offers unetgan_offers() { return offers; }

}  // namespace gantry_cli
