#pragma once
// What a model's d_step / g_step returns: named losses of one step, e.g.
// {{"d_loss", 0.3}, {"gp", 0.01}} (the trainer logs them in this order).
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace gantry::models {

using StepLosses = std::vector<std::pair<std::string, double>>;

// True when every loss of a step is a finite number.
inline bool all_finite(const StepLosses& losses) {
  for (const auto& [k, v] : losses)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace gantry::models
