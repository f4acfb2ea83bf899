// The `gantry` command line's arguments (examples/cli/args.hpp): the input is argv after the
// program name, NUL-separated. Every command line is either refused with a usage error (exit 2
// in the program) or yields options that are within their documented ranges; no other
// exception, crash or sanitizer report. Nothing is run, written or resized (no --threads).
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "../../examples/cli/args.hpp"

namespace {

// The shapes of field --set parses (bool, int, int64_t, double), as every model's Hyper has.
struct FuzzHyper {
  bool flag = false;
  int n_critic = 5;
  int64_t batch_size = 64;
  double lr = 1e-4;
  template <class F>
  void fields(F&& f) {
    f("flag", flag);
    f("n_critic", n_critic);
    f("batch_size", batch_size);
    f("lr", lr);
  }
};

void parse(std::vector<char*>& argv) {
  using namespace gantry_cli;
  using gantry_fuzz::require;
  const Args a(static_cast<int>(argv.size()), argv.data(), 2, command_options(argv[1]));
  for (const auto& [key, range] : integer_options())
    if (a.has(key)) {
      const int64_t v = a.integer(key, 0);
      require(v >= range.lo && v <= range.hi, "an integer option outside its range was accepted");
    }
  truncation(a);  // (throws a usage error for anything but a threshold > 0)
  paper_preset(a.str("preset", "gantry"));
  for (const std::string& key : split_list(a.str("keys")))
    require(!key.empty() && key.find(',') == std::string::npos, "--keys: non-empty names without commas");
  FuzzHyper h;
  apply_sets(h, a);
  if (a.has("data")) {
    RunConfig c;
    c.model = a.str("model", "wgan-gp");
    c.data = a.str("data");
    if (translation_model(c.model)) {
      const PairSpec p = PairSpec::parse(c.data, "--data");
      require(p.builtin() || !p.dir_a.empty(), "--data: a folder for a folder spec");
      require((p.kind != "paired" && p.kind != "unpaired") || !p.dir_b.empty(), "--data: two folders for a pair spec");
    } else {
      check_data_option(c);  // (looks at the file system, changes nothing)
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words{"gantry"};
  std::string word;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      words.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(data[i]);
    }
  }
  words.push_back(word);
  if (words.size() < 2 || words.size() > 64) return 0;
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  try {
    gantry_fuzz::refusing_is_fine([&] { parse(argv); });  // UsageError is a gantry::Error
  } catch (const gantry_cli::HelpRequest& h) {
    gantry_fuzz::require(h.text.rfind("usage:\n", 0) == 0, "--help prints a usage");
  }
  return 0;
}
