#pragma once
// IC-GAN's instance set for a dataset (data/instances.hpp): every image's features from a
// feature extractor, L2-normalised, those of its mirror image (feature augmentation), and the
// k nearest neighbours of each (data/neighbours.hpp), as facebookresearch/ic_gan's
// make_hdf5.py and make_hdf5_nns.py prepare them.
//
// A feature extractor is any type with
//   Tensor<float, cpu> features(const Tensor<float, cpu>& images)   images [N, C, H, W] in [-1, 1]
//                                                                    (as the GAN sees them) -> [N, F]
//   std::string identity()                                           changes when the weights do
// train::FashionFeatures (the Fashion-MNIST classifier, the default for gantry's 32x32 runs) and
// metrics::ResNet50Features (torchvision or SwAV weights, the official feature space) are two.
//
// The set is cached on disk when a cache directory is given: two files named by a content hash
// of the images, the labels, the extractor's identity, k and the augmentation flag, so the same
// data and extractor read the files back and any change recomputes them:
//   <dir>/instances-<hash>.safetensors             features [N, F], mirrored [N, F], labels [N]
//   <dir>/instances-<hash>.neighbours.safetensors  ids [N, k], distances [N, k] (save_neighbours)
// Both are written to temporary files and renamed, so an interrupted run leaves no half file.
// The set carries the hash as `key`, so a run can record which set it was trained with.
#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../core/hash.hpp"
#include "../data/instances.hpp"
#include "../data/neighbours.hpp"
#include "../io/safetensors.hpp"

namespace gantry::train {

template <class E>
concept InstanceFeatureExtractor = requires(E& e, const Tensor<float, cpu>& x) {
  { e.features(x) } -> std::convertible_to<Tensor<float, cpu>>;
  { e.identity() } -> std::convertible_to<std::string>;
};

struct InstanceSetOptions {
  int64_t k = 50;                    // neighbours per instance (the configs' k_nn)
  bool feature_augmentation = true;  // also the mirror images' features, drawn with p = 0.5
  std::string cache_dir;             // "": computed every time, not cached
  bool show_progress = false;        // one line per stage on stderr
};

// images [N, C, H, W] mirrored left-right.
inline Tensor<float, cpu> mirrored_images(const Tensor<float, cpu>& images) {
  check<ShapeError>(images.defined() && images.rank() == 4, "mirrored_images: expected [N, C, H, W], found ",
                    images.defined() ? images.shape().str() : std::string("none"));
  Tensor<float, cpu> out(images.shape());
  const int64_t rows = images.dim(0) * images.dim(1) * images.dim(2), w = images.dim(3);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t x = 0; x < w; ++x) out.data()[r * w + x] = images.data()[r * w + (w - 1 - x)];
  return out;
}

namespace detail {
inline std::string instance_set_key(const Tensor<float, cpu>& images, const std::vector<int64_t>& labels,
                                    const std::string& identity, const InstanceSetOptions& o) {
  Fnv1a h;
  h.add("gantry instance set 1");
  for (int64_t d : images.shape().vec()) h.add_int(d);
  h.add(images.data(), images.bytes());
  h.add_int(static_cast<int64_t>(labels.size()));
  if (!labels.empty()) h.add(labels.data(), labels.size() * sizeof(int64_t));
  h.add(identity).add_int(o.k).add_int(o.feature_augmentation ? 1 : 0);
  return h.hex();
}

inline void stage(const InstanceSetOptions& o, const char* what, double seconds) {
  if (o.show_progress) std::fprintf(stderr, "instance set: %s (%.1f s)\n", what, seconds);
}

// The cached set at `stem`, or null when either file is missing or belongs to another key.
inline std::shared_ptr<data::Instances> read_instance_set(const std::string& stem, const std::string& key,
                                                          const InstanceSetOptions& o, int64_t n) {
  namespace fs = std::filesystem;
  const std::string feat = stem + ".safetensors", nn = stem + ".neighbours.safetensors";
  if (!fs::exists(feat) || !fs::exists(nn)) return nullptr;
  const io::TensorFile f = io::read_safetensors(feat);
  std::map<std::string, std::string> meta;
  auto set = std::make_shared<data::Instances>();
  set->neighbours = data::load_neighbours(nn, &meta);
  const auto it = f.metadata.find("key");
  if (it == f.metadata.end() || it->second != key || meta["key"] != key) return nullptr;
  set->features = f.get<float>("features");
  if (o.feature_augmentation) set->mirrored = f.get<float>("mirrored");
  if (f.contains("labels"))
    for (double v : f.get<double>("labels").to_vector()) set->labels.push_back(static_cast<int64_t>(v));
  set->feature_augmentation = o.feature_augmentation;
  set->key = key;
  check<FormatError>(set->size() == n && set->k() == o.k, "instance_set: ", feat, " holds ", set->size(),
                     " instances with k = ", set->k(), ", expected ", n, " with k = ", o.k,
                     " (its key matches: the file was altered; delete it)");
  set->validate();
  return set;
}
}  // namespace detail

// The instance set of `images` (as the GAN sees them) and their labels (empty: unlabelled),
// from the cache when it holds this one.
template <InstanceFeatureExtractor E>
std::shared_ptr<const data::Instances> instance_set(E& extractor, const Tensor<float, cpu>& images,
                                                    const std::vector<int64_t>& labels, const InstanceSetOptions& o = {}) {
  namespace fs = std::filesystem;
  check<ShapeError>(images.defined() && images.rank() == 4 && images.dim(0) > o.k,
                    "instance_set: expected images [N, C, H, W] with N > k = ", o.k, ", found ",
                    images.defined() ? images.shape().str() : std::string("none"));
  check<ShapeError>(labels.empty() || static_cast<int64_t>(labels.size()) == images.dim(0), "instance_set: ",
                    images.dim(0), " images but ", labels.size(), " labels");
  check(o.k >= 1, "instance_set: k must be >= 1, found ", o.k);
  const auto t0 = std::chrono::steady_clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const std::string key = detail::instance_set_key(images, labels, extractor.identity(), o);
  const std::string stem = o.cache_dir.empty() ? "" : (fs::path(o.cache_dir) / ("instances-" + key)).string();
  if (!stem.empty())
    if (auto cached = detail::read_instance_set(stem, key, o, images.dim(0))) {
      detail::stage(o, ("read " + stem + ".safetensors").c_str(), seconds());
      return cached;
    }

  auto set = std::make_shared<data::Instances>();
  set->features = data::l2_normalised(extractor.features(images));
  if (o.feature_augmentation) set->mirrored = data::l2_normalised(extractor.features(mirrored_images(images)));
  set->feature_augmentation = o.feature_augmentation;
  set->labels = labels;
  set->key = key;
  detail::stage(o, "features", seconds());
  set->neighbours = data::nearest_neighbours(set->features, o.k);
  detail::stage(o, "nearest neighbours", seconds());
  set->validate();

  if (!stem.empty()) {
    fs::create_directories(o.cache_dir);
    io::SafetensorsWriter w;
    w.add("features", set->features).metadata("key", key).metadata("extractor", extractor.identity());
    if (set->mirrored.defined()) w.add("mirrored", set->mirrored);
    if (!labels.empty()) w.add_ints("labels", labels);
    w.write(stem + ".safetensors");
    data::save_neighbours(set->neighbours, stem + ".neighbours.safetensors", {{"key", key}});
    detail::stage(o, ("wrote " + stem + ".safetensors").c_str(), seconds());
  }
  return set;
}

}  // namespace gantry::train
