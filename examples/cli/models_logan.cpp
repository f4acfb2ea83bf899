// The `gantry` model logan: BigGAN-deep's nets with LeakyReLU and latent optimisation, at
// BigGAN-deep's latent size at this scale (128), so the two compare like for like.
#include "cli.hpp"
#include "gantry/models/logan.hpp"

namespace gantry_cli {

std::optional<int> run_logan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  const auto run = [&]<class Model>(std::type_identity<Model>) { return std::optional<int>(run_model<Model>(cmd, a, c, f)); };
  if (c.model != "logan") return std::nullopt;
  if (c.toy() || c.net != c.model) no_such_model(c);
  if (c.dim == 16) return run(std::type_identity<models::logan<models::logan_nets<PaddedFashion, 10, 16, 128>>>{});
  if (c.dim == 32) return run(std::type_identity<models::logan<models::logan_nets<PaddedFashion, 10, 32, 128>>>{});
  no_such_model(c);
}

}  // namespace gantry_cli
