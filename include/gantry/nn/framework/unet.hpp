#pragma once
// UNet<Encoder<E0, ..., En-1>, BottleneckHead, Decoder<D0, ..., Dm-1>, PixelHead>: U-Net GAN's
// discriminator body (boschresearch/unetgan BigGAN.py Unet_Discriminator, SPECS §6b).
//
//   h = x; h = E_i(h) for i = 0..n-1, keeping f_i = h            (encoder; f_{n-1} is the bottleneck)
//   adversarial = BottleneckHead(f_{n-1})                         (one logit per image)
//   h = D_0(f_{n-1}); h = D_j(cat(h, f_{n-1-j})) for j = 1..m-1  (decoder, skips concatenated on channels)
//   per_pixel = PixelHead(h)                                      (one logit per pixel)
//
// so decoder block j (j >= 1) receives its input's channels plus the channels of the encoder
// output at the same resolution, as unetgan pairs them (m <= n). Every step is checked at
// compile time: a block that cannot take its input names its position (encoder blocks
// 0..n-1, decoder blocks n..n+m-1, as unetgan's indices) with part_cannot_take_input; a skip
// whose height or width differs from the decoder input's is skip_cannot_join; a head that
// cannot take its input is head_cannot_take_input. An encoder step may be several parts
// (Sequential<DBlock<...>, SelfAttention>): the skip is what the whole step outputs.
//
// Outputs: forward_all fills DiscriminatorOutput's slots by the heads' roles (adversarial
// and per_pixel with ProjectionHead/LinearHead and PerPixelHead); forward, the single-output
// part protocol, runs the encoder and the bottleneck head only. Names follow unetgan: blocks
// `blocks.<i>` (encoder then decoder), the bottleneck head's names with `_middle` appended to
// their first component (`linear_middle.weight`, `embed_middle.weight`), the pixel head's as
// they are (`conv.weight`, `embed.weight`; unetgan's `blocks.<n+m>` for that conv).
#include <array>
#include <string>
#include <tuple>
#include <utility>

#include "../../autograd/ops/layout.hpp"
#include "compose.hpp"
#include "../heads/head.hpp"

namespace gantry {

template <class... Blocks>
struct Encoder {};
template <class... Blocks>
struct Decoder {};

// Instantiated only when a U-Net decoder input and its encoder skip cannot be concatenated
// on channels: the template arguments name the decoder block's position, the shape the
// decoder produced so far and the skip's shape.
template <int Position, class Received, class Skip>
struct skip_cannot_join {
  static_assert(sizeof(Received) == 0,
                "gantry: a U-Net skip cannot be concatenated with the decoder's input (both must be images of "
                "the same height and width); the template arguments of skip_cannot_join<Position, Received, "
                "Skip> above name the decoder block's position, the decoder's shape and the skip's shape");
  using type = Received;
};

// Instantiated only when a U-Net head cannot take its input.
template <class Head, class Received, class Expected>
struct head_cannot_take_input {
  static_assert(sizeof(Head) == 0,
                "gantry: a U-Net head cannot take its input; the template arguments of "
                "head_cannot_take_input<Head, Received, Expected> above name the head and both shapes");
  using type = Received;
};

namespace detail {

template <class C>
struct chain_step_outputs;
template <int Pos, class In>
struct chain_step_outputs<chain<Pos, In>> {
  using type = std::tuple<>;
};
template <int Pos, class In, class P, class... Ps>
struct chain_step_outputs<chain<Pos, In, P, Ps...>> {
  using C = chain<Pos, In, P, Ps...>;
  using type = decltype(std::tuple_cat(std::declval<std::tuple<typename C::here::output>>(),
                                       std::declval<typename chain_step_outputs<typename C::next>::type>()));
};

// cat(H, Skip) on channels, or skip_cannot_join.
template <int Pos, class H, class Skip>
struct join_skip {
  using type = typename skip_cannot_join<Pos, H, Skip>::type;
};
template <int Pos, class H, class Skip>
  requires(ImageShape<H> && ImageShape<Skip> && H::height == Skip::height && H::width == Skip::width)
struct join_skip<Pos, H, Skip> {
  using type = Image<H::channels + Skip::channels, H::height, H::width>;
};

// Decoder step J of a U-Net with encoder outputs Skips (a tuple of shapes) and NEnc encoder blocks.
template <int J, int NEnc, class H, class Skips, class... Ds>
struct decoder_chain {
  using output = H;
  template <class T, class D>
  using modules = std::tuple<>;
};
template <int J, int NEnc, class H, class Skips, class P, class... Ds>
struct decoder_chain<J, NEnc, H, Skips, P, Ds...> {
  using in = typename std::conditional_t<J == 0, std::type_identity<H>,
                                         join_skip<NEnc + J, H, std::tuple_element_t<(J > 0 ? NEnc - 1 - J : 0), Skips>>>::type;
  using here = step<P::template accepts<in>, P, NEnc + J, in>;
  using next = decoder_chain<J + 1, NEnc, typename here::output, Skips, Ds...>;
  using output = typename next::output;
  template <class T, class D>
  using modules = decltype(std::tuple_cat(std::declval<std::tuple<typename here::template module<T, D>>>(),
                                          std::declval<typename next::template modules<T, D>>()));
};

template <class C>
struct decoder_inputs_of {
  using type = std::tuple<>;
};
template <int J, int NEnc, class H, class Skips, class P, class... Ds>
struct decoder_inputs_of<decoder_chain<J, NEnc, H, Skips, P, Ds...>> {
  using C = decoder_chain<J, NEnc, H, Skips, P, Ds...>;
  using type = decltype(std::tuple_cat(std::declval<std::tuple<typename C::in>>(),
                                       std::declval<typename decoder_inputs_of<typename C::next>::type>()));
};

template <bool Ok, class Head, class In>
struct head_step {
  using output = typename Head::template output<In>;
  template <class T, class D>
  using module = typename Head::template module<In, T, D>;
};
template <class Head, class In>
struct head_step<false, Head, In> {
  using output = typename head_cannot_take_input<Head, In, typename Head::template expects<In>>::type;
  template <class T, class D>
  using module = broken_module<In, T, D>;
};

// Renames the first component of every name: `linear.weight` -> `<prefix>.linear_middle.weight`.
template <class T, class D>
struct SuffixFirstName : ParamVisitor<T, D> {
  ParamVisitor<T, D>& inner;
  std::string prefix, suffix;
  SuffixFirstName(ParamVisitor<T, D>& v, std::string p, std::string s)
      : inner(v), prefix(std::move(p)), suffix(std::move(s)) {}
  std::string rename(const std::string& name) const {
    const auto dot = name.find('.');
    if (dot == std::string::npos) return join_name(prefix, name + suffix);
    return join_name(prefix, name.substr(0, dot) + suffix + name.substr(dot));
  }
  void parameter(const std::string& name, Var<T, D>& p) override { inner.parameter(rename(name), p); }
  void buffer(const std::string& name, Tensor<T, D>& b) override { inner.buffer(rename(name), b); }
};

}  // namespace detail

template <class Enc, class BottleneckHead, class Dec, class PixelHead>
struct UNet {
  static_assert(sizeof(Enc) == 0,
                "gantry: UNet<Encoder<Blocks...>, BottleneckHead, Decoder<Blocks...>, PixelHead> is the form");
};

template <class... Es, class BottleneckHead, class... Ds, class PixelHead>
struct UNet<Encoder<Es...>, BottleneckHead, Decoder<Ds...>, PixelHead> {
  static constexpr int encoder_blocks = sizeof...(Es), decoder_blocks = sizeof...(Ds);
  static_assert(encoder_blocks >= 1 && decoder_blocks >= 1, "gantry: a UNet needs encoder and decoder blocks");
  static_assert(decoder_blocks <= encoder_blocks,
                "gantry: a UNet decoder block j >= 1 takes the skip of encoder block n - 1 - j, so it can have "
                "at most as many blocks as the encoder");
  static constexpr HeadRole bottleneck_role = detail::role_of<BottleneckHead>();
  static constexpr HeadRole pixel_role = detail::role_of<PixelHead>();
  static_assert(bottleneck_role != pixel_role, "gantry: a UNet's two heads must have different roles");
  static constexpr HeadRole role = bottleneck_role;

 private:
  template <class In>
  struct shapes {
    using enc = detail::chain<0, In, Es...>;
    using bottleneck = typename enc::output;
    using skips = typename detail::chain_step_outputs<enc>::type;
    using mid = detail::head_step<BottleneckHead::template accepts<bottleneck>, BottleneckHead, bottleneck>;
    using dec = detail::decoder_chain<0, encoder_blocks, bottleneck, skips, Ds...>;
    using pix = detail::head_step<PixelHead::template accepts<typename dec::output>, PixelHead, typename dec::output>;
  };
  // The shape of output slot R: a head's output when it has role R.
  template <HeadRole R, class In>
  using slot = std::conditional_t<bottleneck_role == R, typename shapes<In>::mid::output,
                                  std::conditional_t<pixel_role == R, typename shapes<In>::pix::output, NoOutput>>;

 public:
  template <class In>
  static constexpr bool accepts = ImageShape<In>;  // each step is checked inside
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = typename shapes<In>::mid::output;
  // The input shape of each decoder block (with its skip's channels), and the skips (encoder outputs).
  template <class In>
  using decoder_inputs = typename detail::decoder_inputs_of<typename shapes<In>::dec>::type;
  template <class In>
  using encoder_outputs = typename shapes<In>::skips;
  template <class In>
  using outputs = OutputShapes<slot<HeadRole::adversarial, In>, slot<HeadRole::classifier, In>,
                               slot<HeadRole::per_pixel, In>>;

  template <class In, class T, class D>
  struct module {
    using S = shapes<In>;
    typename S::enc::template modules<T, D> encoder;
    typename S::mid::template module<T, D> middle;
    typename S::dec::template modules<T, D> decoder;
    typename S::pix::template module<T, D> pixel;

    explicit module(Init& init)
        : encoder(make<typename S::enc::template modules<T, D>>(init, std::index_sequence_for<Es...>{})),
          middle(init),
          decoder(make<typename S::dec::template modules<T, D>>(init, std::index_sequence_for<Ds...>{})),
          pixel(init) {}

    DiscriminatorOutput<T, D> forward_all(const Var<T, D>& x, Context<T, D>& ctx) {
      std::array<Var<T, D>, sizeof...(Es)> skips;
      Var<T, D> h = encode(x, ctx, skips, std::index_sequence_for<Es...>{});
      DiscriminatorOutput<T, D> out;
      out[bottleneck_role] = middle.forward(h, ctx);
      h = decode(h, ctx, skips, std::index_sequence_for<Ds...>{});
      out[pixel_role] = pixel.forward(h, ctx);
      return out;
    }
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      std::array<Var<T, D>, sizeof...(Es)> skips;
      return middle.forward(encode(x, ctx, skips, std::index_sequence_for<Es...>{}), ctx);
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      visit_blocks(v, prefix, std::index_sequence_for<Es...>{}, std::index_sequence_for<Ds...>{});
      detail::SuffixFirstName<T, D> renamed(v, prefix, "_middle");
      middle.visit(renamed, "");
      pixel.visit(v, prefix);
    }

   private:
    template <class Tuple, std::size_t... I>
    static Tuple make(Init& init, std::index_sequence<I...>) {
      return Tuple{std::tuple_element_t<I, Tuple>(init)...};  // braced: constructed left to right
    }
    template <std::size_t... I>
    Var<T, D> encode(const Var<T, D>& x, Context<T, D>& ctx, std::array<Var<T, D>, sizeof...(Es)>& skips,
                     std::index_sequence<I...>) {
      Var<T, D> h = x;
      ((h = std::get<I>(encoder).forward(h, ctx), skips[I] = h), ...);
      return h;
    }
    template <std::size_t... J>
    Var<T, D> decode(const Var<T, D>& bottleneck, Context<T, D>& ctx,
                     const std::array<Var<T, D>, sizeof...(Es)>& skips, std::index_sequence<J...>) {
      constexpr std::size_t n = sizeof...(Es);
      Var<T, D> h = bottleneck;
      ((h = std::get<J>(decoder).forward(J == 0 ? h : concat(std::vector<Var<T, D>>{h, skips[n - 1 - J]}, 1), ctx)),
       ...);
      return h;
    }
    template <std::size_t... I, std::size_t... J>
    void visit_blocks(ParamVisitor<T, D>& v, const std::string& prefix, std::index_sequence<I...>,
                      std::index_sequence<J...>) {
      (std::get<I>(encoder).visit(v, join_name(prefix, "blocks." + std::to_string(I))), ...);
      (std::get<J>(decoder).visit(v, join_name(prefix, "blocks." + std::to_string(sizeof...(Es) + J))), ...);
    }
  };
};

}  // namespace gantry
