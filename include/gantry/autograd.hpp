#pragma once
// autograd/: Var, the tape, grad(), the differentiable ops and gradcheck.
#include "autograd/grad.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/ops/broadcast.hpp"
#include "autograd/ops/conv.hpp"
#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "autograd/ops/reduce.hpp"
#include "autograd/ops/reshape.hpp"
#include "autograd/var.hpp"
#include "autograd/ops/layout.hpp"
#include "autograd/ops/pad.hpp"
#include "autograd/ops/pool.hpp"
