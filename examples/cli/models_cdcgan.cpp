// The `gantry` model cdcgan, the conditional DCGAN (the README's first picture): the DCGAN nets
// with the class concatenated to both nets' inputs, NGF = NDF 32 or 64, Fashion-MNIST padded to
// 32x32; in a translation unit of its own.
#include "cli.hpp"
#include "gantry/models/cdcgan.hpp"

namespace gantry_cli {

std::optional<int> run_cdcgan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  if (c.model != "cdcgan") return std::nullopt;
  if (c.toy() || c.net != "dcgan") no_such_model(c);
  if (c.dim == 32) return run_model<models::cdcgan<PaddedFashion, 10, 100, 32, 32>>(cmd, a, c, f);
  if (c.dim == 64) return run_model<models::cdcgan<PaddedFashion>>(cmd, a, c, f);
  no_such_model(c);
}

}  // namespace gantry_cli
