#pragma once
// ResNet50Features: IC-GAN's instance features (facebookresearch/ic_gan,
// data_utils/make_hdf5.py), the 2048 pooled features of a torchvision-layout ResNet-50
// (nn/blocks/resnet.hpp) with official weights: torchvision's ImageNet classifier or SwAV's
// self-supervised trunk, converted to safetensors with torchvision's names by
// scripts/convert_resnet50.py.
//
// Pre-processing, as IC-GAN's: images x in [-1, 1], [N, 3, H, W]
//   x * 0.5 + 0.5 -> (x - mean) / std (ImageNet mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225)
//   -> F.upsample(x, 224, mode="bicubic") (data/resize.hpp) -> trunk -> global average pool
//   -> L2 normalisation (x / max(|x|, 1e-12), as F.normalize)
// Single-channel images ([N, 1, H, W], e.g. Fashion-MNIST) are repeated to 3 channels first;
// IC-GAN itself only ever sees RGB, so this is gantry's convention for grey data.
// features_hflip(x) gives the features of the horizontally flipped images (IC-GAN's feature
// augmentation). The net runs in eval mode (running BN statistics), without the tape, `chunk`
// images at a time to bound memory (ResNet-50 at 224 needs about 100 MB of activations per
// image in float).
//
// Weights: a safetensors file holding every tensor of the trunk (conv1, bn1, layer1..layer4,
// float16/32/64, converted to float), fc.weight and fc.bias optionally (SwAV has no fc) and
// *.num_batches_tracked optionally (never read in eval). A missing tensor, a wrong shape or a
// tensor the net does not have throws FormatError naming it. identity() is "resnet50-" and the
// FNV-1a 64 hash (16 hex digits) of the trunk's tensors (names, shapes, float values; not fc
// nor num_batches_tracked, which do not change the features), for caches of computed features.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../autograd/var.hpp"
#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/philox.hpp"
#include "../core/tensor.hpp"
#include "../core/hash.hpp"
#include "../data/resize.hpp"
#include "../io/safetensors.hpp"
#include "../nn/blocks/resnet.hpp"

namespace gantry::metrics {

namespace detail {

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Copies torchvision-named tensors of `file` into `net` (a ResNet<...>::module<float, cpu>),
// in place. Names for which `optional(name)` holds may be absent; every other tensor of the
// net must be present with its shape, and the file must hold nothing else. All problems are
// listed in one FormatError before anything is copied. Returns the FNV-1a 64 hash of the
// required tensors (name, shape, float values, in the net's order): the optional ones are
// left out, so the hash is that of what the caller depends on.
template <class Net, class Optional>
std::uint64_t load_torchvision_state(const io::TensorFile& file, Net& net, Optional&& optional,
                                     const char* who) {
  struct Ref {
    std::string name;
    Tensor<float, cpu> t;
  };
  struct V : ParamVisitor<float, cpu> {
    std::vector<Ref> refs;
    void parameter(const std::string& n, Var<float, cpu>& p) override { refs.push_back({n, p.value()}); }
    void buffer(const std::string& n, Tensor<float, cpu>& b) override { refs.push_back({n, b}); }
  } v;
  net.visit(v, "");

  std::vector<std::string> problems;
  std::set<std::string> known;
  for (const auto& r : v.refs) {
    known.insert(r.name);
    auto it = file.tensors.find(r.name);
    if (it == file.tensors.end()) {
      if (!optional(r.name))
        problems.push_back("missing tensor '" + r.name + "' (expected shape " + r.t.shape().str() + ")");
      continue;
    }
    const io::TensorEntry& e = it->second;
    const bool scalar_ok = r.t.numel() == 1 && e.numel() == 1;  // num_batches_tracked: [] or [1]
    if (e.shape != r.t.shape().vec() && !scalar_ok)
      problems.push_back("tensor '" + r.name + "' has shape " + io::detail::shape_str(e.shape) + ", expected " +
                         r.t.shape().str());
    else if (e.dtype == io::DType::BOOL)
      problems.push_back("tensor '" + r.name + "' has dtype BOOL, expected a number type");
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, e] : file.tensors)
    if (!known.count(name)) unexpected.push_back(name);
  if (!unexpected.empty()) {
    std::string msg = std::to_string(unexpected.size()) + " tensor(s) the net does not have: ";
    for (std::size_t i = 0; i < unexpected.size() && i < 8; ++i) msg += (i ? ", '" : "'") + unexpected[i] + "'";
    if (unexpected.size() > 8) msg += ", ...";
    const auto raw = [](const std::string& n) {
      return n.rfind("module.", 0) == 0 || n.rfind("projection_head.", 0) == 0 || n.rfind("prototypes.", 0) == 0;
    };
    if (std::any_of(unexpected.begin(), unexpected.end(), raw))
      msg += " (a raw SwAV / DataParallel checkpoint? convert it with scripts/convert_resnet50.py)";
    problems.push_back(msg);
  }
  if (!problems.empty()) {
    std::string msg = std::string(who) + ": " + io::detail::file_label(file.path) + ": ";
    for (std::size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    fail<FormatError>(msg);
  }

  Fnv1a h;
  for (auto& r : v.refs) {
    if (!file.contains(r.name)) continue;
    const Tensor<float, cpu> src = file.get<float>(r.name);
    std::copy(src.data(), src.data() + src.numel(), r.t.data());
    if (optional(r.name)) continue;
    h.add(r.name);
    for (int64_t d : r.t.shape().vec()) h.add_int(d);
    h.add(r.t.data(), r.t.bytes());
  }
  return h.value();
}

}  // namespace detail

class ResNet50Features {
 public:
  using Net = ResNet50::module<float, cpu>;
  static constexpr int feature_size = ResNet50::feature_size;  // 2048
  static constexpr int input_size = 224;                       // IC-GAN's upsampling target
  static constexpr float image_mean[3] = {0.485f, 0.456f, 0.406f};
  static constexpr float image_std[3] = {0.229f, 0.224f, 0.225f};

  // Weights from a safetensors file with torchvision's names (scripts/convert_resnet50.py).
  explicit ResNet50Features(const std::string& weights_path, int64_t chunk = 32)
      : ResNet50Features(io::read_safetensors(weights_path), chunk) {}
  explicit ResNet50Features(const io::TensorFile& weights, int64_t chunk = 32) : chunk_(chunk) {
    check(chunk > 0, "ResNet50Features: expected a positive chunk size, found ", chunk);
    check<FormatError>(weights.contains("fc.weight") == weights.contains("fc.bias"), "ResNet50Features: ",
                       io::detail::file_label(weights.path),
                       ": expected fc.weight and fc.bias both or neither (SwAV has no fc), found only ",
                       weights.contains("fc.weight") ? "fc.weight" : "fc.bias");
    Rng gen(0);
    Init init{gen};
    net_ = std::make_unique<Net>(init);
    const std::uint64_t h = detail::load_torchvision_state(
        weights, *net_,
        [](const std::string& n) { return n.rfind("fc.", 0) == 0 || detail::ends_with(n, "num_batches_tracked"); },
        "ResNet50Features");
    has_fc_ = weights.contains("fc.weight") && weights.contains("fc.bias");
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    identity_ = std::string("resnet50-") + buf;
  }

  // images: [N, 1 or 3, H, W] in [-1, 1] -> L2-normalised features [N, 2048].
  Tensor<float, cpu> features(const Tensor<float, cpu>& images) { return run(images, false); }
  // The same for the images flipped left-right.
  Tensor<float, cpu> features_hflip(const Tensor<float, cpu>& images) { return run(images, true); }

  // IC-GAN's pre-processing alone: [N, 1 or 3, H, W] in [-1, 1] (optionally flipped) ->
  // the network's input [N, 3, 224, 224].
  static Tensor<float, cpu> preprocess(const Tensor<float, cpu>& images, bool hflip = false) {
    check_images(images);
    const int64_t n = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
    Tensor<float, cpu> x(Shape{n, 3, h, w});
    const float* src = images.data();
    float* dst = x.data();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t ch = 0; ch < 3; ++ch) {
        const float* plane = src + (i * c + (c == 1 ? 0 : ch)) * h * w;
        float* out = dst + (i * 3 + ch) * h * w;
        for (int64_t y = 0; y < h; ++y)
          for (int64_t xx = 0; xx < w; ++xx) {
            const float v = plane[y * w + (hflip ? w - 1 - xx : xx)];
            out[y * w + xx] = (v * 0.5f + 0.5f - image_mean[ch]) / image_std[ch];
          }
      }
    return data::resize_bicubic(x, input_size, input_size);
  }

  // The pooled 2048 features before normalisation, of an input already pre-processed.
  Tensor<float, cpu> raw_features(const Tensor<float, cpu>& x) {
    no_grad guard;
    return net_->features(Var<float, cpu>(x), false).value();
  }

  // The net (eval mode is chosen per call; its fc holds the file's weights when has_fc()).
  Net& net() { return *net_; }
  bool has_fc() const { return has_fc_; }
  const std::string& identity() const { return identity_; }
  int64_t chunk() const { return chunk_; }

 private:
  static void check_images(const Tensor<float, cpu>& images) {
    check<ShapeError>(images.defined() && images.rank() == 4 && (images.dim(1) == 1 || images.dim(1) == 3) &&
                          images.dim(2) > 0 && images.dim(3) > 0,
                      "ResNet50Features: expected images [N, 1 or 3, H, W] in [-1, 1], found ",
                      images.defined() ? images.shape().str() : std::string("an undefined tensor"));
  }

  Tensor<float, cpu> run(const Tensor<float, cpu>& images, bool hflip) {
    check_images(images);
    const int64_t n = images.dim(0);
    Tensor<float, cpu> out(Shape{n, feature_size});
    for (int64_t b = 0; b < n; b += chunk_) {
      const int64_t e = std::min(n, b + chunk_);
      const Tensor<float, cpu> f = raw_features(preprocess(images.narrow0(b, e), hflip));
      for (int64_t i = 0; i < e - b; ++i) {
        const float* row = f.data() + i * feature_size;
        double ss = 0;
        for (int k = 0; k < feature_size; ++k) ss += static_cast<double>(row[k]) * row[k];
        const float inv = static_cast<float>(1.0 / std::max(std::sqrt(ss), 1e-12));
        float* o = out.data() + (b + i) * feature_size;
        for (int k = 0; k < feature_size; ++k) o[k] = row[k] * inv;
      }
    }
    return out;
  }

  std::unique_ptr<Net> net_;
  int64_t chunk_;
  bool has_fc_ = false;
  std::string identity_;
};

}  // namespace gantry::metrics
