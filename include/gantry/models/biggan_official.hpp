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
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../io/safetensors.hpp"
#include "biggan.hpp"

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

inline std::string official_leaf(const std::string& rest, bool plain_bn) {
  const auto dot = rest.rfind('.');
  const std::string head = dot == std::string::npos ? "" : rest.substr(0, dot + 1);
  const std::string leaf = dot == std::string::npos ? rest : rest.substr(dot + 1);
  if (leaf == "u") return head + "u0";
  if (leaf == "sv") return head + "sv0";
  if (leaf == "running_mean") return head + "stored_mean";
  if (leaf == "running_var") return head + "stored_var";
  if (plain_bn && leaf == "weight") return head + "gain";
  return rest;
}

// gantry name (without the "G." / "D." prefix) -> official name; "" for no counterpart.
inline std::string official_name(const std::string& name, const std::vector<std::string>& parts,
                                 const std::string& bn_part) {
  if (name.rfind("shared.", 0) == 0) return name;
  check<FormatError>(name.rfind("blocks.", 0) == 0, "load_official_biggan: unexpected gantry tensor ", name);
  const auto dot = name.find('.', 7);
  const std::size_t k = std::stoul(name.substr(7, dot - 7));
  check<FormatError>(k < parts.size(), "load_official_biggan: gantry part ", k, " has no official counterpart");
  const std::string rest = name.substr(dot + 1);
  if (rest == "num_batches_tracked") return "";
  const std::string leaf = official_leaf(rest, parts[k] == bn_part);
  return parts[k].empty() ? leaf : parts[k] + "." + leaf;
}

// Copies each tensor of a module from `file`: gantry's name `n` is `net`.`official(n)` there
// (skipped when official(n) is empty), shapes checked; errors start with `loader`.
template <class T>
struct OfficialLoader : ParamVisitor<T, cpu> {
  const io::TensorFile& file;
  const char* loader;
  std::string net;  // the file's prefix: "G" or "D" (empty: keys without one)
  std::function<std::string(const std::string&)> official;
  std::set<std::string>& used;

  OfficialLoader(const io::TensorFile& f, const char* l, std::string n, std::function<std::string(const std::string&)> o,
                 std::set<std::string>& u)
      : file(f), loader(l), net(std::move(n)), official(std::move(o)), used(u) {}

  void load(const std::string& name, Tensor<T, cpu>& dst) {
    const std::string off = official(name);
    if (off.empty()) return;
    const std::string key = net.empty() ? off : net + "." + off;
    const std::string mine = net.empty() ? name : net + "." + name;
    check<FormatError>(file.contains(key), loader, ": ", file.path, " has no tensor '", key, "' (for gantry's ", mine,
                       " ", dst.shape(), ")");
    const Tensor<T, cpu> src = file.get<T>(key);
    check<ShapeError>(src.numel() == dst.numel() && (src.shape() == dst.shape() || dst.numel() == 1), loader,
                      ": tensor '", key, "' has shape ", src.shape(), ", gantry's ", mine, " has ", dst.shape());
    std::copy(src.data(), src.data() + src.numel(), dst.data());
    used.insert(key);
  }
  void parameter(const std::string& name, Var<T, cpu>& p) override {
    Tensor<T, cpu> v = p.value();
    load(name, v);
  }
  void buffer(const std::string& name, Tensor<T, cpu>& b) override { load(name, b); }
};

}  // namespace detail

// Copies an official BigGAN-PyTorch G and D (one file, prefixes "G." and "D.") into the
// modules of Nets (biggan_nets<...> or biggan_hier_nets<...>).
template <class Nets, class T>
void load_official_biggan(const io::TensorFile& file, typename Nets::G::template module<T, cpu>& g,
                          typename Nets::D::template module<T, cpu>& d) {
  std::set<std::string> used;
  const auto gp = detail::official_g_parts<Nets>(), dp = detail::official_d_parts<Nets>();
  detail::OfficialLoader<T> lg(
      file, "load_official_biggan", "G", [&](const std::string& n) { return detail::official_name(n, gp, "output_layer.0"); },
      used);
  g.visit(lg, "");
  detail::OfficialLoader<T> ld(
      file, "load_official_biggan", "D", [&](const std::string& n) { return detail::official_name(n, dp, "(none)"); }, used);
  d.visit(ld, "");
  for (const auto& [key, entry] : file.tensors)
    if ((key.rfind("G.", 0) == 0 || key.rfind("D.", 0) == 0))
      check<FormatError>(used.count(key) != 0, "load_official_biggan: ", file.path, " has tensor '", key,
                         "', which ", Nets::hierarchical ? "biggan_hier_nets" : "biggan_nets",
                         " (attention ", Nets::attention, ") does not have");
}

}  // namespace gantry::models
