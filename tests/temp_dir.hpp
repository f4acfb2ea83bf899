#pragma once
// A test's own directory under the system's temporary directory: gantry_<name>_<pid>, empty at
// the start (and created, unless the code under test is to make it, e.g. a run directory),
// removed with everything in it when the test ends.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace gantry_test {

struct TempDir {
  std::filesystem::path path;

  explicit TempDir(const std::string& name, bool create = true)
      : path(std::filesystem::temp_directory_path() / ("gantry_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    if (create) std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string str() const { return path.string(); }
  std::string operator/(const std::string& file) const { return (path / file).string(); }
};

}  // namespace gantry_test
