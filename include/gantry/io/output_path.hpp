#pragma once
// What an existing file is, judged by its first bytes, and whether a program may write over
// it: a command asked to write a picture must not replace a checkpoint or a log that a user
// passed by mistake, and must not replace even a picture unless asked to (`force`).
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace gantry::io {

enum class FileKind { missing, directory, png, jpeg, safetensors, json_lines, other };

inline const char* describe(FileKind k) {
  switch (k) {
    case FileKind::missing: return "nothing";
    case FileKind::directory: return "a directory";
    case FileKind::png: return "a PNG image";
    case FileKind::jpeg: return "a JPEG image";
    case FileKind::safetensors: return "a safetensors file (a checkpoint or weights)";
    case FileKind::json_lines: return "a JSON or JSON-lines file (a training log?)";
    case FileKind::other: break;
  }
  return "a file of another kind";
}

// The kind of what is at `path`, from its first bytes (not its name).
inline FileKind file_kind(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || st.type() == fs::file_type::not_found) return FileKind::missing;
  if (fs::is_directory(st)) return FileKind::directory;
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 16> b{};
  in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
  const std::streamsize n = in.gcount();
  static constexpr unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n >= 8 && std::memcmp(b.data(), png_magic, 8) == 0) return FileKind::png;
  if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return FileKind::jpeg;
  // safetensors: a little-endian u64 header length, then the JSON header.
  if (n >= 9 && b[8] == '{' && b[6] == 0 && b[7] == 0) return FileKind::safetensors;
  for (std::streamsize i = 0; i < n; ++i) {
    if (b[static_cast<std::size_t>(i)] == ' ' || b[static_cast<std::size_t>(i)] == '\n') continue;
    return b[static_cast<std::size_t>(i)] == '{' || b[static_cast<std::size_t>(i)] == '[' ? FileKind::json_lines
                                                                                          : FileKind::other;
  }
  return FileKind::other;  // an empty file
}

// Why `path` must not be written as a file of kind `kind`, or "" when it may: it does not
// exist, or it is of that kind and `force` is set. An existing file of another kind is never
// replaced, with or without `force`.
inline std::string overwrite_problem(const std::string& path, FileKind kind, bool force) {
  const FileKind found = file_kind(path);
  if (found == FileKind::missing) return "";
  if (found != kind)
    return path + " exists and is " + describe(found) + ", not " + describe(kind) +
           "; refusing to replace it (choose another path)";
  if (!force) return path + " exists (" + describe(found) + "); refusing to replace it without --force";
  return "";
}

}  // namespace gantry::io
