#pragma once
// Differentiable matrix products. The backward rules are matmuls themselves (with the
// transpose flags rearranged), so second derivatives are exact.
#include "../backend.hpp"
#include "../var.hpp"
#include "elementwise.hpp"
#include "reduce.hpp"

namespace gantry {

namespace detail {
// The gradient of a batched operand that was broadcast from a batch of 1 sums over the batch.
template <class T, class D>
Var<T, D> unbroadcast_batch(const Var<T, D>& g, const Shape& operand) {
  if (operand.rank() == 3 && operand[0] == 1 && g.dim(0) != 1) return sum(g, {0}, true);
  return g;
}
}  // namespace detail

// op(a) x op(b), op = transpose when the flag is set: [M, K] x [K, N] -> [M, N], or batched
// [B or 1, M, K] x [B or 1, K, N] -> [B, M, N] (see ops::matmul).
template <class T, class D>
Var<T, D> matmul(const Var<T, D>& a, const Var<T, D>& b, bool trans_a = false, bool trans_b = false) {
  return make_result<T, D>(
      "matmul", ops::matmul(a.value(), b.value(), trans_a, trans_b), {a, b},
      [trans_a, trans_b](const BackwardArgs<T, D>& g) {
        const Var<T, D>&A = g.in[0], &B = g.in[1], &G = g.grad;
        Var<T, D> da, db;
        // C = op(A) op(B): d op(A) = G op(B)^T, d op(B) = op(A)^T G, transposed back where needed.
        if (g.need(0)) {
          if (!trans_a) da = trans_b ? matmul(G, B, false, false) : matmul(G, B, false, true);
          else da = trans_b ? matmul(B, G, true, true) : matmul(B, G, false, true);
          da = detail::unbroadcast_batch(da, A.shape());
        }
        if (g.need(1)) {
          if (!trans_b) db = trans_a ? matmul(A, G, false, false) : matmul(A, G, true, false);
          else db = trans_a ? matmul(G, A, true, true) : matmul(G, A, true, false);
          db = detail::unbroadcast_batch(db, B.shape());
        }
        return Grads<T, D>{da, db};
      });
}

// Batched product of rank-3 operands (matmul accepts them too).
template <class T, class D>
Var<T, D> bmm(const Var<T, D>& a, const Var<T, D>& b, bool trans_a = false, bool trans_b = false) {
  check<ShapeError>(a.rank() == 3 && b.rank() == 3, "bmm: shapes ", a.shape().str(), " and ", b.shape().str(),
                    " must both have rank 3 (batch, rows, cols)");
  return matmul(a, b, trans_a, trans_b);
}

}  // namespace gantry
