#pragma once
// The part protocol. A part is a type P with
//   template <class In> static constexpr bool accepts;   can it take input shape In?
//   template <class In> using expects = ...;            what it wants (for error messages)
//   template <class In> using output = ...;             its output shape for In
//   template <class In, class T, class D> struct module; the runtime object:
//       explicit module(Init&);                                   creates and initialises parameters
//       Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx);
//       void visit(ParamVisitor<T, D>& v, const std::string& prefix);  names parameters and buffers
// Parts with no parameters may derive their module from Stateless.
#include <string>
#include <vector>

#include "../../autograd/param_visitor.hpp"
#include "../../autograd/var.hpp"
#include "../../core/error.hpp"
#include "../../core/philox.hpp"

namespace gantry {

// Everything a forward pass needs besides its input: the mode and the conditioning. It is
// made per call by the model, so there is no global state.
template <class T, class D>
struct Context {
  bool training = true;
  // Class labels of the batch (empty when unconditional).
  std::vector<int64_t> labels;
  // Conditioning vectors, one per conditioned block in order (BigGAN's hierarchical z),
  // or one shared by every conditioned block (`shared_condition`).
  std::vector<Var<T, D>> block_conditions;
  Var<T, D> shared_condition;
  std::size_t next_block = 0;
  // Instance features (IC-GAN) and the full latent (self-modulation), when present.
  Var<T, D> features;
  Var<T, D> latent;

  // The conditioning vector of the next conditioned block.
  Var<T, D> next_condition() {
    if (block_conditions.empty()) return shared_condition;
    check(next_block < block_conditions.size(), "conditioning: ", block_conditions.size(),
          " block conditions were given but more conditioned blocks asked for one");
    return block_conditions[next_block++];
  }
};

// How a part initialises its weights: the model chooses the scheme (SPECS.md lists each paper's).
enum class InitScheme { pytorch_default, normal_002, xavier_uniform, orthogonal, kaiming_normal };

struct Init {
  Rng& gen;
  InitScheme scheme = InitScheme::pytorch_default;
  bool zero_biases = false;  // TF-derived codes (SAGAN, WGAN-GP's tflib) start biases at 0
};

// A module with no parameters.
template <class T, class D>
struct Stateless {
  explicit Stateless(Init&) {}
  void visit(ParamVisitor<T, D>&, const std::string&) {}
};

}  // namespace gantry
