#pragma once
// Auxiliary classifiers on the pooled feature φ = Σ_hw ReLU(h), beside the adversarial head
// (Heads<ProjectionHead<K>, ClassifierHead<K>>, Heads<LinearHead<>, ADCHead<K>>):
//   ClassifierHead<K>  K logits (AC-GAN), SNLinear(C -> K), named `ac`
//   ADCHead<K>         2K logits (ADC-GAN: class k real at 2k, fake at 2k + 1), SNLinear(C -> 2K),
//                      named `adc`
//   TwinClassifierHead<K>  2K logits (TAC-GAN): the classifier `ac` (K) then its twin `mi` (K),
//                      which learns the classes of generated images; two SNLinear(C -> K)
// Names as the attributes of ADC-GAN's BigGAN-PyTorch Discriminator (houliangict/adcgan).
#include "../../autograd/ops/layout.hpp"
#include "head.hpp"
#include "../layers/spectral_norm.hpp"

namespace gantry {

namespace detail {
template <int Logits, int EpsExp, const char* Name>
struct PooledClassifier {
  static_assert(Logits > 0, "gantry: a classifier head needs a positive number of classes");
  static constexpr HeadRole role = HeadRole::classifier;
  static constexpr bool pooled = true;
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Vector<Logits>;

  template <class In, class T, class D>
  struct module {
    typename SNLinear<Logits, Bias::on, EpsExp>::template module<Vector<In::channels>, T, D> linear;

    explicit module(Init& init) : linear(init) {}
    Var<T, D> forward(const Var<T, D>& h, Context<T, D>& ctx) { return forward_pooled(pooled_features(h), ctx); }
    Var<T, D> forward_pooled(const Var<T, D>& phi, Context<T, D>& ctx) { return linear.forward(phi, ctx); }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) { linear.visit(v, join_name(prefix, Name)); }
  };
};
inline constexpr char ac_name[] = "ac";
inline constexpr char adc_name[] = "adc";
inline constexpr char mi_name[] = "mi";
}  // namespace detail

template <int K, int EpsExp = 8>
struct ClassifierHead : detail::PooledClassifier<K, EpsExp, detail::ac_name> {};

template <int K, int EpsExp = 8>
struct ADCHead : detail::PooledClassifier<2 * K, EpsExp, detail::adc_name> {};

template <int K, int EpsExp = 8>
struct TwinClassifierHead {
  static_assert(K > 0, "gantry: a classifier head needs a positive number of classes");
  static constexpr HeadRole role = HeadRole::classifier;
  static constexpr bool pooled = true;
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Vector<2 * K>;

  template <class In, class T, class D>
  struct module {
    using Classifier = typename detail::PooledClassifier<K, EpsExp, detail::ac_name>::template module<In, T, D>;
    using Twin = typename detail::PooledClassifier<K, EpsExp, detail::mi_name>::template module<In, T, D>;
    Classifier ac;
    Twin mi;

    explicit module(Init& init) : ac(init), mi(init) {}
    Var<T, D> forward(const Var<T, D>& h, Context<T, D>& ctx) { return forward_pooled(detail::pooled_features(h), ctx); }
    Var<T, D> forward_pooled(const Var<T, D>& phi, Context<T, D>& ctx) {
      return concat(std::vector<Var<T, D>>{ac.forward_pooled(phi, ctx), mi.forward_pooled(phi, ctx)}, 1);
    }
    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      ac.visit(v, prefix);
      mi.visit(v, prefix);
    }
  };
};

}  // namespace gantry
