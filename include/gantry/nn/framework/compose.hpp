#pragma once
// Composition: a flat pack of parts folded left to right. Each step checks at compile time
// that the part accepts the shape it receives; if not, the error names the part, its
// position and both shapes (see part_cannot_take_input below).
//
// When<Cond, Part>: Part where Cond holds, nothing otherwise, e.g. attention at one
// resolution of a configurable net: Block, When<Attn == 16, Attention>, Block. An absent part
// takes no position, so the other parts' names are those of the pack written without it.
// Understood by Sequential, Generator and Discriminator.
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "module.hpp"
#include "shapes.hpp"

namespace gantry {

template <bool Cond, class Part>
struct When {};

template <class P, class In>
concept PartFor = requires { P::template accepts<In>; };

// Instantiated only when a part cannot take its input. The compiler prints its template
// arguments: the part, its 0-based position in the model, the shape it received and the
// shape it expects.
template <class Part, int Position, class Received, class Expected>
struct part_cannot_take_input {
  static_assert(sizeof(Part) == 0,
                "gantry: a part cannot take its input shape; the template arguments of "
                "part_cannot_take_input<Part, Position, Received, Expected> above name the part, its "
                "position in the model, the shape it received and the shape it expects");
  using type = Received;
};

namespace detail {

// A stand-in after a failed step, so that one mistake gives one error.
template <class In, class T, class D>
struct broken_module : Stateless<T, D> {
  using Stateless<T, D>::Stateless;
  Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return x; }
};

template <bool Ok, class P, int Pos, class In>
struct step {
  using output = typename P::template output<In>;
  template <class T, class D>
  using module = typename P::template module<In, T, D>;
};
template <class P, int Pos, class In>
struct step<false, P, Pos, In> {
  using output = typename part_cannot_take_input<P, Pos, In, typename P::template expects<In>>::type;
  template <class T, class D>
  using module = broken_module<In, T, D>;
};

template <int Pos, class In, class... Ps>
struct chain {
  using output = In;
  template <class T, class D>
  using modules = std::tuple<>;
};
// When<true, P> is P; When<false, P> is skipped (and takes no position).
template <int Pos, class In, class P, class... Ps>
struct chain<Pos, In, When<true, P>, Ps...> : chain<Pos, In, P, Ps...> {};
template <int Pos, class In, class P, class... Ps>
struct chain<Pos, In, When<false, P>, Ps...> : chain<Pos, In, Ps...> {};
template <int Pos, class In, class P, class... Ps>
struct chain<Pos, In, P, Ps...> {
  using here = step<P::template accepts<In>, P, Pos, In>;
  using next = chain<Pos + 1, typename here::output, Ps...>;
  using output = typename next::output;
  template <class T, class D>
  using modules = decltype(std::tuple_cat(std::declval<std::tuple<typename here::template module<T, D>>>(),
                                          std::declval<typename next::template modules<T, D>>()));
};

// The parts of a pack that are present, as a std::tuple of part types (When resolved).
template <class Acc, class... Ps>
struct present_parts {
  using type = Acc;
};
template <class... A, class P, class... Ps>
struct present_parts<std::tuple<A...>, P, Ps...> : present_parts<std::tuple<A..., P>, Ps...> {};
template <class... A, class P, class... Ps>
struct present_parts<std::tuple<A...>, When<true, P>, Ps...> : present_parts<std::tuple<A..., P>, Ps...> {};
template <class... A, class P, class... Ps>
struct present_parts<std::tuple<A...>, When<false, P>, Ps...> : present_parts<std::tuple<A...>, Ps...> {};
template <class... Ps>
using present_t = typename present_parts<std::tuple<>, Ps...>::type;

}  // namespace detail

// Output shape of the parts folded over In.
template <class In, class... Parts>
using chain_output = typename detail::chain<0, In, Parts...>::output;

// Parts applied in order. Parameters are named `<index>.<name>` like torch.nn.Sequential.
template <class... Parts>
struct Sequential {
  template <class In>
  static constexpr bool accepts = true;  // each step is checked inside
  template <class In>
  using expects = In;
  template <class In>
  using output = chain_output<In, Parts...>;

  template <class In, class T, class D>
  struct module {
    typename detail::chain<0, In, Parts...>::template modules<T, D> parts;

    explicit module(Init& init) : parts(make(init, std::make_index_sequence<count>{})) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      return std::apply([&](auto&... m) {
        Var<T, D> h = x;
        ((h = m.forward(h, ctx)), ...);
        return h;
      }, parts);
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      visit_each(v, prefix, std::make_index_sequence<count>{});
    }

   private:
    // The parts present (When<false, P> leaves one out).
    static constexpr std::size_t count = std::tuple_size_v<decltype(parts)>;
    template <std::size_t... I>
    static auto make(Init& init, std::index_sequence<I...>) {
      // Braced init: parts are constructed left to right, so a seed gives the same weights.
      using Tuple = typename detail::chain<0, In, Parts...>::template modules<T, D>;
      return Tuple{std::tuple_element_t<I, Tuple>(init)...};
    }
    template <std::size_t... I>
    void visit_each(ParamVisitor<T, D>& v, const std::string& prefix, std::index_sequence<I...>) {
      (std::get<I>(parts).visit(v, join_name(prefix, std::to_string(I))), ...);
    }
  };
};

}  // namespace gantry
