#pragma once
// A training checkpoint: one safetensors file with every tensor of the model's state under
// PyTorch-style names (G.blocks.0.weight, D.*, opt_G.*.exp_avg, G_ema.*, ...; see the
// model's checkpoint_parts) and, in the metadata key "gantry", a JSON object with what an
// exact resume needs besides tensors:
//   {"format": 1, "model": "wgan-gp", "step": 1000,
//    "rng": {"seed": "...", "offset": "..."},            // the trainer's noise stream
//    "data": {"epoch": 3, "position": 640, "seed": "...", "offset": "..."},
//    "hyper": {...}, "run": {...}}                        // hyper-parameters, program's options
// (64-bit counters are decimal strings: JSON numbers are not exact beyond 2^53.) The file is
// written to a temporary name and renamed, so a crash never leaves half a checkpoint.
#include <charconv>
#include <cstdint>
#include <string>

#include "../core/error.hpp"
#include "../core/philox.hpp"
#include "../data/loader.hpp"
#include "../io/json.hpp"
#include "../io/safetensors.hpp"
#include "module_state.hpp"

namespace gantry::train {

inline constexpr const char* checkpoint_metadata_key = "gantry";
inline constexpr int64_t checkpoint_format = 1;

struct RunState {
  int64_t step = 0;  // completed generator steps
  Rng rng;           // the trainer's stream (noise, labels, penalties)
  data::LoaderState data;
  io::json::Value hyper;  // the model's hyper-parameters
  io::json::Value run;    // the program's own options (data set, net, seed, ...)
};

namespace detail {
inline std::string u64_text(std::uint64_t v) { return std::to_string(v); }
inline std::uint64_t u64_of(const io::json::Value& obj, const char* key, const std::string& where) {
  const io::json::Value* v = obj.is_object() ? obj.find(key) : nullptr;
  check<FormatError>(v && v->is_string(), where, ": expected \"", key, "\" as a decimal string");
  std::uint64_t out = 0;
  const std::string& s = v->as_string();
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  check<FormatError>(r.ec == std::errc() && r.ptr == s.data() + s.size(), where, ": \"", key,
                     "\" is not a 64-bit unsigned integer: '", s, "'");
  return out;
}
inline const io::json::Value& member(const io::json::Value& obj, const char* key, const std::string& where) {
  const io::json::Value* v = obj.find(key);
  check<FormatError>(v != nullptr, where, ": the metadata has no \"", key, "\"");
  return *v;
}

// Saves or loads one part of a model's state (a module, or an optimiser / EMA).
template <class Part>
void save_part(io::SafetensorsWriter& w, const std::string& prefix, Part& p) {
  if constexpr (requires { p.visit_state([](const std::string&, auto&) {}); })
    save_optimizer(w, p, prefix);
  else
    save_module(w, p, prefix);
}
template <class Part>
void load_part(const io::TensorFile& f, const std::string& prefix, Part& p) {
  if constexpr (requires { p.visit_state([](const std::string&, auto&) {}); })
    load_optimizer(f, p, prefix);
  else
    load_module(f, p, prefix);
}
}  // namespace detail

// The "gantry" metadata of a checkpoint file, checked to be one (format, model name).
inline io::json::Value read_checkpoint_info(const io::TensorFile& f) {
  const std::string where = f.path.empty() ? std::string("checkpoint") : "checkpoint " + f.path;
  auto it = f.metadata.find(checkpoint_metadata_key);
  check<FormatError>(it != f.metadata.end(), where,
                     ": not a gantry training checkpoint (no \"gantry\" metadata; found keys: ", [&] {
                       std::string k;
                       for (const auto& [key, v] : f.metadata) k += (k.empty() ? "" : ", ") + key;
                       return k.empty() ? std::string("none") : k;
                     }(), ")");
  io::json::Value info;
  try {
    info = io::json::parse(it->second);
  } catch (const std::exception& e) {
    fail<FormatError>(where, ": the \"gantry\" metadata is not valid JSON (", e.what(), ")");
  }
  check<FormatError>(info.is_object(), where, ": the \"gantry\" metadata must be a JSON object");
  const io::json::Value& fmt = detail::member(info, "format", where);
  check<FormatError>(fmt.is_int() && fmt.as_int() == checkpoint_format, where, ": checkpoint format ",
                     io::json::dump(fmt), ", this gantry reads format ", checkpoint_format);
  check<FormatError>(detail::member(info, "model", where).is_string(), where, ": \"model\" must be a string");
  return info;
}

template <class Model>
void save_checkpoint(const std::string& path, Model& model, const RunState& st) {
  io::SafetensorsWriter w;
  model.checkpoint_parts([&](const std::string& prefix, auto& part) { detail::save_part(w, prefix, part); });
  io::json::Value info;
  info["format"] = checkpoint_format;
  info["model"] = std::string(Model::name);
  info["step"] = st.step;
  info["rng"]["seed"] = detail::u64_text(st.rng.seed());
  info["rng"]["offset"] = detail::u64_text(st.rng.offset());
  info["data"]["epoch"] = st.data.epoch;
  info["data"]["position"] = st.data.position;
  info["data"]["seed"] = detail::u64_text(st.data.seed);
  info["data"]["offset"] = detail::u64_text(st.data.offset);
  info["hyper"] = st.hyper;
  info["run"] = st.run;
  w.metadata(checkpoint_metadata_key, io::json::dump(info));
  w.write(path);
}

// Loads the tensors into `model` (strictly: names, dtypes and shapes must match) and returns
// the run state. The model's name must match the checkpoint's.
template <class Model>
RunState load_checkpoint(const io::TensorFile& f, Model& model) {
  const std::string where = f.path.empty() ? std::string("checkpoint") : "checkpoint " + f.path;
  const io::json::Value info = read_checkpoint_info(f);
  const std::string& name = info.find("model")->as_string();
  check<FormatError>(name == Model::name, where, ": holds a '", name, "' model, expected '", Model::name, "'");
  RunState st;
  const io::json::Value& step = detail::member(info, "step", where);
  check<FormatError>(step.is_int() && step.as_int() >= 0, where, ": \"step\" must be a non-negative integer");
  st.step = step.as_int();
  const io::json::Value& rng = detail::member(info, "rng", where);
  st.rng = Rng(detail::u64_of(rng, "seed", where), detail::u64_of(rng, "offset", where));
  const io::json::Value& d = detail::member(info, "data", where);
  const io::json::Value& epoch = detail::member(d, "epoch", where);
  const io::json::Value& pos = detail::member(d, "position", where);
  check<FormatError>(epoch.is_int() && pos.is_int(), where, ": data \"epoch\" and \"position\" must be integers");
  st.data = {epoch.as_int(), pos.as_int(), detail::u64_of(d, "seed", where), detail::u64_of(d, "offset", where)};
  st.hyper = detail::member(info, "hyper", where);
  st.run = detail::member(info, "run", where);
  model.checkpoint_parts([&](const std::string& prefix, auto& part) { detail::load_part(f, prefix, part); });
  return st;
}

template <class Model>
RunState load_checkpoint(const std::string& path, Model& model) {
  return load_checkpoint(io::read_safetensors(path), model);
}

}  // namespace gantry::train
