// The `gantry` models of the hinge family: sagan, biggan and biggan-deep, class-conditional,
// on Fashion-MNIST padded to 32x32, at width Ch.
#include "cli.hpp"
#include "gantry/models/biggan.hpp"
#include "gantry/models/biggan_deep.hpp"
#include "gantry/models/sagan.hpp"

namespace gantry_cli {

std::optional<int> run_hinge_family(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  const auto run = [&]<class Model>(std::type_identity<Model>) { return std::optional<int>(run_model<Model>(cmd, a, c, f)); };
  if (c.model != "sagan" && c.model != "biggan" && c.model != "biggan-deep") return std::nullopt;
  if (c.toy() || c.net != c.model) no_such_model(c);
  if (c.model == "sagan") {
    if (c.dim == 16) return run(std::type_identity<models::sagan<PaddedFashion, 10, 16>>{});
    if (c.dim == 32) return run(std::type_identity<models::sagan<PaddedFashion, 10, 32>>{});
    if (c.dim == 64) return run(std::type_identity<models::sagan<PaddedFashion, 10, 64>>{});
  } else if (c.model == "biggan") {
    if (c.dim == 16) return run(std::type_identity<models::biggan<models::biggan_nets<PaddedFashion, 10, 16>>>{});
    if (c.dim == 32) return run(std::type_identity<models::biggan<models::biggan_nets<PaddedFashion, 10, 32>>>{});
    if (c.dim == 64) return run(std::type_identity<models::biggan<models::biggan_nets<PaddedFashion, 10, 64>>>{});
  } else {
    if (c.dim == 16) return run(std::type_identity<models::biggan_deep<models::biggan_deep_nets<PaddedFashion, 10, 16>>>{});
    if (c.dim == 32) return run(std::type_identity<models::biggan_deep<models::biggan_deep_nets<PaddedFashion, 10, 32>>>{});
  }
  no_such_model(c);
}

}  // namespace gantry_cli
