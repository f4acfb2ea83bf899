#pragma once
// Differentiable 2-D convolution, its input gradient, its weight gradient and the
// transposed convolution. The three convolution ops are closed under differentiation:
// each backward rule is written with the other two (and itself), so any order of
// derivative is exact (the WGAN-GP penalty differentiates a convolution's backward pass).
//
//   y  = conv2d(x, w):                 dx = conv2d_input_grad(gy, w)    dw = conv2d_weight_grad(x, gy)
//   dx = conv2d_input_grad(gy, w):     d gy = conv2d(u, w)              dw = conv2d_weight_grad(u, gy)
//   dw = conv2d_weight_grad(x, gy):    dx = conv2d_input_grad(gy, u)    d gy = conv2d(x, u)
// (u is the incoming gradient of each op's result.)
#include <vector>

#include "../../backend/conv_options.hpp"
#include "../backend.hpp"
#include "../var.hpp"
#include "elementwise.hpp"
#include "reduce.hpp"

namespace gantry {

using ops::Conv2dOptions;

template <class T, class D>
Var<T, D> conv2d_input_grad(const Var<T, D>& gy, const Var<T, D>& w, const Shape& input_shape,
                            const Conv2dOptions& opts = {});
template <class T, class D>
Var<T, D> conv2d_weight_grad(const Var<T, D>& x, const Var<T, D>& gy, const Shape& weight_shape,
                             const Conv2dOptions& opts = {});

namespace detail {
// Inputs of a convolution with an optional bias (an undefined Var means none).
template <class T, class D>
std::vector<Var<T, D>> with_bias(const Var<T, D>& x, const Var<T, D>& w, const Var<T, D>& bias) {
  if (bias.defined()) return {x, w, bias};
  return {x, w};
}
template <class T, class D>
Tensor<T, D> bias_value(const Var<T, D>& bias) {
  return bias.defined() ? bias.value() : Tensor<T, D>();
}
}  // namespace detail

// y[N, O, Ho, Wo] = conv2d(x[N, C, H, W], w[O, C, kh, kw]) + bias[O] (bias may be undefined).
template <class T, class D>
Var<T, D> conv2d(const Var<T, D>& x, const Var<T, D>& w, const Var<T, D>& bias = {}, const Conv2dOptions& opts = {}) {
  return make_result<T, D>(
      "conv2d", ops::conv2d(x.value(), w.value(), detail::bias_value(bias), opts), detail::with_bias(x, w, bias),
      [opts](const BackwardArgs<T, D>& g) {
        Grads<T, D> out(g.in.size());
        if (g.need(0)) out[0] = conv2d_input_grad(g.grad, g.in[1], g.in[0].shape(), opts);
        if (g.need(1)) out[1] = conv2d_weight_grad(g.in[0], g.grad, g.in[1].shape(), opts);
        if (g.in.size() > 2 && g.need(2)) out[2] = sum(g.grad, {0, 2, 3});
        return out;
      });
}

// dL/dx of conv2d: gy[N, O, Ho, Wo], w[O, C, kh, kw] -> input_shape [N, C, H, W].
template <class T, class D>
Var<T, D> conv2d_input_grad(const Var<T, D>& gy, const Var<T, D>& w, const Shape& input_shape,
                            const Conv2dOptions& opts) {
  return make_result<T, D>("conv2d_input_grad", ops::conv2d_input_grad(gy.value(), w.value(), input_shape, opts),
                           {gy, w}, [opts](const BackwardArgs<T, D>& g) {
                             Grads<T, D> out(2);
                             if (g.need(0)) out[0] = conv2d(g.grad, g.in[1], Var<T, D>(), opts);
                             if (g.need(1)) out[1] = conv2d_weight_grad(g.grad, g.in[0], g.in[1].shape(), opts);
                             return out;
                           });
}

// dL/dw of conv2d: x[N, C, H, W], gy[N, O, Ho, Wo] -> weight_shape [O, C, kh, kw].
template <class T, class D>
Var<T, D> conv2d_weight_grad(const Var<T, D>& x, const Var<T, D>& gy, const Shape& weight_shape,
                             const Conv2dOptions& opts) {
  return make_result<T, D>("conv2d_weight_grad", ops::conv2d_weight_grad(x.value(), gy.value(), weight_shape, opts),
                           {x, gy}, [opts](const BackwardArgs<T, D>& g) {
                             Grads<T, D> out(2);
                             if (g.need(0)) out[0] = conv2d_input_grad(g.in[1], g.grad, g.in[0].shape(), opts);
                             if (g.need(1)) out[1] = conv2d(g.in[0], g.grad, Var<T, D>(), opts);
                             return out;
                           });
}

// Transposed convolution (PyTorch's conv_transpose2d): x[N, Cin, H, W], w[Cin, Cout, kh, kw]
// -> [N, Cout, (H-1)*stride - 2*pad + kh + output_pad, ...] + bias[Cout].
template <class T, class D>
Var<T, D> conv_transpose2d(const Var<T, D>& x, const Var<T, D>& w, const Var<T, D>& bias = {},
                           const Conv2dOptions& opts = {}, int output_pad_h = 0, int output_pad_w = 0) {
  return make_result<T, D>(
      "conv_transpose2d",
      ops::conv_transpose2d(x.value(), w.value(), detail::bias_value(bias), opts, output_pad_h, output_pad_w),
      detail::with_bias(x, w, bias), [opts](const BackwardArgs<T, D>& g) {
        // y = conv2d_input_grad(x, w) + bias, so the rules are those of conv2d_input_grad.
        Grads<T, D> out(g.in.size());
        if (g.need(0)) out[0] = conv2d(g.grad, g.in[1], Var<T, D>(), opts);
        if (g.need(1)) out[1] = conv2d_weight_grad(g.grad, g.in[0], g.in[1].shape(), opts);
        if (g.in.size() > 2 && g.need(2)) out[2] = sum(g.grad, {0, 2, 3});
        return out;
      });
}

}  // namespace gantry
