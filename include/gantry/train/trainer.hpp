#pragma once
// The training loop, one for every model. A model (models/wgan_gp.hpp, models/wgan.hpp, ...)
// is a step policy over a NetPair `nets`:
//   static name; hyper(); batch_size(); d_steps(g_step); set_step(g_step);
//   d_step(span<const data::Batch>, Rng&) -> StepLosses; g_step(accumulate, Rng&) -> StepLosses;
//   sample(z, labels); checkpoint_parts(f)
// or a translator (models/translation.hpp: CycleGAN, CSGAN) with `joint_step`:
//   static name; hyper(); set_step(step); step(span<const data::Batch>, Rng&) -> StepLosses;
//   preview() (the pictures: translations of the images given to set_preview, else of the
//   run's first batch; preview_columns per row); checkpoint_parts(f)
// and the data is a data::Loader, data::PairLoader or data::ToyStream (next / state / restore).
// train::fit(model, data, options) runs one (fit(model, images, options) makes the loader).
//
// Each iteration runs model.d_steps(step) critic steps (each on `accumulate` micro-batches)
// and one generator step (a translator: one joint step on `accumulate` micro-batches). A run
// directory holds:
//   checkpoint.safetensors   the latest checkpoint (train/checkpoint.hpp), replaced atomically
//   log.jsonl                one record per log_every steps: step, seconds, losses, lr; evals
//   samples/step_NNNNNNN.png sample grids (or 2-D scatter plots) from a fixed noise batch
//   samples.png, losses.png  the latest grid and the loss curves
// A new run refuses a directory that already holds one (unless asked to `restart` it);
// resume continues it bit for bit (same seed, thread count and build), or starts it again
// from step 0 when it stopped before its first checkpoint. A directory is locked while a run
// trains in it (run_lock.hpp). SIGINT / SIGTERM finish the current step, write a checkpoint
// and return (TrainResult::stopped_by); a NaN or infinite loss stops the run with
// TrainingDiverged, leaving the last good checkpoint as it was and naming it.
//
// Data-parallel (TrainerOptions::group; G/D pairs and translators): every process runs this
// loop with the same options and data; each takes its rows of every batch and the step
// averages gradients over them, so N processes train what one process with the whole batch
// trains (up to rounding; batch norm per process unless sync_batch_norm). They check at the start that they agree (version,
// model, hyper-parameters, settings, data, starting weights); rank 0 alone locks and writes
// the run directory, and a resume reads its checkpoint on every rank.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <csignal>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/factories.hpp"
#include "../core/hash.hpp"
#include "../core/philox.hpp"
#include "../core/process_group.hpp"
#include "../core/version.hpp"
#include "../data/loader.hpp"
#include "../io/grid.hpp"
#include "../io/json.hpp"
#include "../io/jsonl_log.hpp"
#include "../io/plot.hpp"
#include "../models/data_parallel.hpp"
#include "../models/hyper.hpp"
#include "../models/step_losses.hpp"
#include "checkpoint.hpp"
#include "interrupt.hpp"
#include "progress.hpp"
#include "run_lock.hpp"

namespace gantry::train {

class TrainingDiverged : public Error {
 public:
  using Error::Error;
};

struct TrainerOptions {
  int64_t steps = 1000;  // generator steps in all (a resumed run continues up to this)
  std::string out_dir;
  std::uint64_t seed = 0;
  int accumulate = 1;            // micro-batches per step (gradient accumulation)
  int64_t log_every = 10;        // JSONL records
  int64_t sample_every = 0;      // sample pictures (0: at the end only)
  int64_t checkpoint_every = -1;  // checkpoints (0: at the end only; -1: auto_checkpoint_every)
  int64_t eval_every = 0;        // the evaluate hook (0: at the end only, when set)
  int64_t samples = 64;          // pictures show this many (rounded to whole rows per class)
  bool resume = false;
  bool restart = false;          // discard the run already in out_dir (its checkpoint, log, pictures)
  bool stop_on_signals = true;   // SIGINT / SIGTERM: checkpoint after the current step and return
  bool show_progress = true;
  ProgressOptions progress{};
  // Data-parallel training (core/process_group.hpp; distributed/mpi.hpp): the processes that
  // train together, each on its rows of every batch (the loader's batch is all ranks'
  // together, so it must divide by their number). Rank 0 alone writes the checkpoint, the
  // log and the pictures and runs the evaluations; resuming reads out_dir's checkpoint on
  // every rank. Null: one process.
  const ProcessGroup* group = nullptr;
  bool sync_batch_norm = false;  // batch statistics over all ranks' rows (else each rank's own)
};

// The default checkpoint interval: about 20 checkpoints a run, at least every 500 steps, so
// a crash or a kill costs at most a twentieth of the run.
inline int64_t auto_checkpoint_every(int64_t steps) { return std::clamp<int64_t>(steps / 20, 1, 500); }

// The file that shows a run already lives in `dir` (its checkpoint, else its log), if any: a new
// run there must resume it, restart it or go elsewhere (the command line checks this up front).
inline std::optional<std::string> existing_run_file(const std::string& dir) {
  for (const char* name : {"checkpoint.safetensors", "log.jsonl"}) {
    const std::string p = (std::filesystem::path(dir) / name).string();
    if (std::filesystem::exists(p)) return p;
  }
  return std::nullopt;
}

// Streams derived from the run's seed, so init, noise and data never share counters.
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
enum SeedStream : std::uint64_t { init_stream = 0, noise_stream = 1, data_stream = 2, sample_stream = 3 };

struct TrainResult {
  int64_t step = 0;
  double seconds = 0;
  Metrics last;  // the last step's losses (and the last evaluation)
  std::string checkpoint;
  int stopped_by = 0;  // the signal (SIGINT, SIGTERM) that stopped the run early, or 0
};

namespace detail {
// Classes of a G/D pair's generator (0 for a translator: it has none).
template <class Model>
constexpr int model_classes() {
  if constexpr (requires { Model::joint_step; })
    return 0;
  else
    return Model::Pair::num_classes;
}
}  // namespace detail

template <class Model, class Data>
class Trainer {
 public:
  // `run_config` is what the program needs to rebuild this run (data set, net, ...); it is
  // stored in every checkpoint and a resume must pass the same.
  Trainer(Model& model, Data& data, TrainerOptions opt, io::json::Value run_config = io::json::Object{})
      : model_(model), data_(data), opt_(std::move(opt)), run_(std::move(run_config)) {
    check(!opt_.out_dir.empty(), "Trainer: out_dir is empty");
    check(opt_.steps >= 1, "Trainer: steps must be >= 1, found ", opt_.steps);
    check(opt_.accumulate >= 1, "Trainer: accumulate must be >= 1, found ", opt_.accumulate);
    check(opt_.log_every >= 1, "Trainer: log_every must be >= 1, found ", opt_.log_every);
    check(!(opt_.resume && opt_.restart), "Trainer: resume and restart exclude each other");
    if (opt_.checkpoint_every < 0) opt_.checkpoint_every = auto_checkpoint_every(opt_.steps);
    if (group_size(opt_.group) > 1) parallel().set_group(opt_.group, opt_.sync_batch_norm);
    // early, before a caller spends time on anything else
    all_ranks([&] {
      if (!opt_.resume && !opt_.restart && lead()) refuse_used_dir();
    });
  }

  // Extra numbers every eval_every steps and at the end (e.g. FD), logged and shown.
  std::function<Metrics(Model&, int64_t step)> evaluate;
  // Real points drawn next to generated ones when the samples are 2-D (toy data).
  Tensor<float, cpu> reference_points;

  std::string checkpoint_path() const { return path("checkpoint.safetensors"); }
  std::string log_path() const { return path("log.jsonl"); }

  TrainResult run() {
    namespace fs = std::filesystem;
    std::optional<RunLock> lock;  // (creates the directory) held until the run returns or throws
    int64_t step = 0;
    Rng rng(derive_seed(opt_.seed, noise_stream));
    std::optional<int64_t> resume_step;
    bool resume = opt_.resume;
    all_ranks([&] {
      if (lead()) lock.emplace(opt_.out_dir);
    });
    check_ranks_agree(opt_.group, "gantry's version", version);
    check_ranks_agree(opt_.group, "the model", Model::name);
    check_ranks_agree(opt_.group, "the hyper-parameters", io::json::dump(models::hyper_to_json(model_.hyper())));
    check_ranks_agree(opt_.group, "the run's settings", io::json::dump(run_));
    check_ranks_agree(opt_.group, "the trainer's steps, seed, accumulation, resume and restart",
                      std::to_string(opt_.steps) + " " + std::to_string(opt_.seed) + " " +
                          std::to_string(opt_.accumulate) + " " + std::to_string(opt_.resume) + " " +
                          std::to_string(opt_.restart) + " " + std::to_string(opt_.sync_batch_norm));
    // Rank 0 decides what the run continues from (its file system holds the run) ...
    all_ranks([&] {
      if (lead()) resume = prepare_dir(resume);
    });
    resume = agreed_flag(resume);
    // ... and every rank loads the checkpoint (out_dir must be visible to all of them).
    if (resume) all_ranks([&] { load(step, rng, resume_step); });
    if (group_size(opt_.group) > 1) {
      check_ranks_agree(opt_.group, "the data (its size and the loader's state)", data_digest());
      check_ranks_agree(opt_.group, "the model's starting weights (a hash of its nets' state)", state_hash());
    }
    std::optional<io::JsonlLog> log;
    if (lead()) log.emplace(log_path(), io::JsonlOptions{.truncate = !resume, .resume_step = resume_step});
    std::optional<StopRequest> stop;
    if (opt_.stop_on_signals) stop.emplace();

    ProgressOptions popt = opt_.progress;
    popt.start = step;
    std::ostringstream sink;
    if (!opt_.show_progress || !lead()) popt.out = &sink, popt.mode = ProgressMode::lines;
    Progress progress(opt_.steps, Model::name, popt);

    const auto t0 = std::chrono::steady_clock::now();
    const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    TrainResult result;
    std::vector<data::Batch> micro(static_cast<std::size_t>(opt_.accumulate));
    while (step < opt_.steps) {
      model_.set_step(step);
      Metrics losses;
      if constexpr (joint) {
        for (auto& b : micro) b = data_.next();
        if (!model_.has_preview()) model_.set_preview(micro.front());  // (the whole batch's)
        for (auto& b : micro) b = rank_rows(b);
        losses = model_.step(micro, rng);
      } else {
        const int64_t nd = model_.d_steps(step);
        for (int64_t k = 0; k < nd; ++k) {
          for (auto& b : micro) b = rank_rows(data_.next());
          accumulate_mean(losses, model_.d_step(micro, rng), k);
        }
        for (auto& kv : model_.g_step(opt_.accumulate, rng)) losses.push_back(kv);
      }
      ++step;
      if (!models::all_finite(losses)) diverged(log ? &*log : nullptr, step, losses);
      result.last = losses;
      if (lead() && (step % opt_.log_every == 0 || step == opt_.steps)) write_record(*log, step, seconds(), losses);
      progress.update(step, losses);
      if (lead() && evaluate && opt_.eval_every > 0 && step % opt_.eval_every == 0 && step < opt_.steps)
        run_evaluation(*log, step, result);
      if (lead() && opt_.sample_every > 0 && step % opt_.sample_every == 0 && step < opt_.steps) write_samples(step);
      if (lead() && opt_.checkpoint_every > 0 && step % opt_.checkpoint_every == 0 && step < opt_.steps)
        save(step, rng);
      // (Every rank stops at the same step: a signal reaches them at different times.)
      if (stop && stop_requested() && step < opt_.steps) {
        result.stopped_by = StopRequest::signal() != 0 ? StopRequest::signal() : SIGTERM;
        break;
      }
    }
    progress.finish();
    if (lead()) {
      save(step, rng);
      write_samples(step);
      if (evaluate && result.stopped_by == 0) run_evaluation(*log, step, result);
    }
    result.step = step;
    result.seconds = seconds();
    result.checkpoint = checkpoint_path();
    if (lead() && step > resume_step.value_or(0)) io::plot_losses(log_path(), path("losses.png"));
    return result;
  }

  // The samples the pictures show: a fixed noise batch (the same at every step and on
  // resume), ordered by class for a class-conditional G (one row per class).
  Tensor<float, cpu> fixed_samples() {
    if constexpr (joint) {
      return model_.preview();
    } else {
      return fixed_generator_samples();
    }
  }

 private:
  // A translator (joint_step) instead of a G/D pair with a latent.
  static constexpr bool joint = requires { Model::joint_step; };

  // Rank 0's side of the start: removes a restarted run's files and refuses a used directory;
  // returns whether there is a checkpoint to resume from.
  bool prepare_dir(bool resume) {
    namespace fs = std::filesystem;
    if (resume && !fs::exists(checkpoint_path())) {
      // A run stopped (or diverged) before its first checkpoint: nothing to continue from,
      // so it starts again; without even a log there was never a run here.
      check(fs::exists(log_path()), "Trainer: cannot resume: ", checkpoint_path(), " does not exist (", opt_.out_dir,
            " holds no run: no ", log_path(), " either)");
      note("gantry: " + opt_.out_dir + " has a log but no checkpoint (the run stopped before its first one); "
           "starting it again from step 0");
      resume = false;
      remove_run_files();
    }
    if (opt_.restart) remove_run_files();
    if (!resume) refuse_used_dir();
    return resume;
  }

  void load(int64_t& step, Rng& rng, std::optional<int64_t>& resume_step) {
    RunState st = load_checkpoint(checkpoint_path(), model_);
    check(st.hyper == models::hyper_to_json(model_.hyper()), "Trainer: cannot resume ", checkpoint_path(),
          ": it was trained with hyper-parameters ", io::json::dump(st.hyper), ", this run has ",
          io::json::dump(models::hyper_to_json(model_.hyper())));
    check(st.run == run_, "Trainer: cannot resume ", checkpoint_path(), ": it was made by a run with ",
          io::json::dump(st.run), ", this run has ", io::json::dump(run_));
    check(st.step <= opt_.steps, "Trainer: the checkpoint is at step ", st.step, ", beyond --steps ", opt_.steps);
    step = st.step;
    rng = st.rng;
    data_.restore(st.data);
    last_good_ = st.step;
    resume_step = st.step;
  }

  // Data-parallel runs: rank 0 writes, every rank takes its rows of each batch, and work that
  // can fail on some ranks only runs under all_ranks, so that all of them stop with the
  // failure (naming the rank) instead of the others waiting for it forever.
  bool lead() const { return group_rank(opt_.group) == 0; }

  template <class F>
  void all_ranks(F&& f) {
    if (group_size(opt_.group) == 1) {
      f();
      return;
    }
    std::string error;
    try {
      f();
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "failed";
    }
    const std::vector<std::string> all = opt_.group->all_gather(error);
    for (std::size_t r = 0; r < all.size(); ++r)
      if (!all[r].empty())
        fail<Error>(all.size() > 1 && static_cast<int>(r) != opt_.group->rank() ? "rank " + std::to_string(r) + ": "
                                                                                 : std::string(),
                    all[r]);
  }

  // Rank 0's value of a flag, on every rank.
  bool agreed_flag(bool v) const {
    if (group_size(opt_.group) == 1) return v;
    std::byte b{static_cast<unsigned char>(v ? 1 : 0)};
    opt_.group->broadcast(std::span<std::byte>(&b, 1), 0);
    return b != std::byte{0};
  }

  // A signal stops every rank after the same step (it may reach them at different times).
  bool stop_requested() const {
    double on = StopRequest::signal() != 0 ? 1.0 : 0.0;
    if (group_size(opt_.group) > 1) opt_.group->all_reduce_sum(std::span<double>(&on, 1));
    return on > 0;
  }

  data::Batch rank_rows(const data::Batch& b) const {
    if (group_size(opt_.group) == 1) return b;
    const char* what = "the data-parallel batch";
    return {gantry::rank_rows(b.images, opt_.group, what), gantry::rank_rows(b.labels, opt_.group, what),
            gantry::rank_rows(b.features, opt_.group, what), gantry::rank_rows(b.targets, opt_.group, what)};
  }

  // What the ranks' data must agree on: its size and the loader's position and seeds.
  std::string data_digest() const {
    std::string d;
    if constexpr (requires { data_.size(); }) d += "size " + std::to_string(data_.size());
    if constexpr (requires { data_.state().position; }) {
      const auto st = data_.state();
      d += ", epoch " + std::to_string(st.epoch) + ", position " + std::to_string(st.position) + ", seed " +
           std::to_string(st.seed) + ", offset " + std::to_string(st.offset);
    }
    return d;
  }

  // The model's data-parallel side (models/data_parallel.hpp): a G/D pair's or a translator's.
  auto& parallel() {
    if constexpr (joint)
      return static_cast<models::DataParallel<typename Model::value_type>&>(model_);
    else
      return static_cast<models::DataParallel<typename Model::Pair::value_type>&>(model_.nets);
  }

  // A hash of the nets' parameters and buffers (every checkpoint part but the optimisers):
  // the ranks must start from the same state.
  std::string state_hash() {
    using T = typename std::remove_cvref_t<decltype(parallel())>::value_type;
    struct Hash : ParamVisitor<T, cpu> {
      Fnv1a h;
      void parameter(const std::string& name, Var<T, cpu>& p) override { buffer(name, p.value()); }
      void buffer(const std::string& name, Tensor<T, cpu>& b) override {
        h.add(name);
        h.add(b.data(), b.bytes());
      }
    } v;
    model_.checkpoint_parts([&](const std::string& prefix, auto& part) {
      if constexpr (!requires { part.visit_state([](const std::string&, auto&) {}); }) part.visit(v, prefix);
    });
    return v.h.hex();
  }

  Tensor<float, cpu> fixed_generator_samples() {
    auto& nets = model_.nets;
    if constexpr (Model::Pair::feature_size > 0) return fixed_instance_samples();
    constexpr int K = num_classes;
    const int64_t per = K > 0 ? std::max<int64_t>(1, opt_.samples / K) : opt_.samples;
    const int64_t n = K > 0 ? per * K : opt_.samples;
    Rng r(derive_seed(opt_.seed, sample_stream));
    std::vector<int64_t> labels;
    if constexpr (K > 0)
      for (int64_t i = 0; i < n; ++i) labels.push_back(i / per);
    return cast<float>(model_.sample(nets.noise(n, r), labels));
  }

  void refuse_used_dir() const {
    if (const auto p = existing_run_file(opt_.out_dir))
      fail<Error>("Trainer: ", opt_.out_dir, " already holds a run (", *p,
                  " exists); resume it, restart it (discarding it) or choose another output directory");
  }

  // The files a run writes (and nothing else in its directory).
  void remove_run_files() const {
    namespace fs = std::filesystem;
    for (const char* name : {"checkpoint.safetensors", "log.jsonl", "samples.png", "losses.png"}) fs::remove(path(name));
    fs::remove_all(path("samples"));
  }

  void note(const std::string& line) const {
    if (opt_.show_progress) *opt_.progress.out << line << '\n';
  }
  static constexpr int num_classes = detail::model_classes<Model>();

  // An instance-conditioned G (IC-GAN): one row of 8 samples around each of samples / 8
  // instances drawn from its instance set (the same at every step and on resume).
  Tensor<float, cpu> fixed_instance_samples() {
    auto& nets = model_.nets;
    const int64_t per = 8, rows = std::max<int64_t>(1, opt_.samples / per), n = rows * per;
    Rng r(derive_seed(opt_.seed, sample_stream));
    const auto drawn = nets.random_condition(rows, r);
    typename Model::Pair::Cond c;
    const int64_t f = drawn.features.dim(1);
    c.features = decltype(drawn.features)(Shape{n, f});
    for (int64_t i = 0; i < n; ++i) {
      std::copy_n(drawn.features.data() + (i / per) * f, f, c.features.data() + i * f);
      if (!drawn.labels.empty()) c.labels.push_back(drawn.labels[static_cast<std::size_t>(i / per)]);
    }
    return cast<float>(model_.sample(nets.noise(n, r), c));
  }

  std::string path(const std::string& name) const { return (std::filesystem::path(opt_.out_dir) / name).string(); }

  // Running mean over the critic steps of an iteration.
  static void accumulate_mean(Metrics& acc, const Metrics& m, int64_t k) {
    if (k == 0) {
      acc = m;
      return;
    }
    for (std::size_t i = 0; i < acc.size() && i < m.size(); ++i)
      acc[i].second += (m[i].second - acc[i].second) / static_cast<double>(k + 1);
  }

  void write_record(io::JsonlLog& log, int64_t step, double secs, const Metrics& m) {
    io::json::Object rec{{"step", step}, {"seconds", secs}};
    for (const auto& [k, v] : m) rec.emplace_back(k, v);
    log.write(std::move(rec));
  }

  void run_evaluation(io::JsonlLog& log, int64_t step, TrainResult& result) {
    const Metrics m = evaluate(model_, step);
    io::json::Object rec{{"step", step}};
    std::ostringstream line;
    line << Model::name << " step " << step << ':';
    for (const auto& [k, v] : m) {
      rec.emplace_back(k, v);
      line << ' ' << k << ' ' << v;
      result.last.emplace_back(k, v);
    }
    log.write(std::move(rec));
    if (opt_.show_progress) *opt_.progress.out << line.str() << '\n';
  }

  void write_samples(int64_t step) {
    namespace fs = std::filesystem;
    if constexpr (joint)
      if (!model_.has_preview()) return;  // (a resumed run that had no step left to take)
    const Tensor<float, cpu> s = fixed_samples();
    fs::create_directories(path("samples"));
    std::ostringstream name;
    name << "samples/step_" << std::setw(7) << std::setfill('0') << step << ".png";
    if (s.shape().rank() == 4) {
      io::save_grid(s, path(name.str()), io::GridOptions{.nrow = grid_columns(s.shape()[0])});
      io::save_grid(s, path("samples.png"), io::GridOptions{.nrow = grid_columns(s.shape()[0])});
    } else if (s.shape().rank() == 2 && s.shape()[1] == 2 && reference_points.defined()) {
      io::scatter_plot(path(name.str()), reference_points, s);
      io::scatter_plot(path("samples.png"), reference_points, s);
    }
  }

  int64_t grid_columns(int64_t n) const {
    if constexpr (joint) {
      return Model::preview_columns;
    } else {
      constexpr int K = num_classes;
      return Model::Pair::feature_size > 0 ? 8  // fixed_instance_samples' rows
             : K > 0 ? n / K
                     : static_cast<int64_t>(std::ceil(std::sqrt(n)));
    }
  }

  void save(int64_t step, const Rng& rng) {
    RunState st{step, rng, data_.state(), models::hyper_to_json(model_.hyper()), run_};
    save_checkpoint(checkpoint_path(), model_, st);
    last_good_ = step;
  }

  // (Every rank sees the same averaged losses, so all of them stop here; rank 0 has the log.)
  [[noreturn]] void diverged(io::JsonlLog* log, int64_t step, const Metrics& losses) {
    if (log) write_record(*log, step, 0, losses);
    std::string bad;
    for (const auto& [k, v] : losses)
      if (!std::isfinite(v)) bad += (bad.empty() ? "" : ", ") + k + " = " + std::to_string(v);
    const std::string kept = last_good_ >= 0 ? "the last good checkpoint (step " + std::to_string(last_good_) +
                                                   ") is " + checkpoint_path() + ", left unchanged"
                                             : "no checkpoint had been written yet";
    fail<TrainingDiverged>("training diverged at generator step ", step, ": ", bad, "; ", kept, "; ",
                           learning_rate_hint());
  }

  // What to look at first when a run diverges: its learning rates, named as the
  // hyper-parameters are (so they can be set again).
  std::string learning_rate_hint() const {
    std::string rates;
    const io::json::Value h = models::hyper_to_json(model_.hyper());
    if (h.is_object())
      for (const auto& [k, v] : h.as_object())
        if (v.is_number() && io::is_learning_rate_key(k))
          rates += (rates.empty() ? "" : ", ") + k + " = " + io::json::dump(v);
    return rates.empty() ? std::string("lower the learning rates")
                         : "lower the learning rates (" + rates + ") or raise the batch size";
  }

  Model& model_;
  Data& data_;
  TrainerOptions opt_;
  io::json::Value run_;
  int64_t last_good_ = -1;
};

// One call: trains `model` on `data` (a data::Loader, PairLoader or stream) as Trainer::run.
template <class Model, class Data>
  requires requires(Data& d) { d.next(); }
TrainResult fit(Model& model, Data& data, TrainerOptions opt, io::json::Value run_config = io::json::Object{}) {
  Trainer<Model, Data> trainer(model, data, std::move(opt), std::move(run_config));
  return trainer.run();
}

// ... or on a set of images (data::fashion_mnist("train"), data::image_folder(...)): a
// shuffling loader of the model's batch size, zero-padding the images to the generator's side
// when they are smaller (28x28 Fashion-MNIST for a 32x32 model), seeded from opt.seed.
template <class Model>
  requires requires(Model& m) { m.batch_size(); typename Model::Pair::GNet::output; }
TrainResult fit(Model& model, data::LabeledImages images, TrainerOptions opt,
                io::json::Value run_config = io::json::Object{}) {
  using Out = typename Model::Pair::GNet::output;
  data::LoaderOptions lo;
  lo.batch_size = model.batch_size();
  if constexpr (requires { Out::height; })
    if (images.images.defined() && images.images.rank() == 4 && images.images.dim(2) < Out::height)
      lo.pad_to = Out::height;
  data::Loader loader(std::move(images), lo, Rng(derive_seed(opt.seed, data_stream)));
  return fit(model, loader, std::move(opt), std::move(run_config));
}

}  // namespace gantry::train
