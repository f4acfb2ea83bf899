#pragma once
// resize_bicubic: bicubic resampling of a batch of images [N, C, H, W] to [N, C, out_h, out_w],
// exactly as PyTorch's F.interpolate(x, size, mode="bicubic", align_corners=False) (which the
// deprecated F.upsample(x, size, mode="bicubic") calls): Keys' cubic convolution with a = -0.75,
// source coordinate (dst + 0.5) * in / out - 0.5 (not clamped at 0, as PyTorch's cubic mode),
// the 4 x 4 taps clamped to the border, no antialiasing when shrinking, no clamping of the
// result (it may overshoot the input range). The same size returns a copy.
// IC-GAN's feature pre-processing (data_utils/make_hdf5.py) upsamples to 224 this way before
// its ResNet-50. Forward only: there is no autograd rule. Work is split over the N * C planes.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/tensor.hpp"

namespace gantry::data {

namespace detail {

// PyTorch's cubic convolution coefficients (aten/src/ATen/native/UpSample.h) for the fraction
// t in [0, 1) of a source coordinate: the weights of the taps at floor - 1, floor, floor + 1,
// floor + 2.
template <class T>
std::array<T, 4> cubic_coefficients(T t) {
  const T a = T(-0.75);
  const auto near = [a](T x) { return ((a + T(2)) * x - (a + T(3))) * x * x + T(1); };       // |x| <= 1
  const auto far = [a](T x) { return ((a * x - T(5) * a) * x + T(8) * a) * x - T(4) * a; };  // 1 < |x| < 2
  return {far(t + T(1)), near(t), near(T(1) - t), far((T(1) - t) + T(1))};
}

// The 4 clamped source indices and weights of every output position along one axis.
template <class T>
struct CubicTaps {
  std::vector<std::array<int64_t, 4>> index;
  std::vector<std::array<T, 4>> weight;

  CubicTaps(int64_t in, int64_t out) : index(static_cast<std::size_t>(out)), weight(static_cast<std::size_t>(out)) {
    const T scale = static_cast<T>(in) / static_cast<T>(out);
    for (int64_t o = 0; o < out; ++o) {
      const T real = scale * (static_cast<T>(o) + T(0.5)) - T(0.5);
      const T base = std::floor(real);
      const auto i0 = static_cast<int64_t>(base);
      weight[o] = cubic_coefficients<T>(real - base);
      for (int k = 0; k < 4; ++k) index[o][k] = std::clamp<int64_t>(i0 - 1 + k, 0, in - 1);
    }
  }
};

}  // namespace detail

// x: [N, C, H, W] -> [N, C, out_h, out_w] (see the top of this file).
template <class T>
Tensor<T, cpu> resize_bicubic(const Tensor<T, cpu>& x, int64_t out_h, int64_t out_w) {
  check<ShapeError>(x.defined() && x.rank() == 4, "resize_bicubic: expected images [N, C, H, W], found ",
                    x.defined() ? x.shape().str() : std::string("an undefined tensor"));
  check<ShapeError>(x.dim(2) > 0 && x.dim(3) > 0, "resize_bicubic: expected images with H, W > 0, found ",
                    x.shape().str());
  check<ShapeError>(out_h > 0 && out_w > 0, "resize_bicubic: expected an output size with out_h, out_w > 0, found ",
                    out_h, " x ", out_w, " (input ", x.shape().str(), ")");
  const int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  Tensor<T, cpu> out(Shape{x.dim(0), x.dim(1), out_h, out_w});
  if (h == out_h && w == out_w) {
    std::copy(x.data(), x.data() + x.numel(), out.data());
    return out;
  }
  const detail::CubicTaps<T> rows(h, out_h), cols(w, out_w);
  const T* src = x.data();
  T* dst = out.data();
  parallel_for(0, planes, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const T* in = src + p * h * w;
      T* o = dst + p * out_h * out_w;
      for (int64_t oy = 0; oy < out_h; ++oy) {
        const auto& ry = rows.index[oy];
        const auto& wy = rows.weight[oy];
        for (int64_t ox = 0; ox < out_w; ++ox) {
          const auto& rx = cols.index[ox];
          const auto& wx = cols.weight[ox];
          // Along x in each of the 4 rows, then along y (PyTorch's order).
          T acc = T(0);
          for (int k = 0; k < 4; ++k) {
            const T* row = in + ry[k] * w;
            const T v = wx[0] * row[rx[0]] + wx[1] * row[rx[1]] + wx[2] * row[rx[2]] + wx[3] * row[rx[3]];
            acc += wy[k] * v;
          }
          o[oy * out_w + ox] = acc;
        }
      }
    }
  });
  return out;
}

}  // namespace gantry::data
