// A conditioned part may declare the length of the condition it expects; the Generator
// checks it against what it gives: BigGAN's 128px layout gives 128 + 20 = 148 values per
// block, not 128. The error names the part and both sizes.
// expect-error: part_expects_other_condition_size<FakeBlock<128>, 128, 148>
#include <gantry/nn.hpp>

using namespace gantry;

template <int C>
struct FakeBlock {
  static constexpr bool conditioned = true;
  static constexpr int condition_size = C;
  template <class In>
  static constexpr bool accepts = true;
  template <class In>
  using expects = In;
  template <class In>
  using output = In;
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) { return add(x, sum(ctx.next_condition())); }
  };
};

#if defined(GANTRY_COMPILE_FAIL_CONTROL)
constexpr int expected = 148;
#else
constexpr int expected = 128;
#endif
using G = Generator<Latent<120>, Classes<1000>, SharedEmbedding<128>, Hierarchical, Linear<16>, FakeBlock<expected>,
                    FakeBlock<expected>, FakeBlock<expected>, FakeBlock<expected>, FakeBlock<expected>>;

int main() {
  Rng gen(1);
  Init init{gen};
  G::module<float, cpu> g(init);
  return 0;
}
