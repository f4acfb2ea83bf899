#pragma once
// ε given to a part as a template exponent: 10^-n, exactly the literal 1e-n (one correctly
// rounded division of two exact powers of ten), so SN<P, 6>::eps == 1e-6.
namespace gantry::detail {

template <int N>
constexpr double pow10_neg() {
  static_assert(N > 0 && N < 23, "gantry: eps exponents run from 1 (1e-1) to 22 (1e-22)");
  double p = 1;
  for (int i = 0; i < N; ++i) p *= 10;
  return 1 / p;
}

}  // namespace gantry::detail
