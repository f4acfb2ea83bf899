#pragma once
// The `gantry` command line's arguments: the usage text, each command's options, their parsing
// and checking (every integer option against its range before any work), the run
// configuration a checkpoint records, and the --data / --set / --preset / --keys values.
// Light on purpose: no model, no training, so tests/fuzz/fuzz_cli.cpp fuzzes exactly this.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gantry/core/error.hpp"
#include "gantry/core/parallel.hpp"
#include "gantry/data/toy_stream.hpp"
#include "gantry/io/json.hpp"
#include "gantry/io/output_path.hpp"
#include "gantry/models/hyper.hpp"

namespace gantry_cli {

using namespace gantry;
namespace json = gantry::io::json;

inline const char* usage = R"(usage:
  gantry train  --model wgan-gp|wgan|sagan|biggan|biggan-deep|logan|adcgan|acgan|tacgan|unetgan|
                        unetgan-baseline|icgan|cc-icgan|dcgan|lsgan|cdcgan
                --data fashion-mnist|8gaussians|25gaussians|swissroll|folder:DIR|points:FILE.csv
                --steps N --out DIR [options]
                                         folder:DIR: PNG/JPEG images (grey, resized and
                                         centre-cropped to the net's side; class-conditional
                                         models take DIR's 10 sub-directories as classes);
                                         points:FILE.csv: 2-D points, two numbers (x, y) a
                                         line, for the toy nets
  gantry train  --model csgan|cyclegan                 (two-domain translators)
                --data fashion-edges|paired:DIR_A,DIR_B|side-by-side:DIR|unpaired:DIR_A,DIR_B
                --steps N --out DIR [--test paired:...|side-by-side:...] [--size 256|128]
                [--load-size L] [--dim 16|32 (fashion-edges) | 64 (folders)] [options below]
                                         fashion-edges: the built-in paired task, Fashion-MNIST
                                         edge maps (A) <-> garments (B), 1x32x32, 6 residual
                                         blocks, batch 4; folders: RGB, 9 residual blocks at
                                         --size 256 (the papers') or 6 at 128, batch 1, the
                                         images resized to --load-size (default --size) then
                                         randomly cropped to --size; --test: paired images for
                                         MSE / PSNR / SSIM of both directions (fashion-edges:
                                         its test split); --set mu_a=0 ... or --set
                                         epoch_steps=N (the decaying schedule)
      --net resnet|dcgan|toy   wgan-gp / wgan nets (default: resnet for images, toy for 2-D
                               data; dcgan is 32x32, for wgan). sagan, biggan, biggan-deep,
                               logan, adcgan, acgan and tacgan are class-conditional, 32x32
                               (Fashion-MNIST zero-padded), with their own nets; unetgan (U-Net
                               D, CutMix) and unetgan-baseline (its encoder alone as D) are
                               unconditional, 32x32; icgan and cc-icgan (class-conditional)
                               are conditioned on instances: the Fashion-MNIST classifier's
                               features of a training image, trained on its k = 50 nearest
                               neighbours (the set is built once and cached); dcgan and lsgan
                               use the dcgan nets (32x32), cdcgan the same nets with the
                               class as an input of both (class-conditional)
      --dim D                  width: resnet 32 (default), 64 or 128 (the paper's);
                               toy 128 or 512 (default, the paper's);
                               sagan, biggan, adcgan, acgan, tacgan, unetgan,
                               unetgan-baseline, icgan, cc-icgan: Ch 16 (default), 32 or
                               64 (the papers'); biggan-deep, logan: Ch 16 (default) or 32;
                               dcgan, lsgan, cdcgan and wgan --net dcgan: NGF = NDF 32
                               (default) or 64 (the paper's);
                               with --preset paper the papers' widths are the defaults
      --seed S                 default 0
      --threads T              default: all cores
      --preset gantry|paper    the starting settings: gantry's (default: those of the results
                               in docs/: the widths above, the learning rate decaying to 0
                               over --steps, on 2-D data lr 1e-3 decayed over 3000 steps,
                               and the docs' overrides: wgan-gp g_batch_size=64, biggan
                               ema_decay=0.999, sagan/biggan-deep/logan g_lr=4e-4
                               d_lr=1.6e-3, cdcgan batch_size=64) or the paper's (its
                               widths and settings)
      --set name=value         override a hyper-parameter (repeatable), e.g. --set lr=1e-4
      --resume                 continue the run in --out from its checkpoint (a run that
                               stopped before its first checkpoint starts again)
      --restart                discard the run in --out (checkpoint, log, pictures), start anew
      --sync-bn                data-parallel runs: batch norm over the rows of all processes
                               (default: each process's own, as PyTorch's DDP)
      --data-dir DIR           where the built-in data sets are (DIR/fashion-mnist or DIR
                               with the IDX files); default $GANTRY_DATA_DIR, else Debian's
                               /usr/share/datasets/fashion-mnist
      --accumulate K           micro-batches per step (gradient accumulation), default 1
      --log-every N --sample-every N --eval-every N
      --checkpoint-every N     default: every --steps / 20 steps (at least 1, at most 500)
      --eval-samples N         generated samples per evaluation (default 2000)
                               Ctrl-C (SIGINT) or SIGTERM: the run finishes its step, writes
                               its checkpoint and exits with 130 (143); --resume continues it
                               bit for bit. A run directory is locked while a run trains in it.
      --lo ngd|gd|off          logan: natural-gradient (default) or plain gradient latent
                               steps, or none (the uniform prior alone)
      --latent-steps N         logan: latent steps per update (default 1)
      --schedule every|warmup|full-batch
                               unetgan's CutMix schedule: every D step (default, the CelebA
                               script); its weight ramped up; or whole mixed D steps with a
                               probability ramped to 0.5 (the FFHQ and COCO scripts). The ramp
                               is --set mixup_warmup=N G steps (default a quarter of --steps)
                Data-parallel: mpirun -np N gantry train ... (or srun) trains one run on N
                processes, each on 1/N of every batch (the batch size must divide by N;
                with --sync-bn the result is one process's up to rounding); rank 0 writes
                --out; --threads defaults to the cores / the processes on each machine
  gantry sample --checkpoint FILE [--n 64] [--out samples.png] [--seed S] [--class K] [--nrow R]
                [--force]                replace an existing PNG at --out (nothing else is
                                         ever replaced)
                                         (class-conditional: row r shows class r mod K
                                         unless --class K asks for one)
                [--truncation T]         z truncated to [-T, T] (BigGAN's truncation trick)
                [--standing-stats N]     batch norms use statistics averaged over N batches of
                                         50 fresh samples (BigGAN's standing statistics)
                [--latent-steps N]       logan: N latent optimisation steps before G (as the
                                         paper samples)
                [--decision-map FILE]    unetgan: instead of samples, D's per-pixel decisions
                                         on --n (default 8) test images, fakes and mixes
                [--instance IMAGE]       icgan, cc-icgan: samples around this image (any
                                         PNG/JPEG, read as grey and fitted to 28x28 like
                                         Fashion-MNIST: a light garment on black), shown
                                         first; cc-icgan: of the class of its nearest
                                         training image unless --class K swaps it
                                         (icgan and cc-icgan without --instance: instances
                                         drawn from the training set, one per row)
  gantry eval   --checkpoint FILE [--samples 10000] [--seed S] [--truncation T] [--standing-stats N]
                [--latent-steps N]
                (csgan, cyclegan: rows a, G_A(a), G_B(G_A(a)), b, G_B(b), G_A(G_B(b)) of the
                 first --n test pairs; eval: MSE / PSNR / SSIM per direction [--test SPEC])
  gantry translate --checkpoint FILE --in DIR --out DIR [--direction a2b|b2a] [--force]
                (a csgan or cyclegan checkpoint; or a converted official CycleGAN generator:
                 --official resnet_9blocks|resnet_6blocks [--size 256|128] [--prefix P])
  gantry plot   --log DIR/log.jsonl --out losses.png [--keys d_loss,g_loss,fd] [--x step] [--force]
                (default keys: the step losses, not the seconds, rates or evaluations;
                 --x: the horizontal axis' field, e.g. truncation for a sweep of eval lines)
  gantry bench  --model M [--data fashion-mnist|8gaussians|...] [--net N] [--dim D] [--threads T]
                [--preset gantry|paper] [--set name=value]... [--steps 3]
                (the D step and the G step of the model as `train` would build it, on random
                 images of its shape, after a warm-up step: --steps repetitions of each, each
                 as many steps as fill 0.2 s (at least one); the median, mean and spread in
                 ms per step and the nets' parameter counts)
  Every command takes --help; --data-dir is also taken by sample and eval.
)";

struct UsageError : Error {
  using Error::Error;
};

// The usage of one command: the sections of `usage` that start with "  gantry <cmd> ".
inline std::string command_usage(const std::string& cmd) {
  std::string out = "usage:\n", line;
  std::istringstream in(usage);
  bool mine = false;
  while (std::getline(in, line)) {
    if (line.rfind("  gantry ", 0) == 0) mine = line.rfind("  gantry " + cmd + " ", 0) == 0;
    if (mine) out += line + '\n';
  }
  return out;
}

// `gantry <cmd> --help`: not an error, the command's usage on standard output.
struct HelpRequest {
  std::string text;
};

// The options each command takes (--resume, --restart, --force and --sync-bn are flags; the others take a
// value; --set may be repeated).
inline const std::vector<std::string>& command_options(const std::string& cmd) {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"train",
       {"model", "data", "steps", "out", "net", "dim", "seed", "threads", "set", "accumulate", "log-every", "sample-every",
        "checkpoint-every", "eval-every", "eval-samples", "lo", "latent-steps", "schedule", "test", "size", "load-size",
        "resume", "restart", "preset", "data-dir", "sync-bn"}},
      {"translate", {"checkpoint", "in", "out", "direction", "official", "size", "prefix", "threads", "force"}},
      {"sample",
       {"checkpoint", "n", "out", "seed", "class", "nrow", "threads", "truncation", "standing-stats", "latent-steps",
        "decision-map", "instance", "test", "force", "data-dir"}},
      {"eval", {"checkpoint", "samples", "seed", "threads", "truncation", "standing-stats", "latent-steps", "test", "data-dir"}},
      {"plot", {"log", "out", "keys", "x", "force"}},
      {"bench", {"model", "data", "net", "dim", "threads", "set", "preset", "steps", "data-dir"}}};
  const auto it = table.find(cmd);
  if (it == table.end())
    fail<UsageError>("unknown command '", cmd, "' (expected train, sample, eval, translate, plot or bench)");
  return it->second;
}

// The integer options and the values any command accepts, checked as the arguments are read,
// before any work (a command may ask for less: eval's --samples of images is at least 10).
struct IntegerRange {
  int64_t lo, hi;
};
inline const std::map<std::string, IntegerRange>& integer_options() {
  constexpr int64_t any = std::numeric_limits<int64_t>::max();
  static const std::map<std::string, IntegerRange> table = {
      {"steps", {1, any}},          {"seed", {0, any}},         {"threads", {1, 1024}},      {"accumulate", {1, 1024}},
      {"log-every", {1, any}},      {"sample-every", {0, any}}, {"checkpoint-every", {0, any}}, {"eval-every", {0, any}},
      {"eval-samples", {1, any}},     {"samples", {1, 1000000}}, {"n", {1, 100000}},       {"nrow", {1, 100000}},
      {"class", {0, any}},          {"standing-stats", {1, 1000000}}, {"latent-steps", {1, 1000000}},
      {"dim", {1, 4096}},           {"size", {1, 65536}},       {"load-size", {1, 65536}}};
  return table;
}

// --key value pairs and --flags, checked against what the command knows.
struct Args {
  std::map<std::string, std::string> values;
  std::vector<std::string> sets;
  bool resume = false, restart = false, force = false, sync_bn = false;

  Args(int argc, char** argv, int first, const std::vector<std::string>& known) {
    const std::string cmd = first >= 2 ? argv[first - 1] : "";
    for (int i = first; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--help" || a == "-h") throw HelpRequest{command_usage(cmd)};
    }
    for (int i = first; i < argc; ++i) {
      const std::string a = argv[i];
      bool* flag = a == "--resume"    ? &resume
                   : a == "--restart" ? &restart
                   : a == "--force"   ? &force
                   : a == "--sync-bn" ? &sync_bn
                                      : nullptr;
      if (flag) {
        const std::string name = a.substr(2);
        if (std::find(known.begin(), known.end(), name) == known.end())
          fail<UsageError>("unknown option '", a, "' for ", cmd);
        *flag = true;
        continue;
      }
      if (a.rfind("--", 0) != 0) fail<UsageError>("unexpected argument '", a, "'");
      const std::string key = a.substr(2);
      if (std::find(known.begin(), known.end(), key) == known.end())
        fail<UsageError>("unknown option '", a, "' for ", cmd, " (see gantry ", cmd, " --help)");
      if (i + 1 >= argc) fail<UsageError>("option '", a, "' needs a value");
      if (key == "set")
        sets.push_back(argv[++i]);
      else
        values[key] = argv[++i];
    }
    for (const auto& [key, text] : values)
      if (const auto range = integer_options().find(key); range != integer_options().end())
        check_range(key, parse_integer(key, text), range->second.lo, range->second.hi);
  }
  bool has(const std::string& k) const { return values.count(k) > 0; }
  std::string str(const std::string& k, const std::string& fallback = "") const {
    auto it = values.find(k);
    return it == values.end() ? fallback : it->second;
  }
  std::string required(const std::string& k) const {
    if (!has(k)) fail<UsageError>("missing --", k);
    return values.at(k);
  }
  int64_t integer(const std::string& k, int64_t fallback) const { return has(k) ? parse_integer(k, values.at(k)) : fallback; }
  // An integer option that must be at least `lo` (and at most `hi`).
  int64_t integer(const std::string& k, int64_t fallback, int64_t lo,
                  int64_t hi = std::numeric_limits<int64_t>::max()) const {
    return check_range(k, integer(k, fallback), lo, hi);
  }
  static int64_t parse_integer(const std::string& k, const std::string& s) {
    int64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) fail<UsageError>("--", k, " expects an integer, found '", s, "'");
    return v;
  }
  static int64_t check_range(const std::string& k, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) {
      if (hi == std::numeric_limits<int64_t>::max()) fail<UsageError>("--", k, " must be >= ", lo, ", found ", v);
      fail<UsageError>("--", k, " must be in [", lo, ", ", hi, "], found ", v);
    }
    return v;
  }
  // --threads T (1 to 1024), applied at once.
  void apply_threads() const {
    if (has("threads")) set_num_threads(static_cast<int>(integer("threads", 1, 1, 1024)));
  }
  // An --out-like option naming a file of kind `kind` that this command will write: refused
  // when it exists (a file of another kind always; the same kind without --force).
  std::string output(const std::string& k, const std::string& fallback, io::FileKind kind) const {
    const std::string path = str(k, fallback);
    if (const std::string why = io::overwrite_problem(path, kind, force); !why.empty()) fail<UsageError>("--", k, ": ", why);
    return path;
  }
};

// What a run was made of; stored in its checkpoints.
struct RunConfig {
  std::string model, data, net;
  int64_t dim = 64;
  json::Value to_json() const { return json::Object{{"model", model}, {"data", data}, {"net", net}, {"dim", dim}}; }
  static RunConfig from_json(const json::Value& v) {
    RunConfig c;
    const auto get = [&](const char* k) -> const json::Value& {
      const json::Value* x = v.is_object() ? v.find(k) : nullptr;
      check<FormatError>(x != nullptr, "checkpoint: the run options have no \"", k, "\" (not written by `gantry train`?)");
      return *x;
    };
    c.model = get("model").as_string();
    c.data = get("data").as_string();
    c.net = get("net").as_string();
    c.dim = get("dim").as_int();
    return c;
  }
  // 2-D points (a toy distribution or points:FILE.csv) rather than images.
  bool toy() const { return data != "fashion-mnist" && !folder(); }
  bool folder() const { return data.rfind("folder:", 0) == 0; }   // folder:DIR, images
  bool points() const { return data.rfind("points:", 0) == 0; }   // points:FILE.csv
  std::string path() const { return data.substr(data.find(':') + 1); }
};

// What a path names, without throwing for one the system refuses to look up (too long, a
// loop of links): that reads as nothing there, so the option's own message names it.
inline std::filesystem::file_status path_status(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::status(path, ignored);
}

// --data checked before any work: a built-in set, folder:DIR or points:FILE.
inline void check_data_option(const RunConfig& c) {
  if (c.data == "fashion-mnist") return;
  if (c.folder() || c.points()) {
    const auto st = path_status(c.path());
    const bool ok = c.folder() ? std::filesystem::is_directory(st) : std::filesystem::is_regular_file(st);
    if (!ok) fail<UsageError>("--data ", c.data, ": ", c.path(), " is not ", c.folder() ? "a directory" : "a file");
    return;
  }
  try {
    data::parse_toy_distribution(c.data);
  } catch (const Error&) {
    fail<UsageError>("--data: expected fashion-mnist, 8gaussians, 25gaussians, swissroll, folder:DIR (a folder of "
                     "images) or points:FILE.csv (2-D points), found '", c.data, "'");
  }
}


// Class-conditional hinge-loss models: the paper's nets at width Ch, Fashion-MNIST padded to 32.
// (And the U-Net GAN models, whose nets are also named after them.)
inline bool hinge_model(const std::string& name) {
  return name == "sagan" || name == "biggan" || name == "biggan-deep" || name == "logan" || name == "adcgan" ||
         name == "acgan" || name == "tacgan" || name == "unetgan" || name == "unetgan-baseline" || name == "icgan" ||
         name == "cc-icgan";
}
// DCGAN-net models (cdcgan class-conditional, the others not), Fashion-MNIST padded to 32.
inline bool dcgan_model(const std::string& name) { return name == "dcgan" || name == "lsgan" || name == "cdcgan"; }
// Two-domain translators (models/csgan.hpp): their own data, nets and commands (translation.hpp).
inline bool translation_model(const std::string& name) { return name == "csgan" || name == "cyclegan"; }

// --preset gantry (the default) or paper, checked.
inline bool paper_preset(const std::string& preset) {
  if (preset != "gantry" && preset != "paper") fail<UsageError>("--preset expects gantry or paper, found '", preset, "'");
  return preset == "paper";
}

// The width a model trains at without --dim: with --preset gantry the one of the results in
// docs/ (Fashion-MNIST: WGAN's nets and DCGAN's at 32, the BigGAN family at Ch 16), with
// --preset paper the papers' (64; 32 for BigGAN-deep and LOGAN, which gantry offers up to 32).
inline int64_t default_dim(const RunConfig& c, bool paper) {
  if (c.toy()) return 512;
  if (!paper) return hinge_model(c.model) ? 16 : 32;
  return c.model == "biggan-deep" || c.model == "logan" ? 32 : 64;
}


// Each --set name=value on the hyper-parameters; a bad one is a usage error.
template <class Hyper>
void apply_sets(Hyper& h, const Args& a) {
  for (const auto& s : a.sets) {
    try {
      models::hyper_set(h, s);
    } catch (const Error& e) {
      fail<UsageError>("--set ", s, ": ", e.what());
    }
  }
}


// --latent-steps N (>= 1) for sample and eval, or 0 when absent.
inline int latent_steps(const Args& a) {
  if (!a.has("latent-steps")) return 0;
  const int64_t n = a.integer("latent-steps", 0);
  if (n < 1) fail<UsageError>("--latent-steps must be >= 1, found ", n);
  return static_cast<int>(n);
}

// --truncation T (> 0), or 0 when absent: no truncation.
inline double truncation(const Args& a) {
  if (!a.has("truncation")) return 0;
  const std::string& s = a.values.at("truncation");
  char* end = nullptr;
  const double t = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !(t > 0))
    fail<UsageError>("--truncation expects a threshold > 0, found '", s, "'");
  return t;
}

// --keys a,b,c: the non-empty names between commas.
inline std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < list.size();) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    if (comma > pos) out.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

// A translator's --data / --test spec: fashion-edges, paired:A,B, side-by-side:DIR or
// unpaired:A,B (translation.hpp loads it).
struct PairSpec {
  std::string kind, dir_a, dir_b;
  static PairSpec parse(const std::string& s, const char* option) {
    PairSpec p;
    const auto colon = s.find(':');
    p.kind = s.substr(0, colon);
    if (p.kind == "fashion-edges" && colon == std::string::npos) return p;
    const std::string rest = colon == std::string::npos ? std::string() : s.substr(colon + 1);
    if (p.kind == "side-by-side" && !rest.empty()) {
      p.dir_a = rest;
      return p;
    }
    const auto comma = rest.find(',');
    if ((p.kind == "paired" || p.kind == "unpaired") && comma != std::string::npos && comma > 0 && comma + 1 < rest.size()) {
      p.dir_a = rest.substr(0, comma);
      p.dir_b = rest.substr(comma + 1);
      return p;
    }
    fail<UsageError>(option, " expects fashion-edges, paired:DIR_A,DIR_B, side-by-side:DIR or unpaired:DIR_A,DIR_B; found '",
                     s, "'");
  }
  bool builtin() const { return kind == "fashion-edges"; }
};

}  // namespace gantry_cli
