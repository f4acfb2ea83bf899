#pragma once
// Dynamic shape of rank 0..6, row-major.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "error.hpp"

namespace gantry {

inline constexpr int max_rank = 6;

// The number of elements of a shape: 0 when any dimension is 0, however large the others;
// ShapeError when the product does not fit in int64 (a file's shape such as [2^62, 2^62, 4]
// must not overflow a signed product).
inline int64_t checked_numel(const int64_t* dims, std::size_t rank) {
  for (std::size_t i = 0; i < rank; ++i)
    if (dims[i] == 0) return 0;
  int64_t n = 1;
  for (std::size_t i = 0; i < rank; ++i)
    if (__builtin_mul_overflow(n, dims[i], &n)) {
      std::ostringstream s;
      for (std::size_t j = 0; j < rank; ++j) s << (j ? ", " : "[") << dims[j];
      fail<ShapeError>("shape ", s.str(), "] has more than 2^63 - 1 elements");
    }
  return n;
}

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.end()); }
  explicit Shape(const std::vector<int64_t>& dims) { assign(dims.begin(), dims.end()); }

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return dims_[static_cast<size_t>(i)]; }
  // Negative axes count from the end, as in NumPy.
  int64_t dim(int axis) const { return dims_[static_cast<size_t>(normalize_axis(axis))]; }

  int64_t numel() const { return checked_numel(dims_.data(), static_cast<std::size_t>(rank_)); }
  // Number of elements after axis `axis` (the stride of that axis, row-major).
  int64_t stride(int axis) const {
    const int first = normalize_axis(axis) + 1;
    return checked_numel(dims_.data() + first, static_cast<std::size_t>(rank_ - first));
  }
  int normalize_axis(int axis) const {
    int a = axis < 0 ? axis + rank_ : axis;
    check<ShapeError>(a >= 0 && a < rank_, "axis ", axis, " is out of range for shape ", *this);
    return a;
  }
  std::vector<int64_t> vec() const { return {dims_.begin(), dims_.begin() + rank_}; }

  void push_back(int64_t d) {
    check<ShapeError>(rank_ < max_rank, "shape ", *this, " cannot grow past rank ", max_rank);
    dims_[static_cast<size_t>(rank_++)] = d;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (int i = 0; i < a.rank_; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }

  std::string str() const {
    std::ostringstream os;
    os << '[';
    for (int i = 0; i < rank_; ++i) os << (i ? ", " : "") << dims_[static_cast<size_t>(i)];
    os << ']';
    return os.str();
  }
  friend std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

 private:
  template <class It>
  void assign(It b, It e) {
    for (; b != e; ++b) {
      check<ShapeError>(rank_ < max_rank, "a shape has at most ", max_rank, " dimensions");
      check<ShapeError>(*b >= 0, "shape dimensions must be >= 0, found ", *b);
      dims_[static_cast<size_t>(rank_++)] = *b;
    }
    numel();  // refuses a shape whose element count overflows
  }
  std::array<int64_t, max_rank> dims_{};
  int rank_ = 0;
};

// NumPy broadcasting of two shapes; throws naming `op` and both shapes.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int r = a.rank() > b.rank() ? a.rank() : b.rank();
  std::vector<int64_t> out(static_cast<size_t>(r));
  for (int i = 0; i < r; ++i) {
    const int ia = a.rank() - r + i, ib = b.rank() - r + i;
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      fail<ShapeError>(op, ": shapes ", a.str(), " and ", b.str(), " cannot be broadcast (dimension ", i,
                       ": ", da, " vs ", db, ")");
    out[static_cast<size_t>(i)] = da == 1 ? db : da;
  }
  return Shape(out);
}

}  // namespace gantry
