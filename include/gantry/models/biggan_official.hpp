#pragma once
// Loading ajbrock/BigGAN-PyTorch state dicts (BigGAN.py Generator / Discriminator) into
// biggan_nets / biggan_hier_nets. The file holds G's state under "G." and D's under "D."
// (docs/models/biggan.md converts a released G.pth / D.pth pair). Name map, official -> gantry:
//   G.shared.weight                      G.shared.weight (hier only)
//   G.linear.*                           G.blocks.0.*
//   G.blocks.i.0.{conv1,conv2,conv_sc}.* G.blocks.<GBlock i>.*
//   G.blocks.i.0.bn{1,2}.gain.weight     ...bn{1,2}.gain.weight: a [K, C] embedding (γ = 1 + gain[y],
//   G.blocks.i.0.bn{1,2}.bias.weight     as gantry's ClassTable) or, hier, a bias-free SNLinear
//   G.blocks.i.0.bn{1,2}.stored_{mean,var}  ...bn{1,2}.running_{mean,var}
//   G.blocks.i.1.{theta,phi,g,o}.*, .gamma  the SelfAttention after GBlock i
//   G.output_layer.0.{gain,bias}         BatchNorm2d weight, bias; stored_* -> running_*
//   G.output_layer.2.*                   the output SNConv2d
//   D.blocks.i.0.* / D.blocks.i.1.*      DBlock i / the SelfAttention after it
//   D.linear.*, D.embed.*                the ProjectionHead's linear, embed
//   every spectral norm's u0, sv0        u, sv
// Gantry's BatchNorm2d::num_batches_tracked has no official counterpart and is left as it is
// (momentum is fixed at 0.1, so it is never read). Every other tensor must be present with
// gantry's shape, and every G.* / D.* tensor of the file must be used; otherwise this fails
// naming the tensor.
#include <string>
#include <vector>

#include "../io/safetensors.hpp"
#include "biggan.hpp"
#include "official_checkpoint.hpp"

namespace gantry::models {

namespace detail {

// The official prefix of each of gantry's Sequential parts ("" for parts without state).
template <class Nets>
std::vector<std::string> official_g_parts() {
  std::vector<std::string> p{"linear", ""};
  const int res[3] = {8, 16, 32};
  for (int i = 0; i < 3; ++i) {
    p.push_back("blocks." + std::to_string(i) + ".0");
    if (Nets::attention == res[i]) p.push_back("blocks." + std::to_string(i) + ".1");
  }
  for (const char* s : {"output_layer.0", "", "output_layer.2", ""}) p.push_back(s);
  return p;
}
template <class Nets>
std::vector<std::string> official_d_parts() {
  std::vector<std::string> p;
  for (int i = 0; i < 4; ++i) {
    p.push_back("blocks." + std::to_string(i) + ".0");
    if (Nets::attention == 16) p.push_back("blocks." + std::to_string(i) + ".1");
  }
  p.push_back("");  // the projection head: linear.*, embed.* at the top level
  return p;
}

// gantry name (without the "G." / "D." prefix) -> official name, given the official prefix of
// each gantry part; "" for no counterpart. `loader` names the caller in errors.
inline std::string official_name(const std::string& name, const std::vector<std::string>& parts,
                                 const std::string& bn_part, const char* loader = "load_official_biggan") {
  if (name.rfind("shared.", 0) == 0) return name;
  check<FormatError>(name.rfind("blocks.", 0) == 0, loader, ": unexpected gantry tensor ", name);
  const auto dot = name.find('.', 7);
  const std::size_t k = std::stoul(name.substr(7, dot - 7));
  check<FormatError>(k < parts.size(), loader, ": gantry part ", k, " has no official counterpart");
  const std::string rest = name.substr(dot + 1);
  if (rest == "num_batches_tracked") return "";
  const std::string leaf = biggan_pytorch_rest(rest, parts[k] == bn_part);
  return parts[k].empty() ? leaf : parts[k] + "." + leaf;
}

}  // namespace detail

// BigGAN-PyTorch's name (BigGAN.py, without the "G." prefix) of a tensor of Nets::G (""
// for num_batches_tracked, which it does not keep); the map is the header comment's.
template <class Nets>
std::string official_biggan_g_name(const std::string& name) {
  static const std::vector<std::string> parts = detail::official_g_parts<Nets>();
  return detail::official_name(name, parts, "output_layer.0");
}
// ... and of a tensor of Nets::D (without "D.").
template <class Nets>
std::string official_biggan_d_name(const std::string& name) {
  static const std::vector<std::string> parts = detail::official_d_parts<Nets>();
  return detail::official_name(name, parts, "(none)");
}

// Copies an official BigGAN-PyTorch G and D (one file, prefixes "G." and "D.") into the
// modules of Nets (biggan_nets<...> or biggan_hier_nets<...>).
template <class Nets, class T>
void load_official_biggan(const io::TensorFile& file, typename Nets::G::template module<T, cpu>& g,
                          typename Nets::D::template module<T, cpu>& d) {
  OfficialCheckpoint ckpt(file, "load_official_biggan");
  ckpt.load(g, "G", official_biggan_g_name<Nets>);
  ckpt.load(d, "D", official_biggan_d_name<Nets>);
  ckpt.check_all_used({"G.", "D."}, std::string(Nets::hierarchical ? "biggan_hier_nets" : "biggan_nets") +
                                        " (attention " + std::to_string(Nets::attention) + ") does not have");
}

}  // namespace gantry::models
