// The `gantry` command line (built as build/<preset>/examples/gantry); cli.hpp has its
// commands, models_*.cpp its models by family:
//
//   gantry train  --model wgan-gp|wgan|sagan|biggan|biggan-deep|logan|adcgan|acgan|tacgan|unetgan|
//                         unetgan-baseline|icgan|cc-icgan|dcgan|lsgan|cdcgan
//                 --data fashion-mnist|8gaussians|25gaussians|swissroll --steps N --out DIR [options]
//   gantry sample --checkpoint FILE [--n 64] [--out grid.png] [--seed S] [--class K] [--truncation T]
//                 [--standing-stats N] [--decision-map maps.png] [--instance image.png]
//   gantry eval   --checkpoint FILE [--samples 10000] [--seed S] [--truncation T] [--standing-stats N]
//   gantry train  --model csgan|cyclegan --data fashion-edges|paired:A,B|side-by-side:D|unpaired:A,B ...
//   gantry translate --checkpoint FILE --in DIR --out DIR [--direction a2b|b2a] [--official NET]
//   gantry plot   --log DIR/log.jsonl --out losses.png [--keys d_loss,g_loss] [--x step]
//   gantry bench  --model M [--dim D] [--threads T] [--steps 3]   (step times of a preset)
//   mpirun -np N gantry train ...   data-parallel (built with gantry::mpi)
//
// A checkpoint records the model, the net and the data set it was trained with, so sample and
// eval need only the file. Bad arguments print the usage and exit with status 2; errors while
// running print the message and exit with status 1.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <thread>

#include "cli.hpp"
#ifdef GANTRY_WITH_MPI
#include "gantry/distributed/mpi.hpp"
#endif

namespace gantry_cli {

namespace {
// Every G/D preset the command line offers (the tables of models_*.cpp).
const std::vector<Offer>& offers() {
  static const std::vector<Offer> all = [] {
    std::vector<Offer> v;
    for (const Offers table : {wgan_offers(), cdcgan_offers(), hinge_offers(), logan_offers(), adcgan_offers(),
                               acgan_offers(), tacgan_offers(), unetgan_offers(), icgan_offers()})
      v.insert(v.end(), table.begin(), table.end());
    return v;
  }();
  return all;
}
const Family translators[] = {run_csgan, run_cyclegan};
constexpr std::string_view translator_names = "csgan, cyclegan";

// What `model` is offered with, e.g. "--net resnet --dim 32|64|128 for images; --net toy --dim 512|128 for
// 2-D points".
std::string offered(std::string_view model) {
  std::vector<std::pair<std::string, std::string>> groups;  // (--net and data, dims)
  for (const Offer& o : offers()) {
    if (o.model != model) continue;
    const std::string key = "--net " + std::string(o.net) + (o.data == Data::points ? " (2-D points)" : " (images)");
    auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& p) { return p.first == key; });
    if (g == groups.end()) g = groups.insert(groups.end(), {key, ""});
    g->second += (g->second.empty() ? "" : "|") + std::to_string(o.dim);
  }
  std::string s;
  for (const auto& [key, dims] : groups) s += (s.empty() ? "" : "; ") + key + " --dim " + dims;
  return s;
}
}  // namespace

void no_such_model(const RunConfig& c) {
  fail<UsageError>("no ", c.model, " model with --net ", c.net, " --dim ", c.dim, " for --data ", c.data,
                   " (offered: ", offered(c.model), ")");
}

int with_model(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  bool known = false;
  for (const Offer& o : offers()) {
    if (o.model != c.model) continue;
    known = true;
    if (o.net == c.net && o.dim == c.dim && (o.data == Data::points) == c.toy()) return o.run(cmd, a, c, f);
  }
  if (known) no_such_model(c);
  for (const Family translator : translators)
    if (const std::optional<int> rc = translator(cmd, a, c, f)) return *rc;
  std::vector<std::string_view> seen;
  std::string names;
  for (const Offer& o : offers()) {
    if (std::find(seen.begin(), seen.end(), o.model) != seen.end()) continue;
    seen.push_back(o.model);
    names += std::string(o.model) + ", ";
  }
  fail<UsageError>("unknown --model '", c.model, "' (expected ", names, translator_names, ")");
}

// The command line's words for a run, as in a usage line.
std::string describe(const RunConfig& c) {
  return "--model " + c.model + " --data " + c.data + " --net " + c.net + " --dim " + std::to_string(c.dim);
}

// --resume of a run made by another model, net, width or data set: both sides named, before
// any work (the hyper-parameters would otherwise fail on a field of the other model).
void check_resumed_run(const Args& a, const RunConfig& c) {
  const std::filesystem::path ckpt = std::filesystem::path(a.required("out")) / "checkpoint.safetensors";
  if (!a.resume || !std::filesystem::exists(ckpt)) return;
  const io::TensorFile f = io::read_safetensors(ckpt.string());
  const json::Value info = train::read_checkpoint_info(f);
  const json::Value* run = info.find("run");
  if (run == nullptr || !run->is_object()) return;  // (the trainer's own check names what differs)
  const RunConfig was = RunConfig::from_json(*run);
  if (was.model != c.model || was.data != c.data || was.net != c.net || was.dim != c.dim)
    fail<UsageError>("--resume: ", a.str("out"), " holds a run of ", describe(was), "; this command asks for ", describe(c),
                     " (resume with the run's own options, or choose another --out)");
}

// --data-dir DIR: where the built-in data sets are (data/fashion_mnist.hpp reads GANTRY_DATA_DIR).
void apply_data_dir(const Args& a) {
  if (!a.has("data-dir")) return;
  const std::string dir = a.str("data-dir");
  if (!std::filesystem::is_directory(path_status(dir))) fail<UsageError>("--data-dir: ", dir, " is not a directory");
  ::setenv("GANTRY_DATA_DIR", dir.c_str(), 1);
}

// The run options of a checkpoint: those `gantry train` recorded, or, for one written through
// the library (whose run options are the trainer's, empty by default), the command line's
// net and width of its model that load it (the data set: Fashion-MNIST for images, 8
// Gaussians' reference points for 2-D samples).
RunConfig checkpoint_run(const Args& a, const io::TensorFile& f) {
  const json::Value info = train::read_checkpoint_info(f);
  const json::Value* run = info.find("run");
  if (run != nullptr && run->is_object() && run->find("model") != nullptr) return RunConfig::from_json(*run);
  const json::Value* name = info.find("model");
  check<FormatError>(name != nullptr && name->is_string(), f.path, ": the checkpoint names no model");
  std::string model = name->as_string();
  std::replace(model.begin(), model.end(), '_', '-');  // cc_icgan is --model cc-icgan
  for (const std::string data : {"fashion-mnist", "8gaussians"})
    for (const std::string& net : {model, std::string("resnet"), std::string("dcgan"), std::string("toy")})
      for (const int64_t dim : {16, 32, 64, 128, 512}) {
        const RunConfig c{model, data, net, dim};
        try {
          with_model(Command::probe, a, c, &f);
        } catch (const std::exception&) {
          continue;  // not this net or width
        }
        std::cerr << "gantry: " << f.path << " was written through the library; it loads as " << describe(c) << '\n';
        return c;
      }
  fail<FormatError>(f.path, ": a ", model, " checkpoint without the command line's run options (written through the "
                    "library), and none of the command line's ", model, " nets and widths (--net, --dim) loads it");
}

int run(int argc, char** argv) {
  if (argc < 2) fail<UsageError>("missing command (train, sample, eval, translate, plot or bench)");
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << usage;
    return 0;
  }
  const Args a(argc, argv, 2, command_options(cmd));  // an unknown command or option: a usage error
  if (cmd == "train") {
    a.apply_threads();
    apply_data_dir(a);
    RunConfig c;
    c.model = a.required("model");
    c.data = a.required("data");
    a.required("steps");
    const std::string out = a.required("out");
    if (const auto st = path_status(out); std::filesystem::exists(st) && !std::filesystem::is_directory(st))
      fail<UsageError>("--out: ", out, " exists and is ", io::describe(io::file_kind(out)), ", not a run directory");
    if (!a.resume && !a.restart)
      if (const auto used = train::existing_run_file(out))
        fail<UsageError>("--out: ", out, " already holds a run (", *used,
                         " exists); pass --resume to continue it, --restart to discard it and start anew, or "
                         "choose another --out");
    if (translation_model(c.model)) {
      const bool builtin = c.data == "fashion-edges";
      const int64_t size = a.integer("size", builtin ? 32 : 256);
      if (builtin ? size != 32 : size != 256 && size != 128)
        fail<UsageError>("--size: ", builtin ? "fashion-edges is 32x32" : "folders train at 256 or 128", ", found ", size);
      c.net = size == 256 ? "resnet_9blocks" : "resnet_6blocks";
      c.dim = a.integer("dim", builtin ? 16 : 64);
      check_resumed_run(a, c);
      return with_model(Command::train, a, c, nullptr);
    }
    check_data_option(c);
    c.net = a.str("net", hinge_model(c.model) ? c.model : dcgan_model(c.model) ? "dcgan" : c.toy() ? "toy" : "resnet");
    c.dim = a.integer("dim", default_dim(c, paper_preset(a.str("preset", "gantry"))));
    check_resumed_run(a, c);
    return with_model(Command::train, a, c, nullptr);
  }
  if (cmd == "translate") {
    a.apply_threads();
    if (a.has("official")) return translate_official(a);
    const io::TensorFile f = io::read_safetensors(a.required("checkpoint"));
    const RunConfig c = RunConfig::from_json(*train::read_checkpoint_info(f).find("run"));
    return with_model(Command::translate, a, c, &f);
  }
  if (cmd == "sample" || cmd == "eval") {
    a.apply_threads();
    apply_data_dir(a);
    if (cmd == "sample") {  // before any work: the picture must not replace anything
      const bool map = a.has("decision-map");
      a.output(map ? "decision-map" : "out", map ? "" : "samples.png", io::FileKind::png);
    }
    const std::string path = a.required("checkpoint");
    if (const io::FileKind k = io::file_kind(path); k != io::FileKind::safetensors)
      fail<UsageError>("--checkpoint: ", path, k == io::FileKind::missing ? " does not exist" : " is " + std::string(io::describe(k)),
                       "; expected a gantry checkpoint (a run's checkpoint.safetensors)");
    const io::TensorFile f = io::read_safetensors(path);
    const RunConfig c = checkpoint_run(a, f);
    return with_model(cmd == "sample" ? Command::sample : Command::eval, a, c, &f);
  }
  if (cmd == "bench") {
    a.apply_threads();
    apply_data_dir(a);
    RunConfig c;
    c.model = a.required("model");
    c.data = a.str("data", "fashion-mnist");
    if (translation_model(c.model))
      fail<UsageError>("bench: ", c.model, " is a translator; bench/bench_csgan_steps times its iterations");
    check_data_option(c);
    c.net = a.str("net", hinge_model(c.model) ? c.model : dcgan_model(c.model) ? "dcgan" : c.toy() ? "toy" : "resnet");
    c.dim = a.integer("dim", default_dim(c, paper_preset(a.str("preset", "gantry"))));
    return with_model(Command::bench, a, c, nullptr);
  }
  if (cmd == "plot") {
    const std::string log = a.required("log"), out = a.output("out", a.required("out"), io::FileKind::png);
    if (!std::filesystem::is_regular_file(path_status(log))) fail<UsageError>("--log: ", log, " is not a file");
    const std::vector<std::string> keys = split_list(a.str("keys"));
    io::LossPlotOptions po;
    po.x_key = a.str("x", "step");
    io::plot_losses(log, out, keys, po);
    std::cout << "wrote " << out << '\n';
    return 0;
  }
  return 2;  // (command_options knows no other command)
}

}  // namespace gantry_cli

int main(int argc, char** argv) {
#ifdef GANTRY_WITH_MPI
  // Under mpirun (or srun) every process joins the run; rank 0 alone prints.
  std::optional<gantry::distributed::MpiSession> mpi;
  std::optional<gantry::distributed::MpiGroup> world;
  std::streambuf* const out = std::cout.rdbuf();
  if (gantry::distributed::launched_by_mpi()) {
    mpi.emplace(&argc, &argv);
    world.emplace();
    if (world->size() > 1) gantry_cli::process_group = &*world;
    if (world->rank() != 0) std::cout.rdbuf(nullptr);
    if (std::getenv("GANTRY_NUM_THREADS") == nullptr)
      gantry::set_num_threads(std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / world->local_size()));
  }
  struct RestoreCout {
    std::streambuf* buf;
    ~RestoreCout() { std::cout.rdbuf(buf); }
  } restore{out};
#endif
  try {
    return gantry_cli::run(argc, argv);
  } catch (const gantry_cli::HelpRequest& h) {
    std::cout << h.text;
    return 0;
  } catch (const gantry_cli::UsageError& e) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    const std::string own = gantry_cli::command_usage(cmd);
    std::cerr << "gantry: " << e.what() << "\n\n" << (own == "usage:\n" ? std::string(gantry_cli::usage) : own);
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "gantry: out of memory: this run needs more than the machine could give (lower --set batch_size, "
                 "--dim, --n or --samples)\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "gantry: " << e.what() << '\n';
    return 1;
  }
}
