// safetensors files (io/safetensors.hpp) and, in those that load, gantry's checkpoint
// metadata (train/checkpoint.hpp) and every tensor's values converted to double or int64.
#include "fuzz_support.hpp"
#include "gantry/io/safetensors.hpp"
#include "gantry/train/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gantry;
  gantry_fuzz::refusing_is_fine([&] {
    const io::TensorFile f = io::read_safetensors(gantry_fuzz::as_file(data, size, ".safetensors"));
    for (const auto& kv : f.tensors) {
      const std::string& name = kv.first;
      const io::TensorEntry& e = kv.second;
      // Every loaded tensor's bytes are exactly dtype x shape (the reader's promise).
      gantry_fuzz::require(e.bytes.size() == static_cast<std::size_t>(e.numel()) * io::dtype_size(e.dtype),
                           "safetensors: bytes == numel * dtype size");
      gantry_fuzz::refusing_is_fine([&] {
        if (io::is_floating(e.dtype)) (void)f.get<double>(name);
        else (void)f.get_ints(name);
      });
    }
    gantry_fuzz::refusing_is_fine([&] { (void)train::read_checkpoint_info(f); });
  });
  return 0;
}
