// JSONL logs, the progress bar, scatter plots and loss curves.
#include <doctest/doctest.h>

#include <filesystem>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gantry/core.hpp"
#include "gantry/io/jsonl_log.hpp"
#include "gantry/io/plot.hpp"
#include "gantry/train/progress.hpp"

using namespace gantry;
namespace fs = std::filesystem;

namespace {
std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("gantry_log_" + std::to_string(::getpid()) + "_" + name)).string();
}
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST_CASE("JsonlLog writes one object per line, visible at once, and appends on reopen") {
  const std::string path = temp_path("a.jsonl");
  fs::remove(path);
  {
    io::JsonlLog log(path);
    log.write({{"step", 10}, {"d_loss", 0.5}, {"g_loss", 1.25}});
    CHECK(slurp(path) == "{\"step\":10,\"d_loss\":0.5,\"g_loss\":1.25}\n");  // no buffering
    log.write({{"step", 20}, {"d_loss", std::nan("")}});
  }
  {
    io::JsonlLog log(path);  // a resumed run: append
    log.write({{"step", 30}, {"d_loss", 0.25}});
  }
  auto recs = io::read_jsonl(path);
  REQUIRE(recs.size() == 3);
  CHECK(recs[1].find("d_loss")->is_null());  // NaN logged as null
  CHECK(recs[2].find("step")->as_int() == 30);
  {
    io::JsonlOptions o;
    o.truncate = true;
    io::JsonlLog log(path, o);
    log.write({{"step", 1}});
  }
  CHECK(io::read_jsonl(path).size() == 1);
  fs::remove(path);
}

TEST_CASE("JsonlLog resume drops records after the checkpoint step and a crash-cut last line") {
  const std::string path = temp_path("b.jsonl");
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << "{\"step\":100,\"loss\":1.0}\n{\"step\":200,\"loss\":0.5}\n{\"step\":300,\"loss\":0.25}\n{\"step\":4";
  }
  CHECK(io::read_jsonl(path).size() == 3);  // the cut line is ignored
  {
    io::JsonlOptions o;
    o.resume_step = 200;
    io::JsonlLog log(path, o);
    log.write({{"step", 300}, {"loss", 0.3}});
  }
  CHECK(slurp(path) == "{\"step\":100,\"loss\":1.0}\n{\"step\":200,\"loss\":0.5}\n{\"step\":300,\"loss\":0.3}\n");
  {
    std::ofstream f(path, std::ios::binary | std::ios::app);
    f << "{\"step\":40";
  }
  {
    io::JsonlLog log(path);  // plain reopen removes the partial line before appending
    log.write({{"step", 400}});
  }
  const auto recs = io::read_jsonl(path);
  REQUIRE(recs.size() == 4);
  CHECK(recs[3].find("step")->as_int() == 400);
  {
    std::ofstream f(path, std::ios::binary | std::ios::app);
    f << "{bad\n";
  }
  CHECK_THROWS_AS(io::read_jsonl(path), io::json::ParseError);
  fs::remove(path);
}

TEST_CASE("Progress: bar text, rate, ETA and metrics with an injected clock") {
  std::ostringstream out;
  double now = 0;
  train::Progress::Options opt;
  opt.out = &out;
  opt.mode = train::Progress::Mode::terminal;
  opt.bar_width = 10;
  opt.clock = [&] { return now; };
  {
    train::Progress p(1000, "train", opt);
    CHECK(p.render(123, 10.0, {{"d_loss", 0.5312}, {"g_loss", 1.2}}) ==
          "train 123/1000 [=>        ] 12.3 it/s ETA 1:11 d_loss 0.53 g_loss 1.20");
    CHECK(p.render(0, 0.0, {}) == "train 0/1000 [>         ] 0.0 it/s ETA --:--");
    CHECK(p.render(1000, 5.0, {}) == "train 1000/1000 [==========] 200 it/s ETA 0:00");
    CHECK(train::Progress::duration(3725) == "1:02:05");
    CHECK(train::Progress::number(0.001234) == "1.23e-03");
    // Redraws are throttled to one per 0.1 s.
    now = 0.05;
    p.update(1);
    now = 0.08;
    p.update(2);
    now = 0.2;
    p.update(3);
    CHECK(out.str().find("\r") == 0);
    const std::string text = out.str();
    CHECK(std::count(text.begin(), text.end(), '\r') == 2);
    CHECK(out.str().find("3/1000") != std::string::npos);
    CHECK(out.str().find("2/1000") == std::string::npos);
  }
  CHECK(out.str().back() == '\n');  // finish() ends the line

  std::ostringstream lines;
  opt.out = &lines;
  opt.mode = train::Progress::Mode::lines;
  opt.line_every = 4;
  now = 0;
  {
    train::Progress p(10, "", opt);
    CHECK(p.mode() == train::Progress::Mode::lines);
    for (int i = 0; i < 10; ++i) {
      now += 0.5;
      p.tick({{"loss", 1.0}});
    }
  }
  CHECK(lines.str() ==
        "4/10 [====>     ] 2.0 it/s ETA 0:03 loss 1.00\n"
        "8/10 [========> ] 2.0 it/s ETA 0:01 loss 1.00\n"
        "10/10 [==========] 2.0 it/s ETA 0:00 loss 1.00\n");
  // An output stream other than std::cerr never gets \r-redraws in automatic mode.
  opt.mode = train::Progress::Mode::automatic;
  train::Progress p(5, "x", opt);
  CHECK(p.mode() == train::Progress::Mode::lines);
}

TEST_CASE("scatter_plot: real and generated points in their colours, light axes, white background") {
  const std::string path = temp_path("scatter.png");
  auto real = Tensor<float, cpu>::from({2, 2}, {0.0f, 0.0f, -0.5f, 0.75f});
  auto fake = Tensor<float, cpu>::from({1, 2}, {0.5f, 0.5f});
  const io::Extent e{-1, 1, -1, 1};
  io::scatter_plot(path, real, fake, e);
  const io::Image8 img = io::read_png(path);
  REQUIRE(img.width == 512);
  REQUIRE(img.height == 512);
  REQUIRE(img.channels == 3);
  auto rgb = [&](int64_t x, int64_t y) { return io::Rgb{img.at(y, x)[0], img.at(y, x)[1], img.at(y, x)[2]}; };
  CHECK(io::scatter_pixel(0.5, 0.5, e, 512) == std::pair<int64_t, int64_t>{383, 128});  // y grows upwards
  CHECK(rgb(256, 256) == io::Rgb{31, 119, 180});
  CHECK(rgb(128, 64) == io::Rgb{31, 119, 180});  // (-0.5, 0.75)
  CHECK(rgb(383, 128) == io::Rgb{255, 127, 14});
  CHECK(rgb(385, 128) == io::Rgb{255, 127, 14});  // radius 2
  CHECK(rgb(256, 10) == io::Rgb{210, 210, 210});  // the y axis
  CHECK(rgb(10, 256) == io::Rgb{210, 210, 210});  // the x axis
  CHECK(rgb(5, 5) == io::Rgb{255, 255, 255});
  CHECK_THROWS_AS(io::scatter_plot(path, Tensor<float, cpu>::zeros({3}), fake), ShapeError);
  // An automatic extent keeps every point inside the image.
  io::scatter_plot(path, Tensor<float, cpu>::from({2, 2}, {10.f, 20.f, 30.f, 40.f}), fake);
  CHECK(io::read_png(path).width == 512);
  fs::remove(path);
}

TEST_CASE("plot_losses draws each key's curve with axes and a legend from a JSONL log") {
  const std::string log_path = temp_path("loss.jsonl"), png = temp_path("loss.png");
  {
    io::JsonlOptions o;
    o.truncate = true;
    io::JsonlLog log(log_path, o);
    for (int s = 0; s <= 100; s += 10)
      log.write({{"step", s}, {"d_loss", 1.0 - s / 100.0}, {"g_loss", s / 100.0}, {"lr", "2e-4"}});
  }
  io::plot_losses(log_path, png);
  if (const char* keep = std::getenv("GANTRY_KEEP_PLOTS")) fs::copy_file(png, std::string(keep) + "/loss.png", fs::copy_options::overwrite_existing);
  // keys: every numeric field ("lr" is a string)
  const io::Image8 img = io::read_png(png);
  REQUIRE(img.width == 800);
  REQUIRE(img.height == 480);
  auto rgb = [&](int64_t x, int64_t y) { return io::Rgb{img.at(y, x)[0], img.at(y, x)[1], img.at(y, x)[2]}; };
  // Plot area x 64..783, y 16..447; values padded 5%: [-0.05, 1.05]; value 0 is at row 427.
  CHECK(rgb(64, 427) == io::palette[1]);   // g_loss starts at 0
  CHECK(rgb(783, 427) == io::palette[0]);  // d_loss ends at 0
  int64_t counts[3] = {0, 0, 0};
  for (int64_t y = 0; y < img.height; ++y)
    for (int64_t x = 0; x < img.width; ++x) {
      const io::Rgb c = rgb(x, y);
      counts[0] += c == io::palette[0];
      counts[1] += c == io::palette[1];
      counts[2] += c == io::Rgb{0, 0, 0};
    }
  CHECK(counts[0] > 700);  // a diagonal across the plot area
  CHECK(counts[1] > 700);
  CHECK(counts[2] > 1000);  // axes, ticks, labels, legend text
  // Only the requested key; an absent key is an error.
  io::plot_losses(log_path, png, {"g_loss"});
  CHECK_THROWS_AS(io::plot_losses(log_path, png, {"nope"}), Error);
  fs::remove(log_path);
  fs::remove(png);
}

TEST_CASE("plot_losses: another field as the horizontal axis (a sweep's log)") {
  const std::string log_path = temp_path("sweep.jsonl"), png = temp_path("sweep.png");
  {
    io::JsonlOptions o;
    o.truncate = true;
    io::JsonlLog log(log_path, o);
    for (int t = 1; t <= 4; ++t) log.write({{"truncation", 0.5 * t}, {"fd", 10.0 * t}, {"step", 1000}});
  }
  io::LossPlotOptions opt;
  opt.x_key = "truncation";
  io::plot_losses(log_path, png, {"fd"}, opt);
  const io::Image8 img = io::read_png(png);
  // fd rises from the bottom left (t 0.5) to the top right (t 2.0) of the plot area.
  auto is_fd = [&](int64_t x, int64_t y) {
    return io::Rgb{img.at(y, x)[0], img.at(y, x)[1], img.at(y, x)[2]} == io::palette[0];
  };
  CHECK(is_fd(64, 427));
  CHECK(is_fd(783, 36));
  // Without keys, every numeric field but the x key is drawn; a missing x key is named.
  io::plot_losses(log_path, png, {}, opt);
  opt.x_key = "threshold";
  CHECK_THROWS_WITH_AS(io::plot_losses(log_path, png, {"fd"}, opt), doctest::Contains("\"threshold\""), Error);
  fs::remove(log_path);
  fs::remove(png);
}

TEST_CASE("nice_ticks picks 1-2-5 steps") {
  const auto t = io::detail::nice_ticks(0, 1, 5);
  REQUIRE(t.size() == 6);
  for (int i = 0; i < 6; ++i) CHECK(t[i] == doctest::Approx(0.2 * i));
  CHECK(io::detail::nice_ticks(-0.05, 1.05, 6).front() == doctest::Approx(0.0));
  CHECK(io::detail::nice_ticks(0, 1000, 8).size() == 11);
  CHECK(io::detail::tick_label(2000) == "2e+03");
  CHECK(io::detail::tick_label(io::detail::nice_ticks(-1, 1, 4)[2]) == "0");
}

TEST_CASE("plot_losses: by default the step losses, not the seconds, rates or evaluations; one record is a dot") {
  std::vector<io::json::Value> recs;
  recs.push_back(io::json::Object{{"step", 10}, {"seconds", 1.5}, {"d_loss", 0.5}, {"g_loss", 0.25}, {"lr_g", 1e-4}});
  recs.push_back(io::json::Object{{"step", 10}, {"fd", 300.0}});
  CHECK(io::default_plot_keys(recs, "step") == std::vector<std::string>{"d_loss", "g_loss"});
  // Without step records (an evaluation sweep): every numeric field but the x key.
  CHECK(io::default_plot_keys({recs[1]}, "step") == std::vector<std::string>{"fd"});
  const std::string log_path = temp_path("one.jsonl"), png = temp_path("one.png");
  {
    io::JsonlOptions o;
    o.truncate = true;
    io::JsonlLog log(log_path, o);
    log.write({{"step", 1}, {"seconds", 0.1}, {"d_loss", 0.5}});
  }
  io::plot_losses(log_path, png);
  const io::Image8 img = io::read_png(png);
  int64_t dots = 0;
  for (int64_t y = 0; y < img.height; ++y)
    for (int64_t x = 0; x < img.width; ++x)
      dots += io::Rgb{img.at(y, x)[0], img.at(y, x)[1], img.at(y, x)[2]} == io::palette[0];
  CHECK(dots > 4);  // the point (and the legend's swatch)
  fs::remove(log_path);
  fs::remove(png);
}
