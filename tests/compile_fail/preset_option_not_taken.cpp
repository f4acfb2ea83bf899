// A preset given an option it does not take is one readable compile error naming it: here
// SAGAN (whose attention sits at 16x16 by design) given AttentionAt<8>.
// expect-error: this preset does not take this option
#include <gantry/models/sagan.hpp>

using namespace gantry;

#if defined(GANTRY_COMPILE_FAIL_CONTROL)
using Model = models::sagan<Image<1, 32, 32>, Classes<10>, Width<8>>;
#else
using Model = models::sagan<Image<1, 32, 32>, Classes<10>, Width<8>, AttentionAt<8>>;
#endif

int main() { return static_cast<int>(Model::paper_hyper().batch_size == 0); }
