// metrics/: Fréchet distance, KID and precision/recall against numpy references
// (tests/fixtures/make_metric_fixtures.py), plus constructed cases for precision/recall, mode
// coverage and class histograms, and the error messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <gantry/core.hpp>
#include <gantry/io.hpp>
#include <gantry/metrics.hpp>
#include <string>
#include <vector>

using namespace gantry;
using namespace gantry::metrics;

namespace {

const io::TensorFile& fixtures() {
  static const io::TensorFile f =
      io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/metric_fixtures.safetensors");
  return f;
}

double scalar(const std::string& name) { return fixtures().get<double>(name).data()[0]; }

// Rows of `points` (given as {x, y} pairs), each repeated `times` times.
Tensor<double, cpu> points2d(const std::vector<std::vector<double>>& points) {
  std::vector<double> v;
  for (const auto& p : points) v.insert(v.end(), p.begin(), p.end());
  return Tensor<double, cpu>::from({static_cast<int64_t>(points.size()), 2}, v);
}

// A small 2-D cluster: a 4 x 5 grid with spacing 1 around (cx, cy).
std::vector<std::vector<double>> cluster(double cx, double cy) {
  std::vector<std::vector<double>> p;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 5; ++j) p.push_back({cx + i, cy + j});
  return p;
}

std::vector<std::vector<double>> join(std::vector<std::vector<double>> a, const std::vector<std::vector<double>>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("feature_stats: mean and unbiased covariance match numpy") {
  const auto a = fixtures().get<double>("a");
  const FeatureStats s = feature_stats(a);
  const auto mean = fixtures().get<double>("a.mean"), cov = fixtures().get<double>("a.cov");
  CHECK(s.count == 200);
  for (int i = 0; i < 8; ++i) CHECK(s.mean(i) == doctest::Approx(mean.data()[i]).epsilon(1e-12));
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) CHECK(s.cov(i, j) == doctest::Approx(cov.data()[i * 8 + j]).epsilon(1e-12));
}

TEST_CASE("frechet_distance: matches numpy, is symmetric, zero on itself, float input") {
  const auto a = fixtures().get<double>("a"), b = fixtures().get<double>("b");
  const double fd = frechet_distance(a, b);
  CHECK(fd == doctest::Approx(scalar("fd.ab")).epsilon(1e-10));
  CHECK(frechet_distance(b, a) == doctest::Approx(fd).epsilon(1e-10));
  CHECK(std::abs(frechet_distance(a, a)) < 1e-10);
  CHECK(frechet_distance(feature_stats(a), feature_stats(b)) == doctest::Approx(fd).epsilon(1e-12));
  const auto af = fixtures().get<float>("a"), bf = fixtures().get<float>("b");
  CHECK(frechet_distance(af, bf) == doctest::Approx(fd).epsilon(1e-5));
}

TEST_CASE("frechet_distance: singular covariances (N < F) stay finite") {
  Rng gen(3);
  const auto x = randn<double>({4, 16}, gen), y = randn<double>({5, 16}, gen);
  const double fd = frechet_distance(x, y);
  CHECK(std::isfinite(fd));
  CHECK(fd > 0);
  // sqrt of rounding-level eigenvalues: ~1e-8 relative to the trace, not exactly 0.
  CHECK(std::abs(frechet_distance(x, x)) < 1e-6 * feature_stats(x).cov.trace());
}

TEST_CASE("frechet_distance: shifted copy gives the squared mean shift") {
  Rng gen(5);
  const auto x = randn<double>({50, 6}, gen);
  auto y = x.clone();
  for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] += (i % 6 == 2) ? 3.0 : 0.0;
  CHECK(frechet_distance(x, y) == doctest::Approx(9.0).epsilon(1e-9));
}

TEST_CASE("kid: one subset of all samples matches numpy's unbiased MMD^2") {
  const auto a = fixtures().get<double>("a"), b = fixtures().get<double>("b");
  Rng gen(1);
  const KidResult r = kid(a, b, gen, 1, 200);
  CHECK(r.mean == doctest::Approx(scalar("kid.ab")).epsilon(1e-10));
  CHECK(r.std == 0.0);
  // Every whole-set subset is a permutation, which the estimate does not depend on.
  const KidResult r3 = kid(a, b, gen, 3, 200);
  CHECK(r3.mean == doctest::Approx(r.mean).epsilon(1e-10));
  CHECK(r3.std < 1e-9 * std::abs(r.mean));
}

TEST_CASE("kid: random subsets are seeded, vary, and are near zero for one distribution") {
  const auto a = fixtures().get<double>("a"), b = fixtures().get<double>("b");
  Rng g1(7), g2(7);
  const KidResult r1 = kid(a, b, g1, 10, 50), r2 = kid(a, b, g2, 10, 50);
  CHECK(r1.mean == r2.mean);
  CHECK(r1.std == r2.std);
  CHECK(r1.std > 0);
  CHECK(r1.mean == doctest::Approx(scalar("kid.ab")).epsilon(0.3));
  // Two halves of the same set: the unbiased estimate is small compared with a vs b.
  const KidResult same = kid(a.narrow0(0, 100), a.narrow0(100, 200), g1, 5, 100);
  CHECK(std::abs(same.mean) < 0.1 * r1.mean);
}

TEST_CASE("precision_recall: matches numpy on the fixture") {
  const auto a = fixtures().get<double>("a"), b = fixtures().get<double>("b");
  const auto ref = fixtures().get<double>("pr.ab");
  const PrecisionRecall pr = precision_recall(a, b, 3);
  CHECK(pr.precision == doctest::Approx(ref.data()[0]));
  CHECK(pr.recall == doctest::Approx(ref.data()[1]));
}

TEST_CASE("precision_recall: identical, disjoint and half-overlapping sets") {
  const auto a = fixtures().get<double>("a");
  const PrecisionRecall same = precision_recall(a, a.clone());
  CHECK(same.precision == 1.0);
  CHECK(same.recall == 1.0);

  const auto near = points2d(cluster(0, 0)), far = points2d(cluster(1000, 1000));
  const PrecisionRecall disjoint = precision_recall(near, far);
  CHECK(disjoint.precision == 0.0);
  CHECK(disjoint.recall == 0.0);

  // real = A + B, fake = A + C with A, B, C far apart: half of each set is inside the other.
  const auto real = points2d(join(cluster(0, 0), cluster(500, 0)));
  const auto fake = points2d(join(cluster(0, 0), cluster(0, 500)));
  const PrecisionRecall half = precision_recall(real, fake, 3);
  CHECK(half.precision == 0.5);
  CHECK(half.recall == 0.5);
  // Float input gives the same answer.
  const auto realf = Tensor<float, cpu>::from(real.shape(), std::vector<float>(real.data(), real.data() + real.numel()));
  const auto fakef = Tensor<float, cpu>::from(fake.shape(), std::vector<float>(fake.data(), fake.data() + fake.numel()));
  CHECK(precision_recall(realf, fakef, 3).precision == 0.5);
}

TEST_CASE("precision_recall: sets larger than one distance block match a direct computation") {
  Rng gen(11);
  const auto real = randn<double>({1100, 3}, gen), fake = rand<double>({1030, 3}, gen, -2.0, 2.0);
  auto sq = [](const Tensor<double, cpu>& p, int64_t i, const Tensor<double, cpu>& q, int64_t j) {
    double d = 0;
    for (int64_t c = 0; c < 3; ++c) d += (p.at(i, c) - q.at(j, c)) * (p.at(i, c) - q.at(j, c));
    return d;
  };
  auto radii = [&](const Tensor<double, cpu>& p) {
    std::vector<double> r;
    for (int64_t i = 0; i < p.dim(0); ++i) {
      std::vector<double> d;
      for (int64_t j = 0; j < p.dim(0); ++j) d.push_back(sq(p, i, p, j));
      std::sort(d.begin(), d.end());
      r.push_back(d[3]);
    }
    return r;
  };
  auto share = [&](const Tensor<double, cpu>& q, const Tensor<double, cpu>& ref, const std::vector<double>& r) {
    int64_t in = 0;
    for (int64_t i = 0; i < q.dim(0); ++i)
      for (int64_t j = 0; j < ref.dim(0); ++j)
        if (sq(q, i, ref, j) <= r[static_cast<std::size_t>(j)]) {
          ++in;
          break;
        }
    return static_cast<double>(in) / static_cast<double>(q.dim(0));
  };
  const PrecisionRecall pr = precision_recall(real, fake, 3);
  CHECK(pr.precision == doctest::Approx(share(fake, real, radii(real))));
  CHECK(pr.recall == doctest::Approx(share(real, fake, radii(fake))));
  CHECK(pr.precision > 0.3);
  CHECK(pr.recall < 1.0);
}

TEST_CASE("mode_coverage: covered modes and high-quality share on exact samples") {
  const double sigma = 0.02, pi = 3.14159265358979323846;
  std::vector<std::vector<double>> modes;
  for (int m = 0; m < 8; ++m) modes.push_back({2 * std::cos(2 * pi * m / 8), 2 * std::sin(2 * pi * m / 8)});
  std::vector<std::vector<double>> s;
  for (int i = 0; i < 100; ++i) s.push_back(modes[0]);                                  // mode 0 exactly
  for (int i = 0; i < 50; ++i) s.push_back({modes[1][0] + 2.5 * sigma, modes[1][1]});  // inside 3 sigma
  s.push_back(modes[2]);                                                                // 1 of 200 < 1%
  for (int i = 0; i < 2; ++i) s.push_back(modes[3]);                                    // 2 of 200 = 1%
  for (int i = 0; i < 40; ++i) s.push_back({modes[4][0] + 3.5 * sigma, modes[4][1]});  // outside 3 sigma
  for (int i = 0; i < 7; ++i) s.push_back({0, 0});                                      // between modes
  REQUIRE(s.size() == 200);
  const ModeCoverage mc = mode_coverage(points2d(s), points2d(modes), sigma);
  CHECK(mc.modes_covered == 3);
  CHECK(mc.high_quality == doctest::Approx(153.0 / 200.0));
  CHECK(mc.mode_counts == std::vector<int64_t>{100, 50, 1, 2, 0, 0, 0, 0});
}

TEST_CASE("class_histogram and class_consistency") {
  const ClassHistogram h = class_histogram({0, 2, 2, 1, 2}, 4);
  CHECK(h.counts == std::vector<int64_t>{1, 1, 3, 0});
  CHECK(h.fraction == std::vector<double>{0.2, 0.2, 0.6, 0.0});
  const auto logits = Tensor<float, cpu>::from({3, 3}, {0.1f, 2.f, -1.f, 5.f, 0.f, 0.f, -1.f, -2.f, -0.5f});
  CHECK(predicted_classes(logits) == std::vector<int64_t>{1, 0, 2});
  CHECK(class_histogram(logits).counts == std::vector<int64_t>{1, 1, 1});
  CHECK(class_consistency(logits, {1, 0, 0}) == doctest::Approx(2.0 / 3.0));
  CHECK(class_consistency(std::vector<int64_t>{1, 2}, std::vector<int64_t>{1, 2}) == 1.0);
  CHECK_THROWS_WITH_AS(class_histogram({0, 4}, 4), "class_histogram: label 4 at index 1 is outside [0, 4)", Error);
  CHECK_THROWS_WITH_AS(class_consistency(std::vector<int64_t>{1}, std::vector<int64_t>{1, 2}),
                       "class_consistency: 1 predictions but 2 intended labels", ShapeError);
}

TEST_CASE("metrics: errors name the problem") {
  const auto x = Tensor<double, cpu>::zeros({10, 4}), y = Tensor<double, cpu>::zeros({10, 5});
  CHECK_THROWS_WITH_AS(frechet_distance(x, y),
                       "frechet_distance: feature widths differ: shapes [10, 4] and [10, 5] (4 vs 5 features)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(frechet_distance(Tensor<double, cpu>::zeros({1, 4}), x),
                       "frechet_distance: real_features has 1 samples (shape [1, 4]), needs at least 2", ShapeError);
  CHECK_THROWS_WITH_AS(feature_stats(Tensor<double, cpu>::zeros({4})),
                       "feature_stats: features must be a feature matrix [N, F], found shape [4]", ShapeError);
  Rng gen(0);
  CHECK_THROWS_WITH_AS(kid(x, x, gen, 1, 20), "kid: real has 10 samples (shape [10, 4]), needs at least 20",
                       ShapeError);
  CHECK_THROWS_WITH_AS(precision_recall(x, y), "precision_recall: feature widths differ: shapes [10, 4] and [10, 5] (4 vs 5 features)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(precision_recall(Tensor<double, cpu>::zeros({3, 4}), x, 3),
                       "precision_recall: real has 3 samples (shape [3, 4]), needs at least 4", ShapeError);
  CHECK_THROWS_WITH_AS(mode_coverage(x, x, 0.0), "mode_coverage: sigma must be > 0, got 0", Error);
}

TEST_CASE("mean_pairwise_distance: hand-computed sets, scale, and bad input") {
  // 0, 1, 3 on a line: pairs 1, 3, 2.
  const auto line = Tensor<double, cpu>::from(Shape{3, 1}, {0.0, 1.0, 3.0});
  CHECK(metrics::mean_pairwise_distance(line) == doctest::Approx(2.0).epsilon(1e-12));
  // Unit square corners: 4 sides of 1, 2 diagonals of sqrt(2).
  const auto square = Tensor<float, cpu>::from(Shape{4, 2}, {0, 0, 1, 0, 0, 1, 1, 1});
  CHECK(metrics::mean_pairwise_distance(square) == doctest::Approx((4 + 2 * std::sqrt(2.0)) / 6).epsilon(1e-6));
  // One repeated point has no diversity; doubling the features doubles it.
  CHECK(metrics::mean_pairwise_distance(Tensor<double, cpu>::from(Shape{3, 2}, {5, 5, 5, 5, 5, 5})) ==
        doctest::Approx(0.0));
  Rng rng(3);
  const auto x = randn<double, cpu>(Shape{1500, 4}, rng);  // more rows than one distance block
  double direct = 0;
  for (int64_t i = 0; i < 1500; ++i)
    for (int64_t j = i + 1; j < 1500; ++j) {
      double s2 = 0;
      for (int64_t f = 0; f < 4; ++f) s2 += (x.at(i, f) - x.at(j, f)) * (x.at(i, f) - x.at(j, f));
      direct += std::sqrt(s2);
    }
  direct /= 1500.0 * 1499.0 / 2;
  CHECK(metrics::mean_pairwise_distance(x) == doctest::Approx(direct).epsilon(1e-9));
  Tensor<double, cpu> doubled = x.clone();
  for (int64_t i = 0; i < doubled.numel(); ++i) doubled.data()[i] *= 2;
  CHECK(metrics::mean_pairwise_distance(doubled) == doctest::Approx(2 * direct).epsilon(1e-9));
  CHECK_THROWS_WITH_AS(metrics::mean_pairwise_distance(Tensor<double, cpu>::zeros(Shape{1, 3})),
                       doctest::Contains("needs at least 2"), ShapeError);
}

TEST_CASE("intra_class_frechet_distance: per class against the class's real images, averaged") {
  // Real: two classes of 40 random 3-d features each. Generated class 0 = real class 0 exactly
  // (FD 0); generated class 1 = real class 1 shifted by (1, 2, 2) (FD = |shift|^2 = 9); rows of
  // the two classes interleaved differently on the two sides.
  Rng rng(4);
  std::vector<float> real, fake;
  std::vector<int64_t> real_y, fake_y;
  std::vector<std::vector<float>> rows[2];
  for (int i = 0; i < 80; ++i) {
    const int k = i % 2;
    std::vector<float> r = {static_cast<float>(rng.normal()), static_cast<float>(rng.normal() * 2),
                            static_cast<float>(rng.normal() + 3 * k)};
    real.insert(real.end(), r.begin(), r.end());
    real_y.push_back(k);
    rows[k].push_back(r);
  }
  for (int k : {1, 0})
    for (const auto& r : rows[k]) {
      fake.insert(fake.end(), {r[0] + (k ? 1.f : 0.f), r[1] + (k ? 2.f : 0.f), r[2] + (k ? 2.f : 0.f)});
      fake_y.push_back(k);
    }
  const auto rt = Tensor<float, cpu>::from({80, 3}, real), ft = Tensor<float, cpu>::from({80, 3}, fake);
  const IntraClassFD d = intra_class_frechet_distance(rt, real_y, ft, fake_y, 2);
  REQUIRE(d.per_class.size() == 2);
  CHECK(d.per_class[0] == doctest::Approx(0.0).epsilon(1e-6).scale(1));
  CHECK(d.per_class[1] == doctest::Approx(9.0).epsilon(1e-5));
  CHECK(d.mean == doctest::Approx(4.5).epsilon(1e-5));
  // The pooled FD sees only the shifted half: much smaller than the intra-class one of class 1.
  CHECK(frechet_distance(rt, ft) < d.per_class[1]);
  CHECK_THROWS_WITH_AS(intra_class_frechet_distance(rt, real_y, ft, fake_y, 3),
                       doctest::Contains("class 2 has 0 real images; at least 2 are needed"), Error);
  fake_y[5] = 7;
  CHECK_THROWS_WITH_AS(intra_class_frechet_distance(rt, real_y, ft, fake_y, 2),
                       doctest::Contains("generated label 7 of row 5 is outside [0, 2)"), ShapeError);
  CHECK_THROWS_WITH_AS(intra_class_frechet_distance(rt, std::vector<int64_t>(3, 0), ft, fake_y, 2),
                       doctest::Contains("80 real features but 3 labels"), ShapeError);
}
