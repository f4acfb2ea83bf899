#pragma once
// How a residual block drives its normalisation layers. A block's Norm is any part that maps
// an image to the same shape: BatchNorm2d, LayerNorm, InstanceNorm2d, NoNorm, or a conditional
// batch norm. A norm that takes the block's conditioning vector (ConditionalBatchNorm<Projected>,
// which declares `conditioned`) makes the block conditioned: the block calls
// ctx.next_condition() once per forward and hands that vector to each of its norms
// (forward(x, condition, ctx)); other norms run as forward(x, ctx) (a class table reads
// ctx.labels, self-modulation ctx.latent). The block declares `conditioned` and
// `condition_size` as its norm does, so that a Generator counts it.
#include "../framework/conditioning.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

// No normalisation (improved_wgan_training's Normalize when the flag is off): the identity.
struct NoNorm {
  template <class In>
  static constexpr bool accepts = true;
  template <class In>
  using expects = In;
  template <class In>
  using output = In;
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return x; }
  };
};

namespace detail {

template <class Norm>
inline constexpr bool norm_takes_condition = conditioned_blocks_of<Norm>::value > 0;

// `conditioned` and, when the norm declares one, `condition_size`, for a block to derive from.
template <class Norm, bool Sized = requires { Norm::condition_size; }>
struct block_condition_traits {
  static constexpr bool conditioned = norm_takes_condition<Norm>;
};
template <class Norm>
struct block_condition_traits<Norm, true> {
  static constexpr bool conditioned = norm_takes_condition<Norm>;
  static constexpr int condition_size = Norm::condition_size;
};

// The block's conditioning vector: fetched once, only when its norms take it.
template <class Norm, class T, class D>
Var<T, D> block_condition(Context<T, D>& ctx) {
  if constexpr (norm_takes_condition<Norm>) return ctx.next_condition();
  else return {};
}

// One of the block's norms on x, with the block's vector when the norm takes it.
template <class Norm, class M, class T, class D>
Var<T, D> apply_norm(M& norm, const Var<T, D>& x, const Var<T, D>& condition, Context<T, D>& ctx) {
  if constexpr (norm_takes_condition<Norm>) return norm.forward(x, condition, ctx);
  else return norm.forward(x, ctx);
}

}  // namespace detail
}  // namespace gantry
