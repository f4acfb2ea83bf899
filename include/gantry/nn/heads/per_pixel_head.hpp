#pragma once
// PerPixelHead<K>: U-Net GAN's decoder output (boschresearch/unetgan BigGAN.py
// Unet_Discriminator): a plain 1 x 1 Conv2d(C -> 1) with bias and without spectral norm,
// plus, when K > 0, the per-pixel projection ⟨embed(y), h_ij⟩ with embed = SNEmbedding(K, C):
// [B, C, H, W] -> [B, 1, H, W] logits. No activation before it (unetgan applies the conv to
// the last GBlock2's output directly). Names: `conv.weight`, `conv.bias`, `embed.*`.
#include "../../autograd/ops/reshape.hpp"
#include "../layers/conv2d.hpp"
#include "head.hpp"
#include "../layers/spectral_norm.hpp"

namespace gantry {

template <int K = 0, int EpsExp = 8>
struct PerPixelHead {
  static_assert(K >= 0, "gantry: PerPixelHead<K> needs K >= 0 (0: unconditional)");
  static constexpr HeadRole role = HeadRole::per_pixel;
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Image<1, In::height, In::width>;

  template <class In, class T, class D>
  struct module {
    static constexpr int C = In::channels;
    typename Conv2d<1, 1, 1, 0>::template module<In, T, D> conv;
    std::conditional_t<(K > 0), typename SNEmbedding<(K > 0 ? K : 1), C, EpsExp>::template module<In, T, D>,
                       detail::Absent<T, D>>
        embed;

    explicit module(Init& init) : conv(init), embed(init) {}
    Var<T, D> forward(const Var<T, D>& h, Context<T, D>& ctx) {
      Var<T, D> out = conv.forward(h, ctx);
      if constexpr (K > 0) {
        detail::check_head_labels("PerPixelHead", ctx.labels, h.dim(0));
        const auto e = reshape(embed.forward_labels(ctx.labels, ctx.training), {h.dim(0), C, 1, 1});
        out = add(out, sum(mul(e, h), {1}, true));
      }
      return out;
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      conv.visit(v, join_name(prefix, "conv"));
      embed.visit(v, join_name(prefix, "embed"));
    }
  };
};

}  // namespace gantry
