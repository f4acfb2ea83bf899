#pragma once
// The kernels the differentiable ops call: the CPU backend always, the CUDA backend in
// units built with CUDA. Included before any op so that overloads for every device are
// visible where the op templates are defined.
#include "../backend/cpu.hpp"
#if defined(GANTRY_WITH_CUDA)
#include "../backend/cuda.hpp"
#endif
