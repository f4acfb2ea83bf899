#pragma once
// gantry/optim: optimisers (Adam, RMSprop, SGD with PyTorch's arithmetic), learning-rate
// schedules, the EMA of a generator and WGAN weight clipping.
#include "optim/adam.hpp"
#include "optim/ema.hpp"
#include "optim/params.hpp"
#include "optim/rmsprop.hpp"
#include "optim/schedule.hpp"
#include "optim/sgd.hpp"
