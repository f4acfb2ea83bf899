#pragma once
// Fréchet distance between two feature sets modelled as Gaussians (FID when the features come
// from Inception, "FD" for any feature extractor):
//   FD = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)).
// S1 S2 is not symmetric, so instead of a general matrix square root (scipy's sqrtm in
// pytorch-fid) we use Tr((S1 S2)^(1/2)) = sum sqrt(eig(S1^(1/2) S2 S1^(1/2))): the latter matrix
// is symmetric positive semi-definite, so a symmetric eigendecomposition suffices and is stable.
// Rounding can make eigenvalues of a singular covariance (N <= F, or collinear features)
// slightly negative; they are clamped to 0 before the square root. Near-zero eigenvalues still
// carry rounding noise of order eps * |S|, whose square root is ~1e-8 * |S|: with singular
// covariances FD(x, x) is that small rather than exactly 0.
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "features.hpp"

namespace gantry::metrics {

// Mean and unbiased (N - 1) covariance of a feature set, as numpy.cov / pytorch-fid. The
// statistics of the real data can be computed once and reused for every evaluation.
struct FeatureStats {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
  int64_t count = 0;
};

template <class T>
FeatureStats feature_stats(const Tensor<T, cpu>& features) {
  detail::check_features("feature_stats", "features", features, 2);
  const MatrixD x = detail::to_double(features);
  FeatureStats s;
  s.count = x.rows();
  s.mean = x.colwise().mean().transpose();
  const MatrixD centered = x.rowwise() - s.mean.transpose();
  s.cov = (centered.transpose() * centered) / static_cast<double>(x.rows() - 1);
  return s;
}

namespace detail {
// A scalar functor rather than cwiseMax().cwiseSqrt(): GCC 12 warns (-Wuninitialized) inside
// its own AVX-512 intrinsics for Eigen's vectorized max/sqrt, and these vectors are short.
inline double clamped_sqrt(double v) { return std::sqrt(std::max(v, 0.0)); }

// Square root of a symmetric positive semi-definite matrix; negative rounding noise clamped.
inline Eigen::MatrixXd sqrt_psd(const Eigen::MatrixXd& a) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a);
  check<Error>(es.info() == Eigen::Success, "frechet_distance: eigendecomposition of a covariance failed");
  const Eigen::VectorXd root = es.eigenvalues().unaryExpr(&clamped_sqrt);
  return es.eigenvectors() * root.asDiagonal() * es.eigenvectors().transpose();
}
}  // namespace detail

inline double frechet_distance(const FeatureStats& a, const FeatureStats& b) {
  check<ShapeError>(a.mean.size() == b.mean.size() && a.cov.rows() == a.mean.size() &&
                        b.cov.rows() == b.mean.size(),
                    "frechet_distance: feature widths differ: ", a.mean.size(), " vs ", b.mean.size(), " features");
  const Eigen::MatrixXd ra = detail::sqrt_psd(a.cov);
  Eigen::MatrixXd m = ra * b.cov * ra;
  m = 0.5 * (m + m.transpose());  // exact symmetry for the solver
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m, Eigen::EigenvaluesOnly);
  check<Error>(es.info() == Eigen::Success, "frechet_distance: eigendecomposition failed");
  const double tr_sqrt = es.eigenvalues().unaryExpr(&detail::clamped_sqrt).sum();
  return (a.mean - b.mean).squaredNorm() + a.cov.trace() + b.cov.trace() - 2.0 * tr_sqrt;
}

template <class T>
double frechet_distance(const Tensor<T, cpu>& real_features, const Tensor<T, cpu>& fake_features) {
  detail::check_features("frechet_distance", "real_features", real_features, 2);
  detail::check_features("frechet_distance", "fake_features", fake_features, 2);
  detail::check_same_width("frechet_distance", real_features, fake_features);
  return frechet_distance(feature_stats(real_features), feature_stats(fake_features));
}

// Intra-class FD (ADC-GAN's "Intra-FID"): for each class k, the FD between the features of the
// images generated for class k and those of the real images of class k; and their mean. A
// class-conditional generator that collapses within classes scores badly here even when its
// pooled FD is good.
struct IntraClassFD {
  double mean = 0;
  std::vector<double> per_class;
};

template <class T>
IntraClassFD intra_class_frechet_distance(const Tensor<T, cpu>& real_features, const std::vector<int64_t>& real_labels,
                                          const Tensor<T, cpu>& fake_features, const std::vector<int64_t>& fake_labels,
                                          int classes) {
  detail::check_features("intra_class_frechet_distance", "real_features", real_features, 2);
  detail::check_features("intra_class_frechet_distance", "fake_features", fake_features, 2);
  detail::check_same_width("intra_class_frechet_distance", real_features, fake_features);
  check(classes >= 1, "intra_class_frechet_distance: classes must be >= 1, found ", classes);
  const auto stats_by_class = [&](const Tensor<T, cpu>& f, const std::vector<int64_t>& labels, const char* which) {
    check<ShapeError>(static_cast<int64_t>(labels.size()) == f.dim(0), "intra_class_frechet_distance: ", f.dim(0), " ",
                      which, " features but ", labels.size(), " labels");
    const MatrixD x = detail::to_double(f);
    std::vector<std::vector<Eigen::Index>> rows(static_cast<std::size_t>(classes));
    for (std::size_t i = 0; i < labels.size(); ++i) {
      check<ShapeError>(labels[i] >= 0 && labels[i] < classes, "intra_class_frechet_distance: ", which, " label ",
                        labels[i], " of row ", i, " is outside [0, ", classes, ")");
      rows[static_cast<std::size_t>(labels[i])].push_back(static_cast<Eigen::Index>(i));
    }
    std::vector<FeatureStats> out;
    for (int k = 0; k < classes; ++k) {
      const auto& r = rows[static_cast<std::size_t>(k)];
      check(r.size() >= 2, "intra_class_frechet_distance: class ", k, " has ", r.size(), " ", which,
            " images; at least 2 are needed for a covariance");
      const MatrixD xk = x(r, Eigen::all);
      FeatureStats st;
      st.count = xk.rows();
      st.mean = xk.colwise().mean().transpose();
      const MatrixD centered = xk.rowwise() - st.mean.transpose();
      st.cov = (centered.transpose() * centered) / static_cast<double>(xk.rows() - 1);
      out.push_back(std::move(st));
    }
    return out;
  };
  const auto real = stats_by_class(real_features, real_labels, "real");
  const auto fake = stats_by_class(fake_features, fake_labels, "generated");
  IntraClassFD r;
  for (int k = 0; k < classes; ++k) {
    r.per_class.push_back(frechet_distance(real[static_cast<std::size_t>(k)], fake[static_cast<std::size_t>(k)]));
    r.mean += r.per_class.back() / classes;
  }
  return r;
}

}  // namespace gantry::metrics
