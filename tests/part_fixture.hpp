#pragma once
// Checks a part against a fixture written by PyTorch (tests/fixtures/part_fixtures_common.py).
//
// A fixture file tests/fixtures/parts/<name>.safetensors holds, in float32:
//   input, grad_out              the input and the weight of the loss sum(out * grad_out)
//   output, grad_input           what PyTorch computed (grad_input absent: not checked)
//   param.<name>, grad.<name>    every parameter (gantry's name) and its gradient
//   buffer_init.<name>           every buffer before the forward (loaded into the module)
//   buffer.<name>                the same buffer after the forward (running stats, SN's u)
//   labels (I64), condition, conditions.<i>, latent, features   optional conditioning, handed
//                                to the Context; grad_condition, grad_latent, grad_features
//                                (when present) are compared too
//   output.<i>, grad_out.<i>     instead of output/grad_out for a forward with several outputs
// and the metadata mode = train | eval.
//
// Usage:
//   Rng gen(1); Init init{gen};
//   Conv2d<4, 3>::module<Image<2, 5, 5>, float, cpu> m(init);
//   part_fixture::check(m, "conv2d");                      // m.forward(x, ctx)
//   part_fixture::check(m, "heads", [](auto& m, auto& x, auto& ctx) {   // several outputs
//     auto r = m.forward(x, ctx); return std::vector{r.adv, r.cls}; });
// Every parameter and buffer the module visits must be in the file and vice versa, so a
// misnamed parameter fails loudly instead of keeping its random value.
#include <doctest/doctest.h>

#include <gantry/autograd.hpp>
#include <gantry/io.hpp>
#include <gantry/nn.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace part_fixture {

using namespace gantry;

inline std::string path_of(const std::string& name) {
  return std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/parts/" + name + ".safetensors";
}

inline io::TensorFile load(const std::string& name) { return io::read_safetensors(path_of(name)); }

// Worst elementwise relative error |a - e| / max(|e|, rms(e), min_scale): relative for large
// elements, relative to the tensor's typical size for elements near zero (where float
// rounding of a sum of many terms is not small relative to the element itself). min_scale
// (0 unless a test asks) is for tensors that are zero in exact arithmetic, such as the bias
// gradient of a convolution followed by batch norm in training: both sides are rounding noise.
struct Comparison {
  double worst = 0;
  int64_t index = -1;
  double actual = 0, expected = 0;
  std::string where;  // the index as [i, j, ...]
};

template <class T>
Comparison compare(const std::vector<T>& a, const std::vector<float>& e, const Shape& shape, double min_scale = 0) {
  Comparison c;
  double ss = 0;
  for (float v : e) ss += static_cast<double>(v) * v;
  const double rms = e.empty() ? 0.0 : std::sqrt(ss / static_cast<double>(e.size()));
  const double floor = std::max(rms > 0 ? rms : 1e-30, min_scale);
  for (std::size_t i = 0; i < e.size(); ++i) {
    const double ai = static_cast<double>(a[i]), ei = static_cast<double>(e[i]);
    double r = std::abs(ai - ei) / std::max(std::abs(ei), floor);
    if (std::isnan(r)) r = INFINITY;
    if (r > c.worst || c.index < 0) {
      c.worst = r;
      c.index = static_cast<int64_t>(i);
      c.actual = ai;
      c.expected = ei;
    }
  }
  if (c.index >= 0) {
    std::vector<int64_t> idx(static_cast<std::size_t>(shape.rank()));
    int64_t rest = c.index;
    for (int k = shape.rank() - 1; k >= 0; --k) {
      idx[static_cast<std::size_t>(k)] = rest % shape[k];
      rest /= shape[k];
    }
    std::ostringstream os;
    os << "[";
    for (std::size_t k = 0; k < idx.size(); ++k) os << (k ? ", " : "") << idx[k];
    os << "]";
    c.where = os.str();
  }
  return c;
}

// Checks `actual` against the file's tensor `key`: same shape, worst relative error <= tol.
template <class T, class D>
void check_close(const io::TensorFile& f, const std::string& key, const Tensor<T, D>& actual, double tol,
                 const std::string& label, double min_scale = 0) {
  INFO(label, " vs fixture tensor '", key, "'");
  REQUIRE_MESSAGE(actual.defined(), label, " was not computed (undefined)");
  const auto expected = f.get<float>(key);
  REQUIRE_MESSAGE(actual.shape() == expected.shape(), label, " has shape ", actual.shape().str(), ", fixture '", key,
                  "' has ", expected.shape().str());
  const auto c = compare(actual.to_vector(), expected.to_vector(), expected.shape(), min_scale);
  CHECK_MESSAGE(c.worst <= tol, label, ": worst relative error ", c.worst, " > ", tol, " at ", c.where, " (gantry ",
                c.actual, ", PyTorch ", c.expected, ")");
}

// check_close at `tol` (1e-4 unless a test says otherwise) that also keeps the worst relative
// error seen, for a test's summary: `error` over tensors compared elementwise, `floored` over
// those compared at an absolute scale (min_scale > 0, e.g. gradients that are zero in exact
// arithmetic).
struct WorstError {
  double tol = 1e-4;
  double error = 0, floored = 0;
  std::string where{}, floored_where{};
  void check(const io::TensorFile& f, const std::string& key, const Tensor<float, cpu>& actual,
             const std::string& label, double min_scale = 0) {
    check_close(f, key, actual, tol, label, min_scale);
    if (!f.contains(key) || !actual.defined()) return;
    const auto expected = f.get<float>(key);
    if (expected.shape() != actual.shape()) return;
    const auto c = compare(actual.to_vector(), expected.to_vector(), expected.shape(), min_scale);
    double& worst = min_scale > 0 ? floored : error;
    if (c.worst > worst) {
      worst = c.worst;
      (min_scale > 0 ? floored_where : where) = key;
    }
  }
};

namespace detail {

template <class T, class D>
Tensor<T, D> fixture_tensor(const io::TensorFile& f, const std::string& key, const Shape& expected) {
  return to_device<D>(f.get<T>(key, expected));
}

template <class T, class D>
struct Collect : ParamVisitor<T, D> {
  std::vector<std::pair<std::string, Var<T, D>*>> params;
  std::vector<std::pair<std::string, Tensor<T, D>*>> buffers;
  void parameter(const std::string& name, Var<T, D>& p) override { params.emplace_back(name, &p); }
  void buffer(const std::string& name, Tensor<T, D>& b) override { buffers.emplace_back(name, &b); }
};

inline std::vector<std::string> keys_with_prefix(const io::TensorFile& f, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& kv : f.tensors)
    if (kv.first.rfind(prefix, 0) == 0) out.push_back(kv.first.substr(prefix.size()));
  return out;
}

template <class T, class D>
Var<T, D> optional_input(const io::TensorFile& f, const std::string& key) {
  if (!f.contains(key)) return {};
  return Var<T, D>(to_device<D>(f.get<T>(key)), true);
}

template <class T, class D>
std::vector<Var<T, D>> as_outputs(const Var<T, D>& v) {
  return {v};
}
template <class T, class D>
std::vector<Var<T, D>> as_outputs(const std::vector<Var<T, D>>& v) {
  return v;
}

// T and D of a module, read off the signature of its visit().
template <class F>
struct visit_signature;
template <class C, class T, class D>
struct visit_signature<void (C::*)(ParamVisitor<T, D>&, const std::string&)> {
  using value_type = T;
  using device = D;
};

}  // namespace detail

struct Default {
  template <class M, class V, class C>
  auto operator()(M& m, const V& x, C& ctx) const {
    return m.forward(x, ctx);
  }
};

// Loads the fixture's parameters and buffers into m, runs the forward (in the fixture's
// mode) and the backward of sum(out * grad_out), and compares output, input gradient,
// conditioning gradients, parameter gradients and buffers. `forward(m, x, ctx)` returns a
// Var or a std::vector of Vars. min_scale: see compare (applies to the gradients).
template <class M, class Forward = Default>
void check(M& m, const std::string& name, Forward forward = {}, double tol = 1e-4, double min_scale = 0) {
  using Sig = detail::visit_signature<decltype(&M::visit)>;
  using T = typename Sig::value_type;
  using D = typename Sig::device;
  const io::TensorFile f = load(name);
  INFO("fixture ", f.path);
  REQUIRE_MESSAGE(f.metadata.count("mode"), "fixture has no 'mode' metadata");
  const std::string mode = f.metadata.at("mode");
  REQUIRE_MESSAGE((mode == "train" || mode == "eval"), "mode is '", mode, "', expected train or eval");

  // Parameters and buffers: the module's names and the file's must be the same sets.
  detail::Collect<T, D> c;
  m.visit(c, "");
  std::set<std::string> module_params, module_buffers;
  for (auto& [n, p] : c.params) {
    module_params.insert(n);
    REQUIRE_MESSAGE(f.contains("param." + n), "the module has parameter '", n, "' but the fixture has no 'param.", n,
                    "'");
    p->value() = detail::fixture_tensor<T, D>(f, "param." + n, p->shape());
    p->zero_grad();
  }
  for (auto& [n, b] : c.buffers) {
    module_buffers.insert(n);
    REQUIRE_MESSAGE(f.contains("buffer_init." + n), "the module has buffer '", n,
                    "' but the fixture has no 'buffer_init.", n, "'");
    *b = detail::fixture_tensor<T, D>(f, "buffer_init." + n, b->shape());
  }
  for (const auto& n : detail::keys_with_prefix(f, "param."))
    CHECK_MESSAGE(module_params.count(n), "the fixture has 'param.", n, "' but the module has no parameter '", n, "'");
  for (const auto& n : detail::keys_with_prefix(f, "buffer_init."))
    CHECK_MESSAGE(module_buffers.count(n), "the fixture has 'buffer_init.", n, "' but the module has no buffer '", n,
                  "'");

  // Inputs and conditioning.
  Context<T, D> ctx;
  ctx.training = mode == "train";
  Var<T, D> x = detail::optional_input<T, D>(f, "input");
  REQUIRE_MESSAGE(x.defined(), "the fixture has no 'input'");
  if (f.contains("labels")) ctx.labels = f.get_ints("labels");
  ctx.shared_condition = detail::optional_input<T, D>(f, "condition");
  for (int i = 0; f.contains("conditions." + std::to_string(i)); ++i)
    ctx.block_conditions.push_back(detail::optional_input<T, D>(f, "conditions." + std::to_string(i)));
  ctx.latent = detail::optional_input<T, D>(f, "latent");
  ctx.features = detail::optional_input<T, D>(f, "features");

  const auto outputs = detail::as_outputs(forward(m, x, ctx));
  const bool several = !f.contains("output");
  std::vector<Var<T, D>> grad_outs;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string suffix = several ? "." + std::to_string(i) : "";
    REQUIRE_MESSAGE(f.contains("output" + suffix), "the forward returned ", outputs.size(),
                    " outputs; the fixture has no 'output", suffix, "'");
    check_close(f, "output" + suffix, outputs[i].value(), tol, "output" + suffix);
    grad_outs.push_back(Var<T, D>::constant(detail::fixture_tensor<T, D>(f, "grad_out" + suffix, outputs[i].shape())));
  }
  if (several)
    CHECK_MESSAGE(!f.contains("output." + std::to_string(outputs.size())), "the fixture has more outputs than the ",
                  outputs.size(), " the forward returned");

  // Gradients of sum(out * grad_out) with respect to the input, the conditioning and the parameters.
  std::vector<Var<T, D>> wrt{x};
  std::vector<std::string> wrt_keys{"grad_input"};
  for (auto [key, v] : {std::pair{"grad_condition", ctx.shared_condition}, std::pair{"grad_latent", ctx.latent},
                        std::pair{"grad_features", ctx.features}})
    if (v.defined()) {
      wrt.push_back(v);
      wrt_keys.push_back(key);
    }
  for (std::size_t i = 0; i < ctx.block_conditions.size(); ++i) {
    wrt.push_back(ctx.block_conditions[i]);
    wrt_keys.push_back("grad_conditions." + std::to_string(i));
  }
  for (auto& [n, p] : c.params) {
    wrt.push_back(*p);
    wrt_keys.push_back("grad." + n);
  }
  const auto grads = grad(outputs, wrt, grad_outs, GradOptions{.allow_unused = true});
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    if (!f.contains(wrt_keys[i])) {
      // Parameters must always have a gradient in the file; inputs only when PyTorch computed one.
      CHECK_MESSAGE(wrt_keys[i].rfind("grad.", 0) != 0, "the fixture has no '", wrt_keys[i], "'");
      continue;
    }
    Tensor<T, D> g = grads[i].defined() ? grads[i].value() : Tensor<T, D>::zeros(wrt[i].shape());
    check_close(f, wrt_keys[i], g, tol, wrt_keys[i], min_scale);
  }
  for (auto& [n, b] : c.buffers) {
    if (f.contains("buffer." + n)) check_close(f, "buffer." + n, *b, tol, "buffer " + n + " after the forward");
    else CHECK_MESSAGE(false, "the fixture has no 'buffer.", n, "'");
  }
}

// Second-order gradcheck (gantry::gradgradcheck, double) of a part with respect to its input,
// every parameter and the floating conditioning in ctx (condition, block conditions, latent,
// features). The parameters are perturbed in place, so the module must be deterministic
// between calls in ctx's mode (use eval for parts that update state in training, e.g. SN's u).
// Each call gets a fresh copy of ctx, so ctx.next_condition() starts at the first block.
// The outputs are checked squared (y ⊙ y): the second derivative of a linear part (a pool,
// a padding) is zero, and would pass even if its backward were not recorded, while that of
// y ⊙ y involves the part's Jacobian and needs its backward on the tape.
template <class M, class Forward = Default>
GradcheckResult gradgrad(M& m, const Var<double, cpu>& x, const Context<double, cpu>& ctx = {},
                         Forward forward = {}, GradcheckOptions opt = {}) {
  std::vector<Var<double, cpu>> inputs{x};
  for (const auto& v : {ctx.shared_condition, ctx.latent, ctx.features})
    if (v.defined() && v.requires_grad()) inputs.push_back(v);
  for (const auto& v : ctx.block_conditions)
    if (v.requires_grad()) inputs.push_back(v);
  for_each_parameter<double, cpu>(m, [&](const std::string&, Var<double, cpu>& p) { inputs.push_back(p); });
  return gradgradcheck(
      [&](const std::vector<Var<double, cpu>>& in) {
        Context<double, cpu> c = ctx;
        c.next_block = 0;
        auto outs = detail::as_outputs(forward(m, in[0], c));
        Var<double, cpu> all = reshape(outs[0], {-1});
        for (std::size_t i = 1; i < outs.size(); ++i) all = concat(std::vector{all, reshape(outs[i], {-1})}, 0);
        return mul(all, all);
      },
      inputs, opt);
}

// A double input of `shape` with values in [-1, 1) that requires a gradient.
inline Var<double, cpu> input(const Shape& shape, std::uint64_t seed = 7) {
  Rng gen(seed);
  return random_input(shape, gen);
}

}  // namespace part_fixture
