#pragma once
// Device-independent shape rules of matmul and bmm, so every backend accepts the same
// operands and raises the same errors.
#include "../core/error.hpp"
#include "../core/shape.hpp"

namespace gantry::matmul_detail {

inline void check_matmul_operands(const char* op, const Shape& a, const Shape& b, bool ta, bool tb, int rank) {
  auto ranks_ok = [&] { return a.rank() == rank && b.rank() == rank; };
  check<ShapeError>(ranks_ok(), op, ": shapes ", a.str(), " and ", b.str(), " must both have rank ", rank,
                    rank == 3 ? " (batch, rows, cols)" : " (rows, cols)");
  const int64_t ka = ta ? a.dim(-2) : a.dim(-1);
  const int64_t kb = tb ? b.dim(-1) : b.dim(-2);
  if (ka != kb)
    fail<ShapeError>(op, ": shapes ", a.str(), (ta ? "^T" : ""), " and ", b.str(), (tb ? "^T" : ""),
                     " do not match (inner dimensions ", ka, " vs ", kb, ")");
  if (rank == 3 && a[0] != b[0] && a[0] != 1 && b[0] != 1)
    fail<ShapeError>(op, ": shapes ", a.str(), " and ", b.str(), " have different batch sizes (", a[0], " vs ", b[0],
                     "; one of them may be 1)");
}

}  // namespace gantry::matmul_detail
