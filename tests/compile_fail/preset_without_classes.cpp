// A class-conditional preset without its classes says so, with the spelling to use.
// expect-error: BigGAN is class-conditional: name its classes
#include <gantry/models/biggan.hpp>

using namespace gantry;

#if defined(GANTRY_COMPILE_FAIL_CONTROL)
using Model = models::biggan<Image<3, 32, 32>, Classes<10>, Width<4>>;
#else
using Model = models::biggan<Image<3, 32, 32>, Width<4>>;
#endif

int main() { return static_cast<int>(Model::paper_hyper().batch_size == 0); }
