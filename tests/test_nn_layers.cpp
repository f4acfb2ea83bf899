// Layer parts: static shapes, PyTorch fixtures (tests/fixtures/make_layer_fixtures.py) and
// second-order gradchecks.
#include "part_fixture.hpp"

using namespace gantry;

namespace {

template <class P, class In, class T = float>
auto make(std::uint64_t seed = 1) {
  Rng gen(seed);
  Init init{gen};
  return typename P::template module<In, T, cpu>(init);
}

}  // namespace

TEST_CASE("fixture: Linear") {
  auto m = make<Linear<5>, Vector<7>>();
  part_fixture::check(m, "linear");
}

TEST_CASE("fixture: Conv2d") {
  auto m = make<Conv2d<4, 3, 2, 1>, Image<3, 7, 6>>();
  part_fixture::check(m, "conv2d");
}

TEST_CASE("second order: Linear and Conv2d") {
  auto lin = make<Linear<3>, Vector<4>, double>();
  auto r = part_fixture::gradgrad(lin, part_fixture::input({2, 4}));
  CHECK_MESSAGE(r.ok, r.report);
  auto conv = make<Conv2d<2, 3, 2, 1>, Image<2, 5, 4>, double>();
  r = part_fixture::gradgrad(conv, part_fixture::input({2, 2, 5, 4}));
  CHECK_MESSAGE(r.ok, r.report);
}
