#pragma once
// nn/: parts with static shapes, their composition, Generator and Discriminator.
#include "nn/activations.hpp"
#include "nn/compose.hpp"
#include "nn/conv2d.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/model.hpp"
#include "nn/module.hpp"
#include "nn/reshape.hpp"
#include "nn/shapes.hpp"
