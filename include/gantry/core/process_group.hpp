#pragma once
// The processes of a data-parallel run, as the training step sees them: a rank, a size and
// the collectives it needs (sum across ranks, broadcast from one rank, gather of short
// strings for agreement checks). An implementation wraps a communication library:
// distributed/mpi.hpp (MPI). Nothing here depends on one, so the step, the trainer and batch
// norm take a `const ProcessGroup*` (null: one process) and compile without MPI.
//
// Every collective must be called by all ranks in the same order with the same sizes; the
// callers in gantry do so because every rank runs the same model on equally sized shards.
//
// A shard: each rank takes its own rows of a batch drawn for all ranks (`shard_rows`), so
// that N ranks with batch B / N train the same model as one process with batch B.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "error.hpp"
#include "tensor.hpp"

namespace gantry {

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In place: every rank ends with the element-wise sum over ranks.
  virtual void all_reduce_sum(std::span<float> values) const = 0;
  virtual void all_reduce_sum(std::span<double> values) const = 0;
  // In place: every rank ends with `root`'s bytes.
  virtual void broadcast(std::span<std::byte> bytes, int root) const = 0;
  // Every rank's string, in rank order.
  virtual std::vector<std::string> all_gather(const std::string& s) const = 0;
  // What runs it, for messages and logs ("MPI: Open MPI v4.1.4").
  virtual std::string describe() const = 0;
};

inline int group_rank(const ProcessGroup* g) { return g ? g->rank() : 0; }
inline int group_size(const ProcessGroup* g) { return g ? g->size() : 1; }

// The rows of a batch of `global` rows that rank `rank` of `size` holds: [begin, end).
struct ShardRows {
  int64_t begin = 0, end = 0;
};
inline ShardRows shard_rows(int64_t global, const ProcessGroup* g, const char* what) {
  const int64_t n = group_size(g), r = group_rank(g);
  check<ShapeError>(global % n == 0, what, ": a batch of ", global, " does not split evenly over ", n,
                    " processes; use a batch size divisible by ", n);
  const int64_t per = global / n;
  return {r * per, (r + 1) * per};
}

// This rank's rows of a tensor drawn for all ranks (a view; the whole tensor without a group).
template <class T, class D>
Tensor<T, D> rank_rows(const Tensor<T, D>& all, const ProcessGroup* g, const char* what) {
  if (group_size(g) == 1 || !all.defined()) return all;
  const ShardRows s = shard_rows(all.dim(0), g, what);
  return all.narrow0(s.begin, s.end);
}
template <class V>
std::vector<V> rank_rows(const std::vector<V>& all, const ProcessGroup* g, const char* what) {
  if (group_size(g) == 1 || all.empty()) return all;
  const ShardRows s = shard_rows(static_cast<int64_t>(all.size()), g, what);
  return std::vector<V>(all.begin() + s.begin, all.begin() + s.end);
}

// Refuses to go on when the ranks disagree about `what` (the model, its hyper-parameters,
// gantry's version): every rank gets the same message naming the first rank that differs.
inline void check_ranks_agree(const ProcessGroup* g, const std::string& what, const std::string& value) {
  if (group_size(g) == 1) return;
  const std::vector<std::string> all = g->all_gather(value);
  for (std::size_t r = 1; r < all.size(); ++r)
    check(all[r] == all[0], "data-parallel run: the processes disagree about ", what, ": rank 0 has ", all[0],
          ", rank ", r, " has ", all[r]);
}

}  // namespace gantry
