#pragma once
// What a regulariser policy is: a value (it carries its strength) with one or more of these
// hooks, which the step template (models/gan.hpp) calls at their places in every step:
//
//   void before_d_step(DModule& d)                 before a discriminator update (WeightClipping)
//   Var  d_penalty(critic, real, fake, rng) const  a term added to D's loss (GradientPenalty);
//        with `static constexpr const char* log_name` for the step's log
//   void after_g_backward(GModule& g)              on G's gradients before its update
//                                                  (OrthogonalRegularisation)
//
// A penalty that draws per sample also offers d_penalty(critic, real, fake, rng, group), which
// draws for all ranks of a data-parallel run and keeps this rank's rows (the step prefers it).
// `critic` is a callable Var -> Var (D on the real batch's labels). Hooks are templates on
// the module types, so the concept is checked against the nets it is used with.
#include <concepts>

#include "../autograd/var.hpp"
#include "../core/philox.hpp"

namespace gantry {

template <class R, class GModule, class DModule, class T, class Device>
concept RegulariserFor =
    requires(R& r, GModule& g) { r.after_g_backward(g); } || requires(R& r, DModule& d) { r.before_d_step(d); } ||
    requires(const R& r, const Var<T, Device>& x, Rng& rng) {
      { r.d_penalty([](const Var<T, Device>& v) { return v; }, x, x, rng) } -> std::same_as<Var<T, Device>>;
      { R::log_name } -> std::convertible_to<const char*>;
    };

}  // namespace gantry
