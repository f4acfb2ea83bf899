#pragma once
// What an adversarial loss policy is (Hinge, Wasserstein, NonSaturating, LeastSquares, or
// your own): a type with static d_loss(D(real), D(fake)) and g_loss(D(fake)) on the
// discriminator's raw outputs, each returning a scalar Var. The step template
// (models/gan.hpp) takes any of them; a type that is not one fails with this concept's name.
#include <concepts>

#include "../autograd/var.hpp"
#include "../core/device.hpp"

namespace gantry {

template <class L>
concept AdversarialLoss = requires(const Var<float, cpu>& out) {
  { L::d_loss(out, out) } -> std::same_as<Var<float, cpu>>;
  { L::g_loss(out) } -> std::same_as<Var<float, cpu>>;
};

// The name under which a step logs -d_loss (the critic's distance estimate), for losses
// that have one (Wasserstein: "wasserstein"); others log nothing extra.
template <class L>
constexpr const char* d_estimate_name() {
  if constexpr (requires { L::d_estimate; })
    return L::d_estimate;
  else
    return nullptr;
}

}  // namespace gantry
