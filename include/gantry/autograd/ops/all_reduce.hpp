#pragma once
// Sums across the processes of a data-parallel run, on the tape.
//
// all_reduce_sum(x, g): every rank gets s = sum_r x_r. Its backward is the same sum of the
// incoming gradients: rank r's x_r reaches every rank's loss through s, and the step averages
// the parameter gradients over ranks afterwards, so rank r must carry d(sum_r' L_r')/ds back
// into x_r. Written with itself, so second derivatives work too.
//
// sync_normalize(x, axes, eps, g): normalize (ops/norm.hpp) with the mean and biased variance
// taken over the whole batch of all ranks (synchronised batch norm), built from differentiable
// ops and two all-reduces (the sum, then the centred sum of squares).
#include <type_traits>
#include <vector>

#include "../../core/process_group.hpp"
#include "../var.hpp"
#include "elementwise.hpp"
#include "reduce.hpp"

namespace gantry {

template <class T, class D>
Var<T, D> all_reduce_sum(const Var<T, D>& x, const ProcessGroup& g) {
  static_assert(std::is_same_v<D, cpu>, "gantry: all_reduce_sum sums host memory (cpu tensors)");
  Tensor<T, D> s = x.value().clone();
  g.all_reduce_sum(std::span<T>(s.data(), static_cast<std::size_t>(s.numel())));
  return make_result<T, D>("all_reduce_sum", s, {x}, [&g](const BackwardArgs<T, D>& a) {
    return std::vector<Var<T, D>>{all_reduce_sum(a.grad, g)};
  });
}

// The batch's mean and biased variance over `axes` (kept as size-1 dims) across all ranks,
// and the element count they are taken over.
template <class T, class D>
struct GlobalMoments {
  Var<T, D> mean, var;
  int64_t count = 0;
};

template <class T, class D>
GlobalMoments<T, D> global_moments(const Var<T, D>& x, const std::vector<int>& axes, const ProcessGroup& g) {
  int64_t local = 1;
  for (int a : axes) local *= x.dim(a);
  const int64_t count = local * g.size();
  const T inv = T(1) / static_cast<T>(count);
  const Var<T, D> mean = mul_scalar(all_reduce_sum(sum(x, axes, true), g), inv);
  const Var<T, D> centred = sub(x, mean);
  const Var<T, D> var = mul_scalar(all_reduce_sum(sum(mul(centred, centred), axes, true), g), inv);
  return {mean, var, count};
}

template <class T, class D>
Var<T, D> sync_normalize(const Var<T, D>& x, const GlobalMoments<T, D>& m, std::type_identity_t<T> eps) {
  return mul(sub(x, m.mean), rsqrt(add_scalar(m.var, eps)));
}

}  // namespace gantry
