// 2-D point sets from CSV (data/point_set.hpp: gantry train --data points:FILE.csv).
#include <cmath>

#include "fuzz_support.hpp"
#include "gantry/data/point_set.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  gantry_fuzz::refusing_is_fine([&] {
    const auto p = gantry::data::read_points_csv(gantry_fuzz::as_file(data, size, ".csv"));
    gantry_fuzz::require(p.dim(0) >= 1 && p.dim(1) == 2, "points: [N >= 1, 2]");
    for (float v : p.to_vector()) gantry_fuzz::require(std::isfinite(v), "points: finite values");
  });
  return 0;
}
