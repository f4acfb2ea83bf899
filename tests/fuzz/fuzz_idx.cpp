// IDX files, raw or gzip-compressed (data/idx.hpp: MNIST, Fashion-MNIST).
#include "fuzz_support.hpp"
#include "gantry/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  gantry_fuzz::refusing_is_fine([&] {
    const auto a = gantry::data::read_idx(gantry_fuzz::as_file(data, size, ".idx"));
    std::size_t n = 1;
    for (int64_t d : a.dims) n *= static_cast<std::size_t>(d);
    gantry_fuzz::require(a.bytes.size() == n, "idx: payload size == product of the dimensions");
  });
  return 0;
}
