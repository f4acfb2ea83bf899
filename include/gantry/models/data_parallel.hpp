#pragma once
// What a training step does on the processes of a data-parallel run (core/process_group.hpp),
// shared by the G/D pair (net_pair.hpp) and the translators (translation.hpp):
//   average_gradients(nets...)  the parameters' gradients become their mean over the ranks
//                               (one all-reduce of all of them), before the optimiser step
//   share_buffers(nets...)      rank 0's buffers (batch-norm running statistics) become every
//                               rank's after an update, so all ranks hold the same state
//   average(losses)             the logged losses as the mean over ranks
//   all_rows(mine)              all ranks' rows of a batch, in rank order (a history pool
//                               that every rank keeps the same)
// Without a group (one process) each is a no-op.
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../autograd/param_visitor.hpp"
#include "../core/process_group.hpp"
#include "../core/tensor.hpp"
#include "../optim/params.hpp"
#include "step_losses.hpp"

namespace gantry::models {

template <class T>
class DataParallel {
 public:
  using value_type = T;

  // The ranks of `group` (null: one process) and whether batch norm takes its statistics over
  // all of them. The group must outlive the training.
  void set_group(const ProcessGroup* group, bool sync_batch_norm) {
    group_ = group;
    sync_batch_norm_ = sync_batch_norm;
  }
  const ProcessGroup* group() const { return group_; }
  bool sync_batch_norm() const { return sync_batch_norm_ && group_size(group_) > 1; }

  // (A parameter without a gradient on every rank keeps none.)
  template <class... M>
  void average_gradients(M&... nets) const {
    if (group_size(group_) == 1) return;
    std::vector<NamedParam<T, cpu>> params;
    (append(params, named_parameters<T, cpu>(nets)), ...);
    std::vector<T> flat;
    for (const auto& p : params)
      if (p.var.grad().defined()) {
        const Tensor<T, cpu>& g = p.var.grad().value();
        flat.insert(flat.end(), g.data(), g.data() + g.numel());
      }
    // Every rank has gradients for the same parameters (the same model and code path); the
    // count is checked so that a difference is an error, not a hang or a mixed sum.
    check_ranks_agree(group_, "the number of gradient values of a step", std::to_string(flat.size()));
    group_->all_reduce_sum(std::span<T>(flat));
    const T inv = T(1) / static_cast<T>(group_->size());
    std::size_t at = 0;
    for (const auto& p : params) {
      if (!p.var.grad().defined()) continue;
      // A new tensor: the old gradient's storage may be shared with a value on the tape.
      Tensor<T, cpu> mean(p.var.shape());
      for (int64_t i = 0; i < p.var.numel(); ++i) mean.data()[i] = flat[at++] * inv;
      Var<T, cpu> v = p.var;
      v.set_grad(Var<T, cpu>(mean));
    }
  }

  template <class... M>
  void share_buffers(M&... nets) const {
    if (group_size(group_) == 1) return;
    struct Buffers : ParamVisitor<T, cpu> {
      std::vector<Tensor<T, cpu>> all;
      void parameter(const std::string&, Var<T, cpu>&) override {}
      void buffer(const std::string&, Tensor<T, cpu>& b) override { all.push_back(b); }
    } v;
    (nets.visit(v, ""), ...);
    std::vector<T> flat;
    for (const auto& b : v.all) flat.insert(flat.end(), b.data(), b.data() + b.numel());
    group_->broadcast(std::as_writable_bytes(std::span<T>(flat)), 0);
    std::size_t at = 0;
    for (auto& b : v.all) {
      std::copy_n(flat.data() + at, b.numel(), b.data());
      at += static_cast<std::size_t>(b.numel());
    }
  }

  StepLosses average(StepLosses losses) const {
    if (group_size(group_) == 1) return losses;
    std::vector<double> v;
    for (const auto& kv : losses) v.push_back(kv.second);
    group_->all_reduce_sum(std::span<double>(v));
    for (std::size_t i = 0; i < v.size(); ++i) losses[i].second = v[i] / group_->size();
    return losses;
  }

  // Every rank's rows in rank order (the ranks hold equally many).
  Tensor<T, cpu> all_rows(const Tensor<T, cpu>& mine) const {
    if (group_size(group_) == 1) return mine;
    std::vector<int64_t> dims = mine.shape().vec();
    dims[0] *= group_->size();
    Tensor<T, cpu> all = Tensor<T, cpu>::zeros(Shape(dims));
    std::copy_n(mine.data(), mine.numel(), all.data() + group_->rank() * mine.numel());
    group_->all_reduce_sum(std::span<T>(all.data(), static_cast<std::size_t>(all.numel())));
    return all;
  }

 private:
  static void append(std::vector<NamedParam<T, cpu>>& to, std::vector<NamedParam<T, cpu>> from) {
    to.insert(to.end(), from.begin(), from.end());
  }

  const ProcessGroup* group_ = nullptr;
  bool sync_batch_norm_ = false;
};

}  // namespace gantry::models
