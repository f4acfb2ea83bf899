// The `gantry` models icgan (IC-GAN: conditioned on the Fashion-MNIST classifier's features of
// a training image, trained on its 50 nearest neighbours) and cc-icgan (the same with the
// neighbours' classes), 32x32 layout at widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32;
// in a translation unit of their own.
#include "cli.hpp"
#include "gantry/models/icgan.hpp"

namespace gantry_cli {

template <int Ch>
using icgan_at = models::icgan<models::icgan_nets<PaddedFashion, 0, Ch>>;

template <int Ch>
using cc_icgan_at = models::cc_icgan<models::icgan_nets<PaddedFashion, 10, Ch>>;

std::optional<int> run_icgan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  if (const auto rc = run_at_width<icgan_at>("icgan", cmd, a, c, f)) return rc;
  return run_at_width<cc_icgan_at>("cc-icgan", cmd, a, c, f);
}

}  // namespace gantry_cli
