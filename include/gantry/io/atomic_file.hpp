#pragma once
// AtomicFile: writes `<path>.tmp-<pid>` in the target's directory, flushes it to disk and
// renames it over `path`. rename() within one directory is atomic on POSIX, so a reader (or
// a run resumed after a crash) sees either the old file or the complete new one, never a
// half-written file. Destroying an AtomicFile that was not committed removes the temporary.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "../core/error.hpp"

namespace gantry::io {

// A file that could not be written. The file at the target path is unchanged.
class WriteError : public Error {
 public:
  using Error::Error;
};

class AtomicFile {
 public:
  // `who` prefixes error messages ("safetensors").
  AtomicFile(std::string path, std::string who)
      : path_(std::move(path)), who_(std::move(who)), tmp_(path_ + ".tmp-" + std::to_string(::getpid())) {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) {
      removed_ = true;  // nothing of ours to remove
      failed("cannot create " + tmp_);
    }
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() { discard(); }

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return tmp_; }

  void write(const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        failed("cannot write " + tmp_);
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }

  // Flushes the data to disk, then replaces `path` with it.
  void commit() {
    if (::fsync(fd_) != 0) failed("cannot flush " + tmp_);
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) failed("cannot close " + tmp_);
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) failed("cannot rename " + tmp_ + " to " + path_);
    committed_ = true;
    // Make the rename itself durable. The new file is in place already, so a failure here
    // is not reported: the caller's data is written either way.
    const std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }

 private:
  void discard() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    if (!committed_ && !removed_) {
      ::unlink(tmp_.c_str());
      removed_ = true;
    }
  }
  [[noreturn]] void failed(const std::string& what) {
    const int err = errno;
    discard();
    fail<WriteError>(who_, ": cannot write ", path_, ": ", what, " (", std::strerror(err), "); ", path_,
                     " is unchanged");
  }

  std::string path_, who_, tmp_;
  int fd_ = -1;
  bool committed_ = false, removed_ = false;
};

}  // namespace gantry::io
