#pragma once
// The named options of a preset. Every paper is spelled the same way, the image shape first
// and then any of its options, in any order:
//
//   models::sagan<Image<1, 32, 32>, Classes<10>>
//   models::biggan<Image<3, 32, 32>, Classes<10>, Width<64>, AttentionAt<16>, WeightInit<InitScheme::orthogonal>>
//   models::wgan_gp<Vector<2>, Width<512>>            // the toy MLPs
//   models::csgan<Image<1, 32, 32>, Width<16>, ResidualBlocks<6>, PatchLayers<2>>
//
// An option a preset does not take, or one given twice, is a compile error naming it.
// Classes<K>, Latent<Z>, SharedEmbedding<N>, InstanceFeatures<F, S> and Hierarchical are the
// parts' own input specs.
#include <type_traits>

#include "../nn/framework/conditioning.hpp"
#include "../nn/framework/module.hpp"
#include "../nn/framework/shapes.hpp"

namespace gantry {

// The base channel width of G and D (BigGAN's ch, WGAN-GP's dim, DCGAN's ngf = ndf).
template <int Ch>
struct Width {
  static_assert(Ch > 0, "gantry: Width<Ch> needs a positive width");
  static constexpr int value = Ch;
};
// Self-attention after the block of G whose output is G x G and the block of D whose output
// is D x D (0: none); what each net does with it is in the paper's header.
template <int G, int D = G>
struct AttentionAt {
  static_assert(G >= 0 && D >= 0, "gantry: AttentionAt<G, D> takes sides (0: no attention)");
  static constexpr int g = G, d = D;
};
// The weights' init scheme, where a paper offers more than one.
template <InitScheme S>
struct WeightInit {
  static constexpr InitScheme value = S;
};
// The scalar type (float by default; double for gradient checks).
template <class T>
struct Precision {
  using type = T;
};
// The translators': the second domain's images, G's residual blocks, PatchGAN's layers.
template <class ImageB>
struct Target {
  using type = ImageB;
};
template <int N>
struct ResidualBlocks {
  static_assert(N > 0, "gantry: ResidualBlocks<N> needs N > 0");
  static constexpr int value = N;
};
template <int N>
struct PatchLayers {
  static_assert(N > 0, "gantry: PatchLayers<N> needs N > 0");
  static constexpr int value = N;
};
// The WGAN family's nets: BigGAN-style ResNets (gan_cifar_resnet.py) or DCGAN's (the WGAN
// paper's). A Vector<N> data shape always takes the toy MLPs.
enum class Arch { resnet, dcgan };
template <Arch A>
struct Architecture {
  static constexpr Arch value = A;
};

}  // namespace gantry

namespace gantry::models {
namespace detail {
// Which option an option type is (void: not an option).
template <class O>
struct option_kind {
  using type = void;
};
template <int K>
struct option_kind<Classes<K>> {
  using type = Classes<1>;
};
template <int Z>
struct option_kind<Latent<Z>> {
  using type = Latent<1>;
};
template <int F, int S, int E>
struct option_kind<InstanceFeatures<F, S, E>> {
  using type = InstanceFeatures<1, 1>;
};
template <int N>
struct option_kind<SharedEmbedding<N>> {
  using type = SharedEmbedding<1>;
};
template <>
struct option_kind<Hierarchical> {
  using type = Hierarchical;
};
template <int N>
struct option_kind<Width<N>> {
  using type = Width<1>;
};
template <int G, int D>
struct option_kind<AttentionAt<G, D>> {
  using type = AttentionAt<0>;
};
template <InitScheme S>
struct option_kind<WeightInit<S>> {
  using type = WeightInit<InitScheme::pytorch_default>;
};
template <class T>
struct option_kind<Precision<T>> {
  using type = Precision<void>;
};
template <class I>
struct option_kind<Target<I>> {
  using type = Target<void>;
};
template <int N>
struct option_kind<ResidualBlocks<N>> {
  using type = ResidualBlocks<1>;
};
template <int N>
struct option_kind<PatchLayers<N>> {
  using type = PatchLayers<1>;
};
template <Arch A>
struct option_kind<Architecture<A>> {
  using type = Architecture<Arch::resnet>;
};
template <class O>
using option_kind_t = typename option_kind<O>::type;

// The first option of `Kind` among Os, else Default.
template <class Kind, class Default, class... Os>
struct find_option {
  using type = Default;
};
template <class Kind, class Default, class O, class... Os>
struct find_option<Kind, Default, O, Os...> {
  using type = std::conditional_t<std::is_same_v<option_kind_t<O>, Kind>, O,
                                  typename find_option<Kind, Default, Os...>::type>;
};
}  // namespace detail

// The kinds of option a preset takes, e.g. takes<Classes<1>, Width<1>, Latent<1>>.
template <class... Kinds>
struct takes {
  template <class O>
  static constexpr bool has = (std::is_same_v<detail::option_kind_t<O>, Kinds> || ...);
};

// The options `Os` of a preset that takes `Allowed`, read with the preset's defaults. Reading
// any member checks them once, with one readable error per wrong option.
template <class Allowed, class... Os>
struct PresetOptions {
  template <class O>
  static constexpr bool check_option() {
    static_assert(!std::is_void_v<detail::option_kind_t<O>>,
                  "gantry: a preset's options are Classes<K>, Width<Ch>, Latent<Z>, AttentionAt<G, D>, WeightInit<S>, "
                  "Precision<T>, Hierarchical, SharedEmbedding<N>, InstanceFeatures<F, S>, Architecture<A>, Target<Image>, "
                  "ResidualBlocks<N> or PatchLayers<N>: this type (see the instantiation) is none of them");
    static_assert(std::is_void_v<detail::option_kind_t<O>> || Allowed::template has<O>,
                  "gantry: this preset does not take this option (its header lists the options it takes)");
    static_assert(((std::is_same_v<detail::option_kind_t<O>, detail::option_kind_t<Os>> ? 1 : 0) + ...) == 1,
                  "gantry: a preset option is given twice");
    return true;
  }
  static constexpr bool checked = (check_option<Os>() && ...);

  template <class Kind, class Default>
  using get = typename detail::find_option<Kind, std::enable_if_t<checked, Default>, Os...>::type;

  static constexpr bool has_classes = !std::is_void_v<get<Classes<1>, void>>;
  template <int Default = 0>
  static constexpr int classes() {
    if constexpr (has_classes)
      return get<Classes<1>, void>::count;
    else
      return Default;
  }
  template <int Default>
  static constexpr int width = get<Width<1>, Width<Default>>::value;
  template <int Default>
  static constexpr int latent = get<Latent<1>, Latent<Default>>::size;
  template <int F, int S>
  using features = get<InstanceFeatures<1, 1>, InstanceFeatures<F, S>>;
  template <int Default>
  static constexpr int shared = get<SharedEmbedding<1>, SharedEmbedding<Default>>::size;
  static constexpr bool hierarchical = !std::is_void_v<get<Hierarchical, void>>;
  template <int Default>
  static constexpr int g_attention = get<AttentionAt<0>, AttentionAt<Default>>::g;
  template <int Default>
  static constexpr int d_attention = get<AttentionAt<0>, AttentionAt<Default>>::d;
  template <InitScheme Default>
  static constexpr InitScheme init = get<WeightInit<InitScheme::pytorch_default>, WeightInit<Default>>::value;
  using scalar = typename get<Precision<void>, Precision<float>>::type;
  template <class Default>
  using target = typename get<Target<void>, Target<Default>>::type;
  template <int Default>
  static constexpr int residual_blocks = get<ResidualBlocks<1>, ResidualBlocks<Default>>::value;
  template <int Default>
  static constexpr int patch_layers = get<PatchLayers<1>, PatchLayers<Default>>::value;
  template <Arch Default>
  static constexpr Arch architecture = get<Architecture<Arch::resnet>, Architecture<Default>>::value;
};

}  // namespace gantry::models
