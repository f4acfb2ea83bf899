// tflib's 2 x 2 mean pool needs even sizes: a third ConvMeanPool (position 2) receives a
// 3 x 3 image, and the error names the part, its position, the shape and what it expects.
// expect-error: part_cannot_take_input<gantry::ConvMeanPool<8, 3>, 2, gantry::Image<8, 3, 3>, gantry::ImageWithEvenSides>
#include <gantry/nn.hpp>

using namespace gantry;

#if defined(GANTRY_COMPILE_FAIL_CONTROL)
using Dsc = Discriminator<Image<3, 16, 16>, ConvMeanPool<8, 3>, ConvMeanPool<8, 3>, ConvMeanPool<8, 3>, Flatten>;
#else
using Dsc = Discriminator<Image<3, 12, 12>, ConvMeanPool<8, 3>, ConvMeanPool<8, 3>, ConvMeanPool<8, 3>, Flatten>;
#endif

int main() {
  Rng gen(1);
  Init init{gen};
  Dsc::module<float, cpu> d(init);
  return 0;
}
