#!/usr/bin/env python3
"""PyTorch's time for one discriminator step and one generator step of U-Net GAN, with
boschresearch/unetgan's own modules: the work bench_unetgan_steps times in gantry.

The nets are the official BigGAN.py Generator (unconditional, --hier: self-modulated batch
norms) and Unet_Discriminator with layers.py, read unchanged from a git mirror and patched at
runtime exactly as tests/fixtures/make_unetgan_fixtures.py does (its load_official: git archive
into a temporary directory, Tensor.cuda the identity, numpy.int, stand-in modules; for 32x32 a
32 entry in G_arch / D_unet_arch and its Unet_Discriminator subclass). SN eps 1e-6, BN eps 1e-5,
no attention, orthogonal init (the constructors' own), 3 image channels (the official G's
output conv is 3-channel). Cases:
  unetgan32   resolution 32, G_ch = D_ch = 64, dim_z 128, batch 64
              (gantry: unetgan_nets<Image<3, 32, 32>, 0, 64, 128>)
  unetgan128  resolution 128 (the official tables), G_ch = D_ch = 16, dim_z 128, batch 16
              (gantry: unetgan128_nets<0, 16, 128, 3>)
Their parameter counts are asserted equal to gantry's (the counters G_params and D_params of
bench_unetgan_steps); the official D's `linear` head, which its forward never uses, is left out
of the count (and gets no gradient, so Adam skips it).

The steps are train_fns.GAN_training_function's arithmetic as train_celeba.sh configures it
(--unet_mixup --consistency_loss_and_augmentation: CutMix and consistency every D step, one D
step, no accumulation), with the official G_D for the passes, train_fns.BCEloss / BCEfakeloss,
mixup.CutMix for the masks and utils.toggle_grad, and the nets' own Adam (G 5e-5, D 2e-4,
betas (0, 0.999), eps 1e-6, as gantry's unetgan_hyper); no EMA:
  D step  toggle_grad(D on, G off); B masks (mixup.CutMix per image); G_D with mixup: fakes
          from G under no_grad (training mode), the mix M * x + (1 - M) * G(z), one D pass over
          cat(fake, real, mix); 0.5 (BCE(dec) + BCE(enc)) on real and on fake, the per-image
          CutMix BCE of the mix's map against M plus BCE(enc(mix), 0), the consistency MSE;
          backward; D.optim.step().
  G step  toggle_grad(D off, G on); G_D with train_G: G forward, D forward;
          0.5 BCE(enc, 1) + 0.5 BCE(dec, 1); backward; G.optim.step().

    OMP_NUM_THREADS=1 python3 bench/unetgan_steps.py GIT_DIR --case unetgan32 --threads 1 [--steps 3] [--json]

GIT_DIR: the git directory of a clone of github.com/boschresearch/unetgan.
One untimed step of each kind comes first; then --steps timed D steps and --steps timed G
steps. Without --json the medians of wall-clock and calling-thread CPU time are printed; with
--json one line {"D step": [[wall ms, cpu ms], ...], "G step": [...]} for
bench/compare_pytorch.py --suite unetgan.
"""
import argparse
import atexit
import contextlib
import os
import shutil
import sys
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # pip's torch without numpy
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import step_timing  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures"))
import make_unetgan_fixtures as official  # noqa: E402

# resolution, G_ch = D_ch, dim_z, batch, and gantry's (G, D) parameter counts
# (bench_unetgan_steps' G_params / D_params counters).
CASES = {
    "unetgan32": (32, 64, 128, 64, (4_865_027, 1_982_722)),
    "unetgan128": (128, 16, 128, 16, (3_052_195, 1_969_858)),
}
CONFIG = dict(official.CONFIG, dataset="celeba128")


class UnetGan:
    def __init__(self, BigGAN, mixup, train_fns, utils, case):
        self.res, ch, self.dim_z, self.batch, expected = CASES[case]
        self.mixup, self.train_fns, self.utils = mixup, train_fns, utils
        common = dict(resolution=self.res, n_classes=1, SN_eps=1e-6, skip_init=False, unconditional=True,
                      adam_eps=1e-6)
        # (The constructors print every parameter; keep stdout for the --json line.)
        with contextlib.redirect_stdout(sys.stderr):
            self.G = BigGAN.Generator(G_ch=ch, dim_z=self.dim_z, bottom_width=4, G_attn="0", G_shared=False,
                                      hier=True, BN_eps=1e-5, G_init="ortho", G_lr=5e-5, G_B1=0.0, G_B2=0.999,
                                      **common)
            D_class = BigGAN.Unet_Discriminator if self.res in (128, 256) else official.unet_d32_class(BigGAN)
            self.D = D_class(D_ch=ch, D_attn="0", D_init="ortho", D_lr=2e-4, D_B1=0.0, D_B2=0.999, **common)
        for name, net, n_expected in zip("GD", (self.G, self.D), expected):
            n = sum(p.numel() for k, p in net.named_parameters() if name == "G" or not k.startswith("linear."))
            assert n == n_expected, "%s %s has %d parameters (without D.linear), gantry's has %d" % (
                case, name, n, n_expected)
        self.G.train()
        self.D.train()
        self.GD = BigGAN.G_D(self.G, self.D, CONFIG)
        self.real = torch.rand(self.batch, 3, self.res, self.res) * 2 - 1
        self.y = torch.zeros(self.batch, dtype=torch.int64)  # unconditional: the nets ignore labels

    def d_step(self):
        tf, B = self.train_fns, self.batch
        self.utils.toggle_grad(self.D, True)
        self.utils.toggle_grad(self.G, False)
        self.D.optim.zero_grad()
        target_map = torch.cat([self.mixup.CutMix(self.res).view(1, 1, self.res, self.res) for _ in range(B)], 0)
        z = torch.randn(B, self.dim_z)
        (D_fake, D_real, D_mixed, G_z, mixed, D_middle_fake, D_middle_real, D_middle_mixed,
         target_map) = self.GD(z, self.y, self.real, self.y, train_G=False, split_D=False, mixup=True,
                               target_map=target_map)
        real_target, fake_target = torch.tensor([1.0]), torch.tensor([0.0])
        D_loss_real_2d, D_loss_fake_2d = tf.BCEloss(D_fake.view(-1), D_real.view(-1), real_target, fake_target)
        mix = D_real * target_map + D_fake * (1 - target_map)
        D_loss_mixed_2d = torch.stack([torch.nn.functional.binary_cross_entropy_with_logits(
            D_mixed[i].view(-1), target_map[i].view(-1)) for i in range(D_mixed.size(0))])
        D_loss_real_middle, D_loss_fake_middle = tf.BCEloss(D_middle_fake, D_middle_real, real_target, fake_target)
        mixed_middle_loss = 1.0 * torch.nn.functional.binary_cross_entropy_with_logits(
            D_middle_mixed, fake_target.expand_as(D_middle_mixed), reduction="none")
        D_loss = 0.5 * (D_loss_real_2d + D_loss_real_middle) + 0.5 * (D_loss_fake_2d + D_loss_fake_middle)
        consistency_loss = 1.0 * 1.0 * torch.nn.functional.mse_loss(D_mixed, mix)
        D_loss = D_loss + ((D_loss_mixed_2d + mixed_middle_loss).mean() + consistency_loss)
        D_loss.backward()
        self.D.optim.step()
        return D_loss.item()

    def g_step(self):
        self.utils.toggle_grad(self.D, False)
        self.utils.toggle_grad(self.G, True)
        self.G.optim.zero_grad()
        z = torch.randn(self.batch, self.dim_z)
        G_fake, G_fake_middle = self.GD(z, self.y, train_G=True, split_D=False, reference_x=self.real)
        target = torch.tensor([1.0])
        G_loss = 0.5 * self.train_fns.BCEfakeloss(G_fake_middle, target) + 0.5 * self.train_fns.BCEfakeloss(
            G_fake, target)
        G_loss.backward()
        self.G.optim.step()
        return G_loss.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("git_dir", help="the git directory of a clone of github.com/boschresearch/unetgan")
    ap.add_argument("--case", choices=sorted(CASES), required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3, help="timed steps of each kind")
    ap.add_argument("--json", action="store_true", help="print one JSON line for compare_pytorch.py")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    BigGAN, mixup, train_fns = official.load_official(a.git_dir)
    import utils  # the official utils.py (toggle_grad), extracted beside BigGAN.py
    atexit.register(shutil.rmtree, os.path.dirname(os.path.abspath(BigGAN.__file__)), True)  # the extracted files

    torch.manual_seed(1)
    np.random.seed(1)  # mixup.CutMix draws the boxes from numpy
    m = UnetGan(BigGAN, mixup, train_fns, utils, a.case)
    step_timing.report(step_timing.warm_and_time(m, a.steps), a.json, a.threads, a.case, m.batch)


if __name__ == "__main__":
    main()
