// The `gantry` command line as a user meets it, run as a separate program on small runs:
// exit statuses for bad arguments, --help, nothing overwritten that was not asked for,
// Ctrl-C then --resume bit for bit, a run stopped before its first checkpoint, the run
// directory's lock, resuming with another model, and a user's own data (points and folders).
// The binary's path comes in the environment variable GANTRY_CLI (CMakeLists.txt).
#include <doctest/doctest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gantry/data/toy_stream.hpp"
#include "gantry/io/png.hpp"
#include "gantry/models/wgan_gp.hpp"
#include "gantry/models/wgan_nets.hpp"
#include "gantry/train/trainer.hpp"

extern char** environ;

namespace {
namespace fs = std::filesystem;
namespace io = gantry::io;

std::string gantry() {
  const char* p = std::getenv("GANTRY_CLI");
  REQUIRE_MESSAGE(p != nullptr, "GANTRY_CLI must name the gantry binary");
  return p;
}

struct Result {
  int status = -1;
  std::string out;  // stdout and stderr together
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs gantry with `args` to the end (after the shell commands `before`, e.g. a ulimit).
Result run(const std::vector<std::string>& args, const std::string& before = "") {
  std::string cmd = before + quote(gantry());
  for (const auto& a : args) {
    cmd += ' ';  // (not " " + quote(a): GCC 12 warns falsely, -Wrestrict, on that temporary)
    cmd += quote(a);
  }
  cmd += " 2>&1";
  Result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

// Starts gantry with `args` in the background, output to `log`.
pid_t start(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv_s{gantry()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int wait_status(pid_t pid) {
  int st = 0;
  REQUIRE(::waitpid(pid, &st, 0) == pid);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

int64_t lines(const std::string& path) {
  const std::string s = read_file(path);
  return static_cast<int64_t>(std::count(s.begin(), s.end(), '\n'));
}

// Waits until `path` has at least n lines (a training's log records), at most a minute.
void wait_for_lines(const std::string& path, int64_t n) {
  const auto t0 = std::chrono::steady_clock::now();
  while (lines(path) < n) {
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60), path, " never reached ", n, " lines");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// A fresh directory for one test case.
std::string scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("gantry_cli_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

// A small toy run: WGAN-GP on 8 Gaussians, width 128, one thread.
std::vector<std::string> toy_run(const std::string& out, int64_t steps, std::vector<std::string> more = {}) {
  std::vector<std::string> a{"train", "--model", "wgan-gp", "--data", "8gaussians", "--dim", "128", "--threads", "1",
                             "--steps", std::to_string(steps), "--out", out, "--eval-samples", "200"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("--help for every command, exit 0") {
  for (const std::string cmd : {"train", "sample", "eval", "translate", "plot", "bench"}) {
    const Result r = run({cmd, "--help"});
    CHECK_MESSAGE(r.status == 0, cmd, ": ", r.out);
    CHECK_MESSAGE(contains(r.out, "gantry " + cmd), cmd, ": ", r.out);
  }
  CHECK(run({"--help"}).status == 0);
}

TEST_CASE("bad arguments exit 2 before any work, naming what was expected") {
  const std::string d = scratch("bad_args");
  const std::string out = d + "/run";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "missing command"},
      {{"fly"}, "unknown command 'fly'"},
      {{"train", "--model", "wgan-gp", "--data", "8gaussians", "--out", out}, "missing --steps"},
      {toy_run(out, 0), "--steps must be >= 1, found 0"},
      {toy_run(out, 10, {"--threads", "0"}), "--threads must be in [1, 1024], found 0"},
      {toy_run(out, 10, {"--eval-samples", "0"}), "--eval-samples must be >= 1, found 0"},
      {toy_run(out, 10, {"--log-every", "0"}), "--log-every must be >= 1"},
      {toy_run(out, 10, {"--checkpoint-every", "-3"}), "--checkpoint-every must be >= 0"},
      {toy_run(out, 10, {"--set", "nope=1"}), "--set nope=1"},
      {toy_run(out, 10, {"--preset", "fast"}), "--preset expects gantry or paper"},
      {toy_run(out, 10, {"--resume", "--restart"}), "pass one"},
      {toy_run(out, 10, {"--wings", "2"}), "unknown option '--wings'"},
      {{"train", "--model", "wgan-gp", "--data", "9gaussians", "--steps", "1", "--out", out}, "points:FILE.csv"},
      {{"train", "--model", "wgan-gp", "--data", "points:" + d + "/none.csv", "--steps", "1", "--out", out}, "is not a file"},
      // A name the system refuses to look up (found by fuzz_cli; it threw std::filesystem's error).
      {{"train", "--model", "wgan-gp", "--data", "points:" + std::string(5000, 'x'), "--steps", "1", "--out", out},
       "is not a file"},
      {{"train", "--model", "dcgan", "--data", "fashion-mnist", "--steps", "1", "--out", out, "--data-dir", d + "/no"},
       "--data-dir"},
      {{"train", "--model", "nope", "--data", "fashion-mnist", "--steps", "1", "--out", out},
       "unknown --model 'nope' (expected wgan-gp, wgan, dcgan, lsgan, cdcgan, sagan, biggan, biggan-deep, logan, "
       "adcgan, acgan, tacgan, unetgan, unetgan-baseline, icgan, cc-icgan, csgan, cyclegan)"},
      // A model, net and width not in the command line's table of presets: the ones offered.
      {{"train", "--model", "sagan", "--data", "fashion-mnist", "--dim", "48", "--steps", "1", "--out", out},
       "no sagan model with --net sagan --dim 48 for --data fashion-mnist (offered: --net sagan (images) --dim 16|32|64)"},
      {{"train", "--model", "wgan-gp", "--data", "8gaussians", "--net", "resnet", "--steps", "1", "--out", out},
       "offered: --net toy (2-D points) --dim 512|128; --net resnet (images) --dim 32|64|128"},
      {{"sample", "--checkpoint", d + "/none.safetensors"}, "does not exist"},
      // Every integer option is checked against its range as the arguments are read, before
      // the checkpoint is (so these name the option, not the missing file).
      {{"sample", "--checkpoint", d + "/none.safetensors", "--nrow", "0"}, "--nrow must be in [1, 100000], found 0"},
      {{"sample", "--checkpoint", d + "/none.safetensors", "--seed", "-1"}, "--seed must be >= 0, found -1"},
      {{"sample", "--checkpoint", d + "/none.safetensors", "--n", "99999999999999999999"}, "--n expects an integer"},
      {{"eval", "--checkpoint", d + "/none.safetensors", "--standing-stats", "0"}, "--standing-stats must be in [1, 1000000]"},
      {toy_run(out, 10, {"--dim", "0"}), "--dim must be in [1, 4096], found 0"},
      {{"plot", "--log", d + "/none.jsonl", "--out", d + "/p.png"}, "is not a file"},
  };
  for (const Case& c : cases) {
    const Result r = run(c.args);
    std::string line;
    for (const auto& a : c.args) line += a + " ";
    CHECK_MESSAGE(r.status == 2, line, "-> ", r.out);
    CHECK_MESSAGE(contains(r.out, c.message), line, "-> ", r.out);
  }
  CHECK_FALSE(fs::exists(out));  // no run was started
  fs::remove_all(d);
}

TEST_CASE("a run larger than the memory it may use says so, exit 1") {
  const std::string d = scratch("out_of_memory"), out = d + "/run";
  // A 4 GB address-space limit, so that the answer does not depend on the machine's memory.
  const Result r = run(toy_run(out, 10, {"--set", "batch_size=2000000000"}), "ulimit -v 4000000; ");
  CHECK(r.status == 1);
  CHECK_MESSAGE(contains(r.out, "gantry: out of memory: this run needs more than the machine could give"), r.out);
  fs::remove_all(d);
}

TEST_CASE("nothing is overwritten that the command was not asked to write") {
  const std::string d = scratch("overwrite"), out = d + "/run";
  REQUIRE(run(toy_run(out, 20)).status == 0);
  const std::string ckpt = out + "/checkpoint.safetensors", log = out + "/log.jsonl";
  const std::string ckpt_bytes = read_file(ckpt), log_bytes = read_file(log);

  // A picture over the checkpoint, the log or a directory: refused with or without --force.
  for (const std::string& target : {ckpt, log, out}) {
    for (const bool force : {false, true}) {
      std::vector<std::string> args{"sample", "--checkpoint", ckpt, "--out", target};
      if (force) args.push_back("--force");
      const Result r = run(args);
      CHECK_MESSAGE(r.status == 2, r.out);
      CHECK_MESSAGE(contains(r.out, "refusing to replace"), r.out);
    }
    const Result p = run({"plot", "--log", log, "--out", target, "--force"});
    CHECK(p.status == 2);
  }
  CHECK(read_file(ckpt) == ckpt_bytes);
  CHECK(read_file(log) == log_bytes);

  // A picture over a picture: only with --force.
  const std::string png = d + "/grid.png";
  REQUIRE(run({"sample", "--checkpoint", ckpt, "--out", png}).status == 0);
  const Result again = run({"sample", "--checkpoint", ckpt, "--out", png, "--seed", "3"});
  CHECK(again.status == 2);
  CHECK(contains(again.out, "without --force"));
  CHECK(run({"sample", "--checkpoint", ckpt, "--out", png, "--seed", "3", "--force"}).status == 0);
  CHECK(run({"plot", "--log", log, "--out", png, "--force"}).status == 0);

  // A second training in the same directory: refused, naming both ways out.
  const Result twice = run(toy_run(out, 20));
  CHECK(twice.status == 2);
  CHECK(contains(twice.out, "already holds a run"));
  CHECK(contains(twice.out, "--resume"));
  CHECK(contains(twice.out, "--restart"));
  // --out naming a file.
  CHECK(run(toy_run(ckpt, 20)).status == 2);
  fs::remove_all(d);
}

TEST_CASE("SIGINT finishes the step, checkpoints, exits 130; --resume then continues bit for bit") {
  const std::string d = scratch("sigint");
  const int64_t steps = 300;
  REQUIRE(run(toy_run(d + "/whole", steps, {"--log-every", "1"})).status == 0);

  const std::string out = d + "/stopped";
  const pid_t pid = start(toy_run(out, steps, {"--log-every", "1"}), d + "/stopped.txt");
  wait_for_lines(out + "/log.jsonl", 5);
  REQUIRE(::kill(pid, SIGINT) == 0);
  const int status = wait_status(pid);
  const std::string said = read_file(d + "/stopped.txt");
  REQUIRE_MESSAGE(status == 130, said);
  CHECK(contains(said, "stopped by SIGINT"));
  CHECK(contains(said, "--resume"));
  const int64_t at = lines(out + "/log.jsonl");
  CHECK(at < steps);

  const Result resumed = run(toy_run(out, steps, {"--log-every", "1", "--resume"}));
  REQUIRE_MESSAGE(resumed.status == 0, resumed.out);
  CHECK(read_file(out + "/checkpoint.safetensors") == read_file(d + "/whole/checkpoint.safetensors"));
  // The logs agree but for the seconds.
  std::istringstream a(read_file(out + "/log.jsonl")), b(read_file(d + "/whole/log.jsonl"));
  std::string la, lb;
  int64_t n = 0;
  const auto strip = [](std::string s) {
    const auto p = s.find("\"seconds\":");
    if (p == std::string::npos) return s;
    return s.substr(0, p) + s.substr(s.find(',', p));
  };
  while (std::getline(b, lb)) {
    REQUIRE(std::getline(a, la));
    CHECK(strip(la) == strip(lb));
    ++n;
  }
  CHECK(n >= steps);
  fs::remove_all(d);
}

TEST_CASE("a run stopped before its first checkpoint: --resume starts it again, --restart discards it") {
  const std::string d = scratch("empty"), out = d + "/run";
  REQUIRE(run(toy_run(out, 10)).status == 0);
  fs::remove(out + "/checkpoint.safetensors");  // as a run killed before its first checkpoint
  const Result r = run(toy_run(out, 10, {"--resume"}));
  CHECK_MESSAGE(r.status == 0, r.out);
  CHECK(contains(r.out, "starting it again from step 0"));
  CHECK(fs::exists(out + "/checkpoint.safetensors"));
  const std::string first = read_file(out + "/checkpoint.safetensors");
  const Result again = run(toy_run(out, 10, {"--restart"}));
  CHECK_MESSAGE(again.status == 0, again.out);
  CHECK(read_file(out + "/checkpoint.safetensors") == first);  // the same run from scratch
  CHECK(lines(out + "/log.jsonl") == 2);                        // steps 10 and the evaluation
  // Nothing at all to resume.
  const Result none = run(toy_run(d + "/never", 10, {"--resume"}));
  CHECK(none.status == 1);
  CHECK(contains(none.out, "holds no run"));
  fs::remove_all(d);
}

TEST_CASE("killed outright (SIGKILL), a run has its default checkpoints to resume from") {
  const std::string d = scratch("kill"), out = d + "/run";
  const int64_t steps = 300;  // the default interval: a checkpoint every 15 steps
  const pid_t pid = start(toy_run(out, steps, {"--log-every", "1"}), d + "/killed.txt");
  wait_for_lines(out + "/log.jsonl", 40);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(wait_status(pid) == 128 + SIGKILL);
  REQUIRE_MESSAGE(fs::exists(out + "/checkpoint.safetensors"), read_file(d + "/killed.txt"));
  const Result resumed = run(toy_run(out, steps, {"--log-every", "1", "--resume"}));
  CHECK_MESSAGE(resumed.status == 0, resumed.out);
  CHECK_FALSE(contains(resumed.out, "starting it again from step 0"));  // it continued from a checkpoint
  CHECK(lines(out + "/log.jsonl") == steps + 1);  // every step's record once, and the evaluation
  fs::remove_all(d);
}

TEST_CASE("a run directory is locked while a training runs in it") {
  const std::string d = scratch("lock"), out = d + "/run";
  const pid_t pid = start(toy_run(out, 100000, {"--log-every", "1"}), d + "/first.txt");
  wait_for_lines(out + "/log.jsonl", 2);
  const Result second = run(toy_run(out, 100000, {"--resume"}));
  CHECK(second.status == 1);
  CHECK_MESSAGE(contains(second.out, "in use by a training that is still running (process " + std::to_string(pid)),
                second.out);
  ::kill(pid, SIGTERM);
  CHECK(wait_status(pid) == 143);
  // Once it has ended the directory is free again.
  const Result resumed = run(toy_run(out, 1, {"--resume"}));
  CHECK(resumed.status == 1);  // its checkpoint is beyond --steps 1: the lock is no longer the problem
  CHECK_MESSAGE(contains(resumed.out, "beyond --steps"), resumed.out);
  fs::remove_all(d);
}

TEST_CASE("--resume with another model names both runs") {
  const std::string d = scratch("mismatch"), out = d + "/run";
  REQUIRE(run(toy_run(out, 5)).status == 0);
  const Result r = run({"train", "--model", "wgan", "--data", "8gaussians", "--dim", "128", "--steps", "10", "--out",
                        out, "--resume"});
  CHECK(r.status == 2);
  CHECK_MESSAGE(contains(r.out, "holds a run of --model wgan-gp --data 8gaussians --net toy --dim 128"), r.out);
  CHECK(contains(r.out, "asks for --model wgan --data 8gaussians"));
  fs::remove_all(d);
}

TEST_CASE("a user's own 2-D points from a CSV file") {
  const std::string d = scratch("points"), csv = d + "/ring.csv";
  {
    std::ofstream f(csv);
    f << "# a ring of radius 2\nx,y\n";
    for (int i = 0; i < 500; ++i) f << 2 * std::cos(i * 0.0125663706) << ", " << 2 * std::sin(i * 0.0125663706) << '\n';
  }
  const Result r = run({"train", "--model", "wgan-gp", "--data", "points:" + csv, "--dim", "128", "--threads", "1",
                        "--steps", "20", "--out", d + "/run"});
  CHECK_MESSAGE(r.status == 0, r.out);
  CHECK(fs::exists(d + "/run/samples.png"));
  CHECK(run({"sample", "--checkpoint", d + "/run/checkpoint.safetensors", "--out", d + "/s.png"}).status == 0);
  CHECK(io::read_png(d + "/s.png").width > 0);
  const Result e = run({"eval", "--checkpoint", d + "/run/checkpoint.safetensors"});
  CHECK(e.status == 2);
  CHECK(contains(e.out, "no modes to count"));
  {
    std::ofstream f(d + "/bad.csv");
    f << "x,y\n1,2\n3,four\n";
  }
  const Result bad = run({"train", "--model", "wgan-gp", "--data", "points:" + d + "/bad.csv", "--dim", "128",
                          "--steps", "2", "--out", d + "/bad"});
  CHECK(bad.status == 1);
  CHECK_MESSAGE(contains(bad.out, "line 3: expected two numbers (x, y), found '3,four'"), bad.out);
  fs::remove_all(d);
}

TEST_CASE("a user's own images from a folder") {
  const std::string d = scratch("folder"), dir = d + "/images";
  fs::create_directories(dir);
  // 16 grey 40x40 discs of growing radius.
  for (int i = 0; i < 16; ++i) {
    io::Image8 img(40, 40, 1);
    for (int y = 0; y < 40; ++y)
      for (int x = 0; x < 40; ++x)
        img.at(y, x)[0] = (x - 20) * (x - 20) + (y - 20) * (y - 20) < (5 + i) * (5 + i) ? 230 : 10;
    io::write_png(dir + "/disc" + std::to_string(i) + ".png", img);
  }
  const Result r = run({"train", "--model", "dcgan", "--dim", "32", "--data", "folder:" + dir, "--threads", "1",
                        "--steps", "2", "--set", "batch_size=8", "--out", d + "/run"});
  CHECK_MESSAGE(r.status == 0, r.out);
  CHECK(fs::exists(d + "/run/samples.png"));
  const Result e = run({"eval", "--checkpoint", d + "/run/checkpoint.safetensors"});
  CHECK(e.status == 2);
  CHECK(contains(e.out, "folder:"));
  // A class-conditional model needs the folder's classes to be its 10.
  const Result c = run({"train", "--model", "biggan", "--dim", "16", "--data", "folder:" + dir, "--steps", "1", "--out",
                        d + "/cond"});
  CHECK(c.status == 2);
  CHECK_MESSAGE(contains(c.out, "conditioned on 10 classes, the folder has 0"), c.out);
  fs::remove_all(d);
}

TEST_CASE("a class-conditional model on a folder of 10 class sub-directories, then one class sampled") {
  const std::string d = scratch("classes"), dir = d + "/images";
  // Class k: discs of radius 4 + k (two each), in sub-directory class_<k>.
  for (int k = 0; k < 10; ++k) {
    const std::string sub = dir + "/class_" + std::to_string(k);
    fs::create_directories(sub);
    for (int i = 0; i < 2; ++i) {
      io::Image8 img(32, 32, 1);
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x)
          img.at(y, x)[0] = (x - 16) * (x - 16) + (y - 16) * (y - 16) < (4 + k) * (4 + k) ? 200 + 20 * i : 10;
      io::write_png(sub + "/disc" + std::to_string(i) + ".png", img);
    }
  }
  const Result r = run({"train", "--model", "cdcgan", "--data", "folder:" + dir, "--threads", "1", "--steps", "2",
                        "--set", "batch_size=8", "--out", d + "/run"});
  CHECK_MESSAGE(r.status == 0, r.out);
  const Result s = run({"sample", "--checkpoint", d + "/run/checkpoint.safetensors", "--class", "3", "--n", "4",
                        "--out", d + "/three.png"});
  CHECK_MESSAGE(s.status == 0, s.out);
  CHECK(contains(s.out, "wrote 4 samples"));
  CHECK(fs::exists(d + "/three.png"));
  const Result bad = run({"sample", "--checkpoint", d + "/run/checkpoint.safetensors", "--class", "10", "--out",
                          d + "/ten.png"});
  CHECK(bad.status == 2);
  CHECK_MESSAGE(contains(bad.out, "--class must be in [0, 10), found 10"), bad.out);
  fs::remove_all(d);
}

TEST_CASE("sample --decision-map: U-Net GAN's per-pixel decisions; --n within the test set, any --seed") {
  const std::string d = scratch("decision_map");
  const Result r = run({"train", "--model", "unetgan", "--data", "fashion-mnist", "--dim", "16", "--threads", "1",
                        "--steps", "1", "--set", "batch_size=8", "--out", d + "/run"});
  REQUIRE_MESSAGE(r.status == 0, r.out);
  const std::string ckpt = d + "/run/checkpoint.safetensors";
  const Result m = run({"sample", "--checkpoint", ckpt, "--decision-map", d + "/maps.png", "--n", "4", "--seed",
                        "9223372036854775807"});  // (seed * n overflowed before)
  CHECK_MESSAGE(m.status == 0, m.out);
  CHECK(fs::exists(d + "/maps.png"));
  // More images than the test set has (this divided by zero before).
  const Result big = run({"sample", "--checkpoint", ckpt, "--decision-map", d + "/big.png", "--n", "10001"});
  CHECK(big.status == 2);
  CHECK_MESSAGE(contains(big.out, "--n: the test set has 10000 images, found 10001"), big.out);
  CHECK_FALSE(fs::exists(d + "/big.png"));
  fs::remove_all(d);
}

TEST_CASE("a checkpoint written through the library works with gantry sample and eval") {
  using namespace gantry;
  const std::string d = scratch("library");
  using Model = models::wgan_gp<Vector<2>, Width<128>>;
  Model model(Model::Hyper::toy(), 1);
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, model.batch_size(), Rng(2));
  train::TrainerOptions o;
  o.steps = 3;
  o.out_dir = d + "/run";
  o.show_progress = false;
  train::Trainer(model, stream, o).run();  // no run options: the library's default
  const std::string ckpt = d + "/run/checkpoint.safetensors";
  const Result s = run({"sample", "--checkpoint", ckpt, "--out", d + "/s.png"});
  CHECK_MESSAGE(s.status == 0, s.out);
  CHECK(contains(s.out, "loads as --model wgan-gp --data 8gaussians --net toy --dim 128"));
  const Result e = run({"eval", "--checkpoint", ckpt, "--samples", "100"});
  CHECK_MESSAGE(e.status == 0, e.out);
  CHECK(contains(e.out, "\"modes\""));
  fs::remove_all(d);
}

TEST_CASE("gantry bench times a preset's D and G steps; a translator or bad option is refused") {
  const Result r = run({"bench", "--model", "wgan-gp", "--data", "8gaussians", "--dim", "128", "--steps", "2",
                        "--threads", "1"});
  CHECK_MESSAGE(r.status == 0, r.out);
  CHECK_MESSAGE(contains(r.out, "BM_DStep/wgan-gp/toy/dim:128/real_time_median"), r.out);
  CHECK_MESSAGE(contains(r.out, "BM_GStep/wgan-gp/toy/dim:128/real_time_median"), r.out);
  CHECK_MESSAGE(contains(r.out, "D_params"), r.out);
  const Result t = run({"bench", "--model", "csgan"});
  CHECK(t.status == 2);
  CHECK_MESSAGE(contains(t.out, "csgan is a translator"), t.out);
  const Result s = run({"bench", "--model", "wgan-gp", "--steps", "0"});
  CHECK(s.status == 2);
  CHECK_MESSAGE(contains(s.out, "--steps must be >= 1"), s.out);
}
