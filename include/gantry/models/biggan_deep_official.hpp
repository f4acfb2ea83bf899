#pragma once
// Loading BigGAN-PyTorch's BigGANdeep.py Generator / Discriminator state dicts into
// biggan_deep_nets (32x32 layout), from a safetensors file that holds them under two prefixes
// (G. and D. by default; docs/models/biggan_deep.md has the conversion command).
//
// Name map, official <- gantry (each gantry parameter and buffer; num_batches_tracked, which
// BigGAN-PyTorch's bn does not keep, stays as it is):
//   G: shared.weight                   <- shared.weight
//      linear.*                        <- blocks.0.*
//      blocks.<2i>.0.*                 <- blocks.<i + 2>.0.*         (stage i's first block)
//      blocks.<2i + 1>.0.*             <- blocks.<i + 2>.1.*         (its second, upsampling block)
//      blocks.<2i + 1>.1.*             <- blocks.<i + 2>.2.*         (its attention, when present)
//      output_layer.0.gain, .bias      <- blocks.5.weight, .bias     (plain BN)
//      output_layer.2.*                <- blocks.7.*
//   D: input_conv.*                    <- blocks.0.*
//      blocks.<i>.<j>.*                <- blocks.<i + 1>.<j>.*       (stage i: one list in D)
//      linear.*, embed.*               <- blocks.4.linear.*, blocks.4.embed.*
//   leaves: u0 <- u, sv0 <- sv, stored_mean <- running_mean, stored_var <- running_var; the rest
//   (weight, bias, gain.weight, bias.weight, gamma) keep their names.
// ccbn's projections need no conversion: both compute γ = 1 + gain(c), β = bias(c).
// Every gantry tensor must be in the file with the same shape, and every tensor under the
// prefix must be used; otherwise the load fails naming the tensor.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "../io/safetensors.hpp"
#include "biggan_deep.hpp"

namespace gantry::models {

namespace detail {

inline std::vector<std::string> split_name(const std::string& name) {
  std::vector<std::string> parts;
  std::string::size_type b = 0;
  while (true) {
    const auto e = name.find('.', b);
    parts.push_back(name.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) return parts;
    b = e + 1;
  }
}

inline std::string join_parts(const std::vector<std::string>& parts, std::size_t from) {
  std::string s;
  for (std::size_t i = from; i < parts.size(); ++i) s += (s.empty() ? "" : ".") + parts[i];
  return s;
}

inline std::string official_leaf(const std::string& leaf) {
  if (leaf == "u") return "u0";
  if (leaf == "sv") return "sv0";
  if (leaf == "running_mean") return "stored_mean";
  if (leaf == "running_var") return "stored_var";
  return leaf;
}

// rest: the name below a module, with its last component renamed.
inline std::string official_rest(std::vector<std::string> parts, std::size_t from) {
  parts.back() = official_leaf(parts.back());
  return join_parts(parts, from);
}

// The official name of a gantry G name, or "" for a tensor the official G does not keep.
template <class Nets>
std::string official_g_name(const std::string& name) {
  const auto p = split_name(name);
  if (p[0] == "shared") return name;
  check(p.size() >= 3 && p[0] == "blocks", "load_official_biggan_deep: unexpected G tensor '", name, "'");
  const int k = std::stoi(p[1]);
  if (p.back() == "num_batches_tracked") return "";
  if (k == 0) return "linear." + official_rest(p, 2);
  if (k >= Nets::g_first_stage && k < Nets::g_first_stage + Nets::stages) {
    // BigGANdeep.py gives each G block its own list; attention joins the stage's last one.
    check(p.size() >= 4, "load_official_biggan_deep: unexpected G tensor '", name, "'");
    const int i = k - Nets::g_first_stage, j = std::stoi(p[2]);
    const int list = 2 * i + (j == 0 ? 0 : 1), pos = j == 2 ? 1 : 0;
    return "blocks." + std::to_string(list) + "." + std::to_string(pos) + "." + official_rest(p, 3);
  }
  if (k == Nets::g_output_bn) return "output_layer.0." + (p[2] == "weight" ? std::string("gain") : official_rest(p, 2));
  if (k == Nets::g_output_conv) return "output_layer.2." + official_rest(p, 2);
  fail("load_official_biggan_deep: G tensor '", name, "' has no official counterpart");
}

template <class Nets>
std::string official_d_name(const std::string& name) {
  const auto p = split_name(name);
  check(p.size() >= 3 && p[0] == "blocks", "load_official_biggan_deep: unexpected D tensor '", name, "'");
  const int k = std::stoi(p[1]);
  if (k == 0) return "input_conv." + official_rest(p, 2);
  if (k >= Nets::d_first_stage && k < Nets::d_first_stage + Nets::stages)
    return "blocks." + std::to_string(k - Nets::d_first_stage) + "." + official_rest(p, 2);
  if (k == Nets::d_head) return official_rest(p, 2);  // linear.*, embed.*
  fail("load_official_biggan_deep: D tensor '", name, "' has no official counterpart");
}

template <class T>
void copy_official(const io::TensorFile& f, const std::string& key, const std::string& ours, Tensor<T, cpu> dst) {
  check<FormatError>(f.contains(key), "load_official_biggan_deep: ", io::detail::file_label(f.path),
                     " has no tensor '", key, "' (for gantry's ", ours, ")");
  const auto& e = f.entry(key);
  check<ShapeError>(Shape(e.shape) == dst.shape(), "load_official_biggan_deep: tensor '", key, "' has shape ",
                    io::detail::shape_str(e.shape), " but gantry's ", ours, " is ", dst.shape().str());
  const Tensor<T, cpu> src = f.get<T>(key);
  std::copy(src.data(), src.data() + src.numel(), dst.data());
}

// Copies every tensor of `m` from `f` (official names under `prefix`), then checks that
// nothing under the prefix was left over.
template <class T, class M, class NameFn>
void load_official_part(const io::TensorFile& f, M& m, const std::string& prefix, const char* which, NameFn official) {
  struct Loader : ParamVisitor<T, cpu> {
    const io::TensorFile& f;
    const std::string& prefix;
    const char* which;
    NameFn official;
    std::set<std::string> used;
    Loader(const io::TensorFile& f_, const std::string& p, const char* w, NameFn o)
        : f(f_), prefix(p), which(w), official(o) {}
    void load(const std::string& name, Tensor<T, cpu> dst) {
      const std::string key = official(name);
      if (key.empty()) return;
      used.insert(prefix + key);
      copy_official<T>(f, prefix + key, std::string(which) + " '" + name + "'", dst);
    }
    void parameter(const std::string& name, Var<T, cpu>& p) override { load(name, p.value()); }
    void buffer(const std::string& name, Tensor<T, cpu>& b) override { load(name, b); }
  } loader(f, prefix, which, official);
  m.visit(loader, "");
  for (const auto& kv : f.tensors)
    check<FormatError>(kv.first.rfind(prefix, 0) != 0 || loader.used.count(kv.first), "load_official_biggan_deep: ",
                       io::detail::file_label(f.path), " has tensor '", kv.first, "' (shape ",
                       io::detail::shape_str(kv.second.shape), ") that gantry's ", which, " does not use");
}

}  // namespace detail

// Loads BigGANdeep.py's G and D (state dicts under g_prefix, d_prefix) into modules of
// Nets::G and Nets::D.
template <class Nets, class T, class GM, class DM>
void load_official_biggan_deep(const io::TensorFile& f, GM& g, DM& d, const std::string& g_prefix = "G.",
                               const std::string& d_prefix = "D.") {
  detail::load_official_part<T>(f, g, g_prefix, "G", [](const std::string& n) { return detail::official_g_name<Nets>(n); });
  detail::load_official_part<T>(f, d, d_prefix, "D", [](const std::string& n) { return detail::official_d_name<Nets>(n); });
}

}  // namespace gantry::models
