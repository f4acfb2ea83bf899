#pragma once
// The value a training step logged under `key` (models::StepLosses), failing the test when
// the step did not log it.
#include <doctest/doctest.h>

#include <gantry/models/step_losses.hpp>

#include <string>

namespace gantry::test {

inline double logged(const models::StepLosses& l, const std::string& key) {
  for (const auto& [k, v] : l)
    if (k == key) return v;
  FAIL("no ", key, " in the step's log");
  return 0;
}

}  // namespace gantry::test
