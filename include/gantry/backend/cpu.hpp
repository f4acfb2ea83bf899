#pragma once
// backend/cpu: Eigen/loop kernels on Tensor<T, cpu>, in namespace gantry::ops.
#include "cpu/elementwise.hpp"
#include "cpu/reduce.hpp"
