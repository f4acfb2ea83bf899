// metrics/image_similarity.hpp: MSE, PSNR and SSIM against scikit-image
// (tests/fixtures/make_image_similarity_fixtures.py), hand-computed cases (constant images,
// identical images), symmetry, scale and thread-count invariance, and the error messages.
#include <doctest/doctest.h>

#include <cmath>
#include <gantry/core.hpp>
#include <gantry/io.hpp>
#include <gantry/metrics/image_similarity.hpp>
#include <string>
#include <vector>

using namespace gantry;
using namespace gantry::metrics;

namespace {

const io::TensorFile& fixtures() {
  static const io::TensorFile f =
      io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/image_similarity_fixtures.safetensors");
  return f;
}

double scalar(const std::string& name) { return fixtures().get<double>(name).data()[0]; }

const std::vector<std::string> cases = {"random_rgb32", "gray11", "bytes17x23", "identical", "shifted", "noisy255"};

Tensor<float, cpu> constant(const Shape& shape, float value) {
  return Tensor<float, cpu>::from(shape, std::vector<float>(static_cast<std::size_t>(shape.numel()), value));
}

Tensor<float, cpu> scaled(const Tensor<float, cpu>& t, float a, float b) {
  std::vector<float> v = t.to_vector();
  for (float& x : v) x = a * x + b;
  return Tensor<float, cpu>::from(t.shape(), v);
}

}  // namespace

TEST_CASE("image_similarity: per-image MSE, PSNR and SSIM match scikit-image") {
  for (const std::string& name : cases) {
    CAPTURE(name);
    const auto pred = fixtures().get<float>(name + ".pred"), target = fixtures().get<float>(name + ".target");
    const double range = scalar(name + ".range");
    const auto ref_mse = fixtures().get<double>(name + ".mse"), ref_psnr = fixtures().get<double>(name + ".psnr"),
               ref_ssim = fixtures().get<double>(name + ".ssim");
    const std::vector<ImageSimilarity> per = image_similarity_per_image(pred, target, range);
    REQUIRE(static_cast<int64_t>(per.size()) == pred.dim(0));
    ImageSimilarity mean;
    for (std::size_t i = 0; i < per.size(); ++i) {
      CAPTURE(i);
      CHECK(per[i].mse == doctest::Approx(ref_mse.data()[i]).epsilon(1e-6));
      CHECK(std::abs(per[i].psnr - ref_psnr.data()[i]) < 1e-4);
      CHECK(std::abs(per[i].ssim - ref_ssim.data()[i]) < 1e-5);
      mean.mse += ref_mse.data()[i] / static_cast<double>(per.size());
      mean.psnr += ref_psnr.data()[i] / static_cast<double>(per.size());
      mean.ssim += ref_ssim.data()[i] / static_cast<double>(per.size());
    }
    const ImageSimilarity batch = image_similarity(pred, target, range);
    CHECK(batch.mse == doctest::Approx(mean.mse).epsilon(1e-6));
    CHECK(std::abs(batch.psnr - mean.psnr) < 1e-4);
    CHECK(std::abs(batch.ssim - mean.ssim) < 1e-5);
    // The single measures agree with the combined one; MSE over everything with skimage's.
    CHECK(mse(pred, target) == doctest::Approx(scalar(name + ".mse_all")).epsilon(1e-6));
    CHECK(mse(pred, target) == doctest::Approx(batch.mse).epsilon(1e-12));
    CHECK(psnr(pred, target, range) == doctest::Approx(batch.psnr).epsilon(1e-12));
    CHECK(ssim(pred, target, range) == doctest::Approx(batch.ssim).epsilon(1e-12));
  }
}

TEST_CASE("image_similarity: double input gives the float input's values") {
  const auto pred = fixtures().get<float>("bytes17x23.pred"), target = fixtures().get<float>("bytes17x23.target");
  const auto pd = fixtures().get<double>("bytes17x23.pred"), td = fixtures().get<double>("bytes17x23.target");
  const ImageSimilarity f = image_similarity(pred, target, 255.0), d = image_similarity(pd, td, 255.0);
  CHECK(f.mse == doctest::Approx(d.mse).epsilon(1e-12));
  CHECK(f.psnr == doctest::Approx(d.psnr).epsilon(1e-12));
  CHECK(f.ssim == doctest::Approx(d.ssim).epsilon(1e-12));
}

TEST_CASE("image_similarity: identical images give SSIM 1, MSE 0 and PSNR at the 100 dB floor") {
  Rng gen(3);
  const auto x = rand<float>({2, 3, 13, 15}, gen, -1.0, 1.0);
  for (const ImageSimilarity& s : image_similarity_per_image(x, x, 2.0)) {
    CHECK(s.mse == 0.0);
    CHECK(s.psnr == doctest::Approx(100.0).epsilon(1e-12));
    CHECK(s.ssim == doctest::Approx(1.0).epsilon(1e-12));
  }
  // The floor is relative to L^2: the same images on the byte scale also give 100 dB.
  CHECK(psnr(x, x, 255.0) == doctest::Approx(100.0).epsilon(1e-12));
}

TEST_CASE("image_similarity: SSIM is symmetric; MSE and PSNR too") {
  const auto pred = fixtures().get<float>("random_rgb32.pred"), target = fixtures().get<float>("random_rgb32.target");
  const ImageSimilarity ab = image_similarity(pred, target, 2.0), ba = image_similarity(target, pred, 2.0);
  CHECK(ab.ssim == doctest::Approx(ba.ssim).epsilon(1e-12));
  CHECK(ab.mse == ba.mse);
  CHECK(ab.psnr == ba.psnr);
}

TEST_CASE("image_similarity: constant images, by hand") {
  // x = 0.2, y = 0.5 everywhere, L = 2: variances and covariance are 0, so the contrast-structure
  // term is C2 / C2 = 1 and SSIM is the luminance term alone:
  //   (2 * 0.2 * 0.5 + C1) / (0.2^2 + 0.5^2 + C1) with C1 = (0.01 * 2)^2 = 4e-4
  //   = 0.2004 / 0.2904.
  // MSE = 0.3^2 = 0.09, PSNR = 10 log10(4 / 0.09).
  const auto x = constant({2, 3, 12, 14}, 0.2f), y = constant({2, 3, 12, 14}, 0.5f);
  const ImageSimilarity s = image_similarity(x, y, 2.0);
  const double dx = static_cast<double>(0.2f), dy = static_cast<double>(0.5f);  // the stored floats
  CHECK(s.ssim == doctest::Approx((2 * dx * dy + 4e-4) / (dx * dx + dy * dy + 4e-4)).epsilon(1e-10));
  CHECK(s.ssim == doctest::Approx(0.2004 / 0.2904).epsilon(1e-7));
  CHECK(s.mse == doctest::Approx(0.09).epsilon(1e-7));
  CHECK(s.psnr == doctest::Approx(10 * std::log10(4 / 0.09)).epsilon(1e-7));
  // The same shift on the byte scale: x = 51, y = 127.5 (= 0.2 and 0.5 of 255), C1 = 2.55^2.
  const auto xb = constant({1, 1, 11, 11}, 51.0f), yb = constant({1, 1, 11, 11}, 127.5f);
  const double c1 = 2.55 * 2.55;
  CHECK(ssim(xb, yb, 255.0) == doctest::Approx((2 * 51.0 * 127.5 + c1) / (51.0 * 51.0 + 127.5 * 127.5 + c1)));
}

TEST_CASE("image_similarity: a brightness shift lowers SSIM, leaving the structure term at 1") {
  // y = x + d: the local variances and covariance are equal, so SSIM < 1 comes from the luminance
  // term only; a larger shift lowers it further.
  const auto x = fixtures().get<float>("shifted.target");
  const double s1 = ssim(scaled(x, 1, 0.05f), x, 2.0), s2 = ssim(scaled(x, 1, 0.15f), x, 2.0);
  CHECK(s1 < 1.0);
  CHECK(s2 < s1);
  CHECK(std::abs(s2 - scalar("shifted.ssim")) < 1e-5);
}

TEST_CASE("image_similarity: scaling the images and the data range together keeps SSIM and PSNR") {
  const auto pred = fixtures().get<float>("random_rgb32.pred"), target = fixtures().get<float>("random_rgb32.target");
  // [-1, 1] with L = 2 to [-127.5, 127.5] with L = 255. (An offset would change SSIM: its
  // luminance term depends on the local means themselves, not only on their difference.)
  const ImageSimilarity a = image_similarity(pred, target, 2.0);
  const ImageSimilarity b = image_similarity(scaled(pred, 127.5f, 0), scaled(target, 127.5f, 0), 255.0);
  CHECK(b.ssim == doctest::Approx(a.ssim).epsilon(1e-6));
  CHECK(b.psnr == doctest::Approx(a.psnr).epsilon(1e-6));
  CHECK(b.mse == doctest::Approx(a.mse * 127.5 * 127.5).epsilon(1e-6));
  // PSNR and MSE do not see an offset.
  const ImageSimilarity c = image_similarity(scaled(pred, 1, 1), scaled(target, 1, 1), 2.0);
  CHECK(c.psnr == doctest::Approx(a.psnr).epsilon(1e-6));
  CHECK(c.mse == doctest::Approx(a.mse).epsilon(1e-6));
}

TEST_CASE("image_similarity: values do not depend on the thread count") {
  Rng gen(5);
  const auto x = rand<float>({5, 2, 16, 16}, gen, 0.0, 1.0), y = rand<float>({5, 2, 16, 16}, gen, 0.0, 1.0);
  const int threads = num_threads();
  set_num_threads(1);
  const std::vector<ImageSimilarity> one = image_similarity_per_image(x, y, 1.0);
  set_num_threads(3);
  const std::vector<ImageSimilarity> three = image_similarity_per_image(x, y, 1.0);
  set_num_threads(threads);
  REQUIRE(one.size() == three.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(one[i].mse == three[i].mse);
    CHECK(one[i].psnr == three[i].psnr);
    CHECK(one[i].ssim == three[i].ssim);
  }
}

TEST_CASE("image_similarity: error messages") {
  const auto x = Tensor<float, cpu>::zeros({2, 1, 16, 16});
  CHECK_THROWS_WITH_AS(ssim(x, Tensor<float, cpu>::zeros({2, 1, 16, 15}), 2.0),
                       "ssim: prediction and target shapes differ: [2, 1, 16, 16] vs [2, 1, 16, 15]", ShapeError);
  CHECK_THROWS_WITH_AS(mse(x, Tensor<float, cpu>::zeros({1, 1, 16, 16})),
                       "mse: prediction and target shapes differ: [2, 1, 16, 16] vs [1, 1, 16, 16]", ShapeError);
  const auto flat = Tensor<float, cpu>::zeros({2, 16, 16});
  CHECK_THROWS_WITH_AS(psnr(flat, flat, 2.0),
                       "psnr: prediction must be an image batch [N, C, H, W], found shape [2, 16, 16]", ShapeError);
  const auto none = Tensor<float, cpu>::zeros({0, 3, 16, 16});
  CHECK_THROWS_WITH_AS(image_similarity(none, none, 2.0),
                       "image_similarity: empty batch (shape [0, 3, 16, 16]), needs at least one image", ShapeError);
  const auto no_values = Tensor<float, cpu>::zeros({2, 0, 16, 16});
  CHECK_THROWS_WITH_AS(mse(no_values, no_values),
                       "mse: images have no values (shape [2, 0, 16, 16]), needs C, H, W >= 1", ShapeError);
  const auto small = Tensor<float, cpu>::zeros({1, 3, 10, 32});
  CHECK_THROWS_WITH_AS(ssim(small, small, 2.0),
                       "ssim: images are 10x32 (H x W, shape [1, 3, 10, 32]); SSIM's 11x11 window needs at least 11x11",
                       ShapeError);
  CHECK_THROWS_WITH_AS(image_similarity_per_image(small, small, 2.0),
                       "image_similarity: images are 10x32 (H x W, shape [1, 3, 10, 32]); SSIM's 11x11 window needs "
                       "at least 11x11",
                       ShapeError);
  CHECK(psnr(small, small, 2.0) == doctest::Approx(100.0));  // PSNR and MSE take small images
  const std::string range_msg =
      ": data_range must be finite and > 0 (max - min of the value scale: 2 for [-1, 1], 255 for bytes), got ";
  const std::string zero = "ssim" + range_msg + "0", negative = "psnr" + range_msg + "-1",
                    nan = "image_similarity" + range_msg + "nan";
  CHECK_THROWS_WITH_AS(ssim(x, x, 0.0), zero.c_str(), Error);
  CHECK_THROWS_WITH_AS(psnr(x, x, -1.0), negative.c_str(), Error);
  CHECK_THROWS_WITH_AS(image_similarity(x, x, std::nan("")), nan.c_str(), Error);
  CHECK_THROWS_WITH_AS(ssim(Tensor<float, cpu>(), x, 2.0), "ssim: prediction or target is an undefined tensor",
                       ShapeError);
}
