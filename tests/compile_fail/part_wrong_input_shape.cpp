// A part that cannot take its input shape is a compile error naming the part, its position
// in the model and both shapes: here a convolution (position 2) receives a vector.
// expect-error: part_cannot_take_input<gantry::Conv2d<8, 3>, 2, gantry::Vector<36>, gantry::AnyImage>
#include <gantry/nn.hpp>

using namespace gantry;

#if defined(GANTRY_COMPILE_FAIL_CONTROL)
using G = Generator<Latent<16>, Linear<36>, ReLU, Reshape<4, 3, 3>, Conv2d<8, 3>>;
#else
using G = Generator<Latent<16>, Linear<36>, ReLU, Conv2d<8, 3>>;
#endif

int main() {
  Rng gen(1);
  Init init{gen};
  G::module<float, cpu> g(init);
  return 0;
}
