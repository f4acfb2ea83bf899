#pragma once
// StopRequest: while one is alive, SIGINT (Ctrl-C) and SIGTERM (kill, a scheduler's stop)
// do not kill the process; they set a flag that the trainer reads after each step, so a run
// finishes the step, writes its checkpoint and returns. A second signal of either kind while
// the first is pending kills the process as usual (for a run that cannot reach the end of
// its step). The previous handlers come back when the StopRequest is destroyed.
#include <csignal>

namespace gantry::train {

class StopRequest {
 public:
  StopRequest() {
    received_ = 0;
    struct sigaction sa {};
    sa.sa_handler = &StopRequest::on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;  // the second signal gets the default action
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  StopRequest(const StopRequest&) = delete;
  StopRequest& operator=(const StopRequest&) = delete;
  ~StopRequest() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

  // The signal that asked the run to stop (SIGINT or SIGTERM), or 0.
  static int signal() { return received_; }

 private:
  static void on_signal(int sig) {
    received_ = sig;
    // SA_RESETHAND reset only the signal that arrived; make the other one kill as well.
    std::signal(sig == SIGINT ? SIGTERM : SIGINT, SIG_DFL);
  }
  static inline volatile std::sig_atomic_t received_ = 0;
  struct sigaction old_int_ {}, old_term_ {};
};

}  // namespace gantry::train
