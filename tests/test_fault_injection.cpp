// Faults while a checkpoint is written: a process killed (SIGKILL) at random moments of a
// write, and a full disk (RLIMIT_FSIZE), must leave the previous checkpoint loadable and
// byte-identical (io/atomic_file.hpp: a temporary file, fsync, rename), and so must a run
// directory that cannot be written (read-only). The divergence case
// (NaN at step k) and the run lock are in test_trainer.cpp.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "gantry/core/philox.hpp"
#include "gantry/io/safetensors.hpp"
#include "gantry/train/run_lock.hpp"

using namespace gantry;
namespace fs = std::filesystem;

namespace {

// A checkpoint-sized file (4 tensors, 16 MB), its values from `seed`.
io::TensorFile checkpoint(std::uint64_t seed) {
  io::TensorFile f;
  Rng rng(seed);
  for (int i = 0; i < 4; ++i) {
    std::vector<float> v(1 << 20);
    for (float& x : v) x = static_cast<float>(rng.uniform());
    f.tensors["G.blocks." + std::to_string(i) + ".weight"] = io::TensorEntry::from(Tensor<float, cpu>::from(v));
  }
  f.metadata["seed"] = std::to_string(seed);
  return f;
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

fs::path scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("gantry_fault_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

int temporary_files(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().find(".tmp-") != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("a process killed at random moments while writing leaves the old checkpoint or the new one, byte for byte") {
  const fs::path dir = scratch("kill");
  const std::string path = (dir / "checkpoint.safetensors").string();
  const io::TensorFile a = checkpoint(1), b = checkpoint(2);
  io::write_safetensors((dir / "a.ref").string(), a);
  io::write_safetensors((dir / "b.ref").string(), b);
  const std::string ref_a = bytes_of((dir / "a.ref").string()), ref_b = bytes_of((dir / "b.ref").string());
  REQUIRE(ref_a != ref_b);

  Rng delays(7);
  int mid_write = 0, as_a = 0, as_b = 0;
  constexpr int trials = 24;
  for (int t = 0; t < trials; ++t) {
    io::write_safetensors(path, a);  // the old checkpoint; the child writes the new one (and the old again)
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // writes B and A over the checkpoint until it is killed
      for (;;) {
        io::write_safetensors(path, b);
        io::write_safetensors(path, a);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(1000 + delays.uniform() * 80000)));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    // The checkpoint is one of the two complete files, and it loads (its checksums hold).
    const std::string now = bytes_of(path);
    const bool is_a = now == ref_a, is_b = now == ref_b;
    CHECK_MESSAGE((is_a || is_b), "trial ", t, ": the checkpoint is neither version (", now.size(), " bytes)");
    as_a += is_a;
    as_b += is_b;
    CHECK(io::read_safetensors(path).checksummed);
    // A kill in the middle of a write leaves its temporary file; the checkpoint is untouched.
    const int tmp = temporary_files(dir);
    mid_write += tmp > 0;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().filename().string().find(".tmp-") != std::string::npos) fs::remove(e.path());
  }
  MESSAGE(trials, " kills: ", mid_write, " in the middle of a write; the checkpoint was A ", as_a, " times, B ", as_b,
          " times");
  CHECK(mid_write >= trials / 4);  // the kills did land inside writes
  CHECK(as_a + as_b == trials);
  fs::remove_all(dir);
}

TEST_CASE("a full disk (RLIMIT_FSIZE) is a clear error, and the previous checkpoint stays as it was") {
  const fs::path dir = scratch("full");
  const std::string path = (dir / "checkpoint.safetensors").string();
  io::write_safetensors(path, checkpoint(1));
  const std::string before = bytes_of(path);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // a 1 MB file-size limit, then a 16 MB checkpoint
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{1 << 20, 1 << 20};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(3);
    try {
      io::write_safetensors(path, checkpoint(2));
    } catch (const io::WriteError& e) {
      const std::string m = e.what();
      const bool clear = m.find("File too large") != std::string::npos &&
                         m.find(path + " is unchanged") != std::string::npos;
      ::_exit(clear ? 0 : 2);
    }
    ::_exit(1);  // written despite the limit
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK_MESSAGE(WEXITSTATUS(status) == 0, "exit ", WEXITSTATUS(status),
                " (1: written despite the limit, 2: a WriteError without the reason or the promise, 3: no limit)");
  CHECK(bytes_of(path) == before);
  CHECK(temporary_files(dir) == 0);  // the partial temporary file was removed
  CHECK(io::read_safetensors(path).metadata.at("seed") == "1");
  fs::remove_all(dir);
}

// `chattr +i|-i DIR`: the immutable attribute; false where it cannot be set.
bool set_immutable(const fs::path& dir, bool on) {
  std::string cmd = on ? "chattr +i '" : "chattr -i '";
  cmd += dir.string();
  cmd += "' 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

TEST_CASE("a read-only run directory is a clear error, and its checkpoint stays as it was") {
  const fs::path dir = scratch("readonly");
  const std::string path = (dir / "checkpoint.safetensors").string();
  io::write_safetensors(path, checkpoint(1));
  const std::string before = bytes_of(path);
  // Permissions do not stop root (CI runs as root); the immutable attribute does, where the
  // file system has it (ext4 here).
  if (!set_immutable(dir, true)) {
    MESSAGE("skipped: chattr +i is not available here (not root, or a file system without it)");
    fs::remove_all(dir);
    return;
  }
  std::string write_error = "(written)", lock_error = "(locked)";
  try {
    io::write_safetensors(path, checkpoint(2));
  } catch (const io::WriteError& e) {
    write_error = e.what();
  }
  try {
    train::RunLock lock(dir.string());
  } catch (const Error& e) {
    lock_error = e.what();
  }
  const int leftovers = temporary_files(dir);
  REQUIRE(set_immutable(dir, false));
  CHECK_MESSAGE(write_error.find("Operation not permitted") != std::string::npos, write_error);
  CHECK_MESSAGE(write_error.find(path + " is unchanged") != std::string::npos, write_error);
  CHECK_MESSAGE(lock_error.find("cannot create " + (dir / ".lock").string()) != std::string::npos, lock_error);
  CHECK(bytes_of(path) == before);
  CHECK(leftovers == 0);
  fs::remove_all(dir);
}
