#pragma once
// Layout kernels: concat, slice and its adjoint slice_backward (a scatter into zeros),
// permute. Copies go by contiguous runs wherever the layout allows; a permute that moves
// the innermost axis runs as a tiled 2-D transpose of SIMD blocks so reads and writes stay
// in cache.
// The shape rules (ops::detail::*_shape, slice_spec, permute_dims) do not depend on the
// device, so every backend checks shapes with the same messages.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "../../core/parallel.hpp"
#include "../../core/tensor.hpp"

namespace gantry::ops {

namespace detail {

// Elements per parallel task for plain copies: big enough that a task outweighs its dispatch.
inline constexpr int64_t copy_grain = 1 << 15;

inline std::string list_str(const std::vector<int64_t>& v) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << ']';
  return os.str();
}

// Number of elements before `axis` (the count of independent rows along it).
inline int64_t outer_size(const Shape& s, int axis) {
  int64_t n = 1;
  for (int i = 0; i < axis; ++i) n *= s[i];
  return n;
}

// Normalises `axis` for `s`, with an error naming the op.
inline int layout_axis(const Shape& s, int axis, const char* op) {
  const int a = axis < 0 ? axis + s.rank() : axis;
  check<ShapeError>(a >= 0 && a < s.rank(), op, ": axis ", axis, " is out of range for shape ", s.str());
  return a;
}

// Shape of concat(shapes, axis): equal ranks, equal sizes except on `axis`.
inline Shape concat_shape(const std::vector<Shape>& shapes, int axis, const char* op = "concat") {
  check<ShapeError>(!shapes.empty(), op, ": needs at least one tensor");
  const Shape& first = shapes[0];
  const int a = layout_axis(first, axis, op);
  Shape out = first;
  for (std::size_t i = 1; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    check<ShapeError>(s.rank() == first.rank(), op, ": shapes ", first.str(), " and ", s.str(), " differ in rank (",
                      first.rank(), " vs ", s.rank(), ")");
    for (int d = 0; d < s.rank(); ++d)
      check<ShapeError>(d == a || s[d] == first[d], op, ": shapes ", first.str(), " and ", s.str(),
                        " differ on axis ", d, " (", first[d], " vs ", s[d], ")");
    out[a] += s[a];
  }
  return out;
}

// A slice [begin, end) with step along one axis, normalised: negative begin/end count from
// the end of the axis, as in Python; the range must then lie within the axis.
struct SliceSpec {
  int axis;
  int64_t begin, end, step, count;
};

inline SliceSpec slice_spec(const Shape& s, int axis, int64_t begin, int64_t end, int64_t step,
                            const char* op = "slice") {
  const int a = layout_axis(s, axis, op);
  const int64_t n = s[a];
  check<ShapeError>(step >= 1, op, ": step must be >= 1, found ", step);
  const int64_t b = begin < 0 ? begin + n : begin, e = end < 0 ? end + n : end;
  check<ShapeError>(0 <= b && b <= e && e <= n, op, ": range [", begin, ", ", end, ") does not fit axis ", axis,
                    " of shape ", s.str());
  return {a, b, e, step, (e - b + step - 1) / step};
}

inline Shape slice_shape(const Shape& s, const SliceSpec& sp) {
  Shape out = s;
  out[sp.axis] = sp.count;
  return out;
}

// Normalised permutation of the axes of `s` (negative entries count from the end).
inline std::vector<int> permute_dims(const Shape& s, const std::vector<int>& dims, const char* op = "permute") {
  std::vector<int64_t> shown(dims.begin(), dims.end());
  check<ShapeError>(static_cast<int>(dims.size()) == s.rank(), op, ": dims ", list_str(shown), " do not match shape ",
                    s.str(), " (", dims.size(), " dims for rank ", s.rank(), ")");
  std::vector<int> out(dims.size());
  std::vector<char> seen(dims.size(), 0);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const int d = dims[i] < 0 ? dims[i] + s.rank() : dims[i];
    check<ShapeError>(d >= 0 && d < s.rank() && !seen[static_cast<std::size_t>(d)], op, ": dims ", list_str(shown),
                      " are not a permutation of the axes of shape ", s.str());
    seen[static_cast<std::size_t>(d)] = 1;
    out[i] = d;
  }
  return out;
}

inline Shape permute_shape(const Shape& s, const std::vector<int>& dims) {
  Shape out = s;
  for (int i = 0; i < s.rank(); ++i) out[i] = s[dims[static_cast<std::size_t>(i)]];
  return out;
}

// Copies n contiguous elements, split across threads when large.
template <class T>
void parallel_copy(T* dst, const T* src, int64_t n) {
  parallel_for(0, n, copy_grain, [&](int64_t lo, int64_t hi) {
    std::memcpy(dst + lo, src + lo, static_cast<std::size_t>(hi - lo) * sizeof(T));
  });
}

// Copies `rows` runs of `len` elements: run r goes from src + src_off(r) to dst + dst_off(r).
template <class T, class Src, class Dst>
void copy_runs(T* dst, const T* src, int64_t rows, int64_t len, Src src_off, Dst dst_off) {
  if (rows == 1) {
    parallel_copy(dst + dst_off(0), src + src_off(0), len);
    return;
  }
  parallel_for(0, rows, std::max<int64_t>(1, copy_grain / std::max<int64_t>(len, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r)
      std::memcpy(dst + dst_off(r), src + src_off(r), static_cast<std::size_t>(len) * sizeof(T));
  });
}

// out[i] = in[offset + i * stride] over each of `rows` runs (row r reads from src_off(r)).
template <class T, class Src>
void gather_strided(T* dst, const T* src, int64_t rows, int64_t len, int64_t stride, Src src_off) {
  parallel_for(0, rows, std::max<int64_t>(1, copy_grain / std::max<int64_t>(len, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* s = src + src_off(r);
      T* d = dst + r * len;
      for (int64_t i = 0; i < len; ++i) d[i] = s[i * stride];
    }
  });
}

}  // namespace detail

// Joins tensors along `axis`; all other sizes must agree.
template <class T>
Tensor<T, cpu> concat(const std::vector<Tensor<T, cpu>>& xs, int axis) {
  std::vector<Shape> shapes;
  for (const auto& x : xs) shapes.push_back(x.shape());
  const Shape s = detail::concat_shape(shapes, axis);
  const int a = detail::layout_axis(s, axis, "concat");
  Tensor<T, cpu> out(s);
  const int64_t outer = detail::outer_size(s, a), inner = s.stride(a), out_row = s[a] * inner;
  int64_t off = 0;
  for (const auto& x : xs) {
    const int64_t row = x.dim(a) * inner;
    if (row > 0)
      detail::copy_runs(out.data(), x.data(), outer, row, [row](int64_t r) { return r * row; },
                        [=](int64_t r) { return r * out_row + off; });
    off += row;
  }
  return out;
}

// Elements begin, begin + step, ... (< end) along `axis`.
template <class T>
Tensor<T, cpu> slice(const Tensor<T, cpu>& x, int axis, int64_t begin, int64_t end, int64_t step = 1) {
  const auto sp = detail::slice_spec(x.shape(), axis, begin, end, step);
  const Shape& s = x.shape();
  Tensor<T, cpu> out(detail::slice_shape(s, sp));
  if (out.numel() == 0) return out;
  const int64_t outer = detail::outer_size(s, sp.axis), inner = s.stride(sp.axis), n = s[sp.axis];
  if (inner == 1 && sp.step > 1) {
    // The sliced axis is the innermost: a strided gather per row.
    detail::gather_strided(out.data(), x.data(), outer, sp.count, sp.step,
                           [=](int64_t r) { return r * n + sp.begin; });
  } else if (sp.step == 1) {
    const int64_t len = sp.count * inner;
    detail::copy_runs(out.data(), x.data(), outer, len, [=](int64_t r) { return (r * n + sp.begin) * inner; },
                      [=](int64_t r) { return r * len; });
  } else {
    detail::copy_runs(out.data(), x.data(), outer * sp.count, inner,
                      [=](int64_t r) { return ((r / sp.count) * n + sp.begin + (r % sp.count) * sp.step) * inner; },
                      [=](int64_t r) { return r * inner; });
  }
  return out;
}

// The adjoint of slice: a tensor of `input_shape`, zero except where slice(x, ...) reads,
// which holds `grad`.
template <class T>
Tensor<T, cpu> slice_backward(const Tensor<T, cpu>& grad, const Shape& input_shape, int axis, int64_t begin,
                              int64_t end, int64_t step = 1) {
  const auto sp = detail::slice_spec(input_shape, axis, begin, end, step, "slice_backward");
  const Shape expect = detail::slice_shape(input_shape, sp);
  check<ShapeError>(grad.shape() == expect, "slice_backward: gradient of shape ", grad.shape().str(),
                    " does not match the slice of shape ", input_shape.str(), " (expected ", expect.str(), ")");
  auto out = Tensor<T, cpu>::zeros(input_shape);
  if (grad.numel() == 0) return out;
  const int64_t outer = detail::outer_size(input_shape, sp.axis), inner = input_shape.stride(sp.axis),
                n = input_shape[sp.axis];
  if (sp.step == 1) {
    const int64_t len = sp.count * inner;
    detail::copy_runs(out.data(), grad.data(), outer, len, [=](int64_t r) { return r * len; },
                      [=](int64_t r) { return (r * n + sp.begin) * inner; });
  } else {
    detail::copy_runs(out.data(), grad.data(), outer * sp.count, inner, [=](int64_t r) { return r * inner; },
                      [=](int64_t r) { return ((r / sp.count) * n + sp.begin + (r % sp.count) * sp.step) * inner; });
  }
  return out;
}

namespace detail {

// Output axis k of a permute reads input axis dims[k]. Size-1 axes are dropped and output
// axes that stay adjacent in the input are merged, leaving the fewest, largest loops.
struct PermutePlan {
  std::vector<int64_t> size;    // per merged output axis
  std::vector<int64_t> stride;  // its stride in the input
};

inline PermutePlan permute_plan(const Shape& s, const std::vector<int>& dims) {
  PermutePlan p;
  int prev = -2;
  for (int k = 0; k < s.rank(); ++k) {
    const int d = dims[static_cast<std::size_t>(k)];
    if (s[d] == 1) continue;
    if (d == prev + 1 && !p.size.empty()) {
      p.size.back() *= s[d];
      p.stride.back() = s.stride(d);
    } else {
      p.size.push_back(s[d]);
      p.stride.push_back(s.stride(d));
    }
    prev = d;
  }
  return p;
}

// Eigen's packet types carry alignment attributes that GCC drops (harmlessly) when they
// are template arguments, and GCC 12 flags the AVX-512 shuffle intrinsics inside
// ptranspose as maybe-uninitialized (a false positive of its own headers).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// dst[i * dst_stride + j] = src[i + j * src_stride] for i in [p0, p1), j in [q0, q1): a
// transpose done in square blocks of one SIMD packet per row (Eigen's in-register
// ptranspose), with a scalar loop for the ragged edges.
template <class T>
void transpose_tile(T* dst, const T* src, int64_t p0, int64_t p1, int64_t q0, int64_t q1, int64_t dst_stride,
                    int64_t src_stride) {
  using Packet = typename Eigen::internal::packet_traits<T>::type;
  constexpr int64_t B = Eigen::internal::unpacket_traits<Packet>::size;
  int64_t pb = p0, qb = q0;  // ends of the region covered by whole blocks
  if constexpr (B > 1) {
    pb = p0 + (p1 - p0) / B * B;
    qb = q0 + (q1 - q0) / B * B;
    for (int64_t i0 = p0; i0 < pb; i0 += B)
      for (int64_t j0 = q0; j0 < qb; j0 += B) {
        Eigen::internal::PacketBlock<Packet, B> blk;
        for (int64_t j = 0; j < B; ++j)
          blk.packet[j] = Eigen::internal::ploadu<Packet>(src + (j0 + j) * src_stride + i0);
        Eigen::internal::ptranspose(blk);
        for (int64_t i = 0; i < B; ++i) Eigen::internal::pstoreu(dst + (i0 + i) * dst_stride + j0, blk.packet[i]);
      }
  }
  for (int64_t i = p0; i < p1; ++i) {
    T* o = dst + i * dst_stride;
    const T* s = src + i;
    for (int64_t j = i < pb ? qb : q0; j < q1; ++j) o[j] = s[j * src_stride];
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace detail

// Reorders axes: output axis k is input axis dims[k].
template <class T>
Tensor<T, cpu> permute(const Tensor<T, cpu>& x, const std::vector<int>& dims) {
  const auto d = detail::permute_dims(x.shape(), dims);
  Tensor<T, cpu> out(detail::permute_shape(x.shape(), d));
  if (out.numel() == 0) return out;
  const auto plan = detail::permute_plan(x.shape(), d);
  const int r = static_cast<int>(plan.size.size());
  const T* src = x.data();
  T* dst = out.data();
  if (r <= 1) {  // nothing moves
    detail::parallel_copy(dst, src, x.numel());
    return out;
  }
  // Input offset of the element at merged-output multi-index given by flat position `flat`
  // over axes [0, upto) (the remaining axes' indices are zero).
  auto offset_of = [&](int64_t flat, int upto) {
    int64_t off = 0;
    for (int k = upto - 1; k >= 0; --k) {
      const auto kk = static_cast<std::size_t>(k);
      off += (flat % plan.size[kk]) * plan.stride[kk];
      flat /= plan.size[kk];
    }
    return off;
  };
  const int64_t last = plan.size.back();
  if (plan.stride.back() == 1) {
    // The innermost axis stays innermost: contiguous runs.
    detail::copy_runs(dst, src, out.numel() / last, last, [&](int64_t row) { return offset_of(row, r - 1); },
                      [last](int64_t row) { return row * last; });
    return out;
  }
  // The input's innermost axis (stride 1) is output axis p < r - 1: transpose the
  // (p, last) plane in tiles for every index of the other axes.
  int p = 0;
  while (plan.stride[static_cast<std::size_t>(p)] != 1) ++p;
  const int64_t np = plan.size[static_cast<std::size_t>(p)], q_stride = plan.stride.back();
  int64_t out_p_stride = 1;  // stride of output axis p in the output
  for (int k = p + 1; k < r; ++k) out_p_stride *= plan.size[static_cast<std::size_t>(k)];
  // The other axes, in output order, with their strides in the input and in the output.
  std::vector<int64_t> osize, istride, ostride;
  {
    int64_t os = 1;
    std::vector<int64_t> out_strides(static_cast<std::size_t>(r));
    for (int k = r - 1; k >= 0; --k) {
      out_strides[static_cast<std::size_t>(k)] = os;
      os *= plan.size[static_cast<std::size_t>(k)];
    }
    for (int k = 0; k < r - 1; ++k) {
      if (k == p) continue;
      osize.push_back(plan.size[static_cast<std::size_t>(k)]);
      istride.push_back(plan.stride[static_cast<std::size_t>(k)]);
      ostride.push_back(out_strides[static_cast<std::size_t>(k)]);
    }
  }
  constexpr int64_t tile = 64;
  const int64_t p_tiles = (np + tile - 1) / tile;
  const int64_t batches = out.numel() / (np * last);
  parallel_for(0, batches * p_tiles, std::max<int64_t>(1, detail::copy_grain / (tile * last)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t t = lo; t < hi; ++t) {
                   int64_t b = t / p_tiles, ib = 0, ob = 0;
                   for (int k = static_cast<int>(osize.size()) - 1; k >= 0; --k) {
                     const auto kk = static_cast<std::size_t>(k);
                     const int64_t i = b % osize[kk];
                     b /= osize[kk];
                     ib += i * istride[kk];
                     ob += i * ostride[kk];
                   }
                   const int64_t p0 = (t % p_tiles) * tile, p1 = std::min(np, p0 + tile);
                   for (int64_t q0 = 0; q0 < last; q0 += tile)
                     detail::transpose_tile(dst + ob, src + ib, p0, p1, q0, std::min(last, q0 + tile), out_p_stride,
                                            q_stride);
                 }
               });
  return out;
}

// Swaps two axes.
template <class T>
Tensor<T, cpu> transpose(const Tensor<T, cpu>& x, int a, int b) {
  const int ra = detail::layout_axis(x.shape(), a, "transpose"), rb = detail::layout_axis(x.shape(), b, "transpose");
  std::vector<int> dims(static_cast<std::size_t>(x.rank()));
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[static_cast<std::size_t>(ra)], dims[static_cast<std::size_t>(rb)]);
  return permute(x, dims);
}

}  // namespace gantry::ops
