#pragma once
// Static shapes: channels and spatial sizes are template parameters; the batch is a
// runtime number. A part maps an input shape type to an output shape type at compile time.
#include <cstdint>

#include "../../core/shape.hpp"

namespace gantry {

// A batch of C x H x W images (NCHW at run time).
template <int C, int H, int W>
struct Image {
  static_assert(C > 0 && H > 0 && W > 0, "gantry: Image<C, H, W> needs positive sizes");
  static constexpr int channels = C, height = H, width = W;
  static Shape runtime(int64_t batch) { return Shape{batch, C, H, W}; }
};

// A batch of N-vectors ([N_batch, N] at run time).
template <int N>
struct Vector {
  static_assert(N > 0, "gantry: Vector<N> needs a positive size");
  static constexpr int size = N;
  static Shape runtime(int64_t batch) { return Shape{batch, N}; }
};

template <class S>
concept ImageShape = requires {
  S::channels;
  S::height;
  S::width;
};
template <class S>
concept VectorShape = requires { S::size; } && !ImageShape<S>;

// What a part expects, for error messages: any image, any vector, or an image with C channels.
struct AnyImage {};
struct AnyVector {};
template <int C>
struct ImageWithChannels {};
template <int N>
struct VectorOfSize {};
// An image (any channels) at least H high and W wide: a window or a reflection needs room.
template <int H, int W>
struct ImageAtLeast {};
// An image with even height and width (tflib's 2 x 2 mean pool sums four strided slices).
struct ImageWithEvenSides {};

// Inputs of a generator and conditioning of a model.
template <int N>
struct Latent {
  static_assert(N > 0, "gantry: Latent<N> needs a positive size");
  static constexpr int size = N;
};
template <int K>
struct Classes {
  static_assert(K > 0, "gantry: Classes<K> needs a positive count");
  static constexpr int count = K;
};

// The shape rules of a part that takes any image and returns one of the same shape (the
// normalisations derive from it instead of repeating them).
struct SameImageShape {
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = In;
};

}  // namespace gantry
