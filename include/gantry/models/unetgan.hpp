#pragma once
// U-Net GAN (Schönfeld, Schiele, Khoreva, CVPR 2020: "A U-Net Based Discriminator for
// Generative Adversarial Networks") as boschresearch/unetgan trains it: BigGAN's G, a U-Net D
// that returns one logit per image (the encoder's bottleneck) and one per pixel (the decoder),
// the non-saturating loss on both with weight 0.5 each, and CutMix with the consistency
// regulariser (losses/cutmix.hpp) as the paper's policy of the step template (gan.hpp).
//
// Nets (K = 0: unconditional, as the CelebA and FFHQ scripts; K > 0: COCO-Animals):
//   G  SNLinear(z -> 4·4·in_0) -> GBlocks (nearest up) -> BN -> ReLU -> SNConv3x3 -> tanh;
//      unconditional: every BN is self-modulated by the whole z (`--unconditional --hier`:
//      γ = 1 + MLP(z), β = MLP(z)); conditional: BigGAN's shared class embedding (Z wide) and
//      hierarchical z, one chunk per block plus one for the linear.
//   D  encoder of DBlocks (wide, down, no pre-activation in the first) -> bottleneck head
//      (ReLU, sum pool, SNLinear -> 1, + projection when conditional) = D_enc; decoder of
//      GBlock2 (BN-free up block) with the encoder's outputs concatenated -> a plain 1x1 conv
//      (+ per-pixel projection when conditional) = D_dec, [B, 1, H, W].
// Layouts (BigGAN.py G_arch, D_unet_arch; SN ε 1e-6 as the scripts):
//   unetgan128_nets  G ch·[16,16,8,4,2] -> ch·[16,8,4,2,1]; D encoder 3 -> ch·[1,2,4,8,16]
//                    (64..4 px), decoder ch·[8,4,2,1,1] (8..128 px), skips at 8, 16, 32, 64
//   unetgan256_nets  G ch·[16,16,8,8,4,2] -> ch·[16,8,8,4,2,1]; D encoder ch·[1,2,4,8,8,16]
//                    (128..4 px), decoder ch·[8,8,4,2,1,1] (8..256 px)
//   unetgan_nets     32x32 (Fashion-MNIST, CIFAR), gantry's own scaling of the 128 table's
//                    last stages: G 4ch -> [4ch, 4ch, 4ch] as BigGAN's arch[32]; D encoder
//                    ch·[1,2,4] (16, 8, 4 px), decoder ch·[2,1,1] (8, 16, 32 px)
//
// Settings (UnetganHyper): the CelebA-128 script (batch 50, G 5e-5 / D 2e-4, β (0, 0.999),
// Adam ε 1e-6, one D step, orthogonal init, EMA 0.9999 from 21000, CutMix + consistency every
// batch); unetgan_ffhq_hyper (batch 20, G 1e-4 / D 5e-4, full-batch mixing with a warm-up);
// the official flags' names: mixup (--unet_mixup), slow_mixup, full_batch_mixup, and the
// warm-up in G steps (the scripts count epochs).
#include <cstdint>
#include <optional>
#include <tuple>

#include "../losses/cutmix.hpp"
#include "../losses/non_saturating.hpp"
#include "../nn.hpp"
#include "biggan.hpp"
#include "gan.hpp"
#include "options.hpp"

namespace gantry::models {

namespace detail {
// G's input specs and block norm: self-modulated (K = 0) or BigGAN's shared + hierarchical.
template <int K, int Z, int Blocks>
struct unetgan_g_inputs {
  static_assert(Z % (Blocks + 1) == 0,
                "gantry: a class-conditional U-Net GAN G splits z into one chunk per block plus one (BigGAN's hier): "
                "Z must be a multiple of blocks + 1 (the official code truncates dim_z to that multiple)");
  using specs = parts<Latent<Z>, Classes<K>, SharedEmbedding<Z>, Hierarchical>;
  using Norm = ConditionalBatchNorm<Projected<Z + Z / (Blocks + 1), 6>>;
};
template <int Z, int Blocks>
struct unetgan_g_inputs<0, Z, Blocks> {
  using specs = parts<Latent<Z>, SelfModulated>;
  using Norm = SelfModulatedBatchNorm<Z>;
};

template <int K>
using unetgan_bottleneck = std::conditional_t<K == 0, LinearHead<6>, ProjectionHead<K, 6>>;

template <class ImageShape, int K, int Z, int In0, class Blocks, class EncoderT, class DecoderT>
struct unetgan_assemble;
template <class ImageShape, int K, int Z, int In0, class... GBlocks, class EncoderT, class DecoderT>
struct unetgan_assemble<ImageShape, K, Z, In0, parts<GBlocks...>, EncoderT, DecoderT> {
  using In = unetgan_g_inputs<K, Z, sizeof...(GBlocks)>;
  template <class... Specs>
  using GWith = Generator<Specs..., SNLinear<4 * 4 * In0, Bias::on, 6>, Reshape<In0, 4, 4>,
                          GBlock<GBlocks::value, typename In::Norm, 6>..., BatchNorm2d<>, ReLU,
                          SNConv2d<ImageShape::channels, 3, 1, 1, Bias::on, 6>, Tanh>;
  using G = typename apply_parts<GWith, typename In::specs>::type;
  using D = Discriminator<ImageShape, UNet<EncoderT, unetgan_bottleneck<K>, DecoderT, PerPixelHead<K, 6>>>;
};

template <int N>
using w = std::integral_constant<int, N>;
template <int Out, Preactivation P = Preactivation::on>
using DownBlock = DBlock<Out, Down, P, 6>;
template <int Out>
using UpBlock = GBlock2<Out, 6>;
}  // namespace detail

template <class ImageShape = Image<1, 32, 32>, int K = 0, int Ch = 64, int Z = 128>
struct unetgan_nets {
  static_assert(ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: unetgan_nets is the 32x32 layout (pad 28x28 images with LoaderOptions::pad_to = 32); "
                "unetgan128_nets and unetgan256_nets are the official ones");
  static constexpr int classes = K, ch = Ch, latent = Z;
  using A = detail::unetgan_assemble<
      ImageShape, K, Z, 4 * Ch, detail::parts<detail::w<4 * Ch>, detail::w<4 * Ch>, detail::w<4 * Ch>>,
      Encoder<detail::DownBlock<Ch, Preactivation::off>, detail::DownBlock<2 * Ch>, detail::DownBlock<4 * Ch>>,
      Decoder<detail::UpBlock<2 * Ch>, detail::UpBlock<Ch>, detail::UpBlock<Ch>>>;
  using G = typename A::G;
  using D = typename A::D;
};

template <int K = 0, int Ch = 64, int Z = 128, int C = 3>
struct unetgan128_nets {
  static constexpr int classes = K, ch = Ch, latent = Z;
  using A = detail::unetgan_assemble<
      Image<C, 128, 128>, K, Z, 16 * Ch,
      detail::parts<detail::w<16 * Ch>, detail::w<8 * Ch>, detail::w<4 * Ch>, detail::w<2 * Ch>, detail::w<Ch>>,
      Encoder<detail::DownBlock<Ch, Preactivation::off>, detail::DownBlock<2 * Ch>, detail::DownBlock<4 * Ch>, detail::DownBlock<8 * Ch>,
              detail::DownBlock<16 * Ch>>,
      Decoder<detail::UpBlock<8 * Ch>, detail::UpBlock<4 * Ch>, detail::UpBlock<2 * Ch>, detail::UpBlock<Ch>, detail::UpBlock<Ch>>>;
  using G = typename A::G;
  using D = typename A::D;
};

template <int K = 0, int Ch = 64, int Z = 128, int C = 3>
struct unetgan256_nets {
  static constexpr int classes = K, ch = Ch, latent = Z;
  using A = detail::unetgan_assemble<
      Image<C, 256, 256>, K, Z, 16 * Ch,
      detail::parts<detail::w<16 * Ch>, detail::w<8 * Ch>, detail::w<8 * Ch>, detail::w<4 * Ch>, detail::w<2 * Ch>,
                    detail::w<Ch>>,
      Encoder<detail::DownBlock<Ch, Preactivation::off>, detail::DownBlock<2 * Ch>, detail::DownBlock<4 * Ch>, detail::DownBlock<8 * Ch>,
              detail::DownBlock<8 * Ch>, detail::DownBlock<16 * Ch>>,
      Decoder<detail::UpBlock<8 * Ch>, detail::UpBlock<8 * Ch>, detail::UpBlock<4 * Ch>, detail::UpBlock<2 * Ch>, detail::UpBlock<Ch>,
              detail::UpBlock<Ch>>>;
  using G = typename A::G;
  using D = typename A::D;
};

// The baseline of the paper's comparisons at 32x32: the same G and the U-Net D's encoder with
// its bottleneck head alone (a BigGAN-style D), trained by the same policy with mixup = false.
template <class ImageShape = Image<1, 32, 32>, int K = 0, int Ch = 64, int Z = 128>
struct unetgan_baseline_nets {
  static constexpr int classes = K, ch = Ch, latent = Z;
  using G = typename unetgan_nets<ImageShape, K, Ch, Z>::G;
  using D = Discriminator<ImageShape, detail::DownBlock<Ch, Preactivation::off>, detail::DownBlock<2 * Ch>, detail::DownBlock<4 * Ch>,
                          detail::unetgan_bottleneck<K>>;
};

struct UnetganHyper {
  int64_t batch_size = 50;  // per D micro-batch and per G micro-batch
  int64_t d_steps = 1;
  double g_lr = 5e-5, d_lr = 2e-4;
  double beta1 = 0.0, beta2 = 0.999;
  double adam_eps = 1e-6;
  double ema_decay = 0.9999;  // 0: no EMA
  int64_t ema_start = 21000;
  double pixel_weight = 0.5;     // the decoder's share of the adversarial loss (the encoder's: 1 - it)
  bool mixup = true;             // CutMix + consistency (--unet_mixup --consistency_loss_and_augmentation)
  bool slow_mixup = false;       // ramp over mixup_warmup G steps
  bool full_batch_mixup = false; // whole D steps are mixed, with probability up to 0.5
  int64_t mixup_warmup = 0;      // G steps of the ramp (the scripts: warmup_epochs)
  double consistency = 1.0;      // weight of the consistency term

  template <class F>
  void fields(F&& f) {
    f("batch_size", batch_size);
    f("d_steps", d_steps);
    f("g_lr", g_lr);
    f("d_lr", d_lr);
    f("beta1", beta1);
    f("beta2", beta2);
    f("adam_eps", adam_eps);
    f("ema_decay", ema_decay);
    f("ema_start", ema_start);
    f("pixel_weight", pixel_weight);
    f("mixup", mixup);
    f("slow_mixup", slow_mixup);
    f("full_batch_mixup", full_batch_mixup);
    f("mixup_warmup", mixup_warmup);
    f("consistency", consistency);
  }

  CutMixSchedule schedule() const {
    if (full_batch_mixup) return CutMixSchedule::full_batch;
    return slow_mixup ? CutMixSchedule::warmup : CutMixSchedule::every;
  }
  void set_schedule(CutMixSchedule s) {
    full_batch_mixup = s == CutMixSchedule::full_batch;
    slow_mixup = s != CutMixSchedule::every;
  }
};

// train_celeba.sh.
inline UnetganHyper unetgan_hyper() { return {}; }
// The same without CutMix, for unetgan_baseline_nets.
inline UnetganHyper unetgan_baseline_hyper() {
  UnetganHyper h;
  h.mixup = false;
  return h;
}
// train_ffhq.sh (256 px): batch 20, G 1e-4 / D 5e-4, full-batch mixing ramped to 0.5; the
// script's 100 warm-up epochs are 70 000 / 20 · 100 = 350 000 G steps.
inline UnetganHyper unetgan_ffhq_hyper() {
  UnetganHyper h;
  h.batch_size = 20;
  h.g_lr = 1e-4;
  h.d_lr = 5e-4;
  h.slow_mixup = h.full_batch_mixup = true;
  h.mixup_warmup = 350000;
  return h;
}

inline constexpr char unetgan_name[] = "unetgan";

struct UnetganPaper {
  static constexpr const char* name = unetgan_name;
  using Hyper = UnetganHyper;
  using Loss = NonSaturating;
  template <class T, class D>
  using Optimizer = Adam<T, D>;
  static constexpr InitScheme init = InitScheme::orthogonal;
  static constexpr bool zero_biases = false;
  static Hyper hyper() { return unetgan_hyper(); }

  static Hyper checked(const Hyper& h) {
    check(h.batch_size > 0, name, ": batch_size must be > 0, found ", h.batch_size);
    check(h.d_steps >= 1, name, ": d_steps must be >= 1, found ", h.d_steps);
    check(h.ema_decay >= 0 && h.ema_decay < 1, name, ": ema_decay must be in [0, 1), found ", h.ema_decay);
    check(h.pixel_weight >= 0 && h.pixel_weight <= 1, name, ": pixel_weight must be in [0, 1], found ", h.pixel_weight);
    if (const auto c = cutmix(h)) c->validate();
    return h;
  }
  static GanSettings settings(const Hyper& h) {
    return {.batch_size = h.batch_size,
            .g_batch_size = h.batch_size,
            .d_pass = DPass::concatenated,  // G_D: fake, real (and the mix) in one D pass
            .ema_decay = h.ema_decay,
            .ema_start = h.ema_start,
            .pixel_weight = h.pixel_weight};
  }
  static int64_t d_steps(const Hyper& h, int64_t /*g_step*/) { return h.d_steps; }
  static AdamOptions g_optimizer(const Hyper& h) { return adam(h, h.g_lr); }
  static AdamOptions d_optimizer(const Hyper& h) { return adam(h, h.d_lr); }
  static std::tuple<> regularisers(const Hyper&) { return {}; }
  // std::nullopt: no CutMix (mixup = false).
  static std::optional<CutMix> cutmix(const Hyper& h) {
    if (!h.mixup) return std::nullopt;
    return CutMix{.schedule = h.schedule(), .warmup_steps = h.mixup_warmup, .consistency = h.consistency};
  }

 private:
  static AdamOptions adam(const Hyper& h, double lr) {
    return {.lr = lr, .beta1 = h.beta1, .beta2 = h.beta2, .eps = h.adam_eps};
  }
};

inline constexpr char unetgan_baseline_name[] = "unetgan-baseline";
struct UnetganBaselinePaper : UnetganPaper {
  static constexpr const char* name = unetgan_baseline_name;
  static Hyper hyper() { return unetgan_baseline_hyper(); }
};

namespace detail {
// The nets by image side: 32 (gantry's layout), 128 and 256 (the official ones); the baseline's
// (a BigGAN-style D) at 32.
template <class ImageShape, bool Baseline, class... Options>
struct unetgan_preset {
  using O = PresetOptions<takes<Classes<1>, Width<1>, Latent<1>, Precision<void>>, Options...>;
  static constexpr int K = O::classes(), Ch = O::template width<64>, Z = O::template latent<128>;
  static constexpr int C = ImageShape::channels, side = ImageShape::height;
  static_assert(ImageShape::width == side && (side == 32 || (!Baseline && (side == 128 || side == 256))),
                "gantry: U-Net GAN's nets are for Image<C, 32, 32> (gantry's layout), Image<C, 128, 128> and "
                "Image<C, 256, 256> (the official ones; the baseline is at 32 only)");
  using nets = std::conditional_t<
      Baseline, unetgan_baseline_nets<ImageShape, K, Ch, Z>,
      std::conditional_t<side == 32, unetgan_nets<ImageShape, K, Ch, Z>,
                         std::conditional_t<side == 128, unetgan128_nets<K, Ch, Z, C>, unetgan256_nets<K, Ch, Z, C>>>>;
  using type = Gan<nets, std::conditional_t<Baseline, UnetganBaselinePaper, UnetganPaper>, typename O::scalar>;
};
}  // namespace detail

// Options: Classes<K> (0: unconditional), Width<Ch> (64), Latent<Z> (128), Precision<T> (float).
template <class ImageShape, class... Options>
using unetgan = typename detail::unetgan_preset<ImageShape, false, Options...>::type;
template <class ImageShape, class... Options>
using unetgan_baseline = typename detail::unetgan_preset<ImageShape, true, Options...>::type;

}  // namespace gantry::models
