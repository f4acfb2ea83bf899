#pragma once
// JSONL training logs: one JSON object per line ({"step": 10, "d_loss": 0.5, ...}).
//
// Each record is appended with a single write() on an O_APPEND descriptor, so it reaches
// the kernel whole before write() returns (nothing sits in a user-space buffer when the
// process dies) and a concurrent reader sees whole lines. Rewriting the file atomically
// per line (AtomicFile) would cost O(size) per record; AtomicFile is used where the file
// is rewritten: truncating a log back to a checkpoint's step on resume.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "atomic_file.hpp"
#include "json.hpp"

namespace gantry::io {

// The records of a JSONL file. An unterminated last line (a record cut short by a crash)
// is ignored; any other malformed line throws json::ParseError naming the line.
inline std::vector<json::Value> read_jsonl(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  check<Error>(bool(f), "read_jsonl: cannot open ", path);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<json::Value> out;
  std::size_t pos = 0;
  int64_t line = 0;
  for (std::size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    ++line;
    const std::string_view s(text.data() + pos, nl - pos);
    if (s.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      out.push_back(json::parse(s));
    } catch (const json::ParseError& e) {
      throw json::ParseError(gantry::detail::concat(path, " line ", line, ": ", e.reason()), e.offset());
    }
  }
  return out;
}

struct JsonlOptions {
  // Start a new log, replacing an existing file. Off by default: reopening a run's log
  // appends to it.
  bool truncate = false;
  // When resuming from a checkpoint at this step: drop the records whose "step" is
  // greater (written after the checkpoint by the interrupted run), so the resumed run's
  // records do not duplicate them.
  std::optional<int64_t> resume_step;
};

class JsonlLog {
 public:
  explicit JsonlLog(std::string path, JsonlOptions opt = {}) : path_(std::move(path)) {
    if (opt.resume_step && !opt.truncate && ::access(path_.c_str(), F_OK) == 0) keep_up_to(*opt.resume_step);
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
    if (opt.truncate) flags |= O_TRUNC;
    fd_ = ::open(path_.c_str(), flags, 0666);
    check<WriteError>(fd_ >= 0, "JsonlLog: cannot open ", path_, " (", std::strerror(errno), ")");
    if (!opt.truncate) end_partial_line();
  }
  JsonlLog(const JsonlLog&) = delete;
  JsonlLog& operator=(const JsonlLog&) = delete;
  JsonlLog(JsonlLog&& o) noexcept : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)) {}
  ~JsonlLog() {
    if (fd_ >= 0) ::close(fd_);
  }

  const std::string& path() const { return path_; }

  // Appends one record: log.write({{"step", 10}, {"d_loss", 0.5}}). A non-finite number
  // (a diverged loss) is written as null: JSON has no NaN, and the record is still wanted.
  void write(json::Object record) {
    for (auto& [k, v] : record)
      if (v.kind() == json::Value::Kind::number && !std::isfinite(v.as_double())) v = nullptr;
    std::string line = json::dump(json::Value(std::move(record)));
    line += '\n';
    const char* p = line.data();
    std::size_t n = line.size();
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      check<WriteError>(w >= 0, "JsonlLog: cannot write ", path_, " (", std::strerror(errno), ")");
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }

 private:
  // A crash can leave a last line without its newline; end it so the next record starts
  // on its own line (readers skip the broken one only when it is last, so drop it).
  void end_partial_line() {
    std::ifstream f(path_, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (text.empty() || text.back() == '\n') return;
    const std::size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    check<WriteError>(::ftruncate(fd_, static_cast<off_t>(keep)) == 0, "JsonlLog: cannot truncate ", path_);
  }

  void keep_up_to(int64_t step) {
    std::ifstream f(path_, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::string kept;
    std::size_t pos = 0;
    for (std::size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      const std::string_view s(text.data() + pos, nl - pos);
      bool keep = true;
      try {
        const json::Value v = json::parse(s);
        if (const json::Value* st = v.is_object() ? v.find("step") : nullptr; st && st->is_number())
          keep = st->as_double() <= static_cast<double>(step);
      } catch (const json::ParseError&) {
        // Not a record (blank or foreign line): keep it as it is.
      }
      if (keep) kept.append(s).append("\n");
    }
    AtomicFile out(path_, "JsonlLog");
    out.write(kept.data(), kept.size());
    out.commit();
  }

  std::string path_;
  int fd_ = -1;
};

}  // namespace gantry::io
