// The `gantry` models of the hinge family: sagan, biggan and biggan-deep, class-conditional,
// on Fashion-MNIST padded to 32x32, at width Ch.
#include "cli.hpp"
#include "gantry/models/biggan.hpp"
#include "gantry/models/biggan_deep.hpp"
#include "gantry/models/sagan.hpp"

namespace gantry_cli {

namespace {
template <int Ch>
using sagan_at = models::sagan<PaddedFashion, Classes<10>, Width<Ch>>;
template <int Ch>
using biggan_at = models::biggan<PaddedFashion, Classes<10>, Width<Ch>>;
template <int Ch>
using biggan_deep_at = models::biggan_deep<PaddedFashion, Classes<10>, Width<Ch>>;

const auto sagan_offers = offers_at_widths<sagan_at>("sagan");
const auto biggan_offers = offers_at_widths<biggan_at>("biggan");
const Offer offers[] = {sagan_offers[0], sagan_offers[1], sagan_offers[2],
                        biggan_offers[0], biggan_offers[1], biggan_offers[2],
                        offer<biggan_deep_at<16>>("biggan-deep", "biggan-deep", 16),
                        offer<biggan_deep_at<32>>("biggan-deep", "biggan-deep", 32)};
}  // namespace

Offers hinge_offers() { return offers; }

}  // namespace gantry_cli
