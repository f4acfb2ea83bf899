#pragma once
// Embedding<Num, Dim>: a table of Num rows of Dim values, weight [Num, Dim] as in PyTorch.
// As a part it reads the batch's class labels from the Context (its input only gives the
// batch size) and outputs Vector<Dim>; as a sub-module, forward_labels(labels) looks rows up.
// PyTorch initialises embeddings with N(0, 1); the other schemes treat the table as a
// weight with fan-in Dim and fan-out Num (as torch.nn.init does).
#include <string>
#include <vector>

#include "../../autograd/ops/index.hpp"
#include "../framework/init.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

template <int Num, int Dim>
struct Embedding {
  static_assert(Num > 0 && Dim > 0, "gantry: Embedding<Num, Dim> needs positive sizes");
  template <class In>
  static constexpr bool accepts = true;  // the input is only the batch; the labels come from the Context
  template <class In>
  using expects = In;
  template <class In>
  using output = Vector<Dim>;

  template <class In, class T, class D>
  struct module {
    Var<T, D> weight;
    explicit module(Init& init) : weight(make_weight(init), true) {}

    // Rows of the table for `labels`: [labels.size(), Dim].
    Var<T, D> forward_labels(const std::vector<int64_t>& labels) {
      for (std::size_t i = 0; i < labels.size(); ++i)
        check<ShapeError>(labels[i] >= 0 && labels[i] < Num, "Embedding<", Num, ", ", Dim, ">: label ", labels[i],
                          " at position ", i, " is outside [0, ", Num, ")");
      return index_select(weight, 0, labels);
    }
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      check<ShapeError>(static_cast<int64_t>(ctx.labels.size()) == x.dim(0), "Embedding<", Num, ", ", Dim,
                        ">: a batch of ", x.dim(0), " needs as many labels, found ", ctx.labels.size());
      return forward_labels(ctx.labels);
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) { v.parameter(join_name(prefix, "weight"), weight); }

   private:
    static Tensor<T, D> make_weight(Init& init) {
      if (init.scheme == InitScheme::pytorch_default) return to_device<D>(randn<T>(Shape{Num, Dim}, init.gen));
      return init::weight<T, D>(Shape{Num, Dim}, Dim, Num, init);
    }
  };
};

}  // namespace gantry
