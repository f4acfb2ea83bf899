#pragma once
// Differentiable pooling and upsampling on the last two axes. Each linear op comes with
// its adjoint as another differentiable op, and the adjoint's gradient is the op again:
//   avg_pool2d <-> avg_pool2d_backward
//   upsample_nearest2d <-> sum_pool2d
//   max_pool2d's scatter by the saved argmax (max_pool2d_backward) <-> the gather by the
//   same indices (max_pool2d_gather); the indices are constants.
// So gradients of any order stay on the tape.
#include <utility>
#include <vector>

#include "../backend.hpp"
#include "../var.hpp"
#include "pad.hpp"

namespace gantry {

template <class T, class D>
Var<T, D> avg_pool2d_backward(const Var<T, D>& grad, const Shape& input_shape, int kernel, int stride,
                              int padding = 0);

// Mean over each kernel x kernel window (stride, zero padding counted in the divisor, as
// PyTorch's default count_include_pad = true).
template <class T, class D>
Var<T, D> avg_pool2d(const Var<T, D>& x, int kernel, int stride, int padding = 0) {
  const Shape from = x.shape();
  return make_result<T, D>("avg_pool2d", ops::avg_pool2d(x.value(), kernel, stride, padding), {x},
                           [=](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{avg_pool2d_backward(g.grad, from, kernel, stride, padding)};
                           });
}

// Non-overlapping windows: stride = kernel, no padding.
template <class T, class D>
Var<T, D> avg_pool2d(const Var<T, D>& x, int kernel) {
  return avg_pool2d(x, kernel, kernel, 0);
}

// The adjoint of avg_pool2d: `grad` (the pooled shape) spread evenly over each window of a
// tensor of `input_shape`.
template <class T, class D>
Var<T, D> avg_pool2d_backward(const Var<T, D>& grad, const Shape& input_shape, int kernel, int stride, int padding) {
  return make_result<T, D>("avg_pool2d_backward",
                           ops::avg_pool2d_backward(grad.value(), input_shape, kernel, stride, padding), {grad},
                           [=](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{avg_pool2d(g.grad, kernel, stride, padding)};
                           });
}

template <class T, class D>
Var<T, D> max_pool2d_gather(const Var<T, D>& x, const Tensor<T, D>& index, int kernel, int stride, int padding = 0);

// Scatters `grad` (pooled shape) into zeros of `input_shape` at the window offsets in
// `index` (as made by ops::max_pool2d_with_index): max_pool2d's gradient.
template <class T, class D>
Var<T, D> max_pool2d_backward(const Var<T, D>& grad, const Tensor<T, D>& index, const Shape& input_shape, int kernel,
                              int stride, int padding = 0) {
  return make_result<T, D>("max_pool2d_backward",
                           ops::max_pool2d_backward(grad.value(), index, input_shape, kernel, stride, padding), {grad},
                           [=](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{max_pool2d_gather(g.grad, index, kernel, stride, padding)};
                           });
}

// Reads `x` at the window offsets in `index`: the adjoint of max_pool2d_backward.
template <class T, class D>
Var<T, D> max_pool2d_gather(const Var<T, D>& x, const Tensor<T, D>& index, int kernel, int stride, int padding) {
  const Shape from = x.shape();
  return make_result<T, D>("max_pool2d_gather", ops::max_pool2d_gather(x.value(), index, kernel, stride, padding), {x},
                           [=](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{
                                 max_pool2d_backward(g.grad, index, from, kernel, stride, padding)};
                           });
}

// Max over each kernel x kernel window (padding never wins). The gradient goes to the
// first maximum of each window, as in PyTorch.
template <class T, class D>
Var<T, D> max_pool2d(const Var<T, D>& x, int kernel, int stride, int padding = 0) {
  if (!grad_enabled() || !x.requires_grad()) return Var<T, D>(ops::max_pool2d(x.value(), kernel, stride, padding));
  auto [out, index] = ops::max_pool2d_with_index(x.value(), kernel, stride, padding);
  const Shape from = x.shape();
  return make_result<T, D>("max_pool2d", std::move(out), {x}, [=, index = index](const BackwardArgs<T, D>& g) {
    return std::vector<Var<T, D>>{max_pool2d_backward(g.grad, index, from, kernel, stride, padding)};
  });
}

template <class T, class D>
Var<T, D> max_pool2d(const Var<T, D>& x, int kernel) {
  return max_pool2d(x, kernel, kernel, 0);
}

template <class T, class D>
Var<T, D> sum_pool2d(const Var<T, D>& x, int kernel);

// Each element repeated into a scale x scale block (nearest-neighbour upsampling by an
// integer factor). The gradient sums each block: sum_pool2d.
template <class T, class D>
Var<T, D> upsample_nearest2d(const Var<T, D>& x, int scale) {
  return make_result<T, D>("upsample_nearest2d", ops::upsample_nearest2d(x.value(), scale), {x},
                           [scale](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{sum_pool2d(g.grad, scale)};
                           });
}

// Sum over each non-overlapping kernel x kernel block; rows and columns past the last
// whole block are dropped (their gradient is zero). The gradient upsamples.
template <class T, class D>
Var<T, D> sum_pool2d(const Var<T, D>& x, int kernel) {
  auto out = ops::sum_pool2d(x.value(), kernel);  // checks the shape first
  const int64_t h = x.dim(-2), w = x.dim(-1);
  return make_result<T, D>("sum_pool2d", std::move(out), {x}, [=](const BackwardArgs<T, D>& g) {
    const auto up = upsample_nearest2d(g.grad, kernel);
    return std::vector<Var<T, D>>{constant_pad2d(up, 0, w - up.dim(-1), 0, h - up.dim(-2))};
  });
}

}  // namespace gantry
