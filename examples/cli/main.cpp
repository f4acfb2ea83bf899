// The `gantry` command line (built as build/<preset>/examples/gantry); cli.hpp has its
// commands, models_*.cpp its models by family:
//
//   gantry train  --model wgan-gp|wgan|sagan|biggan|biggan-deep|logan|adcgan|acgan|tacgan|unetgan|
//                         unetgan-baseline|icgan|cc-icgan|dcgan|lsgan
//                 --data fashion-mnist|8gaussians|25gaussians|swissroll --steps N --out DIR [options]
//   gantry sample --checkpoint FILE [--n 64] [--out grid.png] [--seed S] [--class K] [--truncation T]
//                 [--standing-stats N] [--decision-map maps.png] [--instance image.png]
//   gantry eval   --checkpoint FILE [--samples 10000] [--seed S] [--truncation T] [--standing-stats N]
//   gantry train  --model csgan|cyclegan --data fashion-edges|paired:A,B|side-by-side:D|unpaired:A,B ...
//   gantry translate --checkpoint FILE --in DIR --out DIR [--direction a2b|b2a] [--official NET]
//   gantry plot   --log DIR/log.jsonl --out losses.png [--keys d_loss,g_loss] [--x step]
//
// A checkpoint records the model, the net and the data set it was trained with, so sample and
// eval need only the file. Bad arguments print the usage and exit with status 2; errors while
// running print the message and exit with status 1.
#include <iostream>

#include "cli.hpp"

namespace gantry_cli {

void no_such_model(const RunConfig& c) {
  fail<UsageError>("no ", c.model, " model with --net ", c.net, " --dim ", c.dim, " for --data ", c.data,
                     " (offered: --net resnet --dim 32|64|128 and, for wgan, --net dcgan, for fashion-mnist; "
                     "--net toy --dim 128|512 for the 2-D data; sagan, biggan, adcgan, acgan, tacgan, unetgan, unetgan-baseline, icgan and cc-icgan --dim 16|32|64 and "
                     "biggan-deep and logan --dim 16|32 for fashion-mnist; dcgan and lsgan --dim 32|64 for fashion-mnist)");
}

int with_model(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  for (const Family family : {run_wgan_family, run_hinge_family, run_logan, run_adcgan, run_acgan, run_tacgan, run_unetgan,
                                  run_icgan, run_csgan, run_cyclegan})
    if (const std::optional<int> rc = family(cmd, a, c, f)) return *rc;
  fail<UsageError>("unknown --model '", c.model,
                   "' (expected wgan-gp, wgan, sagan, biggan, biggan-deep, logan, adcgan, acgan, tacgan, unetgan, "
                   "unetgan-baseline, icgan, cc-icgan, dcgan, lsgan, csgan or cyclegan)");
}

int run(int argc, char** argv) {
  if (argc < 2) fail<UsageError>("missing command (train, sample, eval, translate or plot)");
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << usage;
    return 0;
  }
  if (cmd == "train") {
    const Args a(argc, argv, 2,
                 {"model", "data", "steps", "out", "net", "dim", "seed", "threads", "set", "accumulate", "log-every",
                  "sample-every", "checkpoint-every", "eval-every", "eval-samples", "lo", "latent-steps", "schedule",
                  "test", "size", "load-size"});
    if (a.has("threads")) set_num_threads(static_cast<int>(a.integer("threads", 1)));
    RunConfig c;
    c.model = a.required("model");
    c.data = a.required("data");
    if (translation_model(c.model)) {
      const bool builtin = c.data == "fashion-edges";
      const int64_t size = a.integer("size", builtin ? 32 : 256);
      if (builtin ? size != 32 : size != 256 && size != 128)
        fail<UsageError>("--size: ", builtin ? "fashion-edges is 32x32" : "folders train at 256 or 128", ", found ", size);
      c.net = size == 256 ? "resnet_9blocks" : "resnet_6blocks";
      c.dim = a.integer("dim", builtin ? 16 : 64);
      a.required("steps");
      a.required("out");
      return with_model(Command::train, a, c, nullptr);
    }
    if (c.data != "fashion-mnist") data::parse_toy_distribution(c.data);  // names the choices when wrong
    c.net = a.str("net", hinge_model(c.model) ? c.model : dcgan_model(c.model) ? "dcgan" : c.toy() ? "toy" : "resnet");
    c.dim = a.integer("dim", c.toy() ? 512 : c.model == "biggan-deep" || c.model == "logan" ? 32 : 64);
    a.required("steps");
    a.required("out");
    return with_model(Command::train, a, c, nullptr);
  }
  if (cmd == "translate") {
    const Args a(argc, argv, 2, {"checkpoint", "in", "out", "direction", "official", "size", "prefix", "threads"});
    if (a.has("threads")) set_num_threads(static_cast<int>(a.integer("threads", 1)));
    if (a.has("official")) return translate_official(a);
    const io::TensorFile f = io::read_safetensors(a.required("checkpoint"));
    const RunConfig c = RunConfig::from_json(*train::read_checkpoint_info(f).find("run"));
    return with_model(Command::translate, a, c, &f);
  }
  if (cmd == "sample" || cmd == "eval") {
    const Args a(argc, argv, 2, cmd == "sample" ? std::vector<std::string>{"checkpoint", "n", "out", "seed", "class", "nrow", "threads", "truncation",
                                                                           "standing-stats", "latent-steps", "decision-map", "instance", "test"}
                                                : std::vector<std::string>{"checkpoint", "samples", "seed", "threads", "truncation",
                                                                           "standing-stats", "latent-steps", "test"});
    if (a.has("threads")) set_num_threads(static_cast<int>(a.integer("threads", 1)));
    const io::TensorFile f = io::read_safetensors(a.required("checkpoint"));
    const RunConfig c = RunConfig::from_json(*train::read_checkpoint_info(f).find("run"));
    return with_model(cmd == "sample" ? Command::sample : Command::eval, a, c, &f);
  }
  if (cmd == "plot") {
    const Args a(argc, argv, 2, {"log", "out", "keys", "x"});
    std::vector<std::string> keys;
    const std::string list = a.str("keys");
    for (std::size_t pos = 0; pos < list.size();) {
      const std::size_t comma = std::min(list.find(',', pos), list.size());
      if (comma > pos) keys.push_back(list.substr(pos, comma - pos));
      pos = comma + 1;
    }
    io::LossPlotOptions po;
    po.x_key = a.str("x", "step");
    io::plot_losses(a.required("log"), a.required("out"), keys, po);
    std::cout << "wrote " << a.str("out") << '\n';
    return 0;
  }
  fail<UsageError>("unknown command '", cmd, "' (expected train, sample, eval, translate or plot)");
}

}  // namespace gantry_cli

int main(int argc, char** argv) {
  try {
    return gantry_cli::run(argc, argv);
  } catch (const gantry_cli::UsageError& e) {
    std::cerr << "gantry: " << e.what() << "\n\n" << gantry_cli::usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "gantry: " << e.what() << '\n';
    return 1;
  }
}
