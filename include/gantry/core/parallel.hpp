#pragma once
// A small persistent thread pool. parallel_for splits [begin, end) into one contiguous
// chunk per thread, always the same way for the same thread count, so results are
// reproducible bit for bit. Calls from inside a worker run serially (no nesting).
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gantry {

namespace detail {

inline int default_threads() {
  if (const char* s = std::getenv("GANTRY_NUM_THREADS")) {
    const int n = std::atoi(s);
    if (n > 0) return n;
  }
  const unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

inline thread_local bool in_worker = false;

class ThreadPool {
 public:
  static ThreadPool& instance() {
    static ThreadPool* p = new ThreadPool(default_threads());  // leaked on purpose: no join at exit
    return *p;
  }

  int threads() const { return nthreads_; }

  void resize(int n) {
    std::lock_guard<std::mutex> run_lock(run_mu_);
    stop_workers();
    nthreads_ = std::max(1, n);
    start_workers();
  }

  // Runs fn(t) for t in [0, tasks) on the pool; the caller runs task 0.
  void run(int tasks, const std::function<void(int)>& fn) {
    if (tasks <= 1 || in_worker) {
      for (int t = 0; t < tasks; ++t) fn(t);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &fn;
      tasks_ = tasks;
      next_ = 1;
      pending_ = tasks - 1;
      ++generation_;
    }
    cv_.notify_all();
    in_worker = true;
    fn(0);
    in_worker = false;
    std::unique_lock<std::mutex> lock(mu_);
    // Help with leftover tasks (when tasks > workers + 1), then wait for the rest.
    while (next_ < tasks_) {
      int t = next_++;
      lock.unlock();
      in_worker = true;
      fn(t);
      in_worker = false;
      lock.lock();
      --pending_;
    }
    done_cv_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  explicit ThreadPool(int n) : nthreads_(std::max(1, n)) { start_workers(); }

  void start_workers() {
    quit_ = false;
    for (int i = 1; i < nthreads_; ++i) workers_.emplace_back([this] { loop(); });
  }
  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void loop() {
    in_worker = true;
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return quit_ || (generation_ != seen && next_ < tasks_); });
      if (quit_) return;
      while (job_ && next_ < tasks_) {
        int t = next_++;
        const auto* job = job_;
        lock.unlock();
        (*job)(t);
        lock.lock();
        if (--pending_ == 0) done_cv_.notify_one();
      }
      seen = generation_;
    }
  }

  int nthreads_;
  std::vector<std::thread> workers_;
  std::mutex run_mu_, mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  int tasks_ = 0, next_ = 0, pending_ = 0;
  std::uint64_t generation_ = 0;
  bool quit_ = false;
};

}  // namespace detail

// Number of threads CPU kernels use (default: GANTRY_NUM_THREADS or all cores).
inline int num_threads() { return detail::ThreadPool::instance().threads(); }
inline void set_num_threads(int n) { detail::ThreadPool::instance().resize(n); }

// Calls fn(lo, hi) on disjoint chunks covering [begin, end). Chunks are never smaller
// than `grain` elements, so small loops stay on one thread.
template <class F>
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain, F&& fn) {
  const std::int64_t n = end - begin;
  if (n <= 0) return;
  grain = std::max<std::int64_t>(grain, 1);
  const int tasks = static_cast<int>(std::min<std::int64_t>(num_threads(), (n + grain - 1) / grain));
  if (tasks <= 1 || detail::in_worker) {
    fn(begin, end);
    return;
  }
  const std::function<void(int)> job = [&](int t) {
    const std::int64_t lo = begin + n * t / tasks, hi = begin + n * (t + 1) / tasks;
    if (lo < hi) fn(lo, hi);
  };
  detail::ThreadPool::instance().run(tasks, job);
}

}  // namespace gantry
