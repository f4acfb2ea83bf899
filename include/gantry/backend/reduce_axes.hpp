#pragma once
// Device-independent rules of reductions: which axes, and the shape of the result. Every
// backend uses these, so they all accept the same axes and raise the same errors.
#include <algorithm>
#include <vector>

#include "../core/error.hpp"
#include "../core/shape.hpp"

namespace gantry::reduce_detail {

// Normalised, sorted, unique axes; an empty list means all axes.
inline std::vector<int> reduce_axes(const Shape& s, std::vector<int> axes, const char* op) {
  if (axes.empty()) {
    for (int i = 0; i < s.rank(); ++i) axes.push_back(i);
    return axes;
  }
  for (int& a : axes) {
    const int n = a < 0 ? a + s.rank() : a;
    check<ShapeError>(n >= 0 && n < s.rank(), op, ": axis ", a, " is out of range for shape ", s.str());
    a = n;
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

inline Shape reduced_shape(const Shape& s, const std::vector<int>& axes, bool keepdim) {
  std::vector<int64_t> out;
  for (int i = 0; i < s.rank(); ++i) {
    const bool r = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!r) out.push_back(s[i]);
    else if (keepdim) out.push_back(1);
  }
  return Shape(out);
}

// The axes sum_to(x, shape) sums over, for an x of shape `from` that was broadcast from
// `shape` (keepdim, then reshaped to `shape`); none when a reshape suffices. Both
// backends' sum_to use it.
inline std::vector<int> sum_to_axes(const Shape& from, const Shape& shape, const Shape& broadcast) {
  check<ShapeError>(broadcast == from, "sum_to: shape ", from.str(), " was not broadcast from ", shape.str());
  std::vector<int> axes;
  const int lead = from.rank() - shape.rank();
  for (int i = 0; i < from.rank(); ++i)
    if (i < lead || (shape[i - lead] == 1 && from[i] != 1)) axes.push_back(i);
  return axes;
}

}  // namespace gantry::reduce_detail
