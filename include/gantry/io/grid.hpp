#pragma once
// Image grids like torchvision's make_grid / save_image: N images tiled row-major, `nrow`
// per row, separated and framed by `padding` pixels of `pad_value`. A class-conditional
// grid is the same call with the images ordered by class and nrow = samples per class.
#include <algorithm>
#include <cstdint>
#include <string>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "png.hpp"

namespace gantry::io {

struct GridOptions {
  int64_t nrow = 8;       // images per row
  int64_t padding = 2;    // pixels between tiles and around the grid
  float pad_value = 0.0f; // in the images' value space (mapped through the range like them)
};

// [N, C, H, W] images -> one [C, rows*(H+p)+p, cols*(W+p)+p] image, cols = min(nrow, N).
template <class T>
Tensor<T, cpu> make_grid(const Tensor<T, cpu>& images, GridOptions opt = {}) {
  const Shape& s = images.shape();
  check<ShapeError>(s.rank() == 4 && s[0] > 0, "make_grid: images shape ", s, " is not [N, C, H, W] with N > 0");
  check<Error>(opt.nrow > 0 && opt.padding >= 0, "make_grid: nrow ", opt.nrow, " and padding ", opt.padding,
               " must be positive and non-negative");
  const int64_t n = s[0], c = s[1], h = s[2], w = s[3], p = opt.padding;
  const int64_t cols = std::min(opt.nrow, n), rows = (n + cols - 1) / cols;
  const int64_t gh = rows * (h + p) + p, gw = cols * (w + p) + p;
  Tensor<T, cpu> grid = Tensor<T, cpu>::empty({c, gh, gw});
  T* g = grid.data();
  std::fill(g, g + grid.numel(), static_cast<T>(opt.pad_value));
  const T* src = images.data();
  for (int64_t k = 0; k < n; ++k) {
    const int64_t y0 = (k / cols) * (h + p) + p, x0 = (k % cols) * (w + p) + p;
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        std::copy_n(src + ((k * c + ch) * h + y) * w, w, g + (ch * gh + y0 + y) * gw + x0);
  }
  return grid;
}

// make_grid + write_png (C = 1 or 3; `range` maps to 0..255 as in write_png).
template <class T>
void save_grid(const Tensor<T, cpu>& images, const std::string& path, GridOptions opt = {}, PixelRange range = {}) {
  write_png(path, make_grid(images, opt), range);
}

}  // namespace gantry::io
