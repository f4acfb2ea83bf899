#pragma once
// A training progress bar:
//   label 123/1000 [=====>    ] 12.3 it/s ETA 1:11 d_loss 0.53 g_loss 1.20
// On a terminal it is redrawn in place (\r) at most every `min_interval` seconds; written
// to a file or pipe (a batch job's log) it prints plain lines every `line_every` steps,
// since \r-redraws would fill such a log with thousands of partial lines.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace gantry::train {

using Metrics = std::vector<std::pair<std::string, double>>;

enum class ProgressMode { automatic, terminal, lines };

struct ProgressOptions {
  std::ostream* out = &std::cerr;
  // automatic: terminal when `out` is std::cerr and stderr is a terminal, else lines.
  ProgressMode mode = ProgressMode::automatic;
  int64_t line_every = 0;     // lines mode: every this many steps (0: total / 20)
  double min_interval = 0.1;  // terminal mode: seconds between redraws
  int bar_width = 30;
  int64_t start = 0;                // first step (a resumed run); the rate counts from it
  std::function<double()> clock{};  // seconds; a steady clock when empty (tests inject one)
};

class Progress {
 public:
  using Mode = ProgressMode;
  using Options = ProgressOptions;

  Progress(int64_t total, std::string label, Options opt = {})
      : total_(std::max<int64_t>(total, 1)), label_(std::move(label)), opt_(std::move(opt)) {
    if (!opt_.clock) {
      const auto t0 = std::chrono::steady_clock::now();
      opt_.clock = [t0] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    }
    if (opt_.mode == Mode::automatic)
      opt_.mode = (opt_.out == &std::cerr && ::isatty(STDERR_FILENO)) ? Mode::terminal : Mode::lines;
    if (opt_.line_every <= 0) opt_.line_every = std::max<int64_t>(1, total_ / 20);
    start_time_ = opt_.clock();
    step_ = opt_.start;
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() { finish(); }

  Mode mode() const { return opt_.mode; }

  // `step` steps are done; shows `metrics` (the latest losses) after the rate.
  void update(int64_t step, const Metrics& metrics = {}) {
    step_ = step;
    metrics_ = metrics;
    const double now = opt_.clock();
    if (opt_.mode == Mode::terminal) {
      if (step_ < total_ && drawn_ && now - last_draw_ < opt_.min_interval) return;
      *opt_.out << '\r' << render(step_, now - start_time_, metrics_) << "\x1b[K" << std::flush;
      drawn_ = true;
      last_draw_ = now;
    } else if (step_ % opt_.line_every == 0 || step_ >= total_) {
      *opt_.out << render(step_, now - start_time_, metrics_) << '\n' << std::flush;
      printed_step_ = step_;
    }
  }
  // One more step done.
  void tick(const Metrics& metrics = {}) { update(step_ + 1, metrics); }

  // Draws the final state and ends the line. Called by the destructor.
  void finish() {
    if (finished_) return;
    finished_ = true;
    const double now = opt_.clock();
    if (opt_.mode == Mode::terminal) {
      if (drawn_) *opt_.out << '\r' << render(step_, now - start_time_, metrics_) << "\x1b[K\n" << std::flush;
    } else if (printed_step_ != step_ && step_ > opt_.start) {
      *opt_.out << render(step_, now - start_time_, metrics_) << '\n' << std::flush;
    }
  }

  // The bar's text after `elapsed` seconds at `step` (no \r, no newline).
  std::string render(int64_t step, double elapsed, const Metrics& metrics) const {
    std::string s = label_.empty() ? "" : label_ + " ";
    s += std::to_string(step) + "/" + std::to_string(total_) + " [";
    const int w = opt_.bar_width;
    const int filled = static_cast<int>(std::clamp<int64_t>(step, 0, total_) * w / total_);
    s.append(static_cast<std::size_t>(filled), '=');
    if (filled < w) {
      s += '>';
      s.append(static_cast<std::size_t>(w - filled - 1), ' ');
    }
    s += "] ";
    const double done = static_cast<double>(step - opt_.start);
    const double rate = elapsed > 0 ? done / elapsed : 0.0;
    char buf[64];
    std::snprintf(buf, sizeof buf, rate >= 100 ? "%.0f it/s" : "%.1f it/s", rate);
    s += buf;
    s += " ETA ";
    s += rate > 0 ? duration(static_cast<double>(total_ - std::min(step, total_)) / rate) : "--:--";
    for (const auto& [k, v] : metrics) {
      s += ' ' + k + ' ';
      s += number(v);
    }
    return s;
  }

  // m:ss, or h:mm:ss from an hour on.
  static std::string duration(double seconds) {
    const int64_t t = static_cast<int64_t>(std::llround(std::max(seconds, 0.0)));
    char buf[32];
    if (t >= 3600)
      std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(t / 3600), (long long)(t / 60 % 60),
                    (long long)(t % 60));
    else
      std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)(t / 60), (long long)(t % 60));
    return buf;
  }

  // Two decimals for the usual loss magnitudes; exponent form for tiny or huge values.
  static std::string number(double v) {
    char buf[32];
    const double a = std::fabs(v);
    std::snprintf(buf, sizeof buf, (a != 0 && (a < 0.01 || a >= 1e5)) ? "%.2e" : "%.2f", v);
    return buf;
  }

 private:
  int64_t total_;
  std::string label_;
  Options opt_;
  int64_t step_ = 0, printed_step_ = -1;
  double start_time_ = 0, last_draw_ = 0;
  bool drawn_ = false, finished_ = false;
  Metrics metrics_;
};

}  // namespace gantry::train
