#pragma once
// The training step every two-domain translator shares, `Translation<Nets, Paper>`
// (CycleGAN, CSGAN: models/csgan.hpp). `Nets` names G_A (A -> B), G_B (B -> A), D_A (judges
// domain B) and D_B (judges domain A), as pytorch-CycleGAN-and-pix2pix names them; `Paper`
// (the TranslationPaper concept below) names the adversarial loss (any of losses/: least
// squares for CycleGAN and CSGAN), the reconstruction terms (losses/cycle.hpp: cycle
// consistency, cyclic-synthesized, identity), the optimiser, the history pool's size, the
// learning-rate schedule and the init scheme.
//
// It is a loop of its own beside models/gan.hpp's because its shape differs: no latent, two
// generators trained jointly on a pair of real batches, and the official update order (one
// iteration on batches a, b; gradient accumulation splits it into micro-batches, each loss / K):
//   G step (D's weights frozen):
//     fake_b = G_A(a), fake_a = G_B(b), rec_a = G_B(fake_b), rec_b = G_A(fake_a)
//     [idt_a = G_A(b), idt_b = G_B(a) when a term needs them]
//     loss_G = Loss::g_loss(D_A(fake_b)) + Loss::g_loss(D_B(fake_a)) + Σ terms; backward; opt_G
//   D step, on the fakes of the G step (made before G's update, as the official code's):
//     loss_D = Loss::d_loss(D_A(b), D_A(pool_b(fake_b))) + Loss::d_loss(D_B(a), D_B(pool_a(fake_a)))
//     backward; opt_D
// Each D sees its real and pooled fake batch in two passes (its instance norms make this the
// same as one). One optimiser holds both generators, one both discriminators (as
// itertools.chain in the official code). The CSGAN authors' forward() computes rec_a once
// for the detached target and backward_G computes it again for the cycle loss: the same
// value, so it is computed once here.
//
// Data-parallel (DataParallel, data_parallel.hpp): each rank translates its rows of the
// batch; gradients are averaged over the ranks before each optimiser step, and the history
// pools see all ranks' fakes in rank order (gathered), drawing from the same generator state
// on every rank, so the pools stay the same everywhere and N ranks train what one process
// with the whole batch trains (the translators' instance norms have no batch statistics).
//
// Logged: d_a, d_b (each D's loss), d_loss (their sum), g_a, g_b (the adversarial terms),
// each term's two log names, g_loss (the whole G loss).
// Checkpoint parts: G_A, G_B, D_A, D_B, opt_G, opt_D and the pools (fake_a_pool, fake_b_pool).
#include <array>
#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../autograd/grad.hpp"
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/layout.hpp"
#include "../core/error.hpp"
#include "../data/loader.hpp"
#include "../losses/adversarial.hpp"
#include "../losses/cycle.hpp"
#include "../nn/framework/model.hpp"
#include "../optim/params.hpp"
#include "hyper.hpp"
#include "data_parallel.hpp"
#include "image_pool.hpp"
#include "net_pair.hpp"
#include "step_losses.hpp"

namespace gantry::models {

template <class P>
concept TranslationPaper = requires(const typename P::Hyper& h, int64_t step) {
  { P::name } -> std::convertible_to<const char*>;
  { P::init } -> std::convertible_to<InitScheme>;
  { P::zero_biases } -> std::convertible_to<bool>;
  requires AdversarialLoss<typename P::Loss>;
  { P::checked(h) } -> std::same_as<typename P::Hyper>;  // validates, throws naming the field
  { P::batch_size(h) } -> std::convertible_to<int64_t>;
  { P::pool_size(h) } -> std::convertible_to<int64_t>;    // 0: no history pool
  { P::learning_rate(h, step) } -> std::convertible_to<double>;  // both nets, at iteration `step`
  P::g_optimizer(h);
  P::d_optimizer(h);
  P::terms(h);  // a std::tuple of reconstruction terms (losses/cycle.hpp)
};

template <class Nets, TranslationPaper Paper, class T = float>
class Translation : public DataParallel<T> {
  using Device = cpu;
  using V = Var<T, Device>;

 public:
  using Hyper = typename Paper::Hyper;
  using Loss = typename Paper::Loss;
  using Terms = decltype(Paper::terms(std::declval<const Hyper&>()));
  using ImageA = typename Nets::G_A::input;
  using ImageB = typename Nets::G_B::input;
  using GAModule = typename Nets::G_A::template module<T, Device>;
  using GBModule = typename Nets::G_B::template module<T, Device>;
  using DAModule = typename Nets::D_A::template module<T, Device>;
  using DBModule = typename Nets::D_B::template module<T, Device>;
  using Optimizer = typename Paper::template Optimizer<T, Device>;
  using value_type = T;
  static constexpr const char* name = Paper::name;
  // The trainer runs step() once per iteration instead of d_step()s and a g_step().
  static constexpr bool joint_step = true;
  // Columns of the preview grid: a, G_A(a), G_B(G_A(a)), b, G_B(b), G_A(G_B(b)).
  static constexpr int preview_columns = 6;

  static_assert(std::is_same_v<typename Nets::G_A::output, ImageB>,
                "gantry: Translation: G_A translates A to B, so its output must be G_B's input image shape");
  static_assert(std::is_same_v<typename Nets::G_B::output, ImageA>,
                "gantry: Translation: G_B translates B to A, so its output must be G_A's input image shape");

  Translation(Hyper h, std::uint64_t seed)
      : hyper_(Paper::checked(h)),
        terms_(Paper::terms(hyper_)),
        init_rng_(seed),
        init_{init_rng_, Paper::init, Paper::zero_biases},
        G_A(init_),
        G_B(init_),
        D_A(init_),
        D_B(init_),
        opt_G(joined(named_parameters<T, Device>(G_A, "G_A"), named_parameters<T, Device>(G_B, "G_B")),
              Paper::g_optimizer(hyper_)),
        opt_D(joined(named_parameters<T, Device>(D_A, "D_A"), named_parameters<T, Device>(D_B, "D_B")),
              Paper::d_optimizer(hyper_)),
        pool_a(Paper::pool_size(hyper_), ImageA::channels, ImageA::height, ImageA::width),
        pool_b(Paper::pool_size(hyper_), ImageB::channels, ImageB::height, ImageB::width) {
    static_assert(all_terms(static_cast<Terms*>(nullptr)),
                  "gantry: Translation: Paper::terms(h) must return a std::tuple of reconstruction terms "
                  "(losses/cycle.hpp: CycleConsistency, CyclicSynthesized, Identity)");
    std::apply([](const auto&... t) { (t.validate(), ...); }, terms_);
  }
  Translation(const Translation&) = delete;
  Translation& operator=(const Translation&) = delete;

  static Hyper paper_hyper() {
    if constexpr (requires { Paper::hyper(); })
      return Paper::hyper();
    else
      return Hyper{};
  }
  const Hyper& hyper() const { return hyper_; }
  int64_t batch_size() const { return Paper::batch_size(hyper_); }
  const Terms& terms() const { return terms_; }

 private:
  Hyper hyper_;
  Terms terms_;
  Rng init_rng_;
  Init init_;

 public:
  GAModule G_A;
  GBModule G_B;
  DAModule D_A;
  DBModule D_B;
  Optimizer opt_G, opt_D;
  ImagePool<T> pool_a, pool_b;  // fake_A_pool (fakes of domain A, for D_B), fake_B_pool

  // Called before iteration `step` (0-based): the schedule's learning rate for both nets.
  void set_step(int64_t step) {
    step_ = step;
    const double lr = Paper::learning_rate(hyper_, step);
    opt_G.set_lr(lr);
    opt_D.set_lr(lr);
  }
  double learning_rate() const { return Paper::learning_rate(hyper_, step_); }

  // One iteration: the G step, then the D step on its fakes. `batches` are micro-batches
  // of a (Batch::images) and b (Batch::targets).
  StepLosses step(std::span<const data::Batch> batches, Rng& rng) {
    check(!batches.empty(), name, ": step needs at least one batch");
    const T scale = T(1) / static_cast<T>(batches.size());
    constexpr std::size_t n_terms = std::tuple_size_v<Terms>;
    std::array<double, 2 * n_terms> term_sums{};
    double g_a = 0, g_b = 0, g_total = 0;
    std::vector<Tensor<T, Device>> fakes_a, fakes_b;

    opt_G.zero_grad();
    {
      FrozenWeights<T, Device, DAModule, DBModule> frozen(D_A, D_B);  // both Ds during the G step
      for (const data::Batch& batch : batches) {
        const auto [a, b] = real_pair(batch);
        Translations<T, Device> t{.a = a, .b = b};
        t.fake_b = G_A.forward(a, true);
        t.fake_a = G_B.forward(b, true);
        t.rec_a = G_B.forward(t.fake_b, true);
        t.rec_b = G_A.forward(t.fake_a, true);
        if (needs_identity()) {
          t.idt_a = G_A.forward(b, true);
          t.idt_b = G_B.forward(a, true);
        }
        const V adv_a = Loss::g_loss(D_A.forward(t.fake_b, {}, true));
        const V adv_b = Loss::g_loss(D_B.forward(t.fake_a, {}, true));
        V total = add(adv_a, adv_b);
        std::size_t k = 0;
        std::apply(
            [&](const auto&... term) {
              (
                  [&] {
                    const std::array<V, 2> v = term(t);
                    total = add(total, add(v[0], v[1]));
                    term_sums[k++] += v[0].item() * scale;
                    term_sums[k++] += v[1].item() * scale;
                  }(),
                  ...);
            },
            terms_);
        mul_scalar(total, scale).backward();
        g_a += adv_a.item() * scale;
        g_b += adv_b.item() * scale;
        g_total += total.item() * scale;
        fakes_a.push_back(t.fake_a.value());
        fakes_b.push_back(t.fake_b.value());
      }
    }
    this->average_gradients(G_A, G_B);
    opt_G.step();

    opt_D.zero_grad();
    double d_a = 0, d_b = 0;
    for (std::size_t i = 0; i < batches.size(); ++i) {
      const auto [a, b] = real_pair(batches[i]);
      // The official order: D_A (with fake_B_pool) first, then D_B.
      const V pooled_b(pooled(pool_b, fakes_b[i], rng));
      const V pooled_a(pooled(pool_a, fakes_a[i], rng));
      const V la = Loss::d_loss(D_A.forward(b, {}, true), D_A.forward(pooled_b, {}, true));
      const V lb = Loss::d_loss(D_B.forward(a, {}, true), D_B.forward(pooled_a, {}, true));
      mul_scalar(add(la, lb), scale).backward();
      d_a += la.item() * scale;
      d_b += lb.item() * scale;
    }
    this->average_gradients(D_A, D_B);
    opt_D.step();
    this->share_buffers(G_A, G_B, D_A, D_B);

    StepLosses out{{"d_loss", d_a + d_b}, {"d_a", d_a}, {"d_b", d_b}, {"g_loss", g_total}, {"g_a", g_a}, {"g_b", g_b}};
    std::size_t k = 0;
    std::apply(
        [&](const auto&... term) {
          (
              [&] {
                using R = std::remove_cvref_t<decltype(term)>;
                out.emplace_back(R::log_names[0], term_sums[k++]);
                out.emplace_back(R::log_names[1], term_sums[k++]);
              }(),
              ...);
        },
        terms_);
    return this->average(std::move(out));
  }

  // Translations in eval mode, off the tape: A -> B by G_A, B -> A by G_B.
  Tensor<T, Device> translate_a(const Tensor<T, Device>& a) {
    no_grad guard;
    return G_A.forward(V(a), false).value();
  }
  Tensor<T, Device> translate_b(const Tensor<T, Device>& b) {
    no_grad guard;
    return G_B.forward(V(b), false).value();
  }

  // The images the trainer draws each time it writes samples (e.g. a few test pairs).
  void set_preview(data::Batch b) {
    check(b.images.defined() && b.targets.defined(), name, ": the preview needs images (domain A) and targets "
          "(domain B)");
    preview_ = std::move(b);
  }
  bool has_preview() const { return preview_.images.defined(); }
  // Rows of [a, G_A(a), G_B(G_A(a)), b, G_B(b), G_A(G_B(b))] in [-1, 1] (one-channel images
  // repeated to three when the other domain has three), preview_columns per row.
  Tensor<float, cpu> preview() {
    check(has_preview(), name, ": no preview images were set (set_preview)");
    const Tensor<T, Device> a = cast<T>(preview_.images), b = cast<T>(preview_.targets);
    const Tensor<T, Device> fb = translate_a(a), fa = translate_b(b);
    const std::vector<Tensor<T, Device>> cols{a, fb, translate_b(fb), b, fa, translate_a(fa)};
    constexpr int64_t C = ImageA::channels > ImageB::channels ? ImageA::channels : ImageB::channels;
    const int64_t n = a.dim(0), H = ImageA::height, W = ImageA::width;
    Tensor<float, cpu> out(Shape{n * preview_columns, C, H, W});
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < preview_columns; ++j) {
        const Tensor<T, Device>& src = cols[static_cast<std::size_t>(j)];
        const int64_t c_src = src.dim(1);
        for (int64_t c = 0; c < C; ++c)
          for (int64_t p = 0; p < H * W; ++p)
            out.data()[((i * preview_columns + j) * C + c) * H * W + p] =
                static_cast<float>(src.data()[(i * c_src + (c_src == 1 ? 0 : c)) * H * W + p]);
      }
    return out;
  }

  template <class F>
  void checkpoint_parts(F&& f) {
    f("G_A", G_A);
    f("G_B", G_B);
    f("D_A", D_A);
    f("D_B", D_B);
    f("opt_G", opt_G);
    f("opt_D", opt_D);
    if (pool_a.capacity() > 0) {
      f("fake_a_pool", pool_a);
      f("fake_b_pool", pool_b);
    }
  }

 private:
  template <class... R>
  static constexpr bool all_terms(std::tuple<R...>*) {
    return (ReconstructionTerm<R, T, Device> && ...);
  }
  template <class U>
  static constexpr bool all_terms(U*) {
    return false;
  }
  bool needs_identity() const {
    return std::apply([](const auto&... t) { return (t.needs_identity() || ...); }, terms_);
  }

  // The pool's answer for this rank's fakes: the pool sees all ranks' fakes in rank order
  // (one process: its own), and this rank keeps its rows.
  Tensor<T, Device> pooled(ImagePool<T>& pool, const Tensor<T, Device>& fakes, Rng& rng) {
    if (pool.capacity() == 0 || group_size(this->group()) == 1) return pool.query(fakes, rng);
    return rank_rows(pool.query(this->all_rows(fakes), rng), this->group(), "the history pool").clone();
  }

  static ParamList<T, Device> joined(ParamList<T, Device> x, const ParamList<T, Device>& y) {
    x.insert(x.end(), y.begin(), y.end());
    return x;
  }

  std::pair<V, V> real_pair(const data::Batch& batch) const {
    check(batch.images.defined() && batch.targets.defined(), name,
          ": a translation batch needs images (domain A) and targets (domain B); use data::PairLoader");
    check<ShapeError>(batch.images.rank() == 4 && batch.images.dim(1) == ImageA::channels &&
                          batch.images.dim(2) == ImageA::height && batch.images.dim(3) == ImageA::width,
                      name, ": expected domain A images [B, ", ImageA::channels, ", ", ImageA::height, ", ",
                      ImageA::width, "], found ", batch.images.shape());
    check<ShapeError>(batch.targets.rank() == 4 && batch.targets.dim(1) == ImageB::channels &&
                          batch.targets.dim(2) == ImageB::height && batch.targets.dim(3) == ImageB::width,
                      name, ": expected domain B images [B, ", ImageB::channels, ", ", ImageB::height, ", ",
                      ImageB::width, "], found ", batch.targets.shape());
    return {V(cast<T>(batch.images)), V(cast<T>(batch.targets))};
  }

  data::Batch preview_;
  int64_t step_ = 0;
};

}  // namespace gantry::models
