// The `gantry` model cyclegan (CycleGAN: CSGAN's nets and step with mu = 0, models/csgan.hpp),
// in a translation unit of its own.
#include "translation.hpp"

namespace gantry_cli {

std::optional<int> run_cyclegan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  return run_translation_family<models::CycleganPaper>("cyclegan", cmd, a, c, f);
}

}  // namespace gantry_cli
