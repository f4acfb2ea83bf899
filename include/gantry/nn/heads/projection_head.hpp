#pragma once
// The SN-GAN / BigGAN-PyTorch discriminator output on the last feature map h [B, C, H, W]:
// φ = Σ_hw ReLU(h), then
//   LinearHead                   D = linear(φ)                                 (unconditional)
//   ProjectionHead<K>            D = linear(φ) + ⟨embed(y), φ⟩                 (class projection)
//   FeatureProjectionHead<F>     D = linear(φ) + ⟨linear_feat(f), φ⟩           (IC-GAN, instance)
//   FeatureProjectionHead<F, K>  D = linear(φ) + ⟨cat(embed(y), linear_feat(f)), φ⟩  (cc-IC-GAN)
// with linear = SNLinear(C -> 1), embed = SNEmbedding(K, ·), linear_feat = SNLinear(F -> ·)
// (bias as nn.Linear), y = ctx.labels and f = ctx.features. Names as the attributes of
// BigGAN-PyTorch's / IC-GAN's Discriminator: `linear`, `embed`, `linear_feat`. EpsExp is the
// spectral norm's ε = 10^-EpsExp (8: BigGAN-PyTorch default; 6: the ImageNet scripts).
#include "../../autograd/ops/layout.hpp"
#include "head.hpp"
#include "../layers/spectral_norm.hpp"

namespace gantry {

template <int EpsExp = 8>
struct LinearHead {
  static constexpr HeadRole role = HeadRole::adversarial;
  static constexpr bool pooled = true;
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Vector<1>;

  template <class In, class T, class D>
  struct module {
    using Phi = Vector<In::channels>;
    typename SNLinear<1, Bias::on, EpsExp>::template module<Phi, T, D> linear;

    explicit module(Init& init) : linear(init) {}
    Var<T, D> forward(const Var<T, D>& h, Context<T, D>& ctx) { return forward_pooled(detail::pooled_features(h), ctx); }
    Var<T, D> forward_pooled(const Var<T, D>& phi, Context<T, D>& ctx) { return linear.forward(phi, ctx); }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) { linear.visit(v, join_name(prefix, "linear")); }
  };
};

template <int K, int EpsExp = 8>
struct ProjectionHead {
  static_assert(K > 0, "gantry: ProjectionHead<K> needs K > 0 classes (LinearHead is the unconditional head)");
  static constexpr HeadRole role = HeadRole::adversarial;
  static constexpr bool pooled = true;
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Vector<1>;

  template <class In, class T, class D>
  struct module {
    using Phi = Vector<In::channels>;
    typename SNLinear<1, Bias::on, EpsExp>::template module<Phi, T, D> linear;
    typename SNEmbedding<K, In::channels, EpsExp>::template module<Phi, T, D> embed;

    explicit module(Init& init) : linear(init), embed(init) {}
    Var<T, D> forward(const Var<T, D>& h, Context<T, D>& ctx) { return forward_pooled(detail::pooled_features(h), ctx); }
    Var<T, D> forward_pooled(const Var<T, D>& phi, Context<T, D>& ctx) {
      detail::check_head_labels("ProjectionHead", ctx.labels, phi.dim(0));
      const auto e = embed.forward_labels(ctx.labels, ctx.training);
      return add(linear.forward(phi, ctx), sum(mul(e, phi), {1}, true));
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      linear.visit(v, join_name(prefix, "linear"));
      embed.visit(v, join_name(prefix, "embed"));
    }
  };
};

// K = 0: instance features only (IC-GAN); K > 0: class and instance (cc-IC-GAN), each
// projecting onto half of φ's channels (class first), so C must be even.
template <int FeatDim, int K = 0, int EpsExp = 8>
struct FeatureProjectionHead {
  static_assert(FeatDim > 0 && K >= 0, "gantry: FeatureProjectionHead<FeatDim, K> needs FeatDim > 0 and K >= 0");
  static constexpr HeadRole role = HeadRole::adversarial;
  static constexpr bool pooled = true;
  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (ImageShape<In>) return K == 0 || In::channels % 2 == 0;
    else return false;
  }();
  template <class In>
  using expects = std::conditional_t<K == 0, AnyImage, ImageWithEvenChannels>;
  template <class In>
  using output = Vector<1>;

  template <class In, class T, class D>
  struct module {
    static constexpr int C = In::channels;
    static constexpr int FeatOut = K == 0 ? C : C / 2;  // channels that the features project onto
    using Phi = Vector<C>;
    typename SNLinear<1, Bias::on, EpsExp>::template module<Phi, T, D> linear;
    typename SNLinear<FeatOut, Bias::on, EpsExp>::template module<Vector<FeatDim>, T, D> linear_feat;
    std::conditional_t<(K > 0), typename SNEmbedding<(K > 0 ? K : 1), C / 2 + (K == 0), EpsExp>::template module<Phi, T, D>,
                       detail::Absent<T, D>>
        embed;

    explicit module(Init& init) : linear(init), linear_feat(init), embed(init) {}
    Var<T, D> forward(const Var<T, D>& h, Context<T, D>& ctx) { return forward_pooled(detail::pooled_features(h), ctx); }
    Var<T, D> forward_pooled(const Var<T, D>& phi, Context<T, D>& ctx) {
      const int64_t batch = phi.dim(0);
      detail::check_head_features("FeatureProjectionHead", ctx.features, batch, FeatDim);
      Var<T, D> proj = linear_feat.forward(ctx.features, ctx);
      if constexpr (K > 0) {
        detail::check_head_labels("FeatureProjectionHead", ctx.labels, batch);
        proj = concat(std::vector<Var<T, D>>{embed.forward_labels(ctx.labels, ctx.training), proj}, 1);
      }
      return add(linear.forward(phi, ctx), sum(mul(proj, phi), {1}, true));
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      linear.visit(v, join_name(prefix, "linear"));
      linear_feat.visit(v, join_name(prefix, "linear_feat"));
      embed.visit(v, join_name(prefix, "embed"));
    }
  };
};

}  // namespace gantry
