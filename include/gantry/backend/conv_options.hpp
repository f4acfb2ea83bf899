#pragma once
// Options of a 2-D convolution, shared by every backend's convolution kernels.

namespace gantry::ops {

// Stride and zero padding of a 2-D convolution (PyTorch's conv2d arguments; no dilation,
// no groups). Conv2dOptions::same(s, p) sets both axes: {.stride_h = 2, .pad_h = 1, ...}
// and Conv2dOptions::same(2, 1) are both fine.
struct Conv2dOptions {
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  static constexpr Conv2dOptions same(int stride, int pad) { return {stride, stride, pad, pad}; }
};

}  // namespace gantry::ops
