#pragma once
// Generator<Inputs..., Parts...> and Discriminator<Input, Parts...>: the parts folded over the
// input shape. Leading input specs say what the model takes: Latent<N> (the noise) and,
// optionally, Classes<K> (class labels, handed to the parts through the Context).
#include <string>
#include <type_traits>
#include <vector>

#include "compose.hpp"

namespace gantry {

namespace detail {
template <class S>
struct is_classes : std::false_type {};
template <int K>
struct is_classes<Classes<K>> : std::true_type {};
}  // namespace detail

template <class Input, class... Rest>
struct Generator {
  static_assert(sizeof(Input) == 0, "gantry: Generator<Latent<N>, [Classes<K>,] Parts...> starts with Latent<N>");
};

template <int N, class... Rest>
struct Generator<Latent<N>, Rest...> {
 private:
  template <class... Ps>
  struct split {
    static constexpr int classes = 0;
    using parts = Sequential<Ps...>;
  };
  template <int K, class... Ps>
  struct split<Classes<K>, Ps...> {
    static constexpr int classes = K;
    using parts = Sequential<Ps...>;
  };
  using S = split<Rest...>;

 public:
  static constexpr int latent_size = N;
  static constexpr int num_classes = S::classes;  // 0: unconditional
  using Body = typename S::parts;
  using output = typename Body::template output<Vector<N>>;

  template <class T, class D>
  struct module {
    typename Body::template module<Vector<N>, T, D> body;
    explicit module(Init& init) : body(init) {}
    // z: [B, N]; labels: B class indices when the generator is class-conditional.
    Var<T, D> forward(const Var<T, D>& z, const std::vector<int64_t>& labels, bool training) {
      check<ShapeError>(z.rank() == 2 && z.dim(1) == N, "Generator: expected z of shape [B, ", N, "], found ",
                        z.shape().str());
      if constexpr (num_classes > 0)
        check<ShapeError>(static_cast<int64_t>(labels.size()) == z.dim(0), "Generator: expected ", z.dim(0),
                          " labels for a batch of ", z.dim(0), ", found ", labels.size());
      Context<T, D> ctx;
      ctx.training = training;
      ctx.labels = labels;
      ctx.latent = z;
      return body.forward(z, ctx);
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) { body.visit(v, join_name(prefix, "blocks")); }
  };
};

template <class Input, class... Parts>
struct Discriminator {
  static_assert(ImageShape<Input> || VectorShape<Input>,
                "gantry: Discriminator<Input, Parts...> starts with the input shape, e.g. Image<3, 32, 32>");
  using Body = Sequential<Parts...>;
  using output = typename Body::template output<Input>;

  template <class T, class D>
  struct module {
    typename Body::template module<Input, T, D> body;
    explicit module(Init& init) : body(init) {}
    Var<T, D> forward(const Var<T, D>& x, const std::vector<int64_t>& labels, bool training) {
      Context<T, D> ctx;
      ctx.training = training;
      ctx.labels = labels;
      return body.forward(x, ctx);
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) { body.visit(v, join_name(prefix, "blocks")); }
  };
};

// Calls f(name, var) for every parameter of a module.
template <class T, class D, class M, class F>
void for_each_parameter(M& m, F&& f, const std::string& prefix = "") {
  struct V : ParamVisitor<T, D> {
    F& f;
    explicit V(F& g) : f(g) {}
    void parameter(const std::string& name, Var<T, D>& p) override { f(name, p); }
  } v(f);
  m.visit(v, prefix);
}

}  // namespace gantry
