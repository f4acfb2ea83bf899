#pragma once
// A paired image-to-image task built from Fashion-MNIST, so that pix2pix-style translation runs
// out of the box: A is an edge map of the garment, B the garment (like edges2shoes), both
// 1 channel, zero-padded centred from 28 x 28 to pad_to x pad_to. The edges are drawn 3 pixels
// wide (below).
//
// The edge map (edge_map) is a Canny detector without the smoothing and the hysteresis, in
// exact integer arithmetic so that it is the same on every machine:
// 1. q = round(255 v), the image's bytes (pixels outside the image count as 0);
// 2. the Sobel gradient gx = (q[y-1][x+1] + 2 q[y][x+1] + q[y+1][x+1]) - (the same at x-1),
//    gy likewise along y, and its magnitude M = sqrt(gx^2 + gy^2) / (4 * 255), so that a step
//    from 0 to 1 has magnitude 1;
// 3. a pixel is an edge when M >= threshold and M is a maximum along the gradient's direction,
//    quantised to 0, 45, 90 or 135 degrees (horizontal when |gy| <= |gx| tan 22.5 degrees,
//    vertical when |gx| <= |gy| tan 22.5 degrees, taking tan 22.5 degrees as 408 / 985, else
//    the diagonal the signs of gx and gy point along): it is not an edge when one of its two
//    neighbours along that direction has a larger M, or an equal M and a larger q. A tie
//    between the two sides of a step thus goes to the brighter side, and a filled square's
//    edge map is exactly its outline, one pixel wide.
// The threshold is 0.25 (a quarter of the full range). Looking at the test set: at 0.2 and
// below, knit textures and prints leave many short fragments; at 0.35 and above the main
// interior folds (sleeves against the body, soles of shoes, the split between trouser legs)
// fade and the outlines of dark garments break up; 0.25 keeps closed outlines and those folds,
// about 11% of the 32 x 32 canvas. The map is taken on the padded canvas, so outlines touching
// the 28 x 28 border are closed.
//
// The task's A images are these edges thickened to 3 pixels (thicken_edges: a 3 x 3 maximum,
// about 30% of the canvas). With one-pixel lines the garments -> edges direction does not
// train: an edge drawn one pixel off costs an L1 loss twice that of drawing none, so the
// generators settled on blank maps (docs/models/csgan.md has the runs); with 3-pixel lines
// CycleGAN learns both directions.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/tensor.hpp"
#include "fashion_mnist.hpp"
#include "image_pairs.hpp"

namespace gantry::data {

inline constexpr double fashion_edges_threshold = 0.25;

// Edge maps of grey images: [N, 1, H, W] with values in [0, 1] -> [N, 1, H, W] of 0 and 1
// (see the top of this file).
inline Tensor<float, cpu> edge_map(const Tensor<float, cpu>& images, double threshold = fashion_edges_threshold) {
  check<ShapeError>(images.defined() && images.rank() == 4 && images.dim(1) == 1,
                    "edge_map: expected grey images [N, 1, H, W], found ",
                    images.defined() ? images.shape().str() : std::string("an undefined tensor"));
  check<Error>(threshold > 0.0 && std::isfinite(threshold), "edge_map: threshold must be positive, found ", threshold);
  const int64_t n = images.dim(0), h = images.dim(2), w = images.dim(3);
  const double t = 4.0 * 255.0 * threshold;
  const double t2 = t * t;
  Tensor<float, cpu> out(images.shape());
  const float* src = images.data();
  float* dst = out.data();
  parallel_for(0, n, 1, [&](int64_t lo, int64_t hi) {
    std::vector<int> q(static_cast<size_t>(h * w)), gx(q.size()), gy(q.size());
    std::vector<int64_t> m(q.size());
    for (int64_t i = lo; i < hi; ++i) {
      const float* in = src + i * h * w;
      for (int64_t k = 0; k < h * w; ++k)
        q[static_cast<size_t>(k)] = static_cast<int>(std::lround(std::clamp(in[k], 0.0f, 1.0f) * 255.0f));
      auto Q = [&](int64_t y, int64_t x) { return y < 0 || x < 0 || y >= h || x >= w ? 0 : q[static_cast<size_t>(y * w + x)]; };
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const int dx = (Q(y - 1, x + 1) + 2 * Q(y, x + 1) + Q(y + 1, x + 1)) - (Q(y - 1, x - 1) + 2 * Q(y, x - 1) + Q(y + 1, x - 1));
          const int dy = (Q(y + 1, x - 1) + 2 * Q(y + 1, x) + Q(y + 1, x + 1)) - (Q(y - 1, x - 1) + 2 * Q(y - 1, x) + Q(y - 1, x + 1));
          const auto k = static_cast<size_t>(y * w + x);
          gx[k] = dx;
          gy[k] = dy;
          m[k] = int64_t{dx} * dx + int64_t{dy} * dy;
        }
      auto M = [&](int64_t y, int64_t x) { return y < 0 || x < 0 || y >= h || x >= w ? int64_t{0} : m[static_cast<size_t>(y * w + x)]; };
      float* o = dst + i * h * w;
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const auto k = static_cast<size_t>(y * w + x);
          o[k] = 0.0f;
          if (static_cast<double>(m[k]) < t2) continue;
          const int64_t ax = std::abs(gx[k]), ay = std::abs(gy[k]);
          int64_t sy = 0, sx = 0;  // the step along the gradient's direction
          if (ay * 985 <= ax * 408) {
            sx = 1;
          } else if (ax * 985 <= ay * 408) {
            sy = 1;
          } else {
            sy = 1;
            sx = (gx[k] > 0) == (gy[k] > 0) ? 1 : -1;
          }
          bool edge = true;
          for (int64_t s : {-1, 1}) {
            const int64_t ny = y + s * sy, nx = x + s * sx;
            const int64_t mn = M(ny, nx);
            if (mn > m[k] || (mn == m[k] && Q(ny, nx) > q[k])) edge = false;
          }
          o[k] = edge ? 1.0f : 0.0f;
        }
    }
  });
  return out;
}

// Edge maps [N, 1, H, W] with every line widened by `radius` pixels on each side: the maximum
// over the (2 radius + 1)^2 neighbourhood (inside the image).
inline Tensor<float, cpu> thicken_edges(const Tensor<float, cpu>& edges, int radius = 1) {
  check<ShapeError>(edges.defined() && edges.rank() == 4 && edges.dim(1) == 1,
                    "thicken_edges: expected edge maps [N, 1, H, W], found ", edges.defined() ? edges.shape() : Shape{});
  check(radius >= 0, "thicken_edges: radius must be >= 0, found ", radius);
  const int64_t n = edges.dim(0), H = edges.dim(2), W = edges.dim(3);
  Tensor<float, cpu> out(edges.shape());
  const float* in = edges.data();
  float* o = out.data();
  parallel_for(0, n, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
          float m = 0;
          for (int64_t yy = std::max<int64_t>(0, y - radius); yy <= std::min<int64_t>(H - 1, y + radius); ++yy)
            for (int64_t xx = std::max<int64_t>(0, x - radius); xx <= std::min<int64_t>(W - 1, x + radius); ++xx)
              m = std::max(m, in[(i * H + yy) * W + xx]);
          o[(i * H + y) * W + x] = m;
        }
  });
  return out;
}

// Fashion-MNIST's `split` ("train" or "test") as aligned pairs: a = the edge_map of b thickened
// by `line_radius` (1: 3-pixel lines; 0: the one-pixel map), b = the images zero-padded centred
// to pad_to x pad_to (pad_to >= 28); [N, 1, pad_to, pad_to] each, names "0", "1", ... (the index
// in the split).
inline ImagePairs fashion_mnist_edges(const std::string& split, const std::string& dir = fashion_mnist_default_dir,
                                      int64_t pad_to = 32, int line_radius = 1) {
  check<ShapeError>(pad_to >= 28, "fashion_mnist_edges: expected pad_to >= 28 (the images are 28 x 28), found ", pad_to);
  const LabeledImages src = fashion_mnist(split, dir);
  const int64_t n = src.images.dim(0), top = (pad_to - 28) / 2;
  ImagePairs out;
  out.b = Tensor<float, cpu>::zeros(Shape{n, 1, pad_to, pad_to});
  const float* in = src.images.data();
  float* pb = out.b.data();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < 28; ++y)
      std::copy_n(in + (i * 28 + y) * 28, 28, pb + (i * pad_to + top + y) * pad_to + top);
  out.a = thicken_edges(edge_map(out.b), line_radius);
  out.aligned = true;
  out.names.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.names.push_back(std::to_string(i));
  return out;
}

}  // namespace gantry::data
