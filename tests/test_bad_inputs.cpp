// The bad-input corpus (tests/bad_inputs/, made by tests/fixtures/make_bad_inputs.py): every
// file, opened with its reader, must fail with a gantry error that says what messages.tsv
// says, under a 4 GiB address-space limit, so that a few bytes claiming gigabytes cannot be
// allocated as claimed (that would throw std::bad_alloc instead, and fail here).
#include <doctest/doctest.h>

#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gantry/data/cifar.hpp"
#include "gantry/data/idx.hpp"
#include "gantry/data/image_folder.hpp"
#include "gantry/data/point_set.hpp"
#include "gantry/io/json.hpp"
#include "gantry/io/jsonl_log.hpp"
#include "gantry/io/png.hpp"
#include "gantry/io/safetensors.hpp"
#include "gantry/train/checkpoint.hpp"

using namespace gantry;

namespace {

const std::string corpus = std::string(GANTRY_TEST_DATA_DIR) + "/bad_inputs/";

struct Case {
  std::string reader, file, message;
};

std::vector<Case> cases() {
  std::ifstream in(corpus + "messages.tsv");
  REQUIRE_MESSAGE(in.good(), "cannot open ", corpus, "messages.tsv");
  std::vector<Case> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto a = line.find('\t'), b = line.find('\t', a + 1);
    REQUIRE_MESSAGE((a != std::string::npos && b != std::string::npos), "messages.tsv: bad line '", line, "'");
    out.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Opens `path` as `reader` would; returns normally only if the file was accepted.
void open_as(const std::string& reader, const std::string& path) {
  if (reader == "safetensors") {
    io::read_safetensors(path);
  } else if (reader == "checkpoint") {
    train::read_checkpoint_info(io::read_safetensors(path));
  } else if (reader == "idx") {
    data::read_idx(path);
  } else if (reader == "png") {
    io::read_png(path);
  } else if (reader == "image") {
    data::detail::decode_image(path, 1);
  } else if (reader == "cifar") {
    std::vector<std::uint8_t> pixels;
    std::vector<int64_t> labels;
    data::detail::read_cifar_file("cifar10", path, 1, 0, 10, pixels, labels);
  } else if (reader == "points") {
    data::read_points_csv(path);
  } else if (reader == "json") {
    io::json::parse(read_text(path));
  } else if (reader == "jsonl") {
    io::read_jsonl(path);
  } else {
    FAIL("messages.tsv names an unknown reader '", reader, "'");
  }
}

}  // namespace

TEST_CASE("every file of the bad-input corpus is refused with its message, without allocating what it claims") {
#if !defined(__SANITIZE_ADDRESS__)
  // (The soft limit only, so that it can be restored; ASan reserves more address space.)
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_AS, &old) == 0);
  const rlim_t cap = rlim_t{4} << 30;
  if (old.rlim_cur == RLIM_INFINITY || old.rlim_cur > cap) {
    const rlimit limit{cap, old.rlim_max};
    REQUIRE(::setrlimit(RLIMIT_AS, &limit) == 0);
  }
#endif
  const auto all = cases();
  CHECK(all.size() >= 40);
  for (const Case& c : all) {
    CAPTURE(c.file);
    std::string got = "(accepted: no error)";
    try {
      open_as(c.reader, corpus + c.file);
    } catch (const Error& e) {
      got = e.what();
    } catch (const std::exception& e) {
      got = std::string("not a gantry error: ") + typeid(e).name() + ": " + e.what();
    }
    CHECK_MESSAGE(got.rfind("not a gantry error", 0) != 0, c.file, ": ", got);
    CHECK_MESSAGE(got != "(accepted: no error)", c.file, " was accepted");
    CHECK_MESSAGE(got.find(c.message) != std::string::npos, c.file, ": expected the message to contain '", c.message,
                  "', found '", got, "'");
  }
#if !defined(__SANITIZE_ADDRESS__)
  ::setrlimit(RLIMIT_AS, &old);
#endif
}
