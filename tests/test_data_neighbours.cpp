// data::nearest_neighbours: exact against a double-precision brute force, the same bits for
// every block size and thread count, self and duplicates, faiss's IndexFlatL2 as IC-GAN uses
// it (fixture), save/load, and the errors.
#include <doctest/doctest.h>

#include <gantry/core/factories.hpp>
#include <gantry/data/neighbours.hpp>
#include <gantry/io/safetensors.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace gantry;
using data::NeighbourOptions;
using data::Neighbours;

namespace {

// N(0, 1) rows, L2-normalised (IC-GAN's features are).
Tensor<float, cpu> unit_rows(int64_t n, int64_t f, uint64_t seed) {
  Rng gen(seed);
  auto x = randn<float>({n, f}, gen);
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t j = 0; j < f; ++j) s += double(x.at(i, j)) * x.at(i, j);
    for (int64_t j = 0; j < f; ++j) x.at(i, j) = static_cast<float>(x.at(i, j) / std::sqrt(s));
  }
  return x;
}

// Brute force in double: every distance, sorted by (distance, index).
std::vector<std::vector<std::pair<double, int64_t>>> reference(const Tensor<float, cpu>& q, const Tensor<float, cpu>& b,
                                                               int64_t k, bool self) {
  const int64_t n = q.dim(0), m = b.dim(0), f = q.dim(1);
  std::vector<std::vector<std::pair<double, int64_t>>> out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    std::vector<std::pair<double, int64_t>> all;
    for (int64_t j = 0; j < m; ++j) {
      if (self && j == i) continue;
      double s = 0;
      for (int64_t c = 0; c < f; ++c) {
        const double d = double(q.at(i, c)) - double(b.at(j, c));
        s += d * d;
      }
      all.emplace_back(s, j);
    }
    std::sort(all.begin(), all.end());
    all.resize(static_cast<std::size_t>(k));
    out[i] = std::move(all);
  }
  return out;
}

void check_against_reference(const Neighbours& nn, const std::vector<std::vector<std::pair<double, int64_t>>>& ref) {
  REQUIRE(nn.count == static_cast<int64_t>(ref.size()));
  int wrong_ids = 0, wrong_distances = 0;
  for (int64_t i = 0; i < nn.count; ++i) {
    const auto ids = nn.of(i);
    const auto d = nn.distances_of(i);
    for (int64_t j = 0; j < nn.k; ++j) {
      if (ids[j] != ref[i][j].second) ++wrong_ids;
      const double want = ref[i][j].first;
      if (std::abs(d[j] - want) > 1e-5 * std::max(want, 1e-12)) ++wrong_distances;
    }
  }
  CHECK(wrong_ids == 0);
  CHECK(wrong_distances == 0);
}

bool same(const Neighbours& a, const Neighbours& b) {
  return a.count == b.count && a.k == b.k && a.ids == b.ids && a.distances == b.distances;  // bit for bit
}

struct Threads {
  int old = num_threads();
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(old); }
};

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("gantry_nn_" + std::to_string(::getpid()) + "_" + name)).string();
}

}  // namespace

TEST_CASE("nearest_neighbours equals a double-precision brute force (N = 1000, F = 64, k = 50)") {
  const auto x = unit_rows(1000, 64, 1);
  const auto nn = data::nearest_neighbours(x, 50);
  CHECK(nn.count == 1000);
  CHECK(nn.k == 50);
  REQUIRE(nn.ids.size() == 50000);
  REQUIRE(nn.distances.size() == 50000);
  check_against_reference(nn, reference(x, x, 50, true));
  for (int64_t i = 0; i < nn.count; ++i) {
    const auto ids = nn.of(i);
    CHECK(std::find(ids.begin(), ids.end(), i) == ids.end());  // never itself
    const auto d = nn.distances_of(i);
    CHECK(std::is_sorted(d.begin(), d.end()));
  }
}

TEST_CASE("nearest_neighbours: sizes that do not divide the blocks, and the same bits for any blocks and threads") {
  const auto x = unit_rows(257, 33, 2);
  const auto ref = reference(x, x, 20, true);
  Neighbours first;
  {
    Threads one(1);
    first = data::nearest_neighbours(x, 20, {.query_block = 64, .base_block = 100});
  }
  check_against_reference(first, ref);
  for (int threads : {1, 2, 3}) {
    Threads t(threads);
    for (NeighbourOptions o : {NeighbourOptions{}, NeighbourOptions{1, 1}, NeighbourOptions{7, 13},
                               NeighbourOptions{64, 100}, NeighbourOptions{100, 64}, NeighbourOptions{300, 1000}}) {
      CAPTURE(threads);
      CAPTURE(o.query_block);
      CAPTURE(o.base_block);
      CHECK(same(data::nearest_neighbours(x, 20, o), first));
    }
  }
  // k = N - 1: everything else, in order.
  const auto all = data::nearest_neighbours(x, 256, {.query_block = 64, .base_block = 100});
  check_against_reference(all, reference(x, x, 256, true));
}

TEST_CASE("nearest_neighbours: not normalised, few features, k = 1") {
  Rng gen(3);
  const auto x = randn<float>({300, 3}, gen, 2.0f, 5.0f);
  check_against_reference(data::nearest_neighbours(x, 1), reference(x, x, 1, true));
  check_against_reference(data::nearest_neighbours(x, 7, {.query_block = 5, .base_block = 17}),
                          reference(x, x, 7, true));
}

TEST_CASE("nearest_neighbours: duplicates come first at distance 0, by index; self is excluded by index") {
  // Rows 0, 5, 9 and 12 are the same vector; rows 3 and 4 too.
  auto x = unit_rows(40, 16, 4);
  for (int64_t r : {5, 9, 12})
    for (int64_t c = 0; c < 16; ++c) x.at(r, c) = x.at(0, c);
  for (int64_t c = 0; c < 16; ++c) x.at(4, c) = x.at(3, c);
  for (NeighbourOptions o : {NeighbourOptions{}, NeighbourOptions{3, 5}}) {
    const auto nn = data::nearest_neighbours(x, 5, o);
    const auto n9 = nn.of(9);
    CHECK(std::vector<int64_t>(n9.begin(), n9.begin() + 3) == std::vector<int64_t>{0, 5, 12});
    CHECK(nn.distances_of(9)[2] == 0.0f);
    CHECK(nn.distances_of(9)[3] > 0.0f);
    const auto n0 = nn.of(0);
    CHECK(std::vector<int64_t>(n0.begin(), n0.begin() + 3) == std::vector<int64_t>{5, 9, 12});
    CHECK(nn.of(3)[0] == 4);
    CHECK(nn.of(4)[0] == 3);
    check_against_reference(nn, reference(x, x, 5, true));
  }
}

TEST_CASE("nearest_neighbours: many duplicates and distances below float resolution") {
  // 120 copies of one vector among 300 rows: every copy's 50 neighbours are the other copies
  // with the smallest indices, whatever the blocks (the candidate lists grow past their cap).
  auto x = unit_rows(300, 16, 10);
  for (int64_t r = 0; r < 300; r += 2)
    if (r < 240)
      for (int64_t c = 0; c < 16; ++c) x.at(r, c) = x.at(0, c);
  const auto nn = data::nearest_neighbours(x, 50);
  std::vector<int64_t> want;
  for (int64_t r = 2; want.size() < 50; r += 2) want.push_back(r);
  CHECK(std::vector<int64_t>(nn.of(0).begin(), nn.of(0).end()) == want);
  check_against_reference(nn, reference(x, x, 50, true));
  CHECK(same(data::nearest_neighbours(x, 50, {.query_block = 3, .base_block = 7}), nn));

  // All rows within 1e-6 of one point: the float GEMM cannot rank them (its error is ~1e-6 on
  // distances ~1e-12), the double re-ranking must.
  auto y = unit_rows(200, 16, 11);
  Rng gen(12);
  const auto noise = randn<float>({200, 16}, gen, 0.0f, 1e-6f);
  for (int64_t r = 0; r < 200; ++r)
    for (int64_t c = 0; c < 16; ++c) y.at(r, c) = y.at(0, c) + noise.at(r, c);
  const auto close = data::nearest_neighbours(y, 10, {.query_block = 16, .base_block = 32});
  check_against_reference(close, reference(y, y, 10, true));
  CHECK(same(data::nearest_neighbours(y, 10), close));
}

TEST_CASE("nearest_neighbours(queries, base): held-out queries against a base") {
  const auto base = unit_rows(333, 24, 5);
  auto queries = unit_rows(70, 24, 6);
  for (int64_t c = 0; c < 24; ++c) queries.at(0, c) = base.at(17, c);  // a query that is in the base
  const auto nn = data::nearest_neighbours(queries, base, 10);
  check_against_reference(nn, reference(queries, base, 10, false));
  CHECK(nn.of(0)[0] == 17);
  CHECK(nn.distances_of(0)[0] == 0.0f);
  CHECK(same(data::nearest_neighbours(queries, base, 10, {.query_block = 9, .base_block = 31}), nn));
  CHECK(data::nearest_neighbours(queries, base, 333).k == 333);  // k may be the whole base
}

TEST_CASE("nearest_neighbours agrees with faiss IndexFlatL2 searching k + 1 with self deleted (IC-GAN)") {
  // tests/fixtures/make_neighbour_fixtures.py: 500 x 32 unit rows, k = 50. faiss ranks by
  // float distances, gantry by double ones: neighbours closer than 1e-5 may be swapped, so
  // ids are compared as sets within such groups (the fixture's 50th and 51st neighbours are
  // further apart than that in every row, so each row's set is the same).
  const auto file =
      io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/neighbours/faiss_500x32.safetensors");
  const auto x = file.get<float>("features", Shape{500, 32});
  const auto faiss_ids = file.get_ints("ids");
  const auto faiss_d = file.get<float>("distances", Shape{500, 50}).to_vector();
  const auto nn = data::nearest_neighbours(x, 50);
  REQUIRE(nn.ids.size() == faiss_ids.size());
  int rows_identical = 0, group_mismatches = 0, distance_mismatches = 0;
  for (int64_t i = 0; i < 500; ++i) {
    bool identical = true;
    for (int64_t j0 = 0; j0 < 50;) {
      int64_t j1 = j0 + 1;
      while (j1 < 50 && faiss_d[i * 50 + j1] - faiss_d[i * 50 + j1 - 1] < 1e-5f) ++j1;
      std::multiset<int64_t> a, b;
      for (int64_t j = j0; j < j1; ++j) {
        a.insert(nn.ids[i * 50 + j]);
        b.insert(faiss_ids[i * 50 + j]);
        if (nn.ids[i * 50 + j] != faiss_ids[i * 50 + j]) identical = false;
        if (std::abs(nn.distances[i * 50 + j] - faiss_d[i * 50 + j]) > 1e-5f) ++distance_mismatches;
      }
      if (a != b) ++group_mismatches;
      j0 = j1;
    }
    rows_identical += identical;
  }
  CHECK(group_mismatches == 0);
  CHECK(distance_mismatches == 0);
  MESSAGE(rows_identical, " of 500 rows in exactly faiss's order");
  CHECK(rows_identical >= 450);
}

TEST_CASE("save_neighbours / load_neighbours round trip and checks") {
  const auto x = unit_rows(120, 8, 7);
  const auto nn = data::nearest_neighbours(x, 9);
  const std::string path = temp_path("round_trip.safetensors");
  data::save_neighbours(nn, path, {{"features_sha256", "abc123"}, {"source", "test"}});
  std::map<std::string, std::string> meta;
  const auto back = data::load_neighbours(path, &meta);
  CHECK(same(back, nn));
  CHECK(meta.at("features_sha256") == "abc123");
  CHECK(meta.at("source") == "test");
  CHECK(meta.at("count") == "120");
  CHECK(meta.at("k") == "9");
  CHECK(meta.at("metric") == "squared_l2");
  CHECK(meta.at("content") == "gantry.neighbours");
  const auto file = io::read_safetensors(path);
  CHECK(file.entry("ids").dtype == io::DType::I64);
  CHECK(file.entry("ids").shape == std::vector<int64_t>{120, 9});
  CHECK(file.entry("distances").dtype == io::DType::F32);
  CHECK(data::load_neighbours(path).of(119)[0] == nn.of(119)[0]);

  CHECK_THROWS_WITH_AS(data::save_neighbours(nn, path, {{"k", "3"}}), doctest::Contains("metadata key 'k' is reserved"),
                       Error);
  Neighbours broken = nn;
  broken.ids.pop_back();
  CHECK_THROWS_WITH_AS(data::save_neighbours(broken, path), doctest::Contains("expected 120 x 9 = 1080 ids"), Error);

  // Files that are not what load expects.
  io::SafetensorsWriter w;
  w.add("ids", Tensor<float, cpu>::zeros({2, 3})).add("distances", Tensor<float, cpu>::zeros({2, 3}));
  w.write(path);
  CHECK_THROWS_WITH_AS(data::load_neighbours(path), doctest::Contains("expected 'ids' of dtype I64, found F32"),
                       FormatError);
  io::SafetensorsWriter v;
  v.add_ints("ids", {0, 1, 2, 3, 4, 5}, std::vector<int64_t>{2, 3}).add("distances", Tensor<float, cpu>::zeros({3, 2}));
  v.write(path);
  CHECK_THROWS_WITH_AS(data::load_neighbours(path),
                       doctest::Contains("expected 'distances' of the shape of 'ids', [2, 3], found [3, 2]"),
                       FormatError);
  io::SafetensorsWriter u;
  u.add_ints("ids", {0, 1, -2, 3, 4, 5}, std::vector<int64_t>{2, 3})
      .add("distances", Tensor<float, cpu>::zeros({2, 3}));
  u.write(path);
  CHECK_THROWS_WITH_AS(data::load_neighbours(path), doctest::Contains("found -2 at row 0, column 2"), FormatError);
  io::SafetensorsWriter t;
  t.add_ints("ids", {0, 1, 2, 3, 4, 5}, std::vector<int64_t>{2, 3}).add("distances", Tensor<float, cpu>::zeros({2, 3}));
  t.metadata("k", "4");
  t.write(path);
  CHECK_THROWS_WITH_AS(data::load_neighbours(path), doctest::Contains("metadata k = 4 disagrees with the shape [2, 3]"),
                       FormatError);
  io::SafetensorsWriter s;
  s.add("distances", Tensor<float, cpu>::zeros({2, 3}));
  s.write(path);
  CHECK_THROWS_WITH_AS(data::load_neighbours(path), doctest::Contains("has no tensor 'ids'"), FormatError);
  std::filesystem::remove(path);
  CHECK_THROWS_AS(data::load_neighbours(path), FormatError);
}

TEST_CASE("nearest_neighbours: errors name what was expected and found") {
  const auto x = unit_rows(10, 4, 8);
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(x, 0), doctest::Contains("expected 1 <= k <= 9"), Error);
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(x, 10), doctest::Contains("found k = 10"), Error);
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(Tensor<float, cpu>::zeros({10}), 1),
                       doctest::Contains("expected features of shape [N, F], found shape [10]"), ShapeError);
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(Tensor<float, cpu>::zeros({10, 2, 2}), 1),
                       doctest::Contains("found shape [10, 2, 2]"), ShapeError);
  CHECK_THROWS_AS(data::nearest_neighbours(Tensor<float, cpu>::zeros({10, 0}), 1), ShapeError);
  CHECK_THROWS_AS(data::nearest_neighbours(Tensor<float, cpu>(), 1), Error);
  auto bad = x.clone();
  bad.at(3, 2) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(bad, 2),
                       doctest::Contains("expected finite features, found nan at row 3, column 2"), Error);
  bad.at(3, 2) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(bad, 2), doctest::Contains("found inf at row 3, column 2"), Error);
  bad.at(3, 2) = 3e18f;
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(bad, 2), doctest::Contains("squared L2 norms below 1e36"), Error);
  bad.at(3, 2) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(x, 2, {.query_block = 0}), doctest::Contains("query_block = 0"), Error);
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(x, unit_rows(5, 3, 9), 2),
                       doctest::Contains("same number of features, found shapes [10, 4] and [5, 3]"), ShapeError);
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(x, x.clone(), 11), doctest::Contains("expected 1 <= k <= 10"), Error);
  CHECK_THROWS_WITH_AS(data::nearest_neighbours(x, bad, 2), doctest::Contains("expected finite base"), Error);
  const auto nn = data::nearest_neighbours(x, 2);
  CHECK_THROWS_WITH_AS(nn.of(10), doctest::Contains("expected a sample index in [0, 10), found 10"), Error);
  CHECK_THROWS_AS(nn.of(-1), Error);
}
