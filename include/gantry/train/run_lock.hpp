#pragma once
// RunLock: holds an exclusive lock on a run directory while a training writes to it, so a
// second training started in the same directory (by mistake, or from another terminal) stops
// at once with a clear error instead of interleaving checkpoints and logs. The lock is an
// flock() on `<dir>/.lock`, released by the kernel when the process ends in any way, so a
// killed run never leaves a stale lock; the file holds the owner's process id for the message.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "../core/error.hpp"

namespace gantry::train {

class RunDirectoryInUse : public Error {
 public:
  using Error::Error;
};

class RunLock {
 public:
  explicit RunLock(const std::string& dir) : path_((std::filesystem::path(dir) / ".lock").string()) {
    std::filesystem::create_directories(dir);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    check(fd_ >= 0, "cannot create ", path_, ": ", std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      std::string owner(32, '\0');
      const ssize_t n = ::pread(fd_, owner.data(), owner.size(), 0);
      owner.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!owner.empty() && (owner.back() == '\n' || owner.back() == '\0')) owner.pop_back();
      ::close(fd_);
      fd_ = -1;
      if (err == EWOULDBLOCK)
        fail<RunDirectoryInUse>(dir, " is in use by a training that is still running (process ",
                                owner.empty() ? std::string("unknown") : owner,
                                "); wait for it to end, stop it (Ctrl-C saves a checkpoint), or choose another output directory");
      fail<Error>("cannot lock ", path_, ": ", std::strerror(err));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
  }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  RunLock(RunLock&& o) noexcept : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)) {}
  ~RunLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays (harmless, reused)
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace gantry::train
