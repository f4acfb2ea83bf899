// The image folders' decoder (data/image_folder.hpp: stb_image's PNG and JPEG), as grey and RGB.
#include "fuzz_support.hpp"
#include "gantry/data/image_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = gantry_fuzz::as_file(data, size, ".img");
  for (int channels : {1, 3})
    gantry_fuzz::refusing_is_fine([&] {
      const auto img = gantry::data::detail::decode_image(path, channels);
      gantry_fuzz::require(img.width > 0 && img.height > 0 && img.channels == channels, "image: a decoded size");
    });
  return 0;
}
