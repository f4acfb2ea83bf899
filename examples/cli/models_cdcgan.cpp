// The `gantry` model cdcgan, the conditional DCGAN (the README's first picture): the DCGAN nets
// with the class concatenated to both nets' inputs, NGF = NDF 32 or 64, Fashion-MNIST padded to
// 32x32; in a translation unit of its own.
#include "cli.hpp"
#include "gantry/models/cdcgan.hpp"

namespace gantry_cli {

namespace {
const Offer offers[] = {offer<models::cdcgan<PaddedFashion, Classes<10>, Width<32>>>("cdcgan", "dcgan", 32),
                        offer<models::cdcgan<PaddedFashion, Classes<10>, Width<64>>>("cdcgan", "dcgan", 64)};
}  // namespace

Offers cdcgan_offers() { return offers; }

}  // namespace gantry_cli
