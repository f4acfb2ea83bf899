#pragma once
// Input specs of a Generator, written after Latent<N> in any order, before the parts:
//
//   Classes<K>                 class labels, handed to the parts in ctx.labels (shapes.hpp)
//   SharedEmbedding<Dim>       BigGAN's G.shared = nn.Embedding(K, Dim), no spectral norm, named
//                              `shared`; the conditioning vector of the blocks includes shared(y)
//   InstanceFeatures<F, S>     IC-GAN: instance features f [B, F] in ctx.features, and
//                              shared_feat = SNLinear(F -> S)(f) (named `shared_feat`) in the
//                              conditioning vector, after shared(y)
//   Hierarchical               BigGAN's hierarchical z: z is split into n + 1 chunks of N / (n + 1)
//                              (n = conditioned blocks); chunk 0 is the body's input, block i's
//                              condition is cat(e, chunk i + 1) with e = [shared(y)] ⊕ [shared_feat(f)]
//   FullConditioning           BigGAN-deep: c = cat(e, z) is the body's input and every block's condition
//   SelfModulated              U-Net GAN's unconditional G: the blocks' norms read the full z from
//                              ctx.latent (always set); no chunks, no condition vector
//
// Without Hierarchical and FullConditioning, z is the body's input and every conditioned block
// receives e (BigGAN with G_shared and without hier), or nothing (label-conditioned blocks read
// ctx.labels). SPECS §0 "Conditioning vector / latent path" and §7b give the exact layouts.
//
// A part whose forward calls ctx.next_condition() (once) declares
//   static constexpr bool conditioned = true;
// a composite part that contains several such blocks declares
//   static constexpr int conditioned_blocks = n;
// so that the Generator counts them at compile time (Sequential sums its parts). A part may also
// declare `static constexpr int condition_size`: the length of the vector it expects, checked
// against what the Generator gives.
#include <type_traits>

#include "compose.hpp"
#include "shapes.hpp"

namespace gantry {

template <int Dim>
struct SharedEmbedding {
  static_assert(Dim > 0, "gantry: SharedEmbedding<Dim> needs a positive size");
  static constexpr int size = Dim;
};

// EpsExp: ε = 10^-EpsExp of shared_feat's spectral norm (IC-GAN's scripts use 6).
template <int FeatDim, int SharedFeatDim, int EpsExp = 8>
struct InstanceFeatures {
  static_assert(FeatDim > 0 && SharedFeatDim > 0, "gantry: InstanceFeatures<FeatDim, SharedFeatDim> needs positive sizes");
  static constexpr int feature_size = FeatDim, shared_size = SharedFeatDim, eps_exp = EpsExp;
};

struct Hierarchical {};
struct FullConditioning {};
struct SelfModulated {};

namespace detail {

// The specs of one Generator, gathered at compile time.
struct InputSpecs {
  int classes = 0;
  int shared = 0;
  int features = 0, shared_features = 0, features_eps = 8;
  bool hierarchical = false, full = false, self_modulated = false;
  bool repeated = false;  // a spec given twice
};

template <class S>
struct input_spec : std::false_type {};
template <int K>
struct input_spec<Classes<K>> : std::true_type {
  static constexpr InputSpecs add(InputSpecs s) {
    s.repeated |= s.classes != 0;
    s.classes = K;
    return s;
  }
};
template <int Dim>
struct input_spec<SharedEmbedding<Dim>> : std::true_type {
  static constexpr InputSpecs add(InputSpecs s) {
    s.repeated |= s.shared != 0;
    s.shared = Dim;
    return s;
  }
};
template <int F, int S, int E>
struct input_spec<InstanceFeatures<F, S, E>> : std::true_type {
  static constexpr InputSpecs add(InputSpecs s) {
    s.repeated |= s.features != 0;
    s.features = F;
    s.shared_features = S;
    s.features_eps = E;
    return s;
  }
};
template <>
struct input_spec<Hierarchical> : std::true_type {
  static constexpr InputSpecs add(InputSpecs s) {
    s.repeated |= s.hierarchical;
    s.hierarchical = true;
    return s;
  }
};
template <>
struct input_spec<FullConditioning> : std::true_type {
  static constexpr InputSpecs add(InputSpecs s) {
    s.repeated |= s.full;
    s.full = true;
    return s;
  }
};
template <>
struct input_spec<SelfModulated> : std::true_type {
  static constexpr InputSpecs add(InputSpecs s) {
    s.repeated |= s.self_modulated;
    s.self_modulated = true;
    return s;
  }
};

// Leading specs, then the parts.
template <InputSpecs S, class... Ps>
struct parse_inputs {
  static constexpr InputSpecs specs = S;
  using body = Sequential<Ps...>;
};
template <InputSpecs S, class P, class... Ps>
  requires(input_spec<P>::value)
struct parse_inputs<S, P, Ps...> : parse_inputs<input_spec<P>::add(S), Ps...> {};

// Conditioned blocks of a part (see the header comment).
template <class P>
struct conditioned_blocks_of
    : std::integral_constant<int, [] {
        if constexpr (requires { P::conditioned_blocks; }) return static_cast<int>(P::conditioned_blocks);
        else if constexpr (requires { P::conditioned; }) return P::conditioned ? 1 : 0;
        else return 0;
      }()> {};
template <class... Ps>
struct conditioned_blocks_of<Sequential<Ps...>> : std::integral_constant<int, (0 + ... + conditioned_blocks_of<Ps>::value)> {};
template <bool Cond, class P>
struct conditioned_blocks_of<When<Cond, P>> : std::integral_constant<int, Cond ? conditioned_blocks_of<P>::value : 0> {};

}  // namespace detail

// Instantiated only when a part declares a condition_size other than the one the Generator
// gives its conditioned blocks; the template arguments name the part and both sizes.
template <class Part, int Declared, int Given>
struct part_expects_other_condition_size {
  static_assert(sizeof(Part) == 0,
                "gantry: a conditioned part declares a condition_size that differs from the conditioning vector "
                "the Generator gives it; the template arguments of part_expects_other_condition_size<Part, "
                "Declared, Given> above name the part and both sizes");
  static constexpr bool value = true;  // reported once, here
};

namespace detail {
template <class P, int Given>
struct condition_size_fits {
  static constexpr bool value = [] {
    if constexpr (requires { P::condition_size; }) {
      if constexpr (P::condition_size == Given) return true;
      else return part_expects_other_condition_size<P, P::condition_size, Given>::value;
    } else {
      return true;
    }
  }();
};
template <class... Ps, int Given>
struct condition_size_fits<Sequential<Ps...>, Given> {
  static constexpr bool value = (condition_size_fits<Ps, Given>::value && ...);
};
template <class P, int Given>
struct condition_size_fits<When<true, P>, Given> : condition_size_fits<P, Given> {};
template <class P, int Given>
struct condition_size_fits<When<false, P>, Given> : std::true_type {};
}  // namespace detail

}  // namespace gantry
