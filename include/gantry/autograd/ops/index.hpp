#pragma once
// Differentiable indexing in closed pairs: index_select <-> index_add and gather <->
// scatter_add, each the other's gradient, so any order of derivative stays on the tape.
// The indices are data (no gradient) and are shared by every node of a pair.
#include <memory>
#include <vector>

#include "../backend.hpp"
#include "../var.hpp"

namespace gantry {

template <class T, class D>
Var<T, D> index_add(const Var<T, D>& src, int axis, const std::vector<int64_t>& indices, int64_t size);

namespace detail {
template <class T, class D>
Var<T, D> index_select_shared(const Var<T, D>& x, int axis, std::shared_ptr<const std::vector<int64_t>> idx);
template <class T, class D>
Var<T, D> index_add_shared(const Var<T, D>& src, int axis, std::shared_ptr<const std::vector<int64_t>> idx,
                           int64_t size) {
  return make_result<T, D>("index_add", ops::index_add(src.value(), axis, *idx, size), {src},
                           [axis, idx](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{index_select_shared(g.grad, axis, idx)};
                           });
}
template <class T, class D>
Var<T, D> index_select_shared(const Var<T, D>& x, int axis, std::shared_ptr<const std::vector<int64_t>> idx) {
  return make_result<T, D>("index_select", ops::index_select(x.value(), axis, *idx), {x},
                           [axis, idx](const BackwardArgs<T, D>& g) {
                             const int64_t size = g.in[0].dim(axis);
                             return std::vector<Var<T, D>>{index_add_shared(g.grad, axis, idx, size)};
                           });
}

template <class T, class D>
Var<T, D> scatter_add_shared(const Var<T, D>& src, int axis, std::shared_ptr<const Indices> index, const Shape& shape);
template <class T, class D>
Var<T, D> gather_shared(const Var<T, D>& x, int axis, std::shared_ptr<const Indices> index) {
  return make_result<T, D>("gather", ops::gather(x.value(), axis, *index), {x},
                           [axis, index](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{scatter_add_shared(g.grad, axis, index, g.in[0].shape())};
                           });
}
template <class T, class D>
Var<T, D> scatter_add_shared(const Var<T, D>& src, int axis, std::shared_ptr<const Indices> index, const Shape& shape) {
  return make_result<T, D>("scatter_add", ops::scatter_add(src.value(), axis, *index, shape), {src},
                           [axis, index](const BackwardArgs<T, D>& g) {
                             return std::vector<Var<T, D>>{gather_shared(g.grad, axis, index)};
                           });
}
}  // namespace detail

// The slices of x at `indices` along `axis` (embedding lookup: rows of a weight matrix).
// Gradient: index_add.
template <class T, class D>
Var<T, D> index_select(const Var<T, D>& x, int axis, const std::vector<int64_t>& indices) {
  return detail::index_select_shared(x, axis, std::make_shared<const std::vector<int64_t>>(indices));
}

// Zeros with `size` entries along `axis`, plus slice j of src at indices[j]. Gradient:
// index_select.
template <class T, class D>
Var<T, D> index_add(const Var<T, D>& src, int axis, const std::vector<int64_t>& indices, int64_t size) {
  return detail::index_add_shared(src, axis, std::make_shared<const std::vector<int64_t>>(indices), size);
}

// torch.gather: out[p] = x[p with its `axis` coordinate replaced by index[p]]. Gradient:
// scatter_add.
template <class T, class D>
Var<T, D> gather(const Var<T, D>& x, int axis, const Indices& index) {
  return detail::gather_shared(x, axis, std::make_shared<const Indices>(index));
}

// Zeros of `shape` plus src[p] at p with its `axis` coordinate replaced by index[p].
// Gradient: gather.
template <class T, class D>
Var<T, D> scatter_add(const Var<T, D>& src, int axis, const Indices& index, const Shape& shape) {
  return detail::scatter_add_shared(src, axis, std::make_shared<const Indices>(index), shape);
}

}  // namespace gantry
