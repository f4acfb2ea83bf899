#pragma once
// Loading an official pytorch-CycleGAN-and-pix2pix ResnetGenerator state dict (a released
// CycleGAN translator such as horse2zebra's latest_net_G.pth, or a CSGAN run's
// latest_net_G_A.pth, converted to safetensors by scripts/convert_cyclegan.py) into gantry's
// resnet_generator (csgan.hpp). The names are the same (model.<i>.weight / bias,
// model.<i>.conv_block.{1,5}.*), so there is no name map; what the loader adds:
//   - instance norms' running_mean / running_var / num_batches_tracked, which checkpoints of
//     nets built with track_running_stats=True hold, are skipped: gantry's instance norm, like
//     the current official code (and CycleGAN's test script, which patches these entries
//     away), always normalises with the image's own statistics;
//   - `prefix` selects one net of a file holding several ("G_A." for a gantry CSGAN
//     checkpoint's first generator; "" for a converted official file);
//   - every tensor of the generator must be in the file with its shape, and every other
//     tensor under the prefix must be one of the skipped statistics: otherwise this fails
//     naming it (e.g. model.10.conv_block.6.weight: a net trained with dropout, whose blocks
//     gantry does not build; or a 6-block file loaded into 9 blocks).
#include <set>
#include <string>

#include "../core/error.hpp"
#include "../io/safetensors.hpp"
#include "official_checkpoint.hpp"
#include "csgan.hpp"

namespace gantry::models {

namespace detail {
inline bool instance_norm_statistic(const std::string& key) {
  for (const char* s : {".running_mean", ".running_var", ".num_batches_tracked"}) {
    const std::string suffix(s);
    if (key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) return true;
  }
  return false;
}
}  // namespace detail

template <class G>
void load_official_cyclegan_generator(const io::TensorFile& file, G& g, const std::string& prefix = "") {
  const char* who = "load_official_cyclegan_generator";
  std::string net = prefix;
  if (!net.empty() && net.back() == '.') net.pop_back();
  OfficialCheckpoint ckpt(file, who);
  ckpt.load(g, net, [](const std::string& n) { return n; });
  ckpt.check_all_used({net.empty() ? std::string() : net + "."},
                      "this generator does not have (a different number of residual blocks or width, or a net "
                      "trained with dropout?)",
                      detail::instance_norm_statistic);
}

}  // namespace gantry::models
