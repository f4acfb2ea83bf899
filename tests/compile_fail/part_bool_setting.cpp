// A part's settings are named (Bias::off, Affine::on, Down, Preactivation::off), not true or
// false: a bool where a setting goes is a compile error naming the setting's type.
// expect-error: gantry::Bias
#include <gantry/nn.hpp>

using namespace gantry;

#if defined(GANTRY_COMPILE_FAIL_CONTROL)
using Part = Conv2d<8, 4, 2, 1, Bias::off>;
#else
using Part = Conv2d<8, 4, 2, 1, false>;
#endif

int main() { return static_cast<int>(Part::accepts<Image<3, 8, 8>>) - 1; }
