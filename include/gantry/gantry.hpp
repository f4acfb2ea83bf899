#pragma once
// Everything a user of gantry needs on the CPU. CUDA: build the unit with nvcc and
// GANTRY_WITH_CUDA (link gantry::cuda); the autograd headers then pull in the CUDA backend.
#include "autograd.hpp"
#include "core.hpp"
#include "data/cifar.hpp"
#include "data/fashion_mnist.hpp"
#include "data/idx.hpp"
#include "data/image_folder.hpp"
#include "data/loader.hpp"
#include "data/toy2d.hpp"
#include "data/toy_stream.hpp"
#include "io.hpp"
#include "losses.hpp"
#include "metrics.hpp"
#include "models.hpp"
#include "nn.hpp"
#include "optim.hpp"
#include "train.hpp"
