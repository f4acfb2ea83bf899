#pragma once
// Paired image similarity for image-to-image translation (CSGAN reports MSE, PSNR and SSIM per
// direction on a paired test set): a prediction batch against its target batch [N, C, H, W],
// both on a value scale of width `data_range` L (max - min: 2 for images in [-1, 1], 255 for
// bytes). Computed in double, per image, then averaged over the images:
//   MSE   mean of (pred - target)^2 over an image's C*H*W values.
//   PSNR  10 log10(L^2 / MSE) per image, with the MSE floored at 1e-10 L^2, so identical images
//         give 100 dB instead of +inf and the batch mean stays finite.
//   SSIM  Wang et al. 2004: an 11x11 Gaussian window (sigma 1.5, normalised to sum 1),
//         C1 = (0.01 L)^2, C2 = (0.03 L)^2, population (biased) variances and covariance, the
//         map over the 'valid' region only (no padding: (H-10) x (W-10) positions), its mean,
//         then the mean over channels. Needs H, W >= 11. Matches skimage's
//         structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/tensor.hpp"

namespace gantry::metrics {

struct ImageSimilarity {
  double mse = 0;
  double psnr = 0;  // dB
  double ssim = 0;
};

namespace detail {

inline constexpr int ssim_window = 11;  // taps of the Gaussian window
inline constexpr double ssim_sigma = 1.5, ssim_k1 = 0.01, ssim_k2 = 0.03;
inline constexpr double psnr_mse_floor = 1e-10;  // times L^2: caps PSNR at 100 dB

// The normalised 1-D Gaussian; the 2-D window is its outer product (also normalised).
inline std::array<double, ssim_window> ssim_gaussian() {
  std::array<double, ssim_window> w{};
  double sum = 0;
  for (int k = 0; k < ssim_window; ++k) {
    const double d = k - (ssim_window - 1) / 2;
    w[static_cast<std::size_t>(k)] = std::exp(-d * d / (2 * ssim_sigma * ssim_sigma));
    sum += w[static_cast<std::size_t>(k)];
  }
  for (double& v : w) v /= sum;
  return w;
}

template <class T>
void check_image_pair(const char* op, const Tensor<T, cpu>& pred, const Tensor<T, cpu>& target) {
  check<ShapeError>(pred.defined() && target.defined(), op, ": prediction or target is an undefined tensor");
  check<ShapeError>(pred.rank() == 4, op, ": prediction must be an image batch [N, C, H, W], found shape ",
                    pred.shape());
  check<ShapeError>(pred.shape() == target.shape(), op, ": prediction and target shapes differ: ", pred.shape(),
                    " vs ", target.shape());
  check<ShapeError>(pred.dim(0) >= 1, op, ": empty batch (shape ", pred.shape(), "), needs at least one image");
  check<ShapeError>(pred.dim(1) >= 1 && pred.dim(2) >= 1 && pred.dim(3) >= 1, op,
                    ": images have no values (shape ", pred.shape(), "), needs C, H, W >= 1");
}

inline void check_data_range(const char* op, double data_range) {
  check<Error>(data_range > 0 && std::isfinite(data_range), op,
               ": data_range must be finite and > 0 (max - min of the value scale: 2 for [-1, 1], 255 for "
               "bytes), got ",
               data_range);
}

template <class T>
void check_ssim_size(const char* op, const Tensor<T, cpu>& pred) {
  check<ShapeError>(pred.dim(2) >= ssim_window && pred.dim(3) >= ssim_window, op, ": images are ", pred.dim(2),
                    "x", pred.dim(3), " (H x W, shape ", pred.shape(), "); SSIM's ", ssim_window, "x",
                    ssim_window, " window needs at least ", ssim_window, "x", ssim_window);
}

template <class T>
double image_mse(const T* x, const T* y, int64_t count) {
  double sum = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double d = static_cast<double>(x[i]) - static_cast<double>(y[i]);
    sum += d * d;
  }
  return sum / static_cast<double>(count);
}

inline double psnr_from_mse(double mse, double data_range) {
  const double l2 = data_range * data_range;
  return 10.0 * std::log10(l2 / std::max(mse, psnr_mse_floor * l2));
}

// Mean SSIM over the valid map of one channel plane pair x, y [h, w] (h, w >= 11).
template <class T>
double plane_ssim(const T* x, const T* y, int64_t h, int64_t w, double data_range,
                  const std::array<double, ssim_window>& g, std::vector<double>& buf) {
  const int64_t ho = h - (ssim_window - 1), wo = w - (ssim_window - 1);
  // Horizontal pass: the five filtered quantities x, y, xx, yy, xy at [h, wo].
  buf.assign(static_cast<std::size_t>(5 * h * wo), 0.0);
  double* hx = buf.data();
  double *hy = hx + h * wo, *hxx = hy + h * wo, *hyy = hxx + h * wo, *hxy = hyy + h * wo;
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < wo; ++c) {
      double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      for (int k = 0; k < ssim_window; ++k) {
        const double a = static_cast<double>(x[r * w + c + k]), b = static_cast<double>(y[r * w + c + k]);
        const double gk = g[static_cast<std::size_t>(k)];
        sx += gk * a;
        sy += gk * b;
        sxx += gk * (a * a);
        syy += gk * (b * b);
        sxy += gk * (a * b);
      }
      const int64_t o = r * wo + c;
      hx[o] = sx, hy[o] = sy, hxx[o] = sxx, hyy[o] = syy, hxy[o] = sxy;
    }
  // Vertical pass and the SSIM map over the valid [ho, wo] positions.
  const double c1 = (ssim_k1 * data_range) * (ssim_k1 * data_range);
  const double c2 = (ssim_k2 * data_range) * (ssim_k2 * data_range);
  double total = 0;
  for (int64_t r = 0; r < ho; ++r)
    for (int64_t c = 0; c < wo; ++c) {
      double ux = 0, uy = 0, uxx = 0, uyy = 0, uxy = 0;
      for (int k = 0; k < ssim_window; ++k) {
        const int64_t o = (r + k) * wo + c;
        const double gk = g[static_cast<std::size_t>(k)];
        ux += gk * hx[o];
        uy += gk * hy[o];
        uxx += gk * hxx[o];
        uyy += gk * hyy[o];
        uxy += gk * hxy[o];
      }
      const double vx = uxx - ux * ux, vy = uyy - uy * uy, vxy = uxy - ux * uy;
      total += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
    }
  return total / static_cast<double>(ho * wo);
}

// MSE (and PSNR, SSIM when asked) of every image; checks done by the caller.
template <class T>
std::vector<ImageSimilarity> per_image(const Tensor<T, cpu>& pred, const Tensor<T, cpu>& target, double data_range,
                                       bool with_ssim) {
  const int64_t n = pred.dim(0), ch = pred.dim(1), h = pred.dim(2), w = pred.dim(3);
  const int64_t plane = h * w, image = ch * plane;
  const std::array<double, ssim_window> g = ssim_gaussian();
  std::vector<ImageSimilarity> out(static_cast<std::size_t>(n));
  const T* p = pred.data();
  const T* t = target.data();
  // Each image is computed whole by one thread, so the values do not depend on the thread count.
  parallel_for(0, n, 1, [&](int64_t lo, int64_t hi) {
    std::vector<double> buf;
    for (int64_t i = lo; i < hi; ++i) {
      ImageSimilarity& s = out[static_cast<std::size_t>(i)];
      s.mse = image_mse(p + i * image, t + i * image, image);
      s.psnr = psnr_from_mse(s.mse, data_range);
      if (with_ssim) {
        double sum = 0;
        for (int64_t c = 0; c < ch; ++c)
          sum += plane_ssim(p + i * image + c * plane, t + i * image + c * plane, h, w, data_range, g, buf);
        s.ssim = sum / static_cast<double>(ch);
      }
    }
  });
  return out;
}

}  // namespace detail

// MSE, PSNR and SSIM of each image pair pred[i], target[i] (for per-image tables).
template <class T>
std::vector<ImageSimilarity> image_similarity_per_image(const Tensor<T, cpu>& pred, const Tensor<T, cpu>& target,
                                                        double data_range) {
  detail::check_image_pair("image_similarity", pred, target);
  detail::check_data_range("image_similarity", data_range);
  detail::check_ssim_size("image_similarity", pred);
  return detail::per_image(pred, target, data_range, true);
}

// The means over the images of image_similarity_per_image.
template <class T>
ImageSimilarity image_similarity(const Tensor<T, cpu>& pred, const Tensor<T, cpu>& target, double data_range) {
  const std::vector<ImageSimilarity> all = image_similarity_per_image(pred, target, data_range);
  ImageSimilarity mean;
  for (const ImageSimilarity& s : all) {
    mean.mse += s.mse;
    mean.psnr += s.psnr;
    mean.ssim += s.ssim;
  }
  const auto n = static_cast<double>(all.size());
  mean.mse /= n;
  mean.psnr /= n;
  mean.ssim /= n;
  return mean;
}

// Mean squared error over all values of the batch (equal to the mean of the per-image MSEs).
template <class T>
double mse(const Tensor<T, cpu>& pred, const Tensor<T, cpu>& target) {
  detail::check_image_pair("mse", pred, target);
  double sum = 0;
  for (const ImageSimilarity& s : detail::per_image(pred, target, 1.0, false)) sum += s.mse;
  return sum / static_cast<double>(pred.dim(0));
}

// PSNR in dB per image (MSE floored at 1e-10 L^2, so at most 100 dB), averaged over the images.
template <class T>
double psnr(const Tensor<T, cpu>& pred, const Tensor<T, cpu>& target, double data_range) {
  detail::check_image_pair("psnr", pred, target);
  detail::check_data_range("psnr", data_range);
  double sum = 0;
  for (const ImageSimilarity& s : detail::per_image(pred, target, data_range, false)) sum += s.psnr;
  return sum / static_cast<double>(pred.dim(0));
}

// SSIM per image (mean over the valid map, then over channels), averaged over the images.
template <class T>
double ssim(const Tensor<T, cpu>& pred, const Tensor<T, cpu>& target, double data_range) {
  detail::check_image_pair("ssim", pred, target);
  detail::check_data_range("ssim", data_range);
  detail::check_ssim_size("ssim", pred);
  double sum = 0;
  for (const ImageSimilarity& s : detail::per_image(pred, target, data_range, true)) sum += s.ssim;
  return sum / static_cast<double>(pred.dim(0));
}

}  // namespace gantry::metrics
