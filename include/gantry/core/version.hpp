#pragma once
// gantry's version (CMakeLists.txt's project VERSION; test_core checks that they agree).
// The processes of a data-parallel run refuse to train together unless they agree on it.
namespace gantry {
inline constexpr char version[] = "0.1.0";
}  // namespace gantry
