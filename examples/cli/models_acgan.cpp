// The `gantry` model acgan, AC-GAN (ADC-GAN's baseline): BigGAN with an unconditional head beside a K-way classifier, at width Ch on Fashion-MNIST padded to 32x32.
#include "cli.hpp"
#include "gantry/models/adcgan.hpp"

namespace gantry_cli {

std::optional<int> run_acgan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  const auto run = [&]<class Model>(std::type_identity<Model>) { return std::optional<int>(run_model<Model>(cmd, a, c, f)); };
  if (c.model != "acgan") return std::nullopt;
  if (c.toy() || c.net != c.model) no_such_model(c);
  if (c.dim == 16) return run(std::type_identity<models::acgan<models::acgan_nets<PaddedFashion, 10, 16>>>{});
  if (c.dim == 32) return run(std::type_identity<models::acgan<models::acgan_nets<PaddedFashion, 10, 32>>>{});
  if (c.dim == 64) return run(std::type_identity<models::acgan<models::acgan_nets<PaddedFashion, 10, 64>>>{});
  no_such_model(c);
}

}  // namespace gantry_cli
