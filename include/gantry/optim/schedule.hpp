#pragma once
// Learning-rate schedules: a value per step, set on an optimiser before its step:
//   opt.set_lr(schedule(step));
#include <algorithm>
#include <cstdint>

#include "../core/error.hpp"

namespace gantry {

// The same rate at every step.
struct ConstantLR {
  double lr;
  explicit ConstantLR(double lr_) : lr(lr_) { check(lr_ >= 0, "ConstantLR: learning rate must be >= 0, got ", lr_); }
  double operator()(int64_t /*step*/) const { return lr; }
};

// lr · max(0, 1 − step/total): WGAN-GP's decay to 0 over `total` generator iterations
// (gan_cifar_resnet.py: decay = max(0., 1. - iteration / ITERS)).
struct LinearDecayLR {
  double lr;
  int64_t total;
  LinearDecayLR(double lr_, int64_t total_) : lr(lr_), total(total_) {
    check(lr_ >= 0, "LinearDecayLR: learning rate must be >= 0, got ", lr_);
    check(total_ > 0, "LinearDecayLR: total steps must be > 0, got ", total_);
  }
  double operator()(int64_t step) const {
    return lr * std::max(0.0, 1.0 - static_cast<double>(step) / static_cast<double>(total));
  }
};

}  // namespace gantry
