#pragma once
// Translator<Image<C, H, W>, Parts...>: an image-to-image net (CycleGAN's and CSGAN's
// generators): the parts folded over the input image, ending in an image. Parameters are
// named `model.<i>.*` with i the part's position, as the state dict of a torch.nn.Sequential
// held in `self.model` (pytorch-CycleGAN-and-pix2pix's ResnetGenerator), so an official
// checkpoint's names are gantry's names.
//
// Repeat<N, Part> among the parts stands for N copies of Part in its place (CycleGAN's nine
// residual blocks); each copy takes its own position, as the blocks listed one by one would.
//
//   using G = Translator<Image<3, 256, 256>, ReflectionPad2d<3>, Conv2d<64, 7, 1, 0>,
//                        InstanceNorm2d<>, ReLU, ..., Repeat<9, CycleResnetBlock>, ..., Tanh>;
//   G::module<float, cpu> g(init);  auto y = g.forward(x, /*training=*/true);
#include <string>
#include <tuple>

#include "../../core/error.hpp"
#include "compose.hpp"
#include "module.hpp"
#include "shapes.hpp"

namespace gantry {

template <int N, class Part>
struct Repeat {
  static_assert(N >= 0, "gantry: Repeat<N, Part> needs N >= 0");
};

namespace detail {
template <class Done, class... Rest>
struct expand_repeats;
template <class... Done>
struct expand_repeats<std::tuple<Done...>> {
  using type = Sequential<Done...>;
};
template <class... Done, class P, class... Rest>
struct expand_repeats<std::tuple<Done...>, P, Rest...> : expand_repeats<std::tuple<Done..., P>, Rest...> {};
template <class... Done, class P, class... Rest>
struct expand_repeats<std::tuple<Done...>, Repeat<0, P>, Rest...> : expand_repeats<std::tuple<Done...>, Rest...> {};
template <class... Done, int N, class P, class... Rest>
  requires(N > 0)
struct expand_repeats<std::tuple<Done...>, Repeat<N, P>, Rest...>
    : expand_repeats<std::tuple<Done..., P>, Repeat<N - 1, P>, Rest...> {};
}  // namespace detail

// Sequential<Parts...> with every Repeat<N, P> written out.
template <class... Parts>
using SequentialOf = typename detail::expand_repeats<std::tuple<>, Parts...>::type;

template <class Input, class... Parts>
struct Translator {
  static_assert(ImageShape<Input>, "gantry: Translator<Input, Parts...> starts with the input image shape, e.g. "
                                   "Image<3, 256, 256>");
  static_assert(sizeof...(Parts) >= 1, "gantry: Translator<Input, Parts...> needs parts");
  using Body = SequentialOf<Parts...>;
  using input = Input;
  using output = typename Body::template output<Input>;
  static_assert(ImageShape<output>, "gantry: a Translator ends in an image; its last part returns another shape");

  template <class T, class D>
  struct module {
    using value_type = T;
    using device_type = D;
    typename Body::template module<Input, T, D> model;
    explicit module(Init& init) : model(init) {}

    // x: [B, C, H, W] of the input shape; training selects the norms' mode (instance norm
    // uses the image's own statistics in both).
    Var<T, D> forward(const Var<T, D>& x, bool training) {
      check<ShapeError>(x.defined() && x.rank() == 4 && x.dim(1) == Input::channels && x.dim(2) == Input::height &&
                            x.dim(3) == Input::width,
                        "Translator: expected images of shape [B, ", Input::channels, ", ", Input::height, ", ",
                        Input::width, "], found ", x.defined() ? x.shape() : Shape{});
      Context<T, D> ctx;
      ctx.training = training;
      return model.forward(x, ctx);
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) { model.visit(v, join_name(prefix, "model")); }
  };
};

}  // namespace gantry
