#pragma once
// safetensors files (https://github.com/huggingface/safetensors), gantry's checkpoint format:
//   8 bytes   N, the header length, unsigned little-endian
//   N bytes   UTF-8 JSON: {"__metadata__": {"key": "value", ...},
//                          "name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ...}
//   the data  every tensor's bytes, contiguous, row-major, little-endian; [b, e) is relative to
//             the start of the data, and the tensors cover it exactly (no holes, no overlap)
// The reader checks all of this and names the file and the problem when a check fails. The
// writer never leaves a half-written file (see atomic_file.hpp). gantry also writes a CRC-32
// of every tensor's bytes into the metadata (key "gantry.crc32", a JSON object of 8-digit hex
// strings by tensor name); the reader verifies them when present, so bytes changed after
// writing are an error instead of a silently different model (files of other writers have no
// such key and load as they are). docs/checkpoints.md has the
// naming convention and how to read the files from Python.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <zlib.h>

#include "../core/error.hpp"
#include "../core/shape.hpp"
#include "../core/tensor.hpp"
#include "atomic_file.hpp"
#include "json.hpp"

namespace gantry::io {

static_assert(std::endian::native == std::endian::little,
              "gantry::io: safetensors data is little-endian and gantry copies it to and from memory "
              "unchanged, so it needs a little-endian machine (x86-64, AArch64)");

// Element types of the format. gantry writes F32, F64 and I64 and reads all of these.
enum class DType { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

namespace detail {
struct DTypeInfo {
  DType dtype;
  const char* name;
  std::size_t size;
};
inline constexpr DTypeInfo dtype_table[] = {
    {DType::BOOL, "BOOL", 1}, {DType::U8, "U8", 1},     {DType::I8, "I8", 1},     {DType::I16, "I16", 2},
    {DType::U16, "U16", 2},   {DType::F16, "F16", 2},   {DType::BF16, "BF16", 2}, {DType::I32, "I32", 4},
    {DType::U32, "U32", 4},   {DType::F32, "F32", 4},   {DType::F64, "F64", 8},   {DType::I64, "I64", 8},
    {DType::U64, "U64", 8},
};
}  // namespace detail

inline const char* dtype_name(DType d) { return detail::dtype_table[static_cast<int>(d)].name; }
inline std::size_t dtype_size(DType d) { return detail::dtype_table[static_cast<int>(d)].size; }
inline std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& e : detail::dtype_table)
    if (name == e.name) return e.dtype;
  return std::nullopt;
}
inline bool is_floating(DType d) { return d == DType::F16 || d == DType::BF16 || d == DType::F32 || d == DType::F64; }

namespace detail {

// Half and bfloat16 bit patterns; read-only (converted to float).
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};
inline float widen(Half h) {
  const int exp = (h.bits >> 10) & 0x1F;
  const int mant = h.bits & 0x3FF;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);  // zero and subnormals
  else if (exp == 31) v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
  return (h.bits & 0x8000) ? -v : v;
}
inline float widen(BFloat16 b) { return std::bit_cast<float>(static_cast<uint32_t>(b.bits) << 16); }
template <class X>
X widen(X x) {
  return x;
}

template <class X>
struct type_tag {
  using type = X;
};

// Calls f(type_tag<C++ type of d>{}).
template <class F>
decltype(auto) visit_dtype(DType d, F&& f) {
  switch (d) {
    case DType::BOOL: return f(type_tag<uint8_t>{});
    case DType::U8: return f(type_tag<uint8_t>{});
    case DType::I8: return f(type_tag<int8_t>{});
    case DType::I16: return f(type_tag<int16_t>{});
    case DType::U16: return f(type_tag<uint16_t>{});
    case DType::F16: return f(type_tag<Half>{});
    case DType::BF16: return f(type_tag<BFloat16>{});
    case DType::I32: return f(type_tag<int32_t>{});
    case DType::U32: return f(type_tag<uint32_t>{});
    case DType::F32: return f(type_tag<float>{});
    case DType::F64: return f(type_tag<double>{});
    case DType::I64: return f(type_tag<int64_t>{});
    case DType::U64: return f(type_tag<uint64_t>{});
  }
  fail<Error>("safetensors: invalid dtype value ", static_cast<int>(d));
}

inline std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

inline std::string file_label(const std::string& path) { return path.empty() ? "(tensors not read from a file)" : path; }

// The metadata key of the tensors' checksums, and a tensor's CRC-32 as 8 hex digits.
inline constexpr char checksum_key[] = "gantry.crc32";
inline std::string crc32_hex(const std::vector<unsigned char>& bytes) {
  const auto crc = static_cast<uint32_t>(::crc32_z(::crc32_z(0L, Z_NULL, 0), bytes.data(), bytes.size()));
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(7 - i)] = digits[(crc >> (4 * i)) & 0xF];
  return out;
}

}  // namespace detail

// One tensor of a file: its element type, shape and raw little-endian bytes (row-major).
struct TensorEntry {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<unsigned char> bytes;

  int64_t numel() const { return checked_numel(shape.data(), shape.size()); }

  // A copy of a tensor's values (F32 or F64, as T), from any device.
  template <class T, class D>
  static TensorEntry from(const Tensor<T, D>& t) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
    check<Error>(t.defined(), "safetensors: cannot store an undefined (default-constructed) tensor");
    TensorEntry e;
    e.dtype = std::is_same_v<T, float> ? DType::F32 : DType::F64;
    e.shape = t.shape().vec();
    e.bytes.resize(t.bytes());
    if constexpr (std::is_same_v<D, cpu>) {
      if (t.bytes()) std::memcpy(e.bytes.data(), t.data(), t.bytes());
    } else {
      const std::vector<T> host = t.to_vector();
      if (t.bytes()) std::memcpy(e.bytes.data(), host.data(), t.bytes());
    }
    return e;
  }

  // An I64 tensor (labels, counters). `shape` defaults to 1-D with values.size() elements.
  static TensorEntry from_ints(const std::vector<int64_t>& values, std::optional<std::vector<int64_t>> shape = {}) {
    TensorEntry e;
    e.dtype = DType::I64;
    e.shape = shape ? *shape : std::vector<int64_t>{static_cast<int64_t>(values.size())};
    for (int64_t d : e.shape) check<ShapeError>(d >= 0, "safetensors: negative dimension in shape ", detail::shape_str(e.shape));
    check<ShapeError>(e.numel() == static_cast<int64_t>(values.size()), "safetensors: shape ",
                      detail::shape_str(e.shape), " needs ", e.numel(), " integers, found ", values.size());
    e.bytes.resize(values.size() * sizeof(int64_t));
    if (!values.empty()) std::memcpy(e.bytes.data(), values.data(), e.bytes.size());
    return e;
  }
};

// The tensors and string metadata of a safetensors file.
struct TensorFile {
  std::string path;  // where it was read from (for error messages)
  std::map<std::string, TensorEntry> tensors;
  std::map<std::string, std::string> metadata;  // without gantry's checksums (below)
  bool checksummed = false;  // read: every tensor matched the CRC-32 gantry wrote with it

  bool contains(const std::string& name) const { return tensors.count(name) != 0; }

  // The entry named `name`; throws FormatError listing the names the file has.
  const TensorEntry& entry(const std::string& name) const {
    auto it = tensors.find(name);
    if (it != tensors.end()) return it->second;
    std::string have;
    if (tensors.empty()) {
      have = "it has no tensors";
    } else {
      have = "it has " + std::to_string(tensors.size()) + (tensors.size() == 1 ? " tensor: " : " tensors: ");
      constexpr std::size_t shown = 10;
      std::size_t i = 0;
      for (const auto& kv : tensors) {
        if (i == shown) {
          have += ", ...";
          break;
        }
        have += (i++ ? ", " : "") + kv.first;
      }
    }
    fail<FormatError>("safetensors: ", detail::file_label(path), " has no tensor '", name, "' (", have, ")");
  }

  // The values of `name` as a cpu tensor of T, converted from any floating or integer dtype.
  template <class T>
  Tensor<T, cpu> get(const std::string& name) const {
    const TensorEntry& e = entry(name);
    check<FormatError>(e.shape.size() <= static_cast<std::size_t>(max_rank), "safetensors: tensor '", name, "' in ",
                       detail::file_label(path), " has shape ", detail::shape_str(e.shape), " of rank ",
                       e.shape.size(), "; gantry tensors have at most ", max_rank, " dimensions");
    Tensor<T, cpu> t(Shape(e.shape));
    T* dst = t.data();
    const unsigned char* src = e.bytes.data();
    detail::visit_dtype(e.dtype, [&](auto tag) {
      using S = typename decltype(tag)::type;
      const auto n = static_cast<std::size_t>(e.numel());
      if constexpr (std::is_same_v<S, T>) {
        if (n) std::memcpy(dst, src, n * sizeof(T));
      } else {
        for (std::size_t i = 0; i < n; ++i) {
          S s;
          std::memcpy(&s, src + i * sizeof(S), sizeof(S));  // the data need not be aligned
          dst[i] = static_cast<T>(detail::widen(s));
        }
      }
    });
    return t;
  }

  // As get<T>(name), and checks that the shape is `expected`.
  template <class T>
  Tensor<T, cpu> get(const std::string& name, const Shape& expected) const {
    const TensorEntry& e = entry(name);
    check<FormatError>(e.shape == expected.vec(), "safetensors: tensor '", name, "' in ", detail::file_label(path),
                       " has shape ", detail::shape_str(e.shape), ", expected ", expected.str());
    return get<T>(name);
  }

  // The values of an integer (or BOOL) tensor, flattened row-major.
  std::vector<int64_t> get_ints(const std::string& name) const {
    const TensorEntry& e = entry(name);
    check<FormatError>(!is_floating(e.dtype), "safetensors: tensor '", name, "' in ", detail::file_label(path),
                       " has dtype ", dtype_name(e.dtype), "; get_ints needs an integer dtype (I64, I32, U8, ...)");
    const auto n = static_cast<std::size_t>(e.numel());
    std::vector<int64_t> out(n);
    detail::visit_dtype(e.dtype, [&](auto tag) {
      using S = typename decltype(tag)::type;
      if constexpr (std::is_integral_v<S>) {
        for (std::size_t i = 0; i < n; ++i) {
          S s;
          std::memcpy(&s, e.bytes.data() + i * sizeof(S), sizeof(S));
          if constexpr (std::is_same_v<S, uint64_t>)
            check<FormatError>(s <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
                               "safetensors: tensor '", name, "' in ", detail::file_label(path), " holds ", s,
                               " at index ", i, ", which does not fit in int64");
          out[i] = static_cast<int64_t>(s);
        }
      }
    });
    return out;
  }
};

namespace detail {

class SafetensorsReader {
 public:
  explicit SafetensorsReader(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) bad("cannot open (", std::strerror(errno), ")");
    struct stat st {};
    if (::fstat(fd_, &st) != 0) bad("cannot read (", std::strerror(errno), ")");
    if (!S_ISREG(st.st_mode)) bad("not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~SafetensorsReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  SafetensorsReader(const SafetensorsReader&) = delete;
  SafetensorsReader& operator=(const SafetensorsReader&) = delete;

  TensorFile read() {
    if (size_ < 8) bad("the file has ", size_, " bytes, too few for the 8-byte header length");
    uint64_t n = 0;
    read_at(&n, 8, 0);
    if (n > size_ - 8)
      bad("the header length ", n, " is larger than the rest of the file (", size_ - 8, " bytes)");
    std::string text(static_cast<std::size_t>(n), '\0');
    read_at(text.data(), text.size(), 8);
    const uint64_t data_size = size_ - 8 - n;

    json::Value header;
    try {
      header = json::parse(text);
    } catch (const json::ParseError& e) {
      bad("the header is not valid JSON: ", e.reason(), " at byte ", e.offset(), " of the header (byte ",
          e.offset() + 8, " of the file)");
    }
    if (!header.is_object()) bad("the header must be a JSON object, found ", header.kind_name());

    TensorFile file;
    file.path = path_;
    struct Span {
      uint64_t begin, end;
      const std::string* name;
    };
    std::vector<Span> spans;
    for (const auto& [name, info] : header.as_object()) {
      if (name == "__metadata__") {
        if (!info.is_object()) bad("__metadata__ must be an object of strings, found ", info.kind_name());
        for (const auto& [k, v] : info.as_object()) {
          if (!v.is_string()) bad("__metadata__ entry '", k, "' must be a string, found ", v.kind_name());
          file.metadata[k] = v.as_string();
        }
        continue;
      }
      TensorEntry e;
      const auto [begin, end] = parse_entry(name, info, e);
      if (end > data_size)
        bad("tensor '", name, "' has data_offsets [", begin, ", ", end, "] past the end of the data (", data_size,
            " bytes after the header): the file is truncated or the offsets are wrong");
      auto [it, inserted] = file.tensors.emplace(name, std::move(e));
      if (begin < end) spans.push_back({begin, end, &it->first});
    }

    // The tensors must tile the data exactly: sorted by offset, no overlap, no gap, no tail.
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
    uint64_t covered = 0;
    for (std::size_t i = 0; i < spans.size(); ++i) {
      const Span& s = spans[i];
      if (s.begin < covered)
        bad("tensors '", *spans[i - 1].name, "' and '", *s.name, "' overlap: data_offsets [", spans[i - 1].begin,
            ", ", spans[i - 1].end, "] and [", s.begin, ", ", s.end, "]");
      if (s.begin > covered)
        bad("no tensor covers data bytes [", covered, ", ", s.begin, ") (the data of a safetensors file has no holes)");
      covered = s.end;
    }
    if (covered < data_size)
      bad("the data has ", data_size, " bytes after the header, but the tensors cover only ", covered);

    for (const Span& s : spans) {
      TensorEntry& e = file.tensors.at(*s.name);
      e.bytes.resize(static_cast<std::size_t>(s.end - s.begin));
      read_at(e.bytes.data(), e.bytes.size(), 8 + n + s.begin);
    }
    if (const auto it = file.metadata.find(checksum_key); it != file.metadata.end()) {
      verify_checksums(it->second, file);
      file.metadata.erase(it);
      file.checksummed = true;
    }
    return file;
  }

 private:
  template <class... A>
  [[noreturn]] void bad(A&&... a) const {
    fail<FormatError>("safetensors: ", path_, ": ", std::forward<A>(a)...);
  }

  // Every tensor against the CRC-32 written with it, and no checksum without its tensor.
  void verify_checksums(const std::string& text, const TensorFile& file) const {
    json::Value sums;
    try {
      sums = json::parse(text);
    } catch (const Error& e) {
      bad("the tensors' checksums (metadata \"", checksum_key, "\") are not valid JSON: ", e.what());
    }
    if (!sums.is_object())
      bad("the tensors' checksums (metadata \"", checksum_key, "\") must be a JSON object, found ", sums.kind_name());
    for (const auto& [name, sum] : sums.as_object())
      if (!file.contains(name))
        bad("the checksums name a tensor '", name, "' that the file does not have (the file was changed after "
            "it was written)");
    for (const auto& [name, e] : file.tensors) {
      const json::Value* sum = sums.find(name);
      if (!sum) bad("tensor '", name, "' has no checksum (the file was changed after it was written)");
      if (!sum->is_string()) bad("the checksum of tensor '", name, "' must be a string, found ", sum->kind_name());
      const std::string actual = crc32_hex(e.bytes);
      if (sum->as_string() != actual)
        bad("tensor '", name, "' does not match the checksum written with it (CRC-32 ", sum->as_string(),
            ", its bytes give ", actual, "): the file was changed or damaged after it was written");
    }
  }

  void read_at(void* dst, std::size_t count, uint64_t offset) const {
    char* p = static_cast<char*>(dst);
    while (count > 0) {
      const ssize_t r = ::pread(fd_, p, count, static_cast<off_t>(offset));
      if (r < 0) {
        if (errno == EINTR) continue;
        bad("cannot read (", std::strerror(errno), ")");
      }
      if (r == 0) bad("the file ended early (it shrank while being read)");
      p += r;
      count -= static_cast<std::size_t>(r);
      offset += static_cast<uint64_t>(r);
    }
  }

  // Checks one header entry, fills dtype and shape, returns its data_offsets.
  std::pair<uint64_t, uint64_t> parse_entry(const std::string& name, const json::Value& info, TensorEntry& e) const {
    if (!info.is_object())
      bad("tensor '", name, "': expected an object with dtype, shape and data_offsets, found ", info.kind_name());
    const json::Value* dtype = info.find("dtype");
    const json::Value* shape = info.find("shape");
    const json::Value* offsets = info.find("data_offsets");
    for (auto [field, v] : {std::pair{"dtype", dtype}, {"shape", shape}, {"data_offsets", offsets}})
      if (!v) bad("tensor '", name, "' has no \"", field, "\"");

    if (!dtype->is_string()) bad("tensor '", name, "': dtype must be a string, found ", dtype->kind_name());
    const auto d = dtype_from_name(dtype->as_string());
    if (!d) {
      std::string known;
      for (const auto& x : dtype_table) known += (known.empty() ? "" : ", ") + std::string(x.name);
      bad("tensor '", name, "' has unknown dtype \"", dtype->as_string(), "\" (gantry reads ", known, ")");
    }
    e.dtype = *d;

    bool shape_ok = shape->is_array();
    if (shape_ok)
      for (const auto& x : shape->as_array()) shape_ok = shape_ok && x.is_int() && x.as_int() >= 0;
    if (!shape_ok)
      bad("tensor '", name, "': shape must be an array of non-negative integers, found ", json::dump(*shape));
    // The byte count, saturated so that a hostile shape cannot overflow it.
    const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    uint64_t need = dtype_size(e.dtype);
    bool too_large = false;
    for (const auto& x : shape->as_array()) {
      const auto dim = static_cast<uint64_t>(x.as_int());
      e.shape.push_back(x.as_int());
      if (dim != 0 && need > limit / dim) too_large = true;
      else need *= dim;
    }
    if (std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end()) {
      too_large = false;  // an empty tensor, however large its other dimensions
      need = 0;
    }

    bool off_ok = offsets->is_array() && offsets->as_array().size() == 2;
    if (off_ok)
      for (const auto& x : offsets->as_array()) off_ok = off_ok && x.is_int() && x.as_int() >= 0;
    if (off_ok) off_ok = offsets->as_array()[0].as_int() <= offsets->as_array()[1].as_int();
    if (!off_ok)
      bad("tensor '", name, "': data_offsets must be two integers [begin, end] with 0 <= begin <= end, found ",
          json::dump(*offsets));
    const auto begin = static_cast<uint64_t>(offsets->as_array()[0].as_int());
    const auto end = static_cast<uint64_t>(offsets->as_array()[1].as_int());
    if (too_large || need != end - begin)
      bad("tensor '", name, "': data_offsets [", begin, ", ", end, "] hold ", end - begin, " bytes, but dtype ",
          dtype_name(e.dtype), " and shape ", shape_str(e.shape), " need ",
          too_large ? std::string("more than 2^63") : std::to_string(need));
    return {begin, end};
  }

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

inline void check_utf8_name(const std::string& s, const char* what) {
  check<Error>(json::valid_utf8(s), "safetensors: ", what, " is not valid UTF-8");
}

}  // namespace detail

// Reads and checks a whole safetensors file. Throws FormatError naming the file and the problem.
inline TensorFile read_safetensors(const std::string& path) { return detail::SafetensorsReader(path).read(); }

// Writes `file` (its tensors and metadata) to `path`: to `<path>.tmp-<pid>` first, flushed to
// disk, then renamed over `path`; on any error the previous file at `path` is untouched
// (WriteError for the disk, Error for invalid contents, checked before anything is written).
// Tensors are laid out by element size (largest first), then by name, so each one is aligned
// to its element size; the header is padded with spaces to a multiple of 8 bytes.
inline void write_safetensors(const std::string& path, const TensorFile& file) {
  std::vector<const std::pair<const std::string, TensorEntry>*> order;
  for (const auto& kv : file.tensors) {
    const auto& [name, e] = kv;
    check<Error>(!name.empty(), "safetensors: a tensor name must not be empty");
    check<Error>(name != "__metadata__", "safetensors: \"__metadata__\" is reserved and cannot name a tensor");
    detail::check_utf8_name(name, ("tensor name '" + name + "'").c_str());
    for (int64_t d : e.shape)
      check<Error>(d >= 0, "safetensors: tensor '", name, "' has a negative dimension in ", detail::shape_str(e.shape));
    check<Error>(e.bytes.size() == static_cast<std::size_t>(e.numel()) * dtype_size(e.dtype), "safetensors: tensor '",
                 name, "' has ", e.bytes.size(), " bytes, but dtype ", dtype_name(e.dtype), " and shape ",
                 detail::shape_str(e.shape), " need ", static_cast<std::size_t>(e.numel()) * dtype_size(e.dtype));
    order.push_back(&kv);
  }
  for (const auto& [k, v] : file.metadata) {
    detail::check_utf8_name(k, ("metadata key '" + k + "'").c_str());
    detail::check_utf8_name(v, ("the metadata value for '" + k + "'").c_str());
    check<Error>(k != detail::checksum_key, "safetensors: the metadata key '", k,
                 "' is reserved (gantry writes the tensors' checksums there)");
  }
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return dtype_size(a->second.dtype) > dtype_size(b->second.dtype);
  });

  json::Value header = json::Object{};
  json::Object meta;
  for (const auto& [k, v] : file.metadata) meta.emplace_back(k, v);
  if (!file.tensors.empty()) {  // after the caller's metadata
    json::Object sums;
    for (const auto& [name, e] : file.tensors) sums.emplace_back(name, detail::crc32_hex(e.bytes));
    meta.emplace_back(detail::checksum_key, json::dump(json::Value(std::move(sums))));
  }
  if (!meta.empty()) header["__metadata__"] = std::move(meta);
  uint64_t offset = 0;
  for (const auto* kv : order) {
    const TensorEntry& e = kv->second;
    json::Array shape(e.shape.begin(), e.shape.end());
    const uint64_t end = offset + e.bytes.size();
    header.as_object().emplace_back(
        kv->first, json::Object{{"dtype", dtype_name(e.dtype)},
                                {"shape", std::move(shape)},
                                {"data_offsets", json::Array{json::Value(offset), json::Value(end)}}});
    offset = end;
  }
  std::string text = json::dump(header);
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t n = text.size();

  AtomicFile out(path, "safetensors");
  out.write(&n, 8);
  out.write(text.data(), text.size());
  for (const auto* kv : order)
    if (!kv->second.bytes.empty()) out.write(kv->second.bytes.data(), kv->second.bytes.size());
  out.commit();
}

// Writes float or double cpu tensors (stored as F32 or F64) and string metadata.
template <class T>
void write_safetensors(const std::string& path, const std::map<std::string, Tensor<T, cpu>>& tensors,
                       const std::map<std::string, std::string>& metadata = {}) {
  TensorFile file;
  for (const auto& [name, t] : tensors) {
    check<Error>(t.defined(), "safetensors: tensor '", name, "' is undefined (a default-constructed Tensor)");
    file.tensors.emplace(name, TensorEntry::from(t));
  }
  file.metadata = metadata;
  write_safetensors(path, file);
}

// Collects tensors of mixed types, integer tensors and metadata, then writes them in one go.
// The values are copied when added, so later changes to a tensor do not reach the file.
//   SafetensorsWriter w;
//   w.add("G.blocks.0.conv1.weight", weight).add_ints("labels", labels).metadata("step", "1000");
//   w.write("run/checkpoint.safetensors");
class SafetensorsWriter {
 public:
  template <class T, class D>
  SafetensorsWriter& add(const std::string& name, const Tensor<T, D>& t) {
    check<Error>(t.defined(), "safetensors: tensor '", name, "' is undefined (a default-constructed Tensor)");
    return put(name, TensorEntry::from(t));
  }
  SafetensorsWriter& add_ints(const std::string& name, const std::vector<int64_t>& values,
                              std::optional<std::vector<int64_t>> shape = {}) {
    return put(name, TensorEntry::from_ints(values, std::move(shape)));
  }
  SafetensorsWriter& metadata(const std::string& key, const std::string& value) {
    file_.metadata[key] = value;
    return *this;
  }
  // What will be written (a TensorFile, so it can be inspected or read back like one).
  const TensorFile& contents() const { return file_; }
  void write(const std::string& path) const { write_safetensors(path, file_); }

 private:
  SafetensorsWriter& put(const std::string& name, TensorEntry e) {
    check<Error>(file_.tensors.emplace(name, std::move(e)).second, "safetensors: tensor '", name,
                 "' was added twice");
    return *this;
  }
  TensorFile file_;
};

}  // namespace gantry::io
