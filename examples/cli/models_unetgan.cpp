// The `gantry` models unetgan (U-Net GAN: the U-Net D with CutMix and consistency, 32x32 layout)
// and unetgan-baseline (the same G and policy with the U-Net's encoder alone as D, no CutMix),
// unconditional, widths Ch 16, 32, 64 on Fashion-MNIST padded to 32x32; in a translation unit
// of their own.
#include "cli.hpp"
#include "gantry/models/unetgan.hpp"

namespace gantry_cli {

template <int Ch>
using unetgan_at = models::unetgan<models::unetgan_nets<PaddedFashion, 0, Ch>>;

template <int Ch>
using unetgan_baseline_at = models::unetgan_baseline<models::unetgan_baseline_nets<PaddedFashion, 0, Ch>>;

std::optional<int> run_unetgan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  if (const auto rc = run_at_width<unetgan_at>("unetgan", cmd, a, c, f)) return rc;
  return run_at_width<unetgan_baseline_at>("unetgan-baseline", cmd, a, c, f);
}

}  // namespace gantry_cli
