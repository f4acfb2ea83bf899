// The `gantry` model logan: BigGAN-deep's nets with LeakyReLU and latent optimisation, at
// BigGAN-deep's latent size at this scale (128), so the two compare like for like.
#include "cli.hpp"
#include "gantry/models/logan.hpp"

namespace gantry_cli {

namespace {
template <int Ch>
using logan_at = models::logan<PaddedFashion, Classes<10>, Width<Ch>, Latent<128>>;
const Offer offers[] = {offer<logan_at<16>>("logan", "logan", 16), offer<logan_at<32>>("logan", "logan", 32)};
}  // namespace

Offers logan_offers() { return offers; }

}  // namespace gantry_cli
