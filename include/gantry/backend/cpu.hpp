#pragma once
// backend/cpu: Eigen/loop kernels on Tensor<T, cpu>, in namespace gantry::ops.
#include "cpu/conv.hpp"
#include "cpu/elementwise.hpp"
#include "cpu/gemm.hpp"
#include "cpu/reduce.hpp"
#include "cpu/layout.hpp"
#include "cpu/pad.hpp"
#include "cpu/pool.hpp"
#include "cpu/reduce_extra.hpp"
#include "cpu/softmax.hpp"
#include "cpu/index.hpp"
#include "cpu/norm.hpp"
