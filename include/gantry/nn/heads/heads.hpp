#pragma once
// Heads<H1, H2, ...>: several heads on the same last feature map, e.g. the adversarial head
// and an auxiliary classifier (AC-GAN: Heads<ProjectionHead<K>, ClassifierHead<K>>; ADC-GAN:
// Heads<LinearHead<>, ADCHead<K>>). Each head fills the slot of its role in a
// DiscriminatorOutput (one head per role); pooled heads share one φ = Σ_hw ReLU(h).
//
// As the last part of a Discriminator, d.forward_all(...) returns every output and
// d.forward(...) the adversarial one. As a part, forward(x, ctx) runs only the primary head
// (the adversarial one, or the first) and `output` is its shape; forward_all runs them all.
// Parameters keep the heads' own names without a prefix (`linear.weight`, `embed.weight`,
// `adc.weight`), as attributes of one BigGAN-PyTorch Discriminator; two heads with the same
// parameter name are rejected at construction.
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "head.hpp"

namespace gantry {

namespace detail {
template <class In, class H, class... Hs>
struct first_refusing {
  using type = std::conditional_t<H::template accepts<In>, typename first_refusing<In, Hs...>::type,
                                  typename H::template expects<In>>;
};
template <class In, class H>
struct first_refusing<In, H> {
  using type = typename H::template expects<In>;
};

template <class... Hs>
consteval bool distinct_roles() {
  constexpr HeadRole roles[] = {role_of<Hs>()...};
  for (std::size_t i = 0; i < sizeof...(Hs); ++i)
    for (std::size_t j = i + 1; j < sizeof...(Hs); ++j)
      if (roles[i] == roles[j]) return false;
  return true;
}

// Index of the head with role R, or -1.
template <HeadRole R, class... Hs>
consteval int index_of_role() {
  constexpr HeadRole roles[] = {role_of<Hs>()...};
  for (std::size_t i = 0; i < sizeof...(Hs); ++i)
    if (roles[i] == R) return static_cast<int>(i);
  return -1;
}

template <HeadRole R, class In, class... Hs>
struct role_output {
  static constexpr int i = index_of_role<R, Hs...>();
  using type = typename std::conditional_t<(i >= 0), std::tuple_element<(i >= 0 ? i : 0), std::tuple<Hs...>>,
                                           std::type_identity<void>>::type;
};
template <class Head, class In>
struct output_of {
  using type = typename Head::template output<In>;
};
template <class In>
struct output_of<void, In> {
  using type = NoOutput;
};
template <HeadRole R, class In, class... Hs>
using role_output_t = typename output_of<typename role_output<R, In, Hs...>::type, In>::type;

// Names every parameter and buffer of a module, failing on a name seen twice.
template <class T, class D>
struct UniqueNames : ParamVisitor<T, D> {
  std::set<std::string> seen;
  const char* owner;
  explicit UniqueNames(const char* o) : owner(o) {}
  void parameter(const std::string& name, Var<T, D>&) override { add(name); }
  void buffer(const std::string& name, Tensor<T, D>&) override { add(name); }
  void add(const std::string& name) {
    check(seen.insert(name).second, owner, ": two heads name a parameter or buffer '", name,
          "'; use heads with different names (e.g. LinearHead with ADCHead, not LinearHead with ProjectionHead)");
  }
};
}  // namespace detail

template <class... Hs>
struct Heads {
  static_assert(sizeof...(Hs) >= 1, "gantry: Heads<H...> needs at least one head");
  static_assert(detail::distinct_roles<Hs...>(),
                "gantry: Heads<H...> takes one head per role (adversarial, classifier, per-pixel)");
  static constexpr int primary = [] {
    const int a = detail::index_of_role<HeadRole::adversarial, Hs...>();
    return a >= 0 ? a : 0;
  }();
  using Primary = std::tuple_element_t<primary, std::tuple<Hs...>>;
  static constexpr HeadRole role = detail::role_of<Primary>();

  template <class In>
  static constexpr bool accepts = (Hs::template accepts<In> && ...);
  template <class In>
  using expects = typename detail::first_refusing<In, Hs...>::type;
  template <class In>
  using output = typename Primary::template output<In>;
  template <class In>
  using outputs = OutputShapes<detail::role_output_t<HeadRole::adversarial, In, Hs...>,
                               detail::role_output_t<HeadRole::classifier, In, Hs...>,
                               detail::role_output_t<HeadRole::per_pixel, In, Hs...>>;

  template <class In, class T, class D>
  struct module {
    std::tuple<typename Hs::template module<In, T, D>...> heads;

    explicit module(Init& init) : heads{typename Hs::template module<In, T, D>(init)...} {
      detail::UniqueNames<T, D> names("Heads");
      visit(names, "");
    }

    DiscriminatorOutput<T, D> forward_all(const Var<T, D>& h, Context<T, D>& ctx) {
      DiscriminatorOutput<T, D> out;
      Var<T, D> phi;
      if constexpr ((detail::PooledHead<Hs> || ...)) phi = detail::pooled_features(h);
      run_all(h, phi, ctx, out, std::index_sequence_for<Hs...>{});
      return out;
    }
    Var<T, D> forward(const Var<T, D>& h, Context<T, D>& ctx) { return std::get<primary>(heads).forward(h, ctx); }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      std::apply([&](auto&... m) { (m.visit(v, prefix), ...); }, heads);
    }

   private:
    template <std::size_t... I>
    void run_all(const Var<T, D>& h, const Var<T, D>& phi, Context<T, D>& ctx, DiscriminatorOutput<T, D>& out,
                 std::index_sequence<I...>) {
      (run_one<I, std::tuple_element_t<I, std::tuple<Hs...>>>(h, phi, ctx, out), ...);
    }
    template <std::size_t I, class H>
    void run_one(const Var<T, D>& h, const Var<T, D>& phi, Context<T, D>& ctx, DiscriminatorOutput<T, D>& out) {
      auto& m = std::get<I>(heads);
      if constexpr (detail::PooledHead<H>) out[detail::role_of<H>()] = m.forward_pooled(phi, ctx);
      else out[detail::role_of<H>()] = m.forward(h, ctx);
    }
  };
};

}  // namespace gantry
