#pragma once
// The reconstruction terms of two-domain translators (CycleGAN, CSGAN), as policies that the
// translation step (models/translation.hpp) adds to its generators' loss. Each term reads the
// step's images (G_A: A -> B, G_B: B -> A, as pytorch-CycleGAN-and-pix2pix names them):
//   fake_b = G_A(a), fake_a = G_B(b), rec_a = G_B(fake_b), rec_b = G_A(fake_a),
//   idt_a = G_A(b), idt_b = G_B(a)   (only when a term's needs_identity() asks for them)
// and returns its A-side and B-side values, logged under its two log names. All are L1
// distances averaged over every element (torch.nn.L1Loss), times the term's weight.
//
//   CycleConsistency   λ_A |rec_a - a| + λ_B |rec_b - b|                  (CycleGAN, λ 10)
//   CyclicSynthesized  μ_A |fake_a - sg(rec_a)| + μ_B |fake_b - sg(rec_b)|  (CSGAN, μ 30)
//   Identity           w_A |idt_a - b| + w_B |idt_b - a|                  (CycleGAN's identity)
// sg(): the cycled image is a detached target, as in the CSGAN authors' csgan.py (backward_G
// compares the synthesized image with rec_A computed in forward() and detached), so the
// cyclic-synthesized term trains only the generator that synthesizes. Identity weights are
// λ_identity · λ_B for idt_a and λ_identity · λ_A for idt_b in the official code.
#include <array>
#include <concepts>
#include <utility>

#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../autograd/var.hpp"
#include "../core/error.hpp"

namespace gantry {

// The images of one translation step, on the tape (a, b are the real batches).
template <class T, class D>
struct Translations {
  Var<T, D> a{}, b{}, fake_a{}, fake_b{}, rec_a{}, rec_b{}, idt_a{}, idt_b{};
};

// mean |x - y| over every element.
template <class T, class D>
Var<T, D> l1_distance(const Var<T, D>& x, const Var<T, D>& y) {
  return mean(abs(sub(x, y)));
}

// A reconstruction term: weights, two log names, its A and B terms of a step's images, and
// whether it needs the identity images.
template <class R, class T = float, class D = cpu>
concept ReconstructionTerm = requires(const R& r, const Translations<T, D>& t) {
  { r(t) } -> std::same_as<std::array<Var<T, D>, 2>>;
  { R::log_names[0] } -> std::convertible_to<const char*>;
  { r.needs_identity() } -> std::convertible_to<bool>;
  r.validate();
};

namespace cycle_detail {
inline void check_weights(const char* what, double a, double b) {
  check(a >= 0 && b >= 0, what, ": the weights must be >= 0, found ", a, " and ", b);
}
template <class T, class D>
Var<T, D> weighted(double w, const Var<T, D>& x, const Var<T, D>& y) {
  return mul_scalar(l1_distance(x, y), static_cast<T>(w));
}
}  // namespace cycle_detail

struct CycleConsistency {
  double lambda_a = 10, lambda_b = 10;
  static constexpr const char* log_names[2] = {"cycle_a", "cycle_b"};
  bool needs_identity() const { return false; }
  void validate() const { cycle_detail::check_weights("CycleConsistency", lambda_a, lambda_b); }
  template <class T, class D>
  std::array<Var<T, D>, 2> operator()(const Translations<T, D>& t) const {
    return {cycle_detail::weighted(lambda_a, t.rec_a, t.a), cycle_detail::weighted(lambda_b, t.rec_b, t.b)};
  }
};

struct CyclicSynthesized {
  double mu_a = 30, mu_b = 30;
  static constexpr const char* log_names[2] = {"cs_a", "cs_b"};
  bool needs_identity() const { return false; }
  void validate() const { cycle_detail::check_weights("CyclicSynthesized", mu_a, mu_b); }
  template <class T, class D>
  std::array<Var<T, D>, 2> operator()(const Translations<T, D>& t) const {
    return {cycle_detail::weighted(mu_a, t.fake_a, Var<T, D>(t.rec_a.value())),
            cycle_detail::weighted(mu_b, t.fake_b, Var<T, D>(t.rec_b.value()))};
  }
};

struct Identity {
  double weight_a = 0, weight_b = 0;  // of |G_A(b) - b| and |G_B(a) - a|
  static constexpr const char* log_names[2] = {"idt_a", "idt_b"};
  bool needs_identity() const { return weight_a > 0 || weight_b > 0; }
  void validate() const { cycle_detail::check_weights("Identity", weight_a, weight_b); }
  template <class T, class D>
  std::array<Var<T, D>, 2> operator()(const Translations<T, D>& t) const {
    if (!needs_identity()) {  // (the step then computes no identity images)
      const Var<T, D> zero = mul_scalar(mean(t.a), T(0));
      return {zero, zero};
    }
    return {cycle_detail::weighted(weight_a, t.idt_a, t.b), cycle_detail::weighted(weight_b, t.idt_b, t.a)};
  }
};

}  // namespace gantry
