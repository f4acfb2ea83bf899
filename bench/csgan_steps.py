#!/usr/bin/env python3
"""PyTorch's time for one CSGAN iteration (the G step of both generators, then the D step of both
discriminators) with pytorch-CycleGAN-and-pix2pix's own modules: the work bench_csgan_steps
times in gantry.

The nets are the framework's models/networks.py ResnetGenerator, ResnetBlock and
NLayerDiscriminator with get_norm_layer('instance') (InstanceNorm2d, affine off, conv biases on),
and the history pools util/image_pool.py's ImagePool(50), read unchanged from a git mirror as
tests/fixtures/make_csgan_fixtures.py does; N(0, 0.02) weights and zero biases (gantry's init;
the values do not change the work). Cases:
  csgan256  3 x 256 x 256, ngf 64, 'resnet_9blocks', the 3-layer PatchGAN at ndf 64, batch 1
            (gantry: csgan<Image<3, 256, 256>>)
  csgan32   1 x 32 x 32, ngf 16, 6 blocks, a 2-layer PatchGAN at ndf 16, batch 4
            (gantry: csgan<Image<1, 32, 32>, Image<1, 32, 32>, 16, 16, 6, 2>)
Both sides' parameter counts (G_A + G_B, D_A + D_B) are printed and asserted equal to gantry's
(the counters G_params and D_params of bench_csgan_steps).

The iteration is the CSGAN authors' csgan.py optimize_parameters, in its order and with its
losses: fake_B = G_A(A), fake_A = G_B(B), rec_A = G_B(fake_B), rec_B = G_A(fake_A); loss_G =
MSE(D_A(fake_B), 1) + MSE(D_B(fake_A), 1) + 10 L1(rec_A, A) + 10 L1(rec_B, B) + 30 L1(fake_A,
rec_A.detach()) + 30 L1(fake_B, rec_B.detach()); backward; Adam on both generators; then
0.5 [MSE(D_A(B), 1) + MSE(D_A(pool_B(fake_B)), 0)] backward, the same for D_B with pool_A,
Adam on both discriminators (lr 2e-4, betas (0.5, 0.999); one optimiser per pair, as
itertools.chain). Two things are done as gantry does them, so that both sides do the same
arithmetic: the four generator passes run once (csgan.py's forward() computes them and
backward_G computes them again, the same values), and D's weights are frozen during the G step
(requires_grad off, as the framework's later set_requires_grad; the 2018 code let loss_G's
backward compute D's weight gradients too, which optimizer_D.zero_grad() then drops).
--literal times csgan.py as written instead (both of those extra costs).

    OMP_NUM_THREADS=1 python3 bench/csgan_steps.py GIT_DIR --case csgan32 --threads 1 [--steps 3] [--json]

GIT_DIR: the git directory of a pytorch-CycleGAN-and-pix2pix mirror (see
make_csgan_fixtures.py). Both pools are filled with random images and one untimed iteration
runs first; then --steps timed iterations. Without --json the medians of wall-clock and
calling-thread CPU time are printed; with --json one line {"step": [[wall ms, cpu ms], ...]}
for bench/compare_pytorch.py --suite csgan.
"""
import argparse
import atexit
import contextlib
import os
import random
import shutil
import sys
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import step_timing  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures"))
import make_csgan_fixtures as official  # noqa: E402

# channels, size, ngf = ndf, residual blocks, PatchGAN layers, batch, gantry's (G, D) counts.
CASES = {
    "csgan256": (3, 256, 64, 9, 3, 1, (22_756_358, 5_529_474)),
    "csgan32": (1, 32, 16, 6, 2, 4, (981_890, 84_706)),
}
POOL = 50


class Csgan:
    def __init__(self, nw, pool_mod, case, literal):
        ch, size, nf, blocks, layers, self.batch, expected = CASES[case]
        self.literal = literal
        norm = nw.get_norm_layer("instance")
        G = lambda: nw.ResnetGenerator(ch, ch, nf, norm_layer=norm, use_dropout=False, n_blocks=blocks)
        D = lambda: nw.NLayerDiscriminator(ch, nf, n_layers=layers, norm_layer=norm)
        self.G_A, self.G_B, self.D_A, self.D_B = G(), G(), D(), D()
        with torch.no_grad():
            for net in (self.G_A, self.G_B, self.D_A, self.D_B):
                net.train()
                for name, p in net.named_parameters():
                    if name.endswith("weight"):
                        p.normal_(0.0, 0.02)
                    else:
                        p.zero_()
        count = lambda *nets: sum(p.numel() for n in nets for p in n.parameters())
        counts = (count(self.G_A, self.G_B), count(self.D_A, self.D_B))
        print("%s parameters: G_A + G_B %d (gantry %d), D_A + D_B %d (gantry %d)"
              % (case, counts[0], expected[0], counts[1], expected[1]), file=sys.stderr)
        assert counts == expected, "%s: PyTorch's parameter counts %s differ from gantry's %s" % (
            case, counts, expected)
        self.opt_G = torch.optim.Adam(list(self.G_A.parameters()) + list(self.G_B.parameters()), lr=2e-4,
                                      betas=(0.5, 0.999))
        self.opt_D = torch.optim.Adam(list(self.D_A.parameters()) + list(self.D_B.parameters()), lr=2e-4,
                                      betas=(0.5, 0.999))
        self.fake_A_pool, self.fake_B_pool = pool_mod.ImagePool(POOL), pool_mod.ImagePool(POOL)
        for pool in (self.fake_A_pool, self.fake_B_pool):
            for _ in range(POOL):
                pool.query(torch.rand(1, ch, size, size) * 2 - 1)
        self.real_A = torch.rand(self.batch, ch, size, size) * 2 - 1
        self.real_B = torch.rand(self.batch, ch, size, size) * 2 - 1
        self.mse, self.l1 = torch.nn.MSELoss(), torch.nn.L1Loss()

    def gan_loss(self, pred, real):  # networks.GANLoss(use_lsgan=True)
        return self.mse(pred, torch.full_like(pred, 1.0 if real else 0.0))

    def set_d_grad(self, on):
        for net in (self.D_A, self.D_B):
            for p in net.parameters():
                p.requires_grad_(on)

    def step(self):
        real_A, real_B = self.real_A, self.real_B
        G_A, G_B, D_A, D_B = self.G_A, self.G_B, self.D_A, self.D_B
        if self.literal:
            # forward(): the fakes and cycles once more, the graph kept (as csgan.py)
            fake_A = G_B(real_B)
            fake_B = G_A(real_A)
            rec_A = G_B(fake_B)
            rec_B = G_A(fake_A)
        else:
            self.set_d_grad(False)
        # backward_G()
        self.opt_G.zero_grad()
        fake_B = G_A(real_A)
        loss_G_A = self.gan_loss(D_A(fake_B), True)
        fake_A = G_B(real_B)
        loss_G_B = self.gan_loss(D_B(fake_A), True)
        if self.literal:
            loss_CSA = self.l1(fake_A, rec_A.detach()) * 30.0
            loss_CSB = self.l1(fake_B, rec_B.detach()) * 30.0
        rec_A = G_B(fake_B)
        loss_cycle_A = self.l1(rec_A, real_A) * 10.0
        rec_B = G_A(fake_A)
        loss_cycle_B = self.l1(rec_B, real_B) * 10.0
        if not self.literal:
            loss_CSA = self.l1(fake_A, rec_A.detach()) * 30.0
            loss_CSB = self.l1(fake_B, rec_B.detach()) * 30.0
        loss_G = loss_G_A + loss_G_B + loss_CSA + loss_CSB + loss_cycle_A + loss_cycle_B
        loss_G.backward()
        self.opt_G.step()
        if not self.literal:
            self.set_d_grad(True)
        # backward_D_A(), backward_D_B()
        self.opt_D.zero_grad()
        pooled_B = self.fake_B_pool.query(fake_B.detach())
        loss_D_A = (self.gan_loss(D_A(real_B), True) + self.gan_loss(D_A(pooled_B.detach()), False)) * 0.5
        loss_D_A.backward()
        pooled_A = self.fake_A_pool.query(fake_A.detach())
        loss_D_B = (self.gan_loss(D_B(real_A), True) + self.gan_loss(D_B(pooled_A.detach()), False)) * 0.5
        loss_D_B.backward()
        self.opt_D.step()
        return loss_G.item() + loss_D_A.item() + loss_D_B.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("git_dir", help="the git directory of a pytorch-CycleGAN-and-pix2pix mirror")
    ap.add_argument("--case", choices=sorted(CASES), required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3, help="timed iterations")
    ap.add_argument("--literal", action="store_true",
                    help="csgan.py as written: the generator passes twice, D's weight gradients in the G step")
    ap.add_argument("--json", action="store_true", help="print one JSON line for compare_pytorch.py")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with contextlib.redirect_stdout(sys.stderr):
        nw = official.load_networks(a.git_dir)
        pool_mod = official.load_image_pool(a.git_dir)
    for mod in (nw, pool_mod):  # the temporary copies of the two files
        atexit.register(shutil.rmtree, os.path.dirname(os.path.abspath(mod.__file__)), True)

    torch.manual_seed(1)
    random.seed(1)  # image_pool.py draws from Python's random
    m = Csgan(nw, pool_mod, a.case, a.literal)
    m.step()
    out = {"step": step_timing.time_steps(m.step, a.steps)}
    step_timing.report(out, a.json, a.threads, a.case + (" (literal)" if a.literal else ""), m.batch)


if __name__ == "__main__":
    main()
