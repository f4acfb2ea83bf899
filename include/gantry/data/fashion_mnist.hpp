#pragma once
// Fashion-MNIST (Xiao et al. 2017) from Debian's dataset-fashion-mnist package, or any
// directory holding the four IDX files. The environment variable GANTRY_DATA_DIR moves the
// default: its fashion-mnist/ sub-directory, or the directory itself when the files are there
// (the command line's --data-dir sets it).
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "../core/tensor.hpp"
#include "idx.hpp"

namespace gantry::data {

inline constexpr const char* fashion_mnist_default_dir = "/usr/share/datasets/fashion-mnist";

inline const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

// Images as [N, 1, 28, 28] floats in [0, 1] and their labels 0..9.
struct LabeledImages {
  Tensor<float, cpu> images;
  std::vector<int64_t> labels;
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

// Where fashion_mnist() looks when given the default directory: see the top of this file.
inline std::string fashion_mnist_dir(const std::string& dir = fashion_mnist_default_dir) {
  const char* env = std::getenv("GANTRY_DATA_DIR");
  if (dir != fashion_mnist_default_dir || env == nullptr || *env == '\0') return dir;
  const std::filesystem::path sub = std::filesystem::path(env) / "fashion-mnist";
  return std::filesystem::is_directory(sub) ? sub.string() : std::string(env);
}

inline LabeledImages fashion_mnist(const std::string& split, const std::string& given_dir = fashion_mnist_default_dir) {
  if (split != "train" && split != "test")
    fail<Error>("fashion_mnist: split must be \"train\" or \"test\", found \"", split, "\"");
  const std::string dir = fashion_mnist_dir(given_dir);
  const std::string prefix = dir + "/" + (split == "train" ? "train" : "t10k");
  auto find = [&](const std::string& stem) {
    for (const std::string& p : {prefix + stem + ".gz", prefix + stem}) {
      if (gzFile f = gzopen(p.c_str(), "rb")) {
        gzclose(f);
        return p;
      }
    }
    fail<FormatError>("fashion_mnist: ", prefix + stem, "(.gz) not found (install Debian's dataset-fashion-mnist, "
                      "or point GANTRY_DATA_DIR or gantry's --data-dir at a directory holding the IDX files)");
  };
  const IdxArray img = read_idx(find("-images-idx3-ubyte"));
  const IdxArray lab = read_idx(find("-labels-idx1-ubyte"));
  if (img.dims.size() != 3 || img.dims[1] != 28 || img.dims[2] != 28)
    fail<FormatError>("fashion_mnist: expected images of shape [N, 28, 28], found ", img.dims.size(), " dimensions");
  if (lab.dims.size() != 1 || lab.dims[0] != img.dims[0])
    fail<FormatError>("fashion_mnist: expected ", img.dims[0], " labels, found ", lab.dims.empty() ? 0 : lab.dims[0]);
  LabeledImages out;
  out.images = Tensor<float, cpu>(Shape{img.dims[0], 1, 28, 28});
  float* p = out.images.data();
  for (std::size_t i = 0; i < img.bytes.size(); ++i) p[i] = static_cast<float>(img.bytes[i]) / 255.0f;
  for (std::uint8_t l : lab.bytes) {
    if (l > 9) fail<FormatError>("fashion_mnist: label ", int(l), " is out of range 0..9");
    out.labels.push_back(l);
  }
  return out;
}

}  // namespace gantry::data
