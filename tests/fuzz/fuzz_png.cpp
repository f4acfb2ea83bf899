// gantry's own PNG decoder (io/png.hpp: sample grids, test images); what decodes encodes and
// decodes again to the same pixels.
#include "fuzz_support.hpp"
#include "gantry/io/png.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  gantry_fuzz::refusing_is_fine([&] {
    using namespace gantry::io;
    const Image8 img = decode_png(std::string_view(reinterpret_cast<const char*>(data), size));
    gantry_fuzz::require(img.pixels.size() == static_cast<std::size_t>(img.width * img.height * img.channels),
                         "png: pixels == width * height * channels");
    if (img.channels == 1 || img.channels == 3) {
      const Image8 again = decode_png(encode_png(img));
      gantry_fuzz::require(again.pixels == img.pixels, "png: decode(encode(image)) == image");
    }
  });
  return 0;
}
