#pragma once
// Weight initialisers: PyTorch's defaults, N(0, 0.02), Xavier uniform, orthogonal, Kaiming.
// Values are drawn on the host from the model's Rng and placed on the device, so a
// seed gives the same model on every device.
#include <Eigen/QR>
#include <cmath>

#include "../../core/factories.hpp"
#include "module.hpp"

namespace gantry::init {

// A weight of `shape` (out first), with the layer's fan-in and fan-out.
template <class T, class D>
Tensor<T, D> weight(const Shape& shape, int64_t fan_in, int64_t fan_out, Init& init) {
  switch (init.scheme) {
    case InitScheme::normal_002:
      return to_device<D>(randn<T>(shape, init.gen, T(0), T(0.02)));
    case InitScheme::xavier_uniform: {
      const T b = static_cast<T>(std::sqrt(6.0 / static_cast<double>(fan_in + fan_out)));
      return to_device<D>(rand<T>(shape, init.gen, -b, b));
    }
    case InitScheme::kaiming_normal:
      return to_device<D>(randn<T>(shape, init.gen, T(0), static_cast<T>(std::sqrt(2.0 / static_cast<double>(fan_in)))));
    case InitScheme::orthogonal: {
      // As torch.nn.init.orthogonal_: QR of a Gaussian (rows x cols) matrix, signs fixed by R's diagonal.
      const int64_t rows = shape[0], cols = shape.numel() / rows;
      const bool flip = rows < cols;
      const int64_t r = flip ? cols : rows, c = flip ? rows : cols;
      auto g = randn<double>(Shape{r, c}, init.gen);
      Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> a(g.data(), r, c);
      Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
      Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(r, c);
      Eigen::MatrixXd rr = qr.matrixQR().topLeftCorner(c, c).template triangularView<Eigen::Upper>();
      for (int64_t j = 0; j < c; ++j)
        if (rr(j, j) < 0) q.col(j) *= -1.0;
      Tensor<T, cpu> w(shape);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) w.data()[i * cols + j] = static_cast<T>(flip ? q(j, i) : q(i, j));
      return to_device<D>(w);
    }
    case InitScheme::pytorch_default:
    default: {
      // kaiming_uniform(a = sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in))
      const T b = static_cast<T>(1.0 / std::sqrt(static_cast<double>(fan_in)));
      return to_device<D>(rand<T>(shape, init.gen, -b, b));
    }
  }
}

// A bias of n values: PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (BigGAN-PyTorch
// keeps it whatever the weight scheme), or zeros when the model asks (TF-derived codes).
template <class T, class D>
Tensor<T, D> bias(int64_t n, int64_t fan_in, Init& init) {
  if (!init.zero_biases) {
    const T b = static_cast<T>(1.0 / std::sqrt(static_cast<double>(fan_in)));
    return to_device<D>(rand<T>(Shape{n}, init.gen, -b, b));
  }
  return Tensor<T, D>::zeros(Shape{n});
}

}  // namespace gantry::init
