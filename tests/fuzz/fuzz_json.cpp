// gantry's JSON parser (io/json.hpp: checkpoint metadata, hyper-parameters, logs): any bytes
// are refused with a gantry error or parsed, and what parses dumps to text that parses back
// to the same value.
#include "fuzz_support.hpp"
#include "gantry/io/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  gantry_fuzz::refusing_is_fine([&] {
    namespace json = gantry::io::json;
    const json::Value v = json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    const std::string text = json::dump(v);
    gantry_fuzz::require(json::dump(json::parse(text)) == text, "json: dump(parse(dump(v))) == dump(v)");
  });
  return 0;
}
