#pragma once
// A small JSON value, parser and writer: enough for safetensors headers, their string
// metadata and the structured values (hyper-parameters, RNG state) stored in it.
// Integers that fit in int64 stay exact; other numbers are doubles. Objects keep their
// key order (a writer controls the layout) and reject duplicate keys when parsed (two
// entries for one tensor name would make a file ambiguous).
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../core/error.hpp"

namespace gantry::io::json {

// Malformed JSON; the message gives the byte offset of the problem.
class ParseError : public FormatError {
 public:
  ParseError(std::string reason, std::size_t offset)
      : FormatError(gantry::detail::concat("JSON: ", reason, " at byte ", offset)),
        reason_(std::move(reason)),
        offset_(offset) {}
  // What is wrong, without the offset ("expected ':' after a key, found '}'").
  const std::string& reason() const { return reason_; }
  // Byte offset of the problem in the parsed text.
  std::size_t offset() const { return offset_; }

 private:
  std::string reason_;
  std::size_t offset_;
};

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
using Object = std::vector<Member>;

class Value {
 public:
  enum class Kind { null, boolean, integer, number, string, array, object };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  Value(I v) : v_(static_cast<int64_t>(v)) {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(int64_t))
      check<Error>(v <= static_cast<I>(INT64_MAX), "JSON: integer ", v, " does not fit in int64");
  }
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::null; }
  bool is_bool() const { return kind() == Kind::boolean; }
  bool is_int() const { return kind() == Kind::integer; }
  // Any number, integer or not.
  bool is_number() const { return kind() == Kind::integer || kind() == Kind::number; }
  bool is_string() const { return kind() == Kind::string; }
  bool is_array() const { return kind() == Kind::array; }
  bool is_object() const { return kind() == Kind::object; }

  bool as_bool() const { return get<bool>("a boolean"); }
  int64_t as_int() const { return get<int64_t>("an integer"); }
  double as_double() const {
    if (is_int()) return static_cast<double>(std::get<int64_t>(v_));
    return get<double>("a number");
  }
  const std::string& as_string() const { return get<std::string>("a string"); }
  const Array& as_array() const { return get<Array>("an array"); }
  Array& as_array() { return const_cast<Array&>(std::as_const(*this).as_array()); }
  const Object& as_object() const { return get<Object>("an object"); }
  Object& as_object() { return const_cast<Object&>(std::as_const(*this).as_object()); }

  // Member lookup in an object; nullptr when absent.
  const Value* find(std::string_view key) const {
    for (const auto& [k, v] : as_object())
      if (k == key) return &v;
    return nullptr;
  }
  // Member access in an object, appending the key when absent (for building values).
  Value& operator[](std::string_view key) {
    if (is_null()) v_ = Object{};
    for (auto& [k, v] : as_object())
      if (k == key) return v;
    return as_object().emplace_back(std::string(key), Value{}).second;
  }

  // "null", "a boolean", "an integer", "a number", "a string", "an array", "an object".
  const char* kind_name() const {
    static const char* names[] = {"null", "a boolean", "an integer", "a number", "a string", "an array", "an object"};
    return names[v_.index()];
  }

  friend bool operator==(const Value&, const Value&) = default;

 private:
  template <class X>
  const X& get(const char* wanted) const {
    if (const X* x = std::get_if<X>(&v_)) return *x;
    fail<FormatError>("JSON: expected ", wanted, ", found ", kind_name());
  }
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

namespace detail {

// Length of the UTF-8 sequence starting at s[i] (1..4), or 0 when it is not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
inline std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned c = b(i);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

inline void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Value document() {
    skip_ws();
    Value v = value(0);
    skip_ws();
    if (i_ != s_.size()) error("unexpected ", describe(), " after the JSON value");
    return v;
  }

 private:
  // Deep nesting is a malicious or broken file, not a checkpoint; bound the recursion.
  static constexpr int max_depth = 256;

  template <class... A>
  [[noreturn]] void error(A&&... a) const {
    throw ParseError(gantry::detail::concat(std::forward<A>(a)...), i_);
  }
  std::string describe() const {
    if (i_ >= s_.size()) return "end of input";
    const unsigned char c = static_cast<unsigned char>(s_[i_]);
    if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    const char* hex = "0123456789abcdef";
    std::string out = "byte 0x";
    out += hex[c >> 4];
    out += hex[c & 15];
    return out;
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) error("invalid literal (expected '", word, "')");
    i_ += word.size();
  }

  Value value(int depth) {
    if (depth > max_depth) error("nesting deeper than ", max_depth, " levels");
    if (i_ >= s_.size()) error("expected a value, found end of input");
    switch (s_[i_]) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return Value(string());
      case 't': literal("true"); return Value(true);
      case 'f': literal("false"); return Value(false);
      case 'n': literal("null"); return Value(nullptr);
      default:
        if (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9')) return number();
        error("expected a value, found ", describe());
    }
  }

  Value object(int depth) {
    ++i_;  // '{'
    Object o;
    skip_ws();
    if (eat('}')) return Value(std::move(o));
    for (;;) {
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != '"') error("expected a string key, found ", describe());
      const std::size_t key_at = i_;
      std::string key = string();
      for (const auto& m : o)
        if (m.first == key) {
          i_ = key_at;
          error("duplicate key \"", key, "\"");
        }
      skip_ws();
      if (!eat(':')) error("expected ':' after a key, found ", describe());
      skip_ws();
      Value v = value(depth + 1);
      o.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (eat('}')) return Value(std::move(o));
      if (!eat(',')) error("expected ',' or '}' in an object, found ", describe());
    }
  }

  Value array(int depth) {
    ++i_;  // '['
    Array a;
    skip_ws();
    if (eat(']')) return Value(std::move(a));
    for (;;) {
      skip_ws();
      a.push_back(value(depth + 1));
      skip_ws();
      if (eat(']')) return Value(std::move(a));
      if (!eat(',')) error("expected ',' or ']' in an array, found ", describe());
    }
  }

  uint32_t hex4() {
    if (i_ + 4 > s_.size()) error("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else error("expected 4 hex digits after \\u, found ", describe());
      ++i_;
    }
    return v;
  }

  std::string string() {
    ++i_;  // '"'
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) error("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c < 0x20) error("control character (", describe(), ") in a string; it must be escaped");
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) error("unterminated string");
        const char e = s_[i_++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const std::size_t at = i_ - 2;
            uint32_t cp = hex4();
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              // A high surrogate must be followed by an escaped low surrogate.
              if (s_.substr(i_, 2) != "\\u") {
                i_ = at;
                error("unpaired surrogate \\u", s_.substr(at + 2, 4));
              }
              i_ += 2;
              const uint32_t lo = hex4();
              if (lo < 0xDC00 || lo > 0xDFFF) {
                i_ = at;
                error("unpaired surrogate \\u", s_.substr(at + 2, 4));
              }
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              i_ = at;
              error("unpaired surrogate \\u", s_.substr(at + 2, 4));
            }
            append_utf8(out, cp);
            break;
          }
          default:
            i_ -= 2;
            error("invalid escape '\\", e, "'");
        }
        continue;
      }
      const std::size_t n = utf8_sequence(s_, i_);
      if (n == 0) error("invalid UTF-8 (", describe(), ")");
      out.append(s_.substr(i_, n));
      i_ += n;
    }
  }

  Value number() {
    const std::size_t start = i_;
    bool integral = true;
    eat('-');
    if (eat('0')) {
      // no leading zeros
    } else if (i_ < s_.size() && s_[i_] >= '1' && s_[i_] <= '9') {
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    } else {
      error("expected a digit, found ", describe());
    }
    if (eat('.')) {
      integral = false;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') error("expected a digit after '.', found ", describe());
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integral = false;
      ++i_;
      if (!eat('+')) eat('-');
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') error("expected a digit in the exponent, found ", describe());
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    const char* b = s_.data() + start;
    const char* e = s_.data() + i_;
    if (integral) {
      int64_t v = 0;
      auto r = std::from_chars(b, e, v);
      if (r.ec == std::errc() && r.ptr == e) return Value(v);
      // Too large for int64: kept as a double, as most JSON readers do.
    }
    double d = 0;
    auto r = std::from_chars(b, e, d);
    if (r.ec == std::errc::result_out_of_range) {
      i_ = start;
      error("number out of range");
    }
    return Value(d);
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

inline void write_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;  // UTF-8 passes through unchanged
        }
    }
  }
  out += '"';
}

inline void write_value(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null: out += "null"; break;
    case Value::Kind::boolean: out += v.as_bool() ? "true" : "false"; break;
    case Value::Kind::integer: out += std::to_string(v.as_int()); break;
    case Value::Kind::number: {
      const double d = v.as_double();
      if (!std::isfinite(d)) gantry::fail<Error>("JSON: cannot write the non-finite number ", d);
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest form that reads back exactly
      std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
      out += text;
      // Keep a double a double when read back (2.0, not 2).
      if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
      break;
    }
    case Value::Kind::string: write_string(out, v.as_string()); break;
    case Value::Kind::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v.as_array()) {
        if (!first) out += ',';
        first = false;
        write_value(out, x);
      }
      out += ']';
      break;
    }
    case Value::Kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, x] : v.as_object()) {
        if (!first) out += ',';
        first = false;
        write_string(out, k);
        out += ':';
        write_value(out, x);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace detail

// Parses one JSON document (surrounding whitespace allowed). Throws ParseError with the
// byte offset of the first problem.
inline Value parse(std::string_view text) { return detail::Parser(text).document(); }

// Compact JSON text. Strings are written as UTF-8 with the required escapes only.
inline std::string dump(const Value& v) {
  std::string out;
  detail::write_value(out, v);
  return out;
}

// Whether `s` is valid UTF-8 (a JSON document, and so a safetensors header, must be).
inline bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = detail::utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace gantry::io::json
