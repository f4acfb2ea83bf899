#pragma once
// Data-parallel training over MPI: the processes started by `mpirun -np N` (or Slurm's
// `srun`), on one machine or many, as a ProcessGroup (core/process_group.hpp) for the
// training step and the trainer. Needs an MPI library (Debian: libopenmpi-dev) and the
// CMake target gantry::mpi; the rest of gantry never includes this header.
//
//   gantry::distributed::MpiSession mpi(&argc, &argv);   // MPI_Init_thread .. MPI_Finalize
//   gantry::distributed::MpiGroup world;                  // MPI_COMM_WORLD
//   model.nets.set_group(&world, /*sync_batch_norm=*/true);
//   options.group = &world;                               // train::TrainerOptions
//
// Only the thread that made the session calls MPI (MPI_THREAD_FUNNELED): gantry's kernel
// threads never communicate. A failed MPI call throws gantry::Error with MPI's message
// instead of aborting every process.
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/process_group.hpp"

namespace gantry::distributed {

namespace detail {
inline void mpi_check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  fail<Error>("MPI: ", what, " failed: ", std::string(text, static_cast<std::size_t>(len)));
}

// MPI counts are int: long buffers go in pieces.
template <class F>
void in_chunks(std::size_t n, F&& f) {
  constexpr std::size_t chunk = std::size_t{1} << 30;
  for (std::size_t at = 0; at < n; at += chunk) f(at, static_cast<int>(std::min(chunk, n - at)));
}
}  // namespace detail

// Whether this process was started by an MPI launcher (Open MPI's mpirun, a PMI/PMIx launcher
// such as Slurm's srun or MPICH's Hydra): the command line then joins the run's other processes.
inline bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

// Initialises MPI for this process (unless something already did) and finalises what it
// initialised.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv) {
    int ready = 0;
    MPI_Initialized(&ready);
    if (ready) return;
    int provided = 0;
    detail::mpi_check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    owner_ = true;
  }
  MpiSession() : MpiSession(nullptr, nullptr) {}
  ~MpiSession() {
    int done = 0;
    MPI_Finalized(&done);
    if (owner_ && !done) MPI_Finalize();
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

 private:
  bool owner_ = false;
};

class MpiGroup final : public ProcessGroup {
 public:
  // A private duplicate of `comm`, so gantry's messages never meet the caller's.
  explicit MpiGroup(MPI_Comm comm = MPI_COMM_WORLD) {
    detail::mpi_check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  // The processes of this one's group with the same `color` (MPI_Comm_split), ordered by rank.
  MpiGroup split(int color) const {
    MPI_Comm part;
    detail::mpi_check(MPI_Comm_split(comm_, color, rank_, &part), "MPI_Comm_split");
    MpiGroup g(part);
    MPI_Comm_free(&part);
    return g;
  }
  ~MpiGroup() override {
    int done = 0;
    MPI_Finalized(&done);
    if (comm_ != MPI_COMM_NULL && !done) MPI_Comm_free(&comm_);
  }
  MpiGroup(MpiGroup&& o) noexcept : comm_(o.comm_), rank_(o.rank_), size_(o.size_) { o.comm_ = MPI_COMM_NULL; }
  MpiGroup(const MpiGroup&) = delete;
  MpiGroup& operator=(const MpiGroup&) = delete;
  MpiGroup& operator=(MpiGroup&&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void all_reduce_sum(std::span<float> v) const override { reduce(v.data(), v.size(), MPI_FLOAT); }
  void all_reduce_sum(std::span<double> v) const override { reduce(v.data(), v.size(), MPI_DOUBLE); }

  void broadcast(std::span<std::byte> bytes, int root) const override {
    detail::in_chunks(bytes.size(), [&](std::size_t at, int n) {
      detail::mpi_check(MPI_Bcast(bytes.data() + at, n, MPI_BYTE, root, comm_), "MPI_Bcast");
    });
  }

  std::vector<std::string> all_gather(const std::string& s) const override {
    check(s.size() <= static_cast<std::size_t>(INT_MAX), "MpiGroup::all_gather: a string of ", s.size(), " bytes");
    std::vector<int> lengths(static_cast<std::size_t>(size_));
    const int mine = static_cast<int>(s.size());
    detail::mpi_check(MPI_Allgather(&mine, 1, MPI_INT, lengths.data(), 1, MPI_INT, comm_), "MPI_Allgather");
    std::vector<int> offsets(lengths.size(), 0);
    long long total = 0;
    for (std::size_t r = 0; r < lengths.size(); ++r) {
      offsets[r] = static_cast<int>(total);
      total += lengths[r];
    }
    check(total <= INT_MAX, "MpiGroup::all_gather: ", total, " bytes from all ranks");
    std::string all(static_cast<std::size_t>(total), '\0');
    detail::mpi_check(MPI_Allgatherv(s.data(), mine, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
                                     comm_),
                      "MPI_Allgatherv");
    std::vector<std::string> out;
    for (std::size_t r = 0; r < lengths.size(); ++r)
      out.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
    return out;
  }

  std::string describe() const override {
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(version, &len);
    std::string v(version, static_cast<std::size_t>(len));
    v = v.substr(0, v.find_first_of(",\n"));
    return "MPI (" + v + "), " + std::to_string(size_) + " processes";
  }

  // How many of the group's processes share this one's machine (its memory).
  int local_size() const {
    MPI_Comm node;
    detail::mpi_check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
                      "MPI_Comm_split_type");
    int n = 1;
    MPI_Comm_size(node, &n);
    MPI_Comm_free(&node);
    return n;
  }

  MPI_Comm comm() const { return comm_; }

 private:
  void reduce(void* data, std::size_t n, MPI_Datatype type) const {
    int bytes = 0;
    MPI_Type_size(type, &bytes);
    detail::in_chunks(n, [&](std::size_t at, int count) {
      detail::mpi_check(MPI_Allreduce(MPI_IN_PLACE, static_cast<char*>(data) + at * static_cast<std::size_t>(bytes),
                                      count, type, MPI_SUM, comm_),
                        "MPI_Allreduce");
    });
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
};

}  // namespace gantry::distributed
