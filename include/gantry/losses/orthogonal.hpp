#pragma once
// BigGAN's modified orthogonal regularisation (Brock et al. 2019, SPECS §3; BigGAN-PyTorch
// utils.ortho): for every weight W (viewed as [rows, rest]) whose name starts with none of the
// blacklisted prefixes, grad += strength * 2 (W W^T ⊙ (1 - I)) W, the form that leaves the
// norms free. Parameters with fewer than two axes (biases, gains) are skipped. As a
// regulariser policy (regulariser.hpp) it acts on G's gradients after its backward pass.
#include <algorithm>
#include <string>
#include <vector>

#include "../autograd/var.hpp"
#include "../core/eigen.hpp"
#include "../nn/framework/model.hpp"

namespace gantry {

template <class T, class M>
void add_orthogonal_regularisation(M& module, double strength, const std::vector<std::string>& blacklist_prefixes) {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for_each_parameter<T, cpu>(module, [&](const std::string& name, Var<T, cpu>& p) {
    if (p.rank() < 2) return;
    if (std::any_of(blacklist_prefixes.begin(), blacklist_prefixes.end(),
                    [&](const std::string& b) { return name.rfind(b, 0) == 0; }))
      return;
    const Var<T, cpu> g = p.grad();
    if (!g.defined()) return;
    const int64_t rows = p.dim(0), cols = p.numel() / rows;
    const Eigen::Map<const Mat> w(p.value().data(), rows, cols);
    Tensor<T, cpu> gt = g.value();  // shares the gradient's storage
    Eigen::Map<Mat> gm(gt.data(), rows, cols);
    Mat wwt = w * w.transpose();
    wwt.diagonal().setZero();
    gm.noalias() += (static_cast<T>(2 * strength) * wwt) * w;
  });
}

struct OrthogonalRegularisation {
  double strength = 1e-4;  // the paper's beta; 0 switches it off
  std::vector<std::string> blacklist = {"shared."};  // BigGAN-PyTorch leaves the shared embedding out

  template <class GModule>
  void after_g_backward(GModule& g) const {
    static_assert(std::is_same_v<typename GModule::device_type, cpu>,
                  "gantry: OrthogonalRegularisation has no CUDA kernel yet (it runs on the CPU with Eigen)");
    if (strength > 0) add_orthogonal_regularisation<typename GModule::value_type>(g, strength, blacklist);
  }
};

}  // namespace gantry
