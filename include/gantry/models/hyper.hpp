#pragma once
// Hyper-parameter structs list their fields once, `template <class F> void fields(F&& f)`
// calling f("name", member) for each, and get from that: JSON for checkpoints (so a resumed
// or sampled run rebuilds the same model), strict reading back, and `name=value` overrides
// from a command line. Fields are bool, integers or double.
#include <charconv>
#include <cstdint>
#include <string>
#include <type_traits>

#include "../core/error.hpp"
#include "../io/json.hpp"

namespace gantry::models {

namespace detail {
// Out of line: inlined into every fields() call, GCC 12 -O3 reports a false -Warray-bounds
// inside std::pair's constructor for some hyper-parameter structs.
template <class V>
[[gnu::noinline]] void add_json_field(io::json::Object& o, const char* name, const V& v) {
  o.emplace_back(name, io::json::Value(v));
}
}  // namespace detail

template <class H>
io::json::Value hyper_to_json(const H& h) {
  io::json::Object o;
  const_cast<H&>(h).fields([&](const char* name, auto& v) { detail::add_json_field(o, name, v); });
  return io::json::Value(std::move(o));
}

namespace detail {
template <class V>
void assign_json(const char* where, const char* name, const io::json::Value& j, V& v) {
  if constexpr (std::is_same_v<V, bool>) {
    check<FormatError>(j.is_bool(), where, ": hyper-parameter '", name, "' must be a boolean, found ", j.kind_name());
    v = j.as_bool();
  } else if constexpr (std::is_integral_v<V>) {
    check<FormatError>(j.is_int(), where, ": hyper-parameter '", name, "' must be an integer, found ", j.kind_name());
    v = static_cast<V>(j.as_int());
  } else {
    check<FormatError>(j.is_number(), where, ": hyper-parameter '", name, "' must be a number, found ", j.kind_name());
    v = j.as_double();
  }
}

template <class H>
std::string hyper_names(const H& h) {
  std::string s;
  const_cast<H&>(h).fields([&](const char* name, auto&) { s += (s.empty() ? "" : ", ") + std::string(name); });
  return s;
}
}  // namespace detail

// Every field must be present with its type, and nothing else.
template <class H>
H hyper_from_json(const io::json::Value& j, const char* where = "hyper-parameters") {
  check<FormatError>(j.is_object(), where, ": expected an object, found ", j.kind_name());
  H h{};
  std::size_t seen = 0;
  h.fields([&](const char* name, auto& v) {
    const io::json::Value* f = j.find(name);
    check<FormatError>(f != nullptr, where, ": missing hyper-parameter '", name, "'");
    detail::assign_json(where, name, *f, v);
    ++seen;
  });
  if (seen != j.as_object().size())
    for (const auto& field : j.as_object()) {
      const std::string& k = field.first;  // (clang before 16 cannot capture a structured binding)
      bool known = false;
      h.fields([&](const char* name, auto&) { known = known || k == name; });
      check<FormatError>(known, where, ": unknown hyper-parameter '", k, "' (known: ", detail::hyper_names(h), ")");
    }
  return h;
}

// Applies "name=value" (e.g. "lr=1e-4", "n_critic=5", "flag=true").
template <class H>
void hyper_set(H& h, const std::string& assignment) {
  const auto eq = assignment.find('=');
  check(eq != std::string::npos && eq > 0, "hyper-parameter override: expected name=value, found '", assignment, "'");
  const std::string key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  bool found = false;
  h.fields([&](const char* name, auto& v) {
    if (key != name) return;
    found = true;
    using V = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_same_v<V, bool>) {
      check(text == "true" || text == "false" || text == "1" || text == "0", "hyper-parameter '", key,
            "': expected true or false, found '", text, "'");
      v = text == "true" || text == "1";
    } else {
      V parsed{};
      const auto r = std::from_chars(text.data(), text.data() + text.size(), parsed);
      check(r.ec == std::errc() && r.ptr == text.data() + text.size(), "hyper-parameter '", key, "': expected ",
            std::is_integral_v<V> ? "an integer" : "a number", ", found '", text, "'");
      v = parsed;
    }
  });
  check(found, "hyper-parameter override: unknown name '", key, "' (known: ", detail::hyper_names(h), ")");
}

}  // namespace gantry::models
