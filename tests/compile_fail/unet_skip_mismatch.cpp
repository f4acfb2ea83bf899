// A U-Net skip must have the height and width of the decoder input it joins: here a 9 x 9
// input pools to 4 x 4, upsamples to 8 x 8 and meets the 9 x 9 skip of encoder block 0 at
// decoder block 3. The error names the position, the decoder's shape and the skip's shape.
// expect-error: skip_cannot_join<3, gantry::Image<2, 8, 8>, gantry::Image<2, 9, 9> >
#include <gantry/nn.hpp>

using namespace gantry;

using U = UNet<Encoder<Conv2d<2, 3>, Sequential<Conv2d<3, 3>, AvgPool2d<2>>>, LinearHead<>,
               Decoder<Sequential<UpsampleNearest<2>, Conv2d<2, 3>>, Conv2d<2, 3>>, PerPixelHead<>>;
#if defined(GANTRY_COMPILE_FAIL_CONTROL)
using D = Discriminator<Image<1, 8, 8>, U>;
#else
using D = Discriminator<Image<1, 9, 9>, U>;
#endif

int main() {
  Rng gen(1);
  Init init{gen};
  D::module<float, cpu> d(init);
  return 0;
}
