// JSON-lines training logs (io/jsonl_log.hpp: gantry plot, resume).
#include "fuzz_support.hpp"
#include "gantry/io/jsonl_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  gantry_fuzz::refusing_is_fine([&] { (void)gantry::io::read_jsonl(gantry_fuzz::as_file(data, size, ".jsonl")); });
  return 0;
}
