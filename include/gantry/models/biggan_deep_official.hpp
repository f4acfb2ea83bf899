#pragma once
// Loading BigGAN-PyTorch's BigGANdeep.py Generator / Discriminator state dicts into
// biggan_deep_nets (32x32 layout), from a safetensors file that holds them under two prefixes
// (G. and D. by default; docs/models/biggan_deep.md has the conversion command).
//
// Name map, official <- gantry (each gantry parameter and buffer; num_batches_tracked, which
// BigGAN-PyTorch's bn does not keep, stays as it is):
//   G: shared.weight                   <- shared.weight
//      linear.*                        <- blocks.0.*
//      blocks.<2i>.0.*                 <- blocks.<i + 2>.0.*         (stage i's first block)
//      blocks.<2i + 1>.0.*             <- blocks.<i + 2>.1.*         (its second, upsampling block)
//      blocks.<2i + 1>.1.*             <- blocks.<i + 2>.2.*         (its attention, when present)
//      output_layer.0.gain, .bias      <- blocks.5.weight, .bias     (plain BN)
//      output_layer.2.*                <- blocks.7.*
//   D: input_conv.*                    <- blocks.0.*
//      blocks.<i>.<j>.*                <- blocks.<i + 1>.<j>.*       (stage i: one list in D)
//      linear.*, embed.*               <- blocks.4.linear.*, blocks.4.embed.*
//   leaves: u0 <- u, sv0 <- sv, stored_mean <- running_mean, stored_var <- running_var; the rest
//   (weight, bias, gain.weight, bias.weight, gamma) keep their names.
// ccbn's projections need no conversion: both compute γ = 1 + gain(c), β = bias(c).
// Every gantry tensor must be in the file with the same shape, and every tensor under the
// prefix must be used; otherwise the load fails naming the tensor.
#include <string>
#include <vector>

#include "../io/safetensors.hpp"
#include "biggan_deep.hpp"
#include "official_checkpoint.hpp"

namespace gantry::models {

namespace detail {

inline std::vector<std::string> split_name(const std::string& name) {
  std::vector<std::string> parts;
  std::string::size_type b = 0;
  while (true) {
    const auto e = name.find('.', b);
    parts.push_back(name.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) return parts;
    b = e + 1;
  }
}

// The components of `parts` from `from` on, joined, the last one renamed as BigGAN-PyTorch's.
inline std::string official_rest(std::vector<std::string> parts, std::size_t from) {
  parts.back() = biggan_pytorch_leaf(parts.back());
  std::string s;
  for (std::size_t i = from; i < parts.size(); ++i) s += (s.empty() ? "" : ".") + parts[i];
  return s;
}

}  // namespace detail

// BigGANdeep.py's name (without "G.") of a tensor of Nets::G, or "" for a tensor the official
// G does not keep (num_batches_tracked); the map is the header comment's.
template <class Nets>
std::string official_biggan_deep_g_name(const std::string& name) {
  const auto p = detail::split_name(name);
  if (p[0] == "shared") return name;
  check(p.size() >= 3 && p[0] == "blocks", "load_official_biggan_deep: unexpected G tensor '", name, "'");
  const int k = std::stoi(p[1]);
  if (p.back() == "num_batches_tracked") return "";
  if (k == 0) return "linear." + detail::official_rest(p, 2);
  if (k >= Nets::g_first_stage && k < Nets::g_first_stage + Nets::stages) {
    // BigGANdeep.py gives each G block its own list; attention joins the stage's last one.
    check(p.size() >= 4, "load_official_biggan_deep: unexpected G tensor '", name, "'");
    const int i = k - Nets::g_first_stage, j = std::stoi(p[2]);
    const int list = 2 * i + (j == 0 ? 0 : 1), pos = j == 2 ? 1 : 0;
    return "blocks." + std::to_string(list) + "." + std::to_string(pos) + "." + detail::official_rest(p, 3);
  }
  if (k == Nets::g_output_bn)
    return "output_layer.0." + (p[2] == "weight" ? std::string("gain") : detail::official_rest(p, 2));
  if (k == Nets::g_output_conv) return "output_layer.2." + detail::official_rest(p, 2);
  fail("load_official_biggan_deep: G tensor '", name, "' has no official counterpart");
}

// ... and of a tensor of Nets::D (without "D."): D's stage i is the official blocks.i, its
// two blocks and, with D attention, the attention after them (blocks.i.2).
template <class Nets>
std::string official_biggan_deep_d_name(const std::string& name) {
  const auto p = detail::split_name(name);
  check(p.size() >= 3 && p[0] == "blocks", "load_official_biggan_deep: unexpected D tensor '", name, "'");
  const int k = std::stoi(p[1]);
  if (k == 0) return "input_conv." + detail::official_rest(p, 2);
  if (k >= Nets::d_first_stage && k < Nets::d_first_stage + Nets::stages)
    return "blocks." + std::to_string(k - Nets::d_first_stage) + "." + detail::official_rest(p, 2);
  if (k == Nets::d_head) return detail::official_rest(p, 2);  // linear.*, embed.*
  fail("load_official_biggan_deep: D tensor '", name, "' has no official counterpart");
}

// Loads BigGANdeep.py's G and D (state dicts under g_prefix, d_prefix) into modules of
// Nets::G and Nets::D.
template <class Nets, class T, class GM, class DM>
void load_official_biggan_deep(const io::TensorFile& f, GM& g, DM& d, const std::string& g_prefix = "G.",
                               const std::string& d_prefix = "D.") {
  const auto net = [](const std::string& prefix) {
    return !prefix.empty() && prefix.back() == '.' ? prefix.substr(0, prefix.size() - 1) : prefix;
  };
  OfficialCheckpoint ckpt(f, "load_official_biggan_deep");
  ckpt.load(g, net(g_prefix), official_biggan_deep_g_name<Nets>);
  ckpt.load(d, net(d_prefix), official_biggan_deep_d_name<Nets>);
  ckpt.check_all_used({g_prefix, d_prefix}, "gantry's biggan_deep_nets (G attention " + std::to_string(Nets::g_attention) +
                                                ", D attention " + std::to_string(Nets::d_attention) + ") do not use");
}

}  // namespace gantry::models
