// CIFAR-10 / CIFAR-100 binary batches (data/cifar.hpp), with one and with two label bytes.
#include "fuzz_support.hpp"
#include "gantry/data/cifar.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = gantry_fuzz::as_file(data, size, ".bin");
  for (int label_bytes : {1, 2})
    gantry_fuzz::refusing_is_fine([&] {
      std::vector<std::uint8_t> pixels;
      std::vector<int64_t> labels;
      gantry::data::detail::read_cifar_file("cifar", path, label_bytes, label_bytes - 1, label_bytes == 1 ? 10 : 100,
                                            pixels, labels);
      gantry_fuzz::require(pixels.size() == labels.size() * 3072, "cifar: 3072 pixels a label");
    });
  return 0;
}
