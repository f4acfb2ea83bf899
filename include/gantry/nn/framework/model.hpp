#pragma once
// Generator<Latent<N>, Specs..., Parts...> and Discriminator<Input, Parts...>: the parts folded
// over the input shape.
//
// Generator: leading input specs (nn/framework/conditioning.hpp: Classes<K>, SharedEmbedding<Dim>,
// InstanceFeatures<F, S>, Hierarchical, FullConditioning, SelfModulated) say what the model
// takes and how the conditioning reaches the blocks; the Generator builds the Context (labels,
// latent, features, the condition of each conditioned block) and the body's input. Parameters:
// `blocks.<i>.*` for the parts, `shared.weight` and `shared_feat.*` for the embeddings.
//
// Discriminator: forward(...) returns the adversarial output; forward_all(...) returns a
// DiscriminatorOutput {adversarial, classifier, per_pixel} (nn/heads/head.hpp) filled by the last
// part: Heads<...> or UNet<...> fill several slots, any other last part fills the slot of its
// role (adversarial unless it is e.g. a PerPixelHead). `outputs` names their static shapes.
#include <string>
#include <type_traits>
#include <vector>

#include "../../autograd/ops/layout.hpp"
#include "absent.hpp"
#include "compose.hpp"
#include "conditioning.hpp"
#include "../layers/embedding.hpp"
#include "../heads/head.hpp"
#include "../layers/spectral_norm.hpp"

namespace gantry {

template <class Input, class... Rest>
struct Generator {
  static_assert(sizeof(Input) == 0, "gantry: Generator<Latent<N>, [input specs,] Parts...> starts with Latent<N>");
};

template <int N, class... Rest>
struct Generator<Latent<N>, Rest...> {
 private:
  using Parsed = detail::parse_inputs<detail::InputSpecs{}, Rest...>;
  static constexpr detail::InputSpecs specs = Parsed::specs;
  static_assert(!specs.repeated, "gantry: Generator: an input spec is given twice");
  static_assert(specs.shared == 0 || specs.classes > 0,
                "gantry: Generator: SharedEmbedding<Dim> embeds class labels, so it needs Classes<K>");
  static_assert(!(specs.hierarchical && specs.full),
                "gantry: Generator: Hierarchical (split z) and FullConditioning (whole z) exclude each other");
  static_assert(!(specs.self_modulated && (specs.hierarchical || specs.full)),
                "gantry: Generator: SelfModulated feeds the whole z to the first layer and the norms; it takes "
                "neither Hierarchical nor FullConditioning");
  static_assert(!specs.full || specs.shared + specs.shared_features > 0,
                "gantry: Generator: FullConditioning concatenates an embedding with z; it needs SharedEmbedding<Dim> "
                "or InstanceFeatures<F, S>");

 public:
  using Body = typename Parsed::body;
  static constexpr int latent_size = N;
  static constexpr int num_classes = specs.classes;  // 0: unconditional
  static constexpr int shared_size = specs.shared;   // 0: no shared embedding
  static constexpr int feature_size = specs.features, shared_feature_size = specs.shared_features;
  static constexpr bool hierarchical = specs.hierarchical, full_conditioning = specs.full,
                        self_modulated = specs.self_modulated;
  static constexpr int conditioned_blocks = detail::conditioned_blocks_of<Body>::value;
  static_assert(!hierarchical || conditioned_blocks > 0,
                "gantry: Generator: Hierarchical splits z between the conditioned blocks, but no part declares "
                "`static constexpr bool conditioned = true`");
  // BigGAN: num_slots = n_blocks + 1, chunk = dz / num_slots.
  static constexpr int num_slots = hierarchical ? conditioned_blocks + 1 : 1;
  static constexpr int chunk_size = hierarchical ? N / num_slots : 0;
  static_assert(!hierarchical || N % num_slots == 0,
                "gantry: Generator: with Hierarchical, Latent<N> must split evenly into (conditioned blocks + 1) "
                "chunks (BigGAN-PyTorch truncates dz to chunk * num_slots; write that N)");
  // e = [shared(y)] ⊕ [shared_feat(f)], and what each conditioned block receives (0: nothing).
  static constexpr int embedding_size = specs.shared + specs.shared_features;
  static constexpr int condition_size =
      hierarchical ? embedding_size + chunk_size : full_conditioning ? embedding_size + N : embedding_size;
  static constexpr int body_input_size = hierarchical ? chunk_size : full_conditioning ? embedding_size + N : N;
  static_assert(condition_size == 0 || detail::condition_size_fits<Body, condition_size>::value);

  using output = typename Body::template output<Vector<body_input_size>>;

  template <class T, class D>
  struct module {
    using value_type = T;
    using device_type = D;
    std::conditional_t<(specs.shared > 0),
                       typename Embedding<(specs.classes > 0 ? specs.classes : 1),
                                          (specs.shared > 0 ? specs.shared : 1)>::template module<Vector<N>, T, D>,
                       detail::Absent<T, D>>
        shared;
    std::conditional_t<(specs.features > 0),
                       typename SNLinear<(specs.shared_features > 0 ? specs.shared_features : 1), Bias::on,
                                         specs.features_eps>::template module<Vector<(specs.features > 0 ? specs.features
                                                                                                        : 1)>,
                                                                              T, D>,
                       detail::Absent<T, D>>
        shared_feat;
    typename Body::template module<Vector<body_input_size>, T, D> body;

    // Constructed as BigGAN's / IC-GAN's G: shared, shared_feat, then the layers.
    explicit module(Init& init) : shared(init), shared_feat(init), body(init) {}

    // z: [B, N]; labels: B class indices when the generator is class-conditional.
    Var<T, D> forward(const Var<T, D>& z, const std::vector<int64_t>& labels, bool training) {
      return forward(z, labels, Var<T, D>(), training);
    }
    // features: [B, F] instance features (InstanceFeatures<F, S>).
    Var<T, D> forward(const Var<T, D>& z, const std::vector<int64_t>& labels, const Var<T, D>& features,
                      bool training) {
      Context<T, D> ctx;
      ctx.training = training;
      const Var<T, D> input = prepare(z, labels, features, ctx);
      Var<T, D> out = body.forward(input, ctx);
      check(ctx.block_conditions.empty() || ctx.next_block == ctx.block_conditions.size(), "Generator: ",
            ctx.block_conditions.size(), " block conditions were prepared (Hierarchical) but only ", ctx.next_block,
            " blocks asked for one; a part that calls ctx.next_condition() must declare `static constexpr bool "
            "conditioned = true`");
      return out;
    }

    // Checks the inputs, fills ctx (labels, latent, features, the blocks' conditions) and
    // returns the body's input.
    Var<T, D> prepare(const Var<T, D>& z, const std::vector<int64_t>& labels, const Var<T, D>& features,
                      Context<T, D>& ctx) {
      check<ShapeError>(z.defined() && z.rank() == 2 && z.dim(1) == N, "Generator: expected z of shape [B, ", N,
                        "], found ", z.defined() ? z.shape().str() : std::string("none"));
      const int64_t batch = z.dim(0);
      if constexpr (num_classes > 0)
        check<ShapeError>(static_cast<int64_t>(labels.size()) == batch, "Generator: expected ", batch,
                          " labels for a batch of ", batch, ", found ", labels.size());
      if constexpr (feature_size > 0)
        check<ShapeError>(features.defined() && features.rank() == 2 && features.dim(0) == batch &&
                              features.dim(1) == feature_size,
                          "Generator: expected instance features of shape [", batch, ", ", feature_size, "], found ",
                          features.defined() ? features.shape().str() : std::string("none"));
      ctx.labels = labels;
      ctx.latent = z;
      if constexpr (feature_size > 0) ctx.features = features;

      std::vector<Var<T, D>> parts;
      if constexpr (shared_size > 0) parts.push_back(shared.forward_labels(labels));
      if constexpr (feature_size > 0) parts.push_back(shared_feat.forward(features, ctx));
      const Var<T, D> e = parts.empty() ? Var<T, D>() : parts.size() == 1 ? parts[0] : concat(parts, 1);

      if constexpr (hierarchical) {
        const auto zs = split(z, std::vector<int64_t>(num_slots, chunk_size), 1);
        for (int i = 1; i < num_slots; ++i)
          ctx.block_conditions.push_back(e.defined() ? concat(std::vector<Var<T, D>>{e, zs[i]}, 1) : zs[i]);
        return zs[0];
      } else if constexpr (full_conditioning) {
        ctx.shared_condition = concat(std::vector<Var<T, D>>{e, z}, 1);
        return ctx.shared_condition;
      } else {
        ctx.shared_condition = e;
        return z;
      }
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      shared.visit(v, join_name(prefix, "shared"));
      shared_feat.visit(v, join_name(prefix, "shared_feat"));
      body.visit(v, join_name(prefix, "blocks"));
    }
  };
};

namespace detail {
// The chain node at position K (chain<K, In_K, P_K, ...>), and its input.
template <class Chain, int K>
struct chain_node {
  using type = typename chain_node<typename Chain::next, K - 1>::type;
};
template <class Chain>
struct chain_node<Chain, 0> {
  using type = Chain;
};
template <class C>
struct chain_input;
template <int Pos, class In, class... Ps>
struct chain_input<chain<Pos, In, Ps...>> {
  using type = In;
};

template <class Last, class In, bool Accepted = Last::template accepts<In>>
struct last_outputs {
  using type = OutputShapes<NoOutput>;  // the chain has already reported the error
};
template <class Last, class In>
struct last_outputs<Last, In, true> {
  using type = single_output<role_of<Last>(), typename Last::template output<In>>;
};
template <class Last, class In>
  requires requires { typename Last::template outputs<In>; }
struct last_outputs<Last, In, true> {
  using type = typename Last::template outputs<In>;
};
}  // namespace detail

template <class Input, class... Parts>
struct Discriminator {
  static_assert(ImageShape<Input> || VectorShape<Input>,
                "gantry: Discriminator<Input, Parts...> starts with the input shape, e.g. Image<3, 32, 32>");
  using Present = detail::present_t<Parts...>;  // (When resolved)
  static_assert(std::tuple_size_v<Present> >= 1, "gantry: Discriminator<Input, Parts...> needs parts");
  using Body = Sequential<Parts...>;
  using output = typename Body::template output<Input>;

 private:
  static constexpr std::size_t last = std::tuple_size_v<Present> - 1;
  using Last = std::tuple_element_t<last, Present>;
  using LastInput = typename detail::chain_input<
      typename detail::chain_node<detail::chain<0, Input, Parts...>, static_cast<int>(last)>::type>::type;

 public:
  // Static shapes of every output (NoOutput for an empty slot).
  using outputs = typename detail::last_outputs<Last, LastInput>::type;

  template <class T, class D>
  struct module {
    using value_type = T;
    using device_type = D;
    typename Body::template module<Input, T, D> body;
    explicit module(Init& init) : body(init) {}

    // labels: B class indices (class-conditional heads); features: [B, F] (IC-GAN heads).
    Var<T, D> forward(const Var<T, D>& x, const std::vector<int64_t>& labels, bool training) {
      Context<T, D> ctx = context(x, labels, Var<T, D>(), training);
      return body.forward(x, ctx);
    }
    Var<T, D> forward(const Var<T, D>& x, const std::vector<int64_t>& labels, const Var<T, D>& features,
                      bool training) {
      Context<T, D> ctx = context(x, labels, features, training);
      return body.forward(x, ctx);
    }
    DiscriminatorOutput<T, D> forward_all(const Var<T, D>& x, const std::vector<int64_t>& labels, bool training) {
      return forward_all(x, labels, Var<T, D>(), training);
    }
    DiscriminatorOutput<T, D> forward_all(const Var<T, D>& x, const std::vector<int64_t>& labels,
                                          const Var<T, D>& features, bool training) {
      Context<T, D> ctx = context(x, labels, features, training);
      return forward_all(x, ctx);
    }
    DiscriminatorOutput<T, D> forward_all(const Var<T, D>& x, Context<T, D>& ctx) {
      return run(x, ctx, std::make_index_sequence<last>{});
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) { body.visit(v, join_name(prefix, "blocks")); }

   private:
    static Context<T, D> context(const Var<T, D>& x, const std::vector<int64_t>& labels, const Var<T, D>& features,
                                 bool training) {
      check<ShapeError>(labels.empty() || static_cast<int64_t>(labels.size()) == x.dim(0), "Discriminator: expected ",
                        x.dim(0), " labels for a batch of ", x.dim(0), ", found ", labels.size());
      Context<T, D> ctx;
      ctx.training = training;
      ctx.labels = labels;
      ctx.features = features;
      return ctx;
    }
    template <std::size_t... I>
    DiscriminatorOutput<T, D> run(const Var<T, D>& x, Context<T, D>& ctx, std::index_sequence<I...>) {
      Var<T, D> h = x;
      ((h = std::get<I>(body.parts).forward(h, ctx)), ...);
      auto& m = std::get<last>(body.parts);
      if constexpr (requires { m.forward_all(h, ctx); }) {
        return m.forward_all(h, ctx);
      } else {
        DiscriminatorOutput<T, D> out;
        out[detail::role_of<Last>()] = m.forward(h, ctx);
        return out;
      }
    }
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
