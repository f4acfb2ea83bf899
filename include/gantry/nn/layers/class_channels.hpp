#pragma once
// ClassChannels<K>: conditioning by concatenation (Mirza & Osindero 2014, the conditional DCGAN):
// the one-hot code of each sample's class label (ctx.labels) is appended to the activation, as K
// more entries of a vector ([B, N] -> [B, N + K]) or as K more constant planes of an image
// ([B, C, H, W] -> [B, C + K, H, W], plane y all ones). No parameters; the next layer's weights
// learn what the class means. In a Generator it needs Classes<K>; in a Discriminator the model
// hands D the labels of real and fake images alike.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../../autograd/ops/layout.hpp"
#include "../../core/error.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

namespace detail {
template <class In, int K>
struct with_class_channels {
  using type = Vector<In::size + K>;
};
template <class In, int K>
  requires ImageShape<In>
struct with_class_channels<In, K> {
  using type = Image<In::channels + K, In::height, In::width>;
};
}  // namespace detail

template <int K>
struct ClassChannels {
  static_assert(K > 0, "gantry: ClassChannels<K> needs a positive class count");
  static constexpr int classes = K;

  template <class In>
  static constexpr bool accepts = ImageShape<In> || VectorShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = typename detail::with_class_channels<In, K>::type;

  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      const int64_t batch = x.dim(0);
      check<ShapeError>(static_cast<int64_t>(ctx.labels.size()) == batch, "ClassChannels<", K, ">: expected ", batch,
                        " class labels for a batch of ", batch, ", found ", ctx.labels.size(),
                        " (an unconditional model gives none)");
      // Plane (or entry) y of sample b is 1: `per_class` values per class, after the input's.
      int64_t per_class = 1;
      if constexpr (ImageShape<In>) per_class = int64_t{In::height} * In::width;
      std::vector<T> code(static_cast<size_t>(batch * K * per_class), T(0));
      for (int64_t b = 0; b < batch; ++b) {
        const int64_t y = ctx.labels[static_cast<size_t>(b)];
        check<ShapeError>(y >= 0 && y < K, "ClassChannels<", K, ">: class label ", y, " of sample ", b,
                          " is outside [0, ", K, ")");
        const auto first = static_cast<size_t>((b * K + y) * per_class);
        std::fill(code.begin() + first, code.begin() + first + per_class, T(1));
      }
      Shape s{batch, K};
      if constexpr (ImageShape<In>) s = Shape{batch, K, In::height, In::width};
      return concat(std::vector<Var<T, D>>{x, Var<T, D>::constant(Tensor<T, D>::from(s, code))}, 1);
    }
  };
};

}  // namespace gantry
