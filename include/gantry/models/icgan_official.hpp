#pragma once
// Loading facebookresearch/ic_gan state dicts (BigGAN_PyTorch/BigGAN.py Generator /
// Discriminator with instance_cond, as released in its checkpoints' G.pth / D.pth, or
// G_ema.pth for sampling) into icgan_nets, icgan64_nets or icgan128_nets, IC-GAN or cc-IC-GAN.
// The file holds G's state under "G." and D's under "D." (docs/models/icgan.md converts a
// released checkpoint). Name map, official -> gantry:
//   G.linear.*                             G.blocks.0.*
//   G.blocks.i.0.*                         G.blocks.<GBlock i>.* (conv1, conv2, conv_sc; bn1, bn2 with
//                                          gain / bias bias-free SNLinears, stored_* -> running_*)
//   G.blocks.i.1.*                         the SelfAttention after GBlock i
//   G.output_layer.0.{gain,bias}, .2.*     the output BatchNorm2d and SNConv2d
//   G.shared.weight                        G.shared.weight (cc-IC-GAN); without classes BigGAN.py
//                                          still builds it and never uses it: accepted, ignored
//   G.shared_feat.*                        G.shared_feat.* (the SNLinear of the features)
//   D.blocks.i.0.* / D.blocks.i.1.*        DBlock i / the SelfAttention after it
//   D.linear.*, D.linear_feat.*, D.embed.* the FeatureProjectionHead's linear, linear_feat, embed
//   every spectral norm's u0, sv0          u, sv
// Gantry's BatchNorm2d::num_batches_tracked has no official counterpart and is left as it is.
// Every other gantry tensor must be in the file with gantry's shape, and every other G.* / D.*
// tensor of the file must be used; otherwise this fails naming the tensor.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../io/safetensors.hpp"
#include "biggan_official.hpp"
#include "icgan.hpp"

namespace gantry::models {

namespace detail {

// The official prefix of each of a BigGAN.py net's Sequential parts, read from the names the
// module visits: residual blocks (a conv1) are blocks.i.0, attention (a theta) blocks.<the
// block before>.1; in G the first part is `linear`, a plain batch norm `output_layer.0` and
// the conv after it `output_layer.2`; D's head is at the top level; stateless parts are "".
template <class M>
std::vector<std::string> biggan_official_parts(M& m, bool generator) {
  struct Names : ParamVisitor<typename M::value_type, cpu> {
    std::map<std::size_t, std::set<std::string>> leaves;  // part -> its tensors' names
    void add(const std::string& n) {
      if (n.rfind("blocks.", 0) != 0) return;
      const auto dot = n.find('.', 7);
      leaves[std::stoul(n.substr(7, dot - 7))].insert(n.substr(dot + 1));
    }
    void parameter(const std::string& n, Var<typename M::value_type, cpu>&) override { add(n); }
    void buffer(const std::string& n, Tensor<typename M::value_type, cpu>&) override { add(n); }
  } names;
  m.visit(names, "");
  const std::size_t parts = names.leaves.empty() ? 0 : names.leaves.rbegin()->first + 2;
  std::vector<std::string> p(parts);
  int block = -1;
  bool after_bn = false;
  for (std::size_t k = 0; k < parts; ++k) {
    const auto it = names.leaves.find(k);
    if (it == names.leaves.end()) continue;
    const auto& l = it->second;
    if (l.count("conv1.weight")) {
      p[k] = "blocks." + std::to_string(++block) + ".0";
    } else if (l.count("theta.weight")) {
      p[k] = "blocks." + std::to_string(block) + ".1";
    } else if (generator && k == 0) {
      p[k] = "linear";
    } else if (generator && l.count("running_mean")) {
      p[k] = "output_layer.0";
      after_bn = true;
    } else if (generator && after_bn) {
      p[k] = "output_layer.2";
    }  // else D's head: at the top level
  }
  return p;
}

inline std::string icgan_official_name(const std::string& name, const std::vector<std::string>& parts) {
  if (name.rfind("shared_feat.", 0) == 0) return biggan_pytorch_rest(name);
  return official_name(name, parts, "output_layer.0", "load_official_icgan");
}

}  // namespace detail

// The official IC-GAN names (BigGAN.py's, without "G." / "D.") of the tensors of modules g
// and d: (gantry name, official name) pairs, in the order the modules visit them.
template <class GM>
std::vector<std::pair<std::string, std::string>> official_icgan_g_names(GM& g) {
  const auto parts = detail::biggan_official_parts(g, true);
  return official_names(g, [&](const std::string& n) { return detail::icgan_official_name(n, parts); });
}
template <class DM>
std::vector<std::pair<std::string, std::string>> official_icgan_d_names(DM& d) {
  const auto parts = detail::biggan_official_parts(d, false);
  return official_names(d, [&](const std::string& n) { return detail::icgan_official_name(n, parts); });
}

// Copies an official IC-GAN / cc-IC-GAN G and D (one file, prefixes "G." and "D.") into the
// modules of Nets.
template <class Nets, class T>
void load_official_icgan(const io::TensorFile& file, typename Nets::G::template module<T, cpu>& g,
                         typename Nets::D::template module<T, cpu>& d) {
  OfficialCheckpoint ckpt(file, "load_official_icgan");
  const auto gp = detail::biggan_official_parts(g, true), dp = detail::biggan_official_parts(d, false);
  ckpt.load(g, "G", [&](const std::string& n) { return detail::icgan_official_name(n, gp); });
  ckpt.load(d, "D", [&](const std::string& n) { return detail::icgan_official_name(n, dp); });
  ckpt.check_all_used({"G.", "D."},
                      std::string("these nets (") + (Nets::classes == 0 ? "IC-GAN" : "cc-IC-GAN") + ", ch " +
                          std::to_string(Nets::ch) + ", attention " + std::to_string(Nets::attention) + ") do not have",
                      // BigGAN.py builds G.shared without classes and never uses it (see above).
                      [](const std::string& key) { return Nets::classes == 0 && key == "G.shared.weight"; });
}

}  // namespace gantry::models
