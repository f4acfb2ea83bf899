#pragma once
// Loading a checkpoint written by a paper's official code (a PyTorch state dict converted to
// safetensors, one prefix per net: "G.", "D.") into gantry's modules, by a name map from each
// of gantry's tensor names to the official one. Every official loader (BigGAN, BigGAN-deep,
// IC-GAN, U-Net GAN, CycleGAN) is this helper and its paper's map; the maps are public
// (official_biggan_g_name<Nets> and the others), so that weights or gradients can be written
// under the official names as well (official_names).
//
//   models::OfficialCheckpoint ckpt(file, "load_official_biggan");
//   ckpt.load(g, "G", [](const std::string& n) { return models::official_biggan_g_name<Nets>(n); });
//   ckpt.load(d, "D", ...);
//   ckpt.check_all_used({"G.", "D."}, "biggan_nets (attention 0) does not have");
//
// A tensor of gantry's that the file lacks, or has in another shape, and a tensor of the file
// under one of the prefixes that no module took, are errors naming the tensor.
#include <algorithm>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../autograd/param_visitor.hpp"
#include "../core/error.hpp"
#include "../io/safetensors.hpp"

namespace gantry::models {

// BigGAN-PyTorch's names of a leaf (the last component of a tensor's name): spectral norm's u
// and sv are u0 and sv0, batch norm's running statistics stored_mean and stored_var, and a
// plain batch norm's weight (its `bn` layer) is `gain`; every other leaf keeps its name.
inline std::string biggan_pytorch_leaf(const std::string& leaf, bool plain_bn = false) {
  if (leaf == "u") return "u0";
  if (leaf == "sv") return "sv0";
  if (leaf == "running_mean") return "stored_mean";
  if (leaf == "running_var") return "stored_var";
  if (plain_bn && leaf == "weight") return "gain";
  return leaf;
}
// The same on a name below a part ("conv1.u" -> "conv1.u0").
inline std::string biggan_pytorch_rest(const std::string& rest, bool plain_bn = false) {
  const auto dot = rest.rfind('.');
  if (dot == std::string::npos) return biggan_pytorch_leaf(rest, plain_bn);
  return rest.substr(0, dot + 1) + biggan_pytorch_leaf(rest.substr(dot + 1), plain_bn);
}

class OfficialCheckpoint {
 public:
  // `loader` names the caller in every error ("load_official_biggan").
  OfficialCheckpoint(const io::TensorFile& file, std::string loader) : file_(file), loader_(std::move(loader)) {}

  // Copies every parameter and buffer of module `m`: gantry's name n (as `m` visits it) is the
  // file's `net + "." + official(n)` (`official(n)` alone when `net` is empty); an empty
  // official(n) means the official net keeps no such tensor, and n is left as it is.
  template <class M, class NameMap>
  void load(M& m, const std::string& net, NameMap official) {
    using T = typename M::value_type;
    struct Copy : ParamVisitor<T, cpu> {
      OfficialCheckpoint& ckpt;
      const std::string& net;
      NameMap& official;
      Copy(OfficialCheckpoint& c, const std::string& n, NameMap& o) : ckpt(c), net(n), official(o) {}
      void load(const std::string& name, Tensor<T, cpu> dst) {
        const std::string off = official(name);
        if (off.empty()) return;
        ckpt.copy(net.empty() ? off : net + "." + off, net.empty() ? name : net + "." + name, dst);
      }
      void parameter(const std::string& name, Var<T, cpu>& p) override { load(name, p.value()); }
      void buffer(const std::string& name, Tensor<T, cpu>& b) override { load(name, b); }
    } copy(*this, net, official);
    m.visit(copy, "");
  }

  // Every tensor of the file whose name starts with one of `prefixes` was taken by a load(),
  // except those `ignored` accepts (a head the official net builds and never calls); else an
  // error: "<loader>: <file> has tensor '<key>', which <what>".
  template <class Ignored>
  void check_all_used(std::initializer_list<std::string> prefixes, const std::string& what, Ignored ignored) const {
    for (const auto& [key, entry] : file_.tensors) {
      const bool under = std::any_of(prefixes.begin(), prefixes.end(),
                                     [&](const std::string& p) { return key.compare(0, p.size(), p) == 0; });
      if (!under || used_.count(key) != 0 || ignored(key)) continue;
      fail<FormatError>(loader_, ": ", file_.path, " has tensor '", key, "', which ", what);
    }
  }
  void check_all_used(std::initializer_list<std::string> prefixes, const std::string& what) const {
    check_all_used(prefixes, what, [](const std::string&) { return false; });
  }

  const std::set<std::string>& used() const { return used_; }

 private:
  template <class T>
  void copy(const std::string& key, const std::string& ours, Tensor<T, cpu>& dst) {
    check<FormatError>(file_.contains(key), loader_, ": ", file_.path, " has no tensor '", key, "' (for gantry's ", ours,
                       " ", dst.shape(), ")");
    // The shape as the file says, before reading the bytes; a scalar (attention's gamma) may be
    // stored as [] or [1].
    const Shape shape(file_.entry(key).shape);
    check<ShapeError>(shape.numel() == dst.numel() && (shape == dst.shape() || dst.numel() == 1), loader_, ": tensor '",
                      key, "' has shape ", shape, ", gantry's ", ours, " has ", dst.shape());
    const Tensor<T, cpu> src = file_.get<T>(key);
    std::copy(src.data(), src.data() + src.numel(), dst.data());
    used_.insert(key);
  }

  const io::TensorFile& file_;
  std::string loader_;
  std::set<std::string> used_;
};

// (gantry name, official name) of every tensor of module `m` that the official net keeps, in
// the order `m` visits them: the map for writing `m`'s weights or gradients under the official
// names (prefix them with the net's "G." or "D." as the official loaders read them).
template <class M, class NameMap>
std::vector<std::pair<std::string, std::string>> official_names(M& m, NameMap official) {
  using T = typename M::value_type;
  struct Names : ParamVisitor<T, cpu> {
    NameMap& official;
    std::vector<std::pair<std::string, std::string>> out;
    explicit Names(NameMap& o) : official(o) {}
    void add(const std::string& n) {
      if (std::string off = official(n); !off.empty()) out.emplace_back(n, std::move(off));
    }
    void parameter(const std::string& n, Var<T, cpu>&) override { add(n); }
    void buffer(const std::string& n, Tensor<T, cpu>&) override { add(n); }
  } names(official);
  m.visit(names, "");
  return std::move(names.out);
}

}  // namespace gantry::models
