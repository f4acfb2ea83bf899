#pragma once
// Saving and loading the state of a module (every parameter and buffer its ParamVisitor names)
// and of an optimiser (visit_state and its step count) as safetensors tensors under a prefix:
//   G.blocks.0.weight, G.blocks.2.running_mean, D.blocks.0.u, opt_G.blocks.0.weight.exp_avg,
//   opt_G.step (I64, shape [])
// Loading is all or nothing: every expected tensor must be in the file with the model's dtype
// and shape, and the file must hold nothing else under the prefix. All of it is checked before
// the first value is copied, so on a FormatError (naming each problem) the module is unchanged.
// Values are copied into the module's existing tensors, so views and optimisers that hold them
// stay valid. This header bridges io/ and nn/ (it needs the ParamVisitor protocol).
#include <cstring>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../nn/framework/module.hpp"
#include "../io/safetensors.hpp"

namespace gantry::train {

using io::DType;
using io::dtype_name;
using io::read_safetensors;
using io::SafetensorsWriter;
using io::TensorEntry;
using io::TensorFile;
using io::write_safetensors;

namespace detail {

using namespace io::detail;  // type_tag and the dtype helpers of the safetensors code

template <class T, class D>
struct StateRef {
  std::string name;
  Tensor<T, D> tensor;  // shares the module's storage
};

template <class T, class D, class M>
std::vector<StateRef<T, D>> module_state(M& m, const std::string& prefix) {
  struct V : ParamVisitor<T, D> {
    std::vector<StateRef<T, D>> out;
    void parameter(const std::string& name, Var<T, D>& p) override { out.push_back({name, p.value()}); }
    void buffer(const std::string& name, Tensor<T, D>& b) override { out.push_back({name, b}); }
  } v;
  m.visit(v, prefix);
  return std::move(v.out);
}

// The scalar type of a cpu module (the T its visit accepts ParamVisitor<T, cpu> for).
template <class M>
constexpr auto module_scalar() {
  if constexpr (requires(M& m, ParamVisitor<float, cpu>& v, const std::string& s) { m.visit(v, s); })
    return type_tag<float>{};
  else if constexpr (requires(M& m, ParamVisitor<double, cpu>& v, const std::string& s) { m.visit(v, s); })
    return type_tag<double>{};
  else
    static_assert(sizeof(M) == 0,
                  "gantry::io: cannot tell the module's scalar type; call save_module<T, D> / load_module<T, D>");
}
template <class M>
using module_scalar_t = typename decltype(module_scalar<M>())::type;

template <class T>
constexpr DType dtype_of() {
  return std::is_same_v<T, float> ? DType::F32 : DType::F64;
}

inline std::string checkpoint_label(const TensorFile& f) {
  return f.path.empty() ? std::string("checkpoint") : "checkpoint " + f.path;
}

inline bool under_prefix(const std::string& name, const std::string& prefix) {
  return prefix.empty() || (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
                            name[prefix.size()] == '.');
}

// Checks that `file` holds exactly `refs` (plus `extra` names, checked by the caller) under
// `prefix`, with equal dtypes and shapes; throws FormatError listing every problem.
template <class T, class D>
void check_state(const TensorFile& file, const std::string& prefix, const std::vector<StateRef<T, D>>& refs,
                 const std::set<std::string>& extra = {}) {
  std::vector<std::string> problems;
  std::set<std::string> expected(extra);
  for (const auto& r : refs) {
    expected.insert(r.name);
    auto it = file.tensors.find(r.name);
    if (it == file.tensors.end()) {
      problems.push_back("missing tensor '" + r.name + "'");
      continue;
    }
    const TensorEntry& e = it->second;
    if (e.dtype != dtype_of<T>())
      problems.push_back("tensor '" + r.name + "' has dtype " + dtype_name(e.dtype) + ", the model expects " +
                         dtype_name(dtype_of<T>()));
    else if (e.shape != r.tensor.shape().vec())
      problems.push_back("tensor '" + r.name + "' has shape " + shape_str(e.shape) + ", the model expects " +
                         r.tensor.shape().str());
  }
  for (const auto& [name, e] : file.tensors)
    if (under_prefix(name, prefix) && !expected.count(name)) problems.push_back("unexpected tensor '" + name + "'");
  if (problems.empty()) return;
  std::string msg = checkpoint_label(file) + ": ";
  for (std::size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
  fail<FormatError>(msg);
}

// Copies checked values into the existing tensors.
template <class T, class D>
void copy_state(const TensorFile& file, const std::vector<StateRef<T, D>>& refs) {
  for (const auto& r : refs) {
    const TensorEntry& e = file.tensors.at(r.name);
    Tensor<T, D> dst = r.tensor;  // a shallow copy: the same storage, writable
    if (!e.bytes.empty()) DeviceMemory<D>::copy_from_host(dst.data(), e.bytes.data(), e.bytes.size());
  }
}

template <class T, class D, class O>
std::vector<StateRef<T, D>> optimizer_state(O& opt, const std::string& prefix) {
  std::vector<StateRef<T, D>> out;
  opt.visit_state([&](const std::string& name, Tensor<T, D>& t) { out.push_back({join_name(prefix, name), t}); });
  return out;
}

}  // namespace detail

// Adds every parameter and buffer of `m` to `w` as `<prefix>.<name>`.
template <class T, class D, class M>
void save_module(SafetensorsWriter& w, M& m, const std::string& prefix = "") {
  for (const auto& r : detail::module_state<T, D>(m, prefix)) w.add(r.name, r.tensor);
}
template <class M>
void save_module(SafetensorsWriter& w, M& m, const std::string& prefix = "") {
  save_module<detail::module_scalar_t<M>, cpu>(w, m, prefix);
}
// Writes a file holding only the module's state (atomically, see write_safetensors).
template <class M>
void save_module(const std::string& path, M& m, const std::string& prefix = "") {
  SafetensorsWriter w;
  save_module(w, m, prefix);
  w.write(path);
}

// Loads `<prefix>.<name>` from `file` into every parameter and buffer of `m`, in place; strict
// (see the top of this file). Throws FormatError and leaves `m` unchanged on any mismatch.
template <class T, class D, class M>
void load_module(const TensorFile& file, M& m, const std::string& prefix = "") {
  const auto refs = detail::module_state<T, D>(m, prefix);
  detail::check_state(file, prefix, refs);
  detail::copy_state(file, refs);
}
template <class M>
void load_module(const TensorFile& file, M& m, const std::string& prefix = "") {
  load_module<detail::module_scalar_t<M>, cpu>(file, m, prefix);
}
template <class M>
void load_module(const std::string& path, M& m, const std::string& prefix = "") {
  load_module(read_safetensors(path), m, prefix);
}

// The name of an optimiser's step count: `<prefix>.step`, I64 of shape [].
inline std::string optimizer_step_name(const std::string& prefix) { return join_name(prefix, "step"); }

// Adds an optimiser's state tensors (visit_state) as `<prefix>.<name>` and, when it counts
// steps (step_count), the count as `<prefix>.step`. Works for Adam, RMSprop, SGD and EMA.
template <template <class, class> class O, class T, class D>
void save_optimizer(SafetensorsWriter& w, O<T, D>& opt, const std::string& prefix = "") {
  for (const auto& r : detail::optimizer_state<T, D>(opt, prefix)) w.add(r.name, r.tensor);
  if constexpr (requires { opt.step_count(); })
    w.add_ints(optimizer_step_name(prefix), {static_cast<int64_t>(opt.step_count())}, std::vector<int64_t>{});
}

// Loads what save_optimizer wrote, with load_module's strictness; the optimiser is unchanged
// when it throws.
template <template <class, class> class O, class T, class D>
void load_optimizer(const TensorFile& file, O<T, D>& opt, const std::string& prefix = "") {
  const auto refs = detail::optimizer_state<T, D>(opt, prefix);
  std::set<std::string> extra;
  int64_t step = 0;
  if constexpr (requires { opt.step_count(); }) {
    const std::string name = optimizer_step_name(prefix);
    extra.insert(name);
    auto it = file.tensors.find(name);
    const std::string where = detail::checkpoint_label(file) + ": ";
    check<FormatError>(it != file.tensors.end(), where, "missing tensor '", name, "' (the optimiser's step count)");
    const TensorEntry& e = it->second;
    check<FormatError>(e.dtype == DType::I64 && e.numel() == 1, where, "tensor '", name, "' has dtype ",
                       dtype_name(e.dtype), " and shape ", detail::shape_str(e.shape),
                       ", the optimiser's step count is I64 of shape []");
    std::memcpy(&step, e.bytes.data(), sizeof step);
    check<FormatError>(step >= 0, where, "tensor '", name, "' holds the step count ", step, ", which is negative");
  }
  detail::check_state(file, prefix, refs, extra);
  detail::copy_state(file, refs);
  if constexpr (requires { opt.step_count(); }) opt.set_step_count(step);
}

}  // namespace gantry::train
