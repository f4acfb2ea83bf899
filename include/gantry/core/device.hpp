#pragma once
// Device tags. A tensor's device is part of its type: Tensor<float, cpu>, Tensor<float, cuda>.
#include <string_view>
#include <type_traits>

namespace gantry {

struct cpu {
  static constexpr std::string_view name = "cpu";
};
struct cuda {
  static constexpr std::string_view name = "cuda";
};

template <class D>
concept Device = std::is_same_v<D, cpu> || std::is_same_v<D, cuda>;

template <class T>
concept Scalar = std::is_same_v<T, float> || std::is_same_v<T, double>;

// True in translation units built with CUDA support (CMake option GANTRY_CUDA defines
// GANTRY_WITH_CUDA for targets that link gantry::cuda). Class layouts never depend on it.
#if defined(GANTRY_WITH_CUDA)
inline constexpr bool cuda_enabled = true;
#else
inline constexpr bool cuda_enabled = false;
#endif

template <class D>
inline constexpr bool device_usable = std::is_same_v<D, cpu> || cuda_enabled;

}  // namespace gantry
