#pragma once
// Padding on the last two axes (H, W) of a tensor of rank >= 2, plane by plane:
// constant_pad2d (negative amounts crop, so the op is its own adjoint with the amounts
// negated) and reflection_pad2d with its adjoint, which folds the reflected border back
// onto the rows and columns it was read from.
#include <algorithm>
#include <cstring>
#include <string>

#include "../../core/parallel.hpp"
#include "../../core/tensor.hpp"

namespace gantry::ops {

namespace detail {

// Planes per task: about 32k elements of output each.
inline int64_t plane_grain(int64_t plane) {
  return std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(plane, 1));
}

// Number of (H, W) planes in a tensor of rank >= 2.
inline int64_t plane_count(const Shape& s) {
  int64_t n = 1;
  for (int i = 0; i < s.rank() - 2; ++i) n *= s[i];
  return n;
}

inline std::string pad_str(int64_t l, int64_t r, int64_t t, int64_t b) {
  return gantry::detail::concat("(left ", l, ", right ", r, ", top ", t, ", bottom ", b, ")");
}

// The shape after padding the last two axes; negative amounts crop.
inline Shape pad2d_shape(const Shape& s, int64_t l, int64_t r, int64_t t, int64_t b, const char* op) {
  check<ShapeError>(s.rank() >= 2, op, ": needs a tensor with at least 2 axes (..., H, W), found shape ", s.str());
  const int64_t h = s[s.rank() - 2], w = s[s.rank() - 1];
  // A negative amount removes that many rows or columns, which must exist on its side.
  const bool fits = h + std::min<int64_t>(t, 0) + std::min<int64_t>(b, 0) >= 0 &&
                    w + std::min<int64_t>(l, 0) + std::min<int64_t>(r, 0) >= 0;
  check<ShapeError>(fits, op, ": padding ", pad_str(l, r, t, b), " crops more than shape ", s.str(), " has");
  Shape out = s;
  out[s.rank() - 2] = h + t + b;
  out[s.rank() - 1] = w + l + r;
  return out;
}

// Reflection needs each amount below the size of its axis (PyTorch's rule).
inline void check_reflection(const Shape& in, int64_t l, int64_t r, int64_t t, int64_t b, const char* op) {
  check<ShapeError>(in.rank() >= 2, op, ": needs a tensor with at least 2 axes (..., H, W), found shape ", in.str());
  const int64_t h = in[in.rank() - 2], w = in[in.rank() - 1];
  check<ShapeError>(l >= 0 && r >= 0 && t >= 0 && b >= 0, op, ": padding ", pad_str(l, r, t, b),
                    " must not be negative");
  check<ShapeError>(l < w && r < w && t < h && b < h, op, ": padding ", pad_str(l, r, t, b),
                    " must be less than the size of its axis for shape ", in.str(), " (H ", h, ", W ", w, ")");
}

// PyTorch's reflection of index i (may lie in [-n + 1, 2n - 1)) into [0, n).
inline int64_t reflect(int64_t i, int64_t n) { return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i); }

}  // namespace detail

// Pads the last two axes with `value`: `left`/`right` columns, `top`/`bottom` rows.
// Negative amounts remove rows or columns instead.
template <class T>
Tensor<T, cpu> constant_pad2d(const Tensor<T, cpu>& x, int64_t left, int64_t right, int64_t top, int64_t bottom,
                              T value = T(0)) {
  const Shape& s = x.shape();
  const Shape os = detail::pad2d_shape(s, left, right, top, bottom, "constant_pad2d");
  Tensor<T, cpu> out(os);
  const int64_t h = s[s.rank() - 2], w = s[s.rank() - 1], oh = os[os.rank() - 2], ow = os[os.rank() - 1];
  const int64_t planes = detail::plane_count(s);
  // Output columns [c0, c1) come from input columns [c0 - left, c1 - left).
  const int64_t c0 = std::clamp<int64_t>(left, 0, ow), c1 = std::clamp<int64_t>(w + left, c0, ow);
  const T* src = x.data();
  T* dst = out.data();
  parallel_for(0, planes, detail::plane_grain(oh * ow), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      for (int64_t y = 0; y < oh; ++y) {
        T* o = dst + (p * oh + y) * ow;
        const int64_t iy = y - top;
        if (iy < 0 || iy >= h) {
          std::fill(o, o + ow, value);
          continue;
        }
        const T* i = src + (p * h + iy) * w;
        std::fill(o, o + c0, value);
        if (c1 > c0) std::memcpy(o + c0, i + (c0 - left), static_cast<std::size_t>(c1 - c0) * sizeof(T));
        std::fill(o + c1, o + ow, value);
      }
    }
  });
  return out;
}

// Pads the last two axes by reflecting the tensor at its border (without repeating the
// border itself), as torch.nn.ReflectionPad2d; each amount must be less than its axis.
template <class T>
Tensor<T, cpu> reflection_pad2d(const Tensor<T, cpu>& x, int64_t left, int64_t right, int64_t top, int64_t bottom) {
  detail::check_reflection(x.shape(), left, right, top, bottom, "reflection_pad2d");
  const Shape& s = x.shape();
  const Shape os = detail::pad2d_shape(s, left, right, top, bottom, "reflection_pad2d");
  Tensor<T, cpu> out(os);
  const int64_t h = s[s.rank() - 2], w = s[s.rank() - 1], oh = os[os.rank() - 2], ow = os[os.rank() - 1];
  const int64_t planes = detail::plane_count(s);
  const T* src = x.data();
  T* dst = out.data();
  parallel_for(0, planes, detail::plane_grain(oh * ow), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      for (int64_t y = 0; y < oh; ++y) {
        const T* i = src + (p * h + detail::reflect(y - top, h)) * w;
        T* o = dst + (p * oh + y) * ow;
        for (int64_t j = 0; j < left; ++j) o[j] = i[left - j];
        std::memcpy(o + left, i, static_cast<std::size_t>(w) * sizeof(T));
        for (int64_t j = 1; j <= right; ++j) o[left + w - 1 + j] = i[w - 1 - j];
      }
    }
  });
  return out;
}

// The adjoint of reflection_pad2d: `grad` has the padded shape; each element is added to
// the input element it was copied from.
template <class T>
Tensor<T, cpu> reflection_pad2d_backward(const Tensor<T, cpu>& grad, int64_t left, int64_t right, int64_t top,
                                         int64_t bottom) {
  const Shape& gs = grad.shape();
  const Shape s = detail::pad2d_shape(gs, -left, -right, -top, -bottom, "reflection_pad2d_backward");
  detail::check_reflection(s, left, right, top, bottom, "reflection_pad2d_backward");
  auto out = Tensor<T, cpu>::zeros(s);
  const int64_t h = s[s.rank() - 2], w = s[s.rank() - 1], oh = gs[gs.rank() - 2], ow = gs[gs.rank() - 1];
  const int64_t planes = detail::plane_count(s);
  const T* src = grad.data();
  T* dst = out.data();
  parallel_for(0, planes, detail::plane_grain(oh * ow), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      for (int64_t y = 0; y < oh; ++y) {
        const T* g = src + (p * oh + y) * ow;
        T* o = dst + (p * h + detail::reflect(y - top, h)) * w;
        for (int64_t j = 0; j < left; ++j) o[left - j] += g[j];
        for (int64_t j = 0; j < w; ++j) o[j] += g[left + j];
        for (int64_t j = 1; j <= right; ++j) o[w - 1 - j] += g[left + w - 1 + j];
      }
    }
  });
  return out;
}

}  // namespace gantry::ops
