#pragma once
// Differentiable layout ops: concat, split, slice, permute, transpose. They are linear and
// come in closed pairs: slice <-> slice_backward (a scatter into zeros), concat -> slices,
// permute <-> the inverse permute; so gradients of any order stay on the tape.
#include <numeric>
#include <vector>

#include "../backend.hpp"
#include "../var.hpp"

namespace gantry {

template <class T, class D>
Var<T, D> slice_backward(const Var<T, D>& grad, const Shape& input_shape, int axis, int64_t begin, int64_t end,
                         int64_t step = 1);

// Elements begin, begin + step, ... (< end) along `axis`; negative begin/end count from the
// end of the axis.
template <class T, class D>
Var<T, D> slice(const Var<T, D>& x, int axis, int64_t begin, int64_t end, int64_t step = 1) {
  const auto sp = ops::detail::slice_spec(x.shape(), axis, begin, end, step);
  if (sp.begin == 0 && sp.end == x.dim(sp.axis) && sp.step == 1) return x;
  const Shape from = x.shape();
  return make_result<T, D>("slice", ops::slice(x.value(), sp.axis, sp.begin, sp.end, sp.step), {x},
                           [from, sp](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{
                                 slice_backward(g.grad, from, sp.axis, sp.begin, sp.end, sp.step)};
                           });
}

// The adjoint of slice: zeros of `input_shape` holding `grad` where the slice reads.
template <class T, class D>
Var<T, D> slice_backward(const Var<T, D>& grad, const Shape& input_shape, int axis, int64_t begin, int64_t end,
                         int64_t step) {
  const auto sp = ops::detail::slice_spec(input_shape, axis, begin, end, step, "slice_backward");
  return make_result<T, D>("slice_backward",
                           ops::slice_backward(grad.value(), input_shape, sp.axis, sp.begin, sp.end, sp.step), {grad},
                           [sp](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{slice(g.grad, sp.axis, sp.begin, sp.end, sp.step)};
                           });
}

// Joins `xs` along `axis`; all other sizes must agree. The gradient of each input is the
// slice of the output's gradient where it landed.
template <class T, class D>
Var<T, D> concat(const std::vector<Var<T, D>>& xs, int axis) {
  std::vector<Shape> shapes;
  std::vector<Tensor<T, D>> values;
  for (const auto& x : xs) {
    shapes.push_back(x.shape());
    values.push_back(x.value());
  }
  const Shape s = ops::detail::concat_shape(shapes, axis);
  const int a = ops::detail::layout_axis(s, axis, "concat");
  if (xs.size() == 1) return xs[0];
  std::vector<int64_t> offsets{0};
  for (const auto& sh : shapes) offsets.push_back(offsets.back() + sh[a]);
  return make_result<T, D>("concat", ops::concat(values, a), xs, [a, offsets](const BackwardArgs<T, D>& g) {
    std::vector<Var<T, D>> out(g.in.size());
    for (std::size_t i = 0; i < out.size(); ++i)
      if (g.need(i)) out[i] = slice(g.grad, a, offsets[i], offsets[i + 1]);
    return out;
  });
}

// Cuts `x` along `axis` into consecutive pieces of the given sizes (which must add up to
// the size of the axis).
template <class T, class D>
std::vector<Var<T, D>> split(const Var<T, D>& x, const std::vector<int64_t>& sizes, int axis) {
  const int a = ops::detail::layout_axis(x.shape(), axis, "split");
  int64_t total = 0;
  for (int64_t n : sizes) {
    check<ShapeError>(n >= 0, "split: sizes ", ops::detail::list_str(sizes), " must not be negative");
    total += n;
  }
  check<ShapeError>(total == x.dim(a), "split: sizes ", ops::detail::list_str(sizes), " add up to ", total,
                    " but axis ", axis, " of shape ", x.shape().str(), " has ", x.dim(a));
  std::vector<Var<T, D>> out;
  int64_t at = 0;
  for (int64_t n : sizes) {
    out.push_back(slice(x, a, at, at + n));
    at += n;
  }
  return out;
}

// Reorders axes: output axis k is input axis dims[k]. The gradient is the inverse permute.
template <class T, class D>
Var<T, D> permute(const Var<T, D>& x, const std::vector<int>& dims) {
  const auto d = ops::detail::permute_dims(x.shape(), dims);
  std::vector<int> inverse(d.size());
  bool identity = true;
  for (std::size_t k = 0; k < d.size(); ++k) {
    inverse[static_cast<std::size_t>(d[k])] = static_cast<int>(k);
    identity = identity && d[k] == static_cast<int>(k);
  }
  if (identity) return x;
  return make_result<T, D>("permute", ops::permute(x.value(), d), {x}, [inverse](const BackwardArgs<T, D>& g) {
    return std::vector<Var<T, D>>{permute(g.grad, inverse)};
  });
}

// Swaps axes a and b.
template <class T, class D>
Var<T, D> transpose(const Var<T, D>& x, int a, int b) {
  const int ra = ops::detail::layout_axis(x.shape(), a, "transpose"),
            rb = ops::detail::layout_axis(x.shape(), b, "transpose");
  std::vector<int> dims(static_cast<std::size_t>(x.rank()));
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[static_cast<std::size_t>(ra)], dims[static_cast<std::size_t>(rb)]);
  return permute(x, dims);
}

}  // namespace gantry
