#!/usr/bin/env python3
"""PyTorch's time for one discriminator step and one generator step of IC-GAN, with
facebookresearch/ic_gan's own modules: the work bench_icgan_steps times in gantry.

The nets are the official BigGAN_PyTorch/BigGAN.py Generator and Discriminator with
instance_cond (hier, G_shared, shared_dim_feat 512, 2048-d instance features), layers.py and
G_D, read unchanged from a git mirror as tests/fixtures/make_icgan_fixtures.py does (its
load_official); SN eps 1e-6, BN eps 1e-5, orthogonal init (the constructors' own), the nets'
own Adam (lr 1e-4 both, betas (0, 0.999), eps 1e-6: gantry's icgan_hyper), no EMA. Cases:
  icgan32   resolution 32 (arch[32]), G_ch = D_ch = 64, dim_z 128, no attention, batch 64
            (gantry: icgan_nets<Image<3, 32, 32>, 0, 64, 2048, 512, 128>)
  icgan64   resolution 64 (arch[64]), G_ch = D_ch = 16, dim_z 120, attention at 32, batch 16
            (gantry: icgan64_nets<0, 16, 120, 2048, 512, 3, 32>)
Their parameter counts are asserted equal to gantry's (the counters G_params and D_params of
bench_icgan_steps); the official G's `shared` embedding, which an instance-only G builds but
never uses, is left out of the count (it gets no gradient, so Adam skips it).

The steps are train_fns.GAN_training_function's arithmetic (one D step, no accumulation,
toggle_grads): conditionings drawn as sample_conditioning_instance_balance does (uniform
instances of a 1000-vector set, the mirrored features with p 0.5);
  D step  toggle_grad(D on, G off); G_D: fakes under no_grad (training mode), one D pass over
          cat(fake, real) with cat(h_fake, h_real); the hinge loss; backward; D.optim.step().
  G step  toggle_grad(D off, G on); G_D with train_G; -mean(D); backward; G.optim.step().

    OMP_NUM_THREADS=1 python3 bench/icgan_steps.py GIT_DIR --case icgan32 --threads 1 [--steps 3] [--json]

GIT_DIR: the git directory of a clone of github.com/facebookresearch/ic_gan.
One untimed step of each kind comes first; then --steps timed D steps and --steps timed G
steps. Without --json the medians of wall-clock and calling-thread CPU time are printed; with
--json one line {"D step": [[wall ms, cpu ms], ...], "G step": [...]} for
bench/compare_pytorch.py --suite icgan.
"""
import argparse
import atexit
import contextlib
import os
import shutil
import sys
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import step_timing  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures"))
import make_icgan_fixtures as official  # noqa: E402

# resolution, G_ch = D_ch, dim_z, attention, batch, and gantry's (G, D) parameter counts.
CASES = {
    "icgan32": (32, 64, 128, "0", 64, (6_600_707, 4_729_345)),
    "icgan64": (64, 16, 120, "32", 16, (4_297_028, 1_747_954)),
}
FEAT = 2048


class Icgan:
    def __init__(self, BigGAN, utils, case):
        res, ch, self.dim_z, attn, self.batch, expected = CASES[case]
        self.utils = utils
        common = dict(resolution=res, n_classes=1, SN_eps=1e-6, class_cond=False, instance_cond=True, adam_eps=1e-6)
        with contextlib.redirect_stdout(sys.stderr):
            self.G = BigGAN.Generator(G_ch=ch, dim_z=self.dim_z, G_attn=attn, G_shared=True, shared_dim=128, hier=True,
                                      BN_eps=1e-5, G_init="ortho", shared_dim_feat=512, G_lr=1e-4, G_B1=0.0,
                                      G_B2=0.999, **common)
            self.D = BigGAN.Discriminator(D_ch=ch, D_attn=attn, D_init="ortho", instance_sz=FEAT, D_lr=1e-4, D_B1=0.0,
                                          D_B2=0.999, **common)
        for name, net, n_expected in zip("GD", (self.G, self.D), expected):
            n = sum(p.numel() for k, p in net.named_parameters() if not k.startswith("shared."))
            assert n == n_expected, "%s %s has %d parameters (without G.shared), gantry's has %d" % (
                case, name, n, n_expected)
        self.G.train()
        self.D.train()
        self.GD = BigGAN.G_D(self.G, self.D)
        unit = lambda: torch.nn.functional.normalize(torch.randn(1000, FEAT), dim=1)
        self.feats, self.mirrored = unit(), unit()
        self.real = torch.rand(self.batch, 3, res, res) * 2 - 1
        self.real_feats = self.feats[:self.batch].clone()

    def conditionings(self):
        idx = torch.randint(0, 1000, (self.batch,))
        flip = torch.rand(self.batch) < 0.5
        return torch.randn(self.batch, self.dim_z), torch.where(flip[:, None], self.mirrored[idx], self.feats[idx])

    def d_step(self):
        self.utils.toggle_grad(self.D, True)
        self.utils.toggle_grad(self.G, False)
        self.D.optim.zero_grad()
        z, f = self.conditionings()
        D_fake, D_real = self.GD(z, None, f, self.real, None, self.real_feats, train_G=False, split_D=False)
        loss = torch.mean(torch.relu(1.0 - D_real)) + torch.mean(torch.relu(1.0 + D_fake))
        loss.backward()
        self.D.optim.step()
        return loss.item()

    def g_step(self):
        self.utils.toggle_grad(self.D, False)
        self.utils.toggle_grad(self.G, True)
        self.G.optim.zero_grad()
        z, f = self.conditionings()
        loss = -torch.mean(self.GD(z, None, f, train_G=True, split_D=False))
        loss.backward()
        self.G.optim.step()
        return loss.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("git_dir", help="the git directory of a clone of github.com/facebookresearch/ic_gan")
    ap.add_argument("--case", choices=sorted(CASES), required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3, help="timed steps of each kind")
    ap.add_argument("--json", action="store_true", help="print one JSON line for compare_pytorch.py")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with contextlib.redirect_stdout(sys.stderr):
        BigGAN, train_fns = official.load_official(a.git_dir)
    import utils  # the official utils.py (toggle_grad)
    atexit.register(shutil.rmtree, os.path.dirname(os.path.dirname(os.path.abspath(BigGAN.__file__))), True)

    torch.manual_seed(1)
    m = Icgan(BigGAN, utils, a.case)
    step_timing.report(step_timing.warm_and_time(m, a.steps), a.json, a.threads, a.case, m.batch)


if __name__ == "__main__":
    main()
