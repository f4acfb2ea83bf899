#pragma once
// Tensor factories. Random numbers come from a counter-based Philox stream, and element i
// of a draw is a function of (seed, offset + i) only, so every device and every thread
// count produce the same values.
#include <cstdint>
#include <vector>

#include "parallel.hpp"
#include "philox.hpp"
#include "tensor.hpp"

namespace gantry {

namespace detail {
// Fills a host buffer with f(i) and places it on device D.
template <class T, class D, class F>
Tensor<T, D> generate(const Shape& shape, F&& f) {
  const int64_t n = shape.numel();
  auto fill = [&](T* out) {
    parallel_for(0, n, 1 << 14, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = f(i);
    });
  };
  if constexpr (std::is_same_v<D, cpu>) {
    Tensor<T, D> t(shape);
    fill(t.data());
    return t;
  } else {
    std::vector<T> host(static_cast<std::size_t>(n));
    fill(host.data());
    return Tensor<T, D>::from(shape, host);
  }
}
}  // namespace detail

template <class T, class D = cpu>
Tensor<T, D> zeros(const Shape& shape, D = {}) {
  return Tensor<T, D>::zeros(shape);
}
template <class T, class D = cpu>
Tensor<T, D> full(const Shape& shape, T value, D = {}) {
  return detail::generate<T, D>(shape, [value](int64_t) { return value; });
}
template <class T, class D = cpu>
Tensor<T, D> ones(const Shape& shape, D = {}) {
  return full<T, D>(shape, T(1));
}
// [start, start + step, ...) with n elements: arange(0, 5) = 0 1 2 3 4.
template <class T, class D = cpu>
Tensor<T, D> arange(T start, T stop, T step = T(1), D = {}) {
  check(step != T(0), "arange: step must not be 0");
  const double count = static_cast<double>(stop - start) / static_cast<double>(step);
  const int64_t n = count > 0 ? static_cast<int64_t>(count + (count == static_cast<int64_t>(count) ? 0 : 1)) : 0;
  return detail::generate<T, D>(Shape{n}, [=](int64_t i) { return static_cast<T>(start + static_cast<T>(i) * step); });
}
template <class T, class D = cpu>
Tensor<T, D> from_vector(const std::vector<T>& values, const Shape& shape, D = {}) {
  return Tensor<T, D>::from(shape, values);
}
template <class T, class D = cpu>
Tensor<T, D> from_vector(const std::vector<T>& values, D = {}) {
  return Tensor<T, D>::from(values);
}

// Uniform in [lo, hi).
template <class T, class D = cpu>
Tensor<T, D> rand(const Shape& shape, Rng& gen, T lo = T(0), T hi = T(1), D = {}) {
  const std::uint64_t seed = gen.seed(), first = gen.advance(static_cast<std::uint64_t>(shape.numel()));
  return detail::generate<T, D>(shape, [=](int64_t i) {
    // Philox::uniform is in (0, 1]; 1 - u is in [0, 1).
    return static_cast<T>(lo + (hi - lo) * (1.0 - Philox::uniform(seed, first + static_cast<std::uint64_t>(i))));
  });
}
// Normal with the given mean and standard deviation.
template <class T, class D = cpu>
Tensor<T, D> randn(const Shape& shape, Rng& gen, T mean = T(0), T stddev = T(1), D = {}) {
  const std::uint64_t seed = gen.seed(), first = gen.advance(static_cast<std::uint64_t>(shape.numel()));
  return detail::generate<T, D>(shape, [=](int64_t i) {
    return static_cast<T>(mean + stddev * Philox::normal(seed, first + static_cast<std::uint64_t>(i)));
  });
}

// Copy between devices (or a deep copy on the same device).
template <class To, class T, class From>
Tensor<T, To> to_device(const Tensor<T, From>& t) {
  if constexpr (std::is_same_v<To, From>) {
    return t.clone();
  } else {
    return Tensor<T, To>::from(t.shape(), t.to_vector());
  }
}

// The same values as another scalar type (the tensor itself when the type is the same).
template <class To, class T, class D>
Tensor<To, D> cast(const Tensor<T, D>& t) {
  if constexpr (std::is_same_v<To, T>) {
    return t;
  } else {
    const std::vector<T> v = t.to_vector();
    return Tensor<To, D>::from(t.shape(), std::vector<To>(v.begin(), v.end()));
  }
}

}  // namespace gantry
