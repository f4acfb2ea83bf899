#pragma once
// Differentiable padding of the last two axes. constant_pad2d is its own adjoint with the
// amounts negated (padding <-> cropping); reflection_pad2d <-> reflection_pad2d_backward
// (the fold-back of the reflected border). Both pairs are linear and closed, so
// gradients of any order stay on the tape.
#include <type_traits>

#include "../backend.hpp"
#include "../var.hpp"

namespace gantry {

// Pads with `value`: `left`/`right` columns and `top`/`bottom` rows (torch.nn.functional.pad
// order). Negative amounts crop. The gradient crops (or zero-pads) back.
template <class T, class D>
Var<T, D> constant_pad2d(const Var<T, D>& x, int64_t left, int64_t right, int64_t top, int64_t bottom,
                         std::type_identity_t<T> value = T(0)) {
  if (left == 0 && right == 0 && top == 0 && bottom == 0) {
    ops::detail::pad2d_shape(x.shape(), 0, 0, 0, 0, "constant_pad2d");
    return x;
  }
  return make_result<T, D>("constant_pad2d", ops::constant_pad2d(x.value(), left, right, top, bottom, value), {x},
                           [=](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{constant_pad2d(g.grad, -left, -right, -top, -bottom)};
                           });
}

template <class T, class D>
Var<T, D> reflection_pad2d_backward(const Var<T, D>& grad, int64_t left, int64_t right, int64_t top, int64_t bottom);

// Pads by reflection at the border, as torch.nn.ReflectionPad2d (each amount must be less
// than the size of its axis).
template <class T, class D>
Var<T, D> reflection_pad2d(const Var<T, D>& x, int64_t left, int64_t right, int64_t top, int64_t bottom) {
  return make_result<T, D>("reflection_pad2d", ops::reflection_pad2d(x.value(), left, right, top, bottom), {x},
                           [=](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{reflection_pad2d_backward(g.grad, left, right, top, bottom)};
                           });
}

// The adjoint of reflection_pad2d: `grad` has the padded shape; the border is folded back
// onto the elements it reflects.
template <class T, class D>
Var<T, D> reflection_pad2d_backward(const Var<T, D>& grad, int64_t left, int64_t right, int64_t top, int64_t bottom) {
  return make_result<T, D>("reflection_pad2d_backward",
                           ops::reflection_pad2d_backward(grad.value(), left, right, top, bottom), {grad},
                           [=](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{reflection_pad2d(g.grad, left, right, top, bottom)};
                           });
}

}  // namespace gantry
