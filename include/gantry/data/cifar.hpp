#pragma once
// CIFAR-10 and CIFAR-100 (Krizhevsky 2009) in the official binary version.
// CIFAR-10 (cifar-10-batches-bin/): data_batch_1..5.bin (train), test_batch.bin (test);
//   each record is 1 label byte (0..9) then 3072 pixel bytes.
// CIFAR-100 (cifar-100-binary/): train.bin, test.bin; each record is a coarse label byte
//   (0..19), a fine label byte (0..99), then 3072 pixel bytes.
// The pixels are 1024 red, 1024 green, 1024 blue bytes, each plane row-major 32 x 32,
// which is exactly one [3, 32, 32] NCHW image; values become bytes / 255 in [0, 1].
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "fashion_mnist.hpp"

namespace gantry::data {

inline const std::vector<std::string>& cifar10_classes() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

namespace detail {
inline constexpr int64_t cifar_pixels = 3 * 32 * 32;

// Appends the records of one file: label_bytes leading bytes, of which byte label_index is
// kept as the label (checked against label_count), then the pixels.
inline void read_cifar_file(const std::string& who, const std::string& path, int label_bytes, int label_index,
                            int label_count, std::vector<std::uint8_t>& pixels, std::vector<int64_t>& labels) {
  const int64_t record = label_bytes + cifar_pixels;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) fail<FormatError>(who, ": ", path, ": cannot open (expected the binary version of the dataset; ", ec.message(), ")");
  if (size == 0 || size % static_cast<std::uintmax_t>(record) != 0)
    fail<FormatError>(who, ": ", path, ": expected a whole number of ", record, "-byte records (", label_bytes,
                      " label byte", label_bytes > 1 ? "s" : "", " + ", cifar_pixels, " pixel bytes), found ", size,
                      " bytes (", size / static_cast<std::uintmax_t>(record), " records and ",
                      size % static_cast<std::uintmax_t>(record), " bytes left over; truncated?)");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail<FormatError>(who, ": ", path, ": cannot open for reading");
  const int64_t n = static_cast<int64_t>(size) / record;
  std::vector<std::uint8_t> buf(static_cast<size_t>(record));
  for (int64_t i = 0; i < n; ++i) {
    if (!in.read(reinterpret_cast<char*>(buf.data()), record))
      fail<FormatError>(who, ": ", path, ": read failed at record ", i, " of ", n);
    const int lab = buf[static_cast<size_t>(label_index)];
    if (lab >= label_count)
      fail<FormatError>(who, ": ", path, ": record ", i, ": expected a label in 0..", label_count - 1, ", found ", lab);
    labels.push_back(lab);
    pixels.insert(pixels.end(), buf.begin() + label_bytes, buf.end());
  }
}

inline LabeledImages cifar_images(const std::vector<std::uint8_t>& pixels, std::vector<int64_t> labels) {
  LabeledImages out;
  const auto n = static_cast<int64_t>(labels.size());
  out.images = Tensor<float, cpu>(Shape{n, 3, 32, 32});
  float* p = out.images.data();
  for (size_t i = 0; i < pixels.size(); ++i) p[i] = static_cast<float>(pixels[i]) / 255.0f;
  out.labels = std::move(labels);
  return out;
}

inline void check_split(const std::string& who, const std::string& split) {
  if (split != "train" && split != "test")
    fail<Error>(who, ": split must be \"train\" or \"test\", found \"", split, "\"");
}
}  // namespace detail

// dir holds data_batch_1..5.bin and test_batch.bin (the cifar-10-batches-bin folder).
inline LabeledImages cifar10(const std::string& dir, const std::string& split) {
  detail::check_split("cifar10", split);
  std::vector<std::string> files;
  if (split == "train")
    for (int i = 1; i <= 5; ++i) files.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
  else
    files.push_back(dir + "/test_batch.bin");
  std::vector<std::uint8_t> pixels;
  std::vector<int64_t> labels;
  for (const auto& f : files) detail::read_cifar_file("cifar10", f, 1, 0, 10, pixels, labels);
  return detail::cifar_images(pixels, std::move(labels));
}

// dir holds train.bin and test.bin (the cifar-100-binary folder). fine_labels: the 100
// fine classes; otherwise the 20 coarse superclasses.
inline LabeledImages cifar100(const std::string& dir, const std::string& split, bool fine_labels = true) {
  detail::check_split("cifar100", split);
  std::vector<std::uint8_t> pixels;
  std::vector<int64_t> labels;
  detail::read_cifar_file("cifar100", dir + "/" + split + ".bin", 2, fine_labels ? 1 : 0, fine_labels ? 100 : 20,
                          pixels, labels);
  return detail::cifar_images(pixels, std::move(labels));
}

}  // namespace gantry::data
