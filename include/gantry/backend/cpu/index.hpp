#pragma once
// Indexing kernels in pairs that are each other's gradient: index_select / index_add (whole
// slices along an axis, e.g. embedding rows) and gather / scatter_add (one element per
// index position, PyTorch semantics), plus the one_hot factory. Indices are host integers;
// an index outside its axis is an error naming the op, the index and the size. The adds
// visit each output element's contributions in index order within one thread, so they are
// reproducible.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../../core/factories.hpp"
#include "../../core/parallel.hpp"
#include "../../core/tensor.hpp"

namespace gantry {

// Integer indices with a shape (gather's index, labels), in host memory.
struct Indices {
  Shape shape;
  std::vector<int64_t> values;

  Indices() = default;
  Indices(const Shape& s, std::vector<int64_t> v) : shape(s), values(std::move(v)) {
    check<ShapeError>(static_cast<int64_t>(values.size()) == shape.numel(), "Indices: shape ", shape.str(), " needs ",
                      shape.numel(), " values, found ", values.size());
  }
  // A 1-D list (implicit, so a std::vector or a braced list can be passed directly).
  Indices(std::vector<int64_t> v) : shape{static_cast<int64_t>(v.size())}, values(std::move(v)) {}
  int64_t numel() const { return static_cast<int64_t>(values.size()); }
  int rank() const { return shape.rank(); }
  int64_t operator[](int64_t i) const { return values[static_cast<size_t>(i)]; }
};

// A [labels.size(), num_classes] tensor with 1 at (i, labels[i]) and 0 elsewhere.
template <class T, class D = cpu>
Tensor<T, D> one_hot(const Indices& labels, int64_t num_classes, D = {}) {
  check<ShapeError>(num_classes > 0, "one_hot: num_classes must be positive, found ", num_classes);
  for (int64_t l : labels.values)
    check<ShapeError>(l >= 0 && l < num_classes, "one_hot: label ", l, " is out of range for ", num_classes,
                      " classes");
  Shape s = labels.shape;
  s.push_back(num_classes);
  return detail::generate<T, D>(s, [&](int64_t i) { return T(labels[i / num_classes] == i % num_classes); });
}

namespace ops {

namespace detail {

inline int index_axis(const Shape& s, int axis, const char* op) {
  const int a = axis < 0 ? axis + s.rank() : axis;
  check<ShapeError>(a >= 0 && a < s.rank(), op, ": axis ", axis, " is out of range for shape ", s.str());
  return a;
}

inline void check_index(int64_t i, int64_t size, int axis, const char* op) {
  check<ShapeError>(i >= 0 && i < size, op, ": index ", i, " is out of range for axis ", axis, " of size ", size);
}

// Offsets, with the strides of `strided`, of every position of the axes [from, to) of
// `s`, row-major (s's extents may be smaller than strided's).
inline std::vector<int64_t> position_offsets(const Shape& s, const Shape& strided, int from, int to) {
  std::vector<int64_t> out{0};
  for (int d = from; d < to; ++d) {
    std::vector<int64_t> next;
    next.reserve(out.size() * static_cast<size_t>(s[d]));
    for (int64_t o : out)
      for (int64_t i = 0; i < s[d]; ++i) next.push_back(o + i * strided.stride(d));
    out.swap(next);
  }
  return out;
}

// Checks gather/scatter_add's index against the tensor it addresses (`full`): same rank,
// extents no larger off the axis, and values inside the axis.
inline void check_gather_index(const Indices& index, const Shape& full, int a, const char* op) {
  check<ShapeError>(index.rank() == full.rank(), op, ": index of shape ", index.shape.str(), " and tensor of shape ",
                    full.str(), " have different ranks");
  for (int d = 0; d < full.rank(); ++d)
    check<ShapeError>(d == a || index.shape[d] <= full[d], op, ": index of shape ", index.shape.str(),
                      " is larger than the tensor of shape ", full.str(), " at dimension ", d);
  for (int64_t i : index.values) check_index(i, full[a], a, op);
}

}  // namespace detail

// The slices x[..., indices[j], ...] along `axis`, stacked in order (rows of an embedding
// table for axis 0). The result has indices.size() entries along `axis`.
template <class T>
Tensor<T, cpu> index_select(const Tensor<T, cpu>& x, int axis, const std::vector<int64_t>& indices) {
  const int a = detail::index_axis(x.shape(), axis, "index_select");
  const int64_t size = x.dim(a), inner = x.shape().stride(a);
  for (int64_t i : indices) detail::check_index(i, size, a, "index_select");
  Shape s = x.shape();
  const int64_t n = static_cast<int64_t>(indices.size());
  s[a] = n;
  Tensor<T, cpu> out(s);
  if (out.numel() == 0) return out;  // otherwise x is not empty either
  const int64_t outer = x.numel() / (size * inner);
  const T* px = x.data();
  T* po = out.data();
  parallel_for(0, outer * n, std::max<int64_t>(1, (1 << 14) / inner), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t o = r / n, j = r % n;
      const T* src = px + (o * size + indices[static_cast<size_t>(j)]) * inner;
      std::copy(src, src + inner, po + r * inner);
    }
  });
  return out;
}

// The adjoint of index_select: a tensor with `size` entries along `axis`, zero except that
// slice j of `src` is added at position indices[j] (repeated indices add up).
template <class T>
Tensor<T, cpu> index_add(const Tensor<T, cpu>& src, int axis, const std::vector<int64_t>& indices, int64_t size) {
  const int a = detail::index_axis(src.shape(), axis, "index_add");
  const int64_t n = static_cast<int64_t>(indices.size());
  check<ShapeError>(src.dim(a) == n, "index_add: ", n, " indices for axis ", a, " of the source of shape ",
                    src.shape().str());
  check<ShapeError>(size >= 0, "index_add: size must be >= 0, found ", size);
  for (int64_t i : indices) detail::check_index(i, size, a, "index_add");
  Shape s = src.shape();
  s[a] = size;
  Tensor<T, cpu> out = Tensor<T, cpu>::zeros(s);
  const int64_t inner = s.stride(a), outer = s.numel() ? s.numel() / (size * inner) : 0;
  if (out.numel() == 0 || n == 0) return out;
  // Tasks own disjoint (outer, inner chunk) blocks and add the indices in order.
  constexpr int64_t chunk = 1024;
  const int64_t chunks = (inner + chunk - 1) / chunk;
  const T* ps = src.data();
  T* po = out.data();
  parallel_for(0, outer * chunks, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, n * std::min(inner, chunk))),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t t = lo; t < hi; ++t) {
                   const int64_t o = t / chunks, c0 = (t % chunks) * chunk, len = std::min(chunk, inner - c0);
                   for (int64_t j = 0; j < n; ++j) {
                     const T* q = ps + (o * n + j) * inner + c0;
                     T* d = po + (o * size + indices[static_cast<size_t>(j)]) * inner + c0;
                     for (int64_t i = 0; i < len; ++i) d[i] += q[i];
                   }
                 }
               });
  return out;
}

// out[p] = x[p with its coordinate along `axis` replaced by index[p]] (torch.gather): the
// result has the index's shape; off the axis the index may be smaller than x.
template <class T>
Tensor<T, cpu> gather(const Tensor<T, cpu>& x, int axis, const Indices& index) {
  const int a = detail::index_axis(x.shape(), axis, "gather");
  detail::check_gather_index(index, x.shape(), a, "gather");
  Tensor<T, cpu> out(index.shape);
  if (out.numel() == 0) return out;
  const Shape& is = index.shape;
  const auto outer = detail::position_offsets(is, x.shape(), 0, a);
  const auto inner = detail::position_offsets(is, x.shape(), a + 1, is.rank());
  const int64_t A = is[a], I = static_cast<int64_t>(inner.size()), xs = x.shape().stride(a);
  const T* px = x.data();
  T* po = out.data();
  parallel_for(0, static_cast<int64_t>(outer.size()) * A, std::max<int64_t>(1, (1 << 14) / I),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t r = lo; r < hi; ++r) {
                   const int64_t b = outer[static_cast<size_t>(r / A)];
                   for (int64_t i = 0; i < I; ++i)
                     po[r * I + i] = px[b + index[r * I + i] * xs + inner[static_cast<size_t>(i)]];
                 }
               });
  return out;
}

// The adjoint of gather: a tensor of `shape`, zero except that src[p] is added at p with its
// coordinate along `axis` replaced by index[p] (src and index have the same shape).
template <class T>
Tensor<T, cpu> scatter_add(const Tensor<T, cpu>& src, int axis, const Indices& index, const Shape& shape) {
  const int a = detail::index_axis(shape, axis, "scatter_add");
  check<ShapeError>(src.shape() == index.shape, "scatter_add: source of shape ", src.shape().str(),
                    " and index of shape ", index.shape.str(), " differ");
  detail::check_gather_index(index, shape, a, "scatter_add");
  Tensor<T, cpu> out = Tensor<T, cpu>::zeros(shape);
  if (src.numel() == 0) return out;
  const Shape& is = index.shape;
  const auto outer = detail::position_offsets(is, shape, 0, a);
  const auto inner = detail::position_offsets(is, shape, a + 1, is.rank());
  const int64_t A = is[a], I = static_cast<int64_t>(inner.size()), ys = shape.stride(a);
  // Positions that differ only along `axis` may hit the same output, so a task owns an
  // (outer, inner chunk) block and walks the axis in order.
  constexpr int64_t chunk = 1024;
  const int64_t chunks = (I + chunk - 1) / chunk;
  const T* ps = src.data();
  T* po = out.data();
  parallel_for(0, static_cast<int64_t>(outer.size()) * chunks,
               std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, A * std::min(I, chunk))),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t t = lo; t < hi; ++t) {
                   const int64_t o = t / chunks, c0 = (t % chunks) * chunk, c1 = std::min(I, c0 + chunk);
                   const int64_t b = outer[static_cast<size_t>(o)];
                   for (int64_t j = 0; j < A; ++j) {
                     const int64_t row = (o * A + j) * I;
                     for (int64_t i = c0; i < c1; ++i)
                       po[b + index[row + i] * ys + inner[static_cast<size_t>(i)]] += ps[row + i];
                   }
                 }
               });
  return out;
}

}  // namespace ops
}  // namespace gantry
