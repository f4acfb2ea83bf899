#pragma once
// Loading boschresearch/unetgan state dicts (BigGAN.py Generator / Unet_Discriminator) into
// unetgan128_nets, unetgan256_nets or unetgan_nets (unconditional and class-conditional). The
// file holds G's state under "G." and D's under "D." (as a released G.pth / D.pth pair
// converted like docs/models/biggan.md converts BigGAN's). With n G blocks and a U-Net of
// n_enc encoder and n_dec decoder blocks, name map, official -> gantry:
//   G.linear.*                               G.blocks.0.*
//   G.blocks.i.0.{conv1,conv2,conv_sc}.*     G.blocks.<2 + i>.*            (GBlock i)
//   G.blocks.i.0.bn{1,2}.{gain,bias}.0.*     ...bn{1,2}.{gain,bias}.0.*    unconditional: the self-
//   G.blocks.i.0.bn{1,2}.{gain,bias}.2.*     ...bn{1,2}.{gain,bias}.2.*    modulation MLPs (plain Linear
//                                                                           z -> z, ReLU, Linear z -> C)
//   G.blocks.i.0.bn{1,2}.{gain,bias}.*       ...bn{1,2}.{gain,bias}.*      conditional: bias-free SNLinear
//   G.blocks.i.0.bn{1,2}.stored_{mean,var}   ...bn{1,2}.running_{mean,var}
//   G.shared.weight                          G.shared.weight               (conditional)
//   G.output_layer.0.{gain,bias}             G.blocks.<2 + n>.{weight,bias}  (BatchNorm2d; stored_* ->
//                                                                           running_*)
//   G.output_layer.2.*                       G.blocks.<4 + n>.*            (the output SNConv2d)
//   D.blocks.i.0.*, i < n_enc + n_dec        D.blocks.0.blocks.i.*         (encoder DBlocks, then decoder
//                                                                           GBlock2s)
//   D.blocks.<n_enc + n_dec>.{weight,bias}   D.blocks.0.conv.*             (the per-pixel 1x1 Conv2d, no SN)
//   D.linear_middle.*, D.embed_middle.*      D.blocks.0.linear_middle.*, D.blocks.0.embed_middle.*
//   D.embed.*                                D.blocks.0.embed.*            (per-pixel projection, conditional)
//   every spectral norm's u0, sv0            u, sv
//   D.linear.{weight,bias,u0,sv0}            none: Unet_Discriminator builds this head but its forward
//                                            never calls it; accepted and ignored
// Gantry's BatchNorm2d::num_batches_tracked has no official counterpart and is left as it is.
// Every other gantry tensor must be in the file with gantry's shape, and every other G.* / D.*
// tensor of the file must be used; otherwise this fails naming the tensor.
#include <set>
#include <string>
#include <vector>

#include "../io/safetensors.hpp"
#include "biggan_official.hpp"
#include "unetgan.hpp"

namespace gantry::models {

namespace detail {

template <class DType>
struct unetgan_unet {
  static_assert(sizeof(DType) == 0, "load_official_unetgan: Nets::D must be Discriminator<Image, UNet<...>>");
};
template <class In, class U>
struct unetgan_unet<Discriminator<In, U>> {
  using type = U;
};

// gantry D name (without "D.") -> official name. Every gantry D tensor is part 0 (the UNet).
inline std::string unetgan_official_d_name(const std::string& name, int pixel_conv) {
  const std::string head = "blocks.0.";
  check<FormatError>(name.rfind(head, 0) == 0, "load_official_unetgan: unexpected gantry tensor D.", name);
  std::string rest = name.substr(head.size());
  if (rest.rfind("conv.", 0) == 0) {
    rest = "blocks." + std::to_string(pixel_conv) + rest.substr(4);
  } else if (rest.rfind("blocks.", 0) == 0) {
    const auto dot = rest.find('.', 7);
    rest = rest.substr(0, dot) + ".0" + rest.substr(dot);  // blocks.i.X -> blocks.i.0.X
  }
  return biggan_pytorch_rest(rest);
}

// Names of the parameters and buffers a module visits.
template <class T>
struct UnetganNames : ParamVisitor<T, cpu> {
  std::vector<std::string> names;
  void parameter(const std::string& name, Var<T, cpu>&) override { names.push_back(name); }
  void buffer(const std::string& name, Tensor<T, cpu>&) override { names.push_back(name); }
};

// The official prefix of each of G's Sequential parts: linear, reshape, the GBlocks (counted
// from the module: the parts with a conv1), BN, ReLU, conv, tanh.
template <class G>
std::vector<std::string> unetgan_official_g_parts(G& g) {
  UnetganNames<typename G::value_type> names;
  g.visit(names, "");
  std::set<std::string> blocks;
  for (const auto& n : names.names)
    if (n.find(".conv1.weight") != std::string::npos) blocks.insert(n.substr(0, n.find('.', 7)));
  std::vector<std::string> p{"linear", ""};
  for (std::size_t i = 0; i < blocks.size(); ++i) p.push_back("blocks." + std::to_string(i) + ".0");
  for (const char* s : {"output_layer.0", "", "output_layer.2", ""}) p.push_back(s);
  return p;
}

}  // namespace detail

// Copies an official U-Net GAN G and D (one file, prefixes "G." and "D.") into the modules of
// Nets (unetgan128_nets<...>, unetgan256_nets<...> or unetgan_nets<...>).
template <class Nets, class T>
void load_official_unetgan(const io::TensorFile& file, typename Nets::G::template module<T, cpu>& g,
                           typename Nets::D::template module<T, cpu>& d) {
  using U = typename detail::unetgan_unet<typename Nets::D>::type;
  constexpr int pixel_conv = U::encoder_blocks + U::decoder_blocks;
  OfficialCheckpoint ckpt(file, "load_official_unetgan");
  const auto g_parts = detail::unetgan_official_g_parts(g);
  ckpt.load(g, "G", [&](const std::string& n) {
    return detail::official_name(n, g_parts, "output_layer.0", "load_official_unetgan");
  });
  ckpt.load(d, "D", [](const std::string& n) { return detail::unetgan_official_d_name(n, pixel_conv); });
  const std::set<std::string> unused_head{"D.linear.weight", "D.linear.bias", "D.linear.u0", "D.linear.sv0"};
  ckpt.check_all_used({"G.", "D."},
                      std::string("these nets (") + (Nets::classes == 0 ? "unconditional" : "class-conditional") + ", " +
                          std::to_string(U::encoder_blocks) + " encoder blocks, ch " + std::to_string(Nets::ch) +
                          ") do not have",
                      [&](const std::string& key) { return unused_head.count(key) != 0; });
}

}  // namespace gantry::models
