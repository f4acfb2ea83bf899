#!/usr/bin/env python3
"""PyTorch's time for one WGAN-GP critic step and one generator step of the paper's CIFAR
ResNet (gan_cifar_resnet.py, Dim 128, 3 x 32 x 32), the same step that bench_wgan_gp_step
times in gantry (models::WganGp over models::wgan_gp_resnet<Image<3, 32, 32>>):

  critic step     fakes from G under no_grad (G in training mode), D on the real and the
                  fake batch, the gradient penalty (torch.autograd.grad with
                  create_graph=True, so backward is a double backward), backward, Adam on D.
  generator step  D's weights frozen (requires_grad False, as gantry's FreezeD), G forward,
                  D forward, backward, Adam on G.

Both at batch 64 (gan_cifar_resnet.py draws 128 for the G step; here both are 64, as in the
gantry benchmark). Adam(lr 2e-4, betas (0, 0.9)), lambda 10, the real batch uniform in
[-1, 1]. The nets use gantry's layer layout (tests/fixtures/torch_reference.py's
wgan_gp_resnet, shared with make_checkpoint_interop_fixtures.py: tflib's resampling
convolutions as F.interpolate / F.avg_pool2d), and their parameter counts are checked
against gantry's (G 1,204,483, D 1,053,825; tests/test_models_wgan_nets.cpp).

    OMP_NUM_THREADS=1 python3 bench/wgan_gp_step.py --threads 1 [--steps 5] [--json]
        [--channels-last] [--compile]      (step_timing.py)

One untimed step of each kind comes first; the medians of the wall-clock and the calling
thread's CPU time over --steps timed steps are printed (with --json, as one JSON line
{"critic step": [wall ms, cpu ms], "generator step": [...]} for bench/compare_pytorch.py).
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # pip's torch without numpy
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import step_timing  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"))
import torch_reference as tr  # noqa: E402

DIM, Z, CHANNELS, SIZE = 128, 128, 3, 32
G_PARAMETERS, D_PARAMETERS = 1_204_483, 1_053_825


class WganGp:
    def __init__(self, batch, lam=10.0):
        self.G, self.D = tr.wgan_gp_resnet(CHANNELS, SIZE, DIM, Z)
        for name, net, expected in (("G", self.G, G_PARAMETERS), ("D", self.D, D_PARAMETERS)):
            n = sum(p.numel() for p in net.parameters())
            assert n == expected, "%s has %d parameters, gantry's has %d" % (name, n, expected)
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.0, 0.9))
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.0, 0.9))
        self.batch, self.lam = batch, lam
        self.real = torch.rand(batch, CHANNELS, SIZE, SIZE) * 2 - 1

    def d_step(self):
        self.opt_D.zero_grad()
        n, real = self.batch, self.real
        with torch.no_grad():
            fake = self.G(torch.randn(n, Z))
        w = self.D(fake).mean() - self.D(real).mean()
        alpha = torch.rand(n, 1, 1, 1)
        x_hat = (real + alpha * (fake - real)).requires_grad_(True)
        (g,) = torch.autograd.grad(self.D(x_hat).sum(), x_hat, create_graph=True)
        gp = self.lam * (g.flatten(1).pow(2).sum(1).sqrt() - 1).pow(2).mean()
        total = w + gp
        total.backward()
        self.opt_D.step()
        return total.item()

    def g_step(self):
        self.opt_G.zero_grad()
        for p in self.D.parameters():
            p.requires_grad_(False)
        loss = -self.D(self.G(torch.randn(self.batch, Z))).mean()
        loss.backward()
        self.opt_G.step()
        for p in self.D.parameters():
            p.requires_grad_(True)
        return loss.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5, help="timed steps of each kind")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--json", action="store_true", help="print one JSON line for compare_pytorch.py")
    step_timing.add_torch_options(ap)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    m = WganGp(a.batch)
    step_timing.apply_torch_options(a, m)
    # One untimed step of each kind before its timed ones (oneDNN primitives, the allocator).
    out = step_timing.warm_and_time(m, a.steps, (("critic step", "d_step"), ("generator step", "g_step")))
    if a.json:
        # (compare_pytorch.py --suite wgan-gp takes the medians)
        print(json.dumps({k: None if v is None else [statistics.median(w for w, _ in v), statistics.median(c for _, c in v)]
                          for k, v in out.items()}))
        return
    step_timing.report(out, False, a.threads, "WGAN-GP ResNet", a.batch)


if __name__ == "__main__":
    main()
