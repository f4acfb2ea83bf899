#pragma once
// core/: device tags, shapes, errors, storage, Tensor, RNG, threads.
#include "core/allocator.hpp"
#include "core/device.hpp"
#include "core/eigen.hpp"
#include "core/error.hpp"
#include "core/factories.hpp"
#include "core/parallel.hpp"
#include "core/philox.hpp"
#include "core/process_group.hpp"
#include "core/shape.hpp"
#include "core/storage.hpp"
#include "core/tensor.hpp"
#include "core/version.hpp"
