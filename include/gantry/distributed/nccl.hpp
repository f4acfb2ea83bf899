#pragma once
// NCCL, the collectives between GPUs: one communicator per process and device, made from a
// unique id that rank 0 draws and the others receive through a host ProcessGroup (MPI), or
// for one process on one device by itself. Sums and broadcasts act in place on cuda tensors.
// Needs the CUDA toolkit's NCCL (nccl.h, libnccl) and the CMake target gantry::nccl.
//
//   gantry::distributed::MpiGroup world;
//   gantry::distributed::NcclComm gpus(world, /*device=*/world.rank() % devices);
//   gpus.all_reduce_sum(grad);                     // Tensor<float, cuda>, every rank
//
// The GPU training step that will call it is the CUDA backend's next part; for now this is
// the communicator and its test (tests/cuda/test_nccl.cpp, run by scripts/gpu-check).
#include <nccl.h>

#include <cstddef>
#include <span>
#include <string>
#include <type_traits>

#include "../backend/cuda/error.hpp"
#include "../core/error.hpp"
#include "../core/process_group.hpp"
#include "../core/tensor.hpp"

namespace gantry::distributed {

namespace detail {
inline void nccl_check(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) fail<Error>("NCCL: ", what, " failed: ", ncclGetErrorString(r));
}
template <class T>
constexpr ncclDataType_t nccl_type() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "gantry: NCCL sums float or double tensors");
  return std::is_same_v<T, float> ? ncclFloat32 : ncclFloat64;
}
}  // namespace detail

class NcclComm {
 public:
  // One process per device: rank and size are `bootstrap`'s; this process uses `device`.
  NcclComm(const ProcessGroup& bootstrap, int device) : device_(device) {
    GANTRY_CUDA_CHECK(cudaSetDevice(device));
    ncclUniqueId id{};
    if (bootstrap.rank() == 0) detail::nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
    bootstrap.broadcast(std::as_writable_bytes(std::span<ncclUniqueId>(&id, 1)), 0);
    detail::nccl_check(ncclCommInitRank(&comm_, bootstrap.size(), id, bootstrap.rank()), "ncclCommInitRank");
  }
  // This process alone, on `device` (a communicator of one: its sums are copies).
  explicit NcclComm(int device) : device_(device) {
    GANTRY_CUDA_CHECK(cudaSetDevice(device));
    int devices[1] = {device};
    detail::nccl_check(ncclCommInitAll(&comm_, 1, devices), "ncclCommInitAll");
  }
  ~NcclComm() {
    if (comm_) ncclCommDestroy(comm_);
  }
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  int rank() const {
    int r = 0;
    detail::nccl_check(ncclCommUserRank(comm_, &r), "ncclCommUserRank");
    return r;
  }
  int size() const {
    int n = 0;
    detail::nccl_check(ncclCommCount(comm_, &n), "ncclCommCount");
    return n;
  }
  int device() const { return device_; }

  // In place: every rank ends with the sum over ranks (finished when this returns).
  template <class T>
  void all_reduce_sum(Tensor<T, cuda>& t) const {
    detail::nccl_check(ncclAllReduce(t.data(), t.data(), static_cast<std::size_t>(t.numel()), detail::nccl_type<T>(),
                                     ncclSum, comm_, stream_),
                       "ncclAllReduce");
    GANTRY_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  // In place: every rank ends with `root`'s values.
  template <class T>
  void broadcast(Tensor<T, cuda>& t, int root) const {
    detail::nccl_check(ncclBroadcast(t.data(), t.data(), static_cast<std::size_t>(t.numel()), detail::nccl_type<T>(),
                                     root, comm_, stream_),
                       "ncclBroadcast");
    GANTRY_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  static std::string version() {
    int v = 0;
    ncclGetVersion(&v);
    return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
  }

 private:
  ncclComm_t comm_ = nullptr;
  // The default stream, which gantry's kernels and copies use: the collectives start after
  // what was queued before them.
  cudaStream_t stream_ = nullptr;
  int device_ = 0;
};

}  // namespace gantry::distributed
