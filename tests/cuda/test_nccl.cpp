// NCCL on the GPU (gantry::nccl, distributed/nccl.hpp), compiled by the C++ compiler: a
// communicator of one process on device 0 sums and broadcasts in place, and one made through
// a host process group (a group of one here; mpirun gives several) has that group's rank and
// size. Without a device every case is skipped (scripts/gpu-check runs it on a GPU machine).
#include <gantry/backend/cuda.hpp>
#include <gantry/core/factories.hpp>
#include <gantry/distributed/nccl.hpp>
#include <numeric>
#include <vector>

#include "cuda_test.hpp"

using namespace gantry;

namespace {
// The host group of a process on its own.
struct Alone final : ProcessGroup {
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void all_reduce_sum(std::span<float>) const override {}
  void all_reduce_sum(std::span<double>) const override {}
  void broadcast(std::span<std::byte>, int) const override {}
  std::vector<std::string> all_gather(const std::string& s) const override { return {s}; }
  std::string describe() const override { return "one process"; }
};

template <class T>
Tensor<T, cuda> device_copy(const std::vector<T>& v) {
  return to_device<cuda>(Tensor<T, cpu>::from(v));
}
}  // namespace

GANTRY_CUDA_TEST_CASE("NCCL: a communicator of one sums and broadcasts in place") {
  MESSAGE("NCCL ", distributed::NcclComm::version());
  distributed::NcclComm comm(0);
  CHECK(comm.rank() == 0);
  CHECK(comm.size() == 1);
  CHECK(comm.device() == 0);
  std::vector<float> v(1 << 20);
  std::iota(v.begin(), v.end(), 0.0f);
  Tensor<float, cuda> t = device_copy(v);
  comm.all_reduce_sum(t);
  CHECK(to_device<cpu>(t).to_vector() == v);
  Tensor<double, cuda> d = device_copy(std::vector<double>{1.5, -2.0, 3.25});
  comm.broadcast(d, 0);
  CHECK(to_device<cpu>(d).to_vector() == std::vector<double>{1.5, -2.0, 3.25});
}

GANTRY_CUDA_TEST_CASE("NCCL: a communicator made through a host process group takes its rank and size") {
  const Alone host;
  distributed::NcclComm comm(host, 0);
  CHECK(comm.rank() == host.rank());
  CHECK(comm.size() == host.size());
  Tensor<float, cuda> t = device_copy(std::vector<float>{1, 2, 3});
  comm.all_reduce_sum(t);
  CHECK(to_device<cpu>(t).to_vector() == std::vector<float>{1, 2, 3});
}
