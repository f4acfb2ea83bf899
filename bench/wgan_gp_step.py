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
[-1, 1]. The nets use gantry's layer layout, and their parameter counts are checked against
gantry's (G 1,204,483, D 1,053,825; tests/test_models_wgan_nets.cpp).

    OMP_NUM_THREADS=1 python3 bench/wgan_gp_step.py --threads 1 [--steps 5] [--json]
        [--channels-last] [--compile]      (step_timing.py)

One untimed step of each kind comes first; the medians of the wall-clock and the calling
thread's CPU time over --steps timed steps are printed (with --json, as one JSON line
{"critic step": [wall ms, cpu ms], "generator step": [...]} for bench/compare_pytorch.py).
"""
import argparse
import json
import os
import statistics
import sys
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # pip's torch without numpy
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import step_timing  # noqa: E402

DIM, Z, CHANNELS, SIZE = 128, 128, 3, 32
G_PARAMETERS, D_PARAMETERS = 1_204_483, 1_053_825


# tflib's resampling convolutions: nearest 2x upsampling (depth_to_space of four copies), the
# 2 x 2 mean pool (the mean of four strided slices), 'SAME' padding, all with bias.
class UpsampleConv(nn.Conv2d):
    def __init__(self, cin, cout, k):
        super().__init__(cin, cout, k, padding=k // 2)

    def forward(self, x):
        return super().forward(F.interpolate(x, scale_factor=2, mode="nearest"))


class ConvMeanPool(nn.Conv2d):
    def __init__(self, cin, cout, k):
        super().__init__(cin, cout, k, padding=k // 2)

    def forward(self, x):
        return F.avg_pool2d(super().forward(x), 2)


class MeanPoolConv(nn.Conv2d):
    def __init__(self, cin, cout, k):
        super().__init__(cin, cout, k, padding=k // 2)

    def forward(self, x):
        return super().forward(F.avg_pool2d(x, 2))


class ResBlock(nn.Module):
    """gan_cifar_resnet.py's ResidualBlock: shortcut(x) + conv2(ReLU(norm2(conv1(ReLU(norm1(x))))))."""

    def __init__(self, dim, resample, norm):
        super().__init__()
        if resample == "up":
            self.shortcut = UpsampleConv(dim, dim, 1)
            self.conv1, self.conv2 = UpsampleConv(dim, dim, 3), nn.Conv2d(dim, dim, 3, padding=1)
        elif resample == "down":
            self.shortcut = ConvMeanPool(dim, dim, 1)
            self.conv1, self.conv2 = nn.Conv2d(dim, dim, 3, padding=1), ConvMeanPool(dim, dim, 3)
        else:  # no resampling, In == Out: identity shortcut
            self.shortcut = nn.Identity()
            self.conv1, self.conv2 = nn.Conv2d(dim, dim, 3, padding=1), nn.Conv2d(dim, dim, 3, padding=1)
        self.norm1 = nn.BatchNorm2d(dim) if norm else nn.Identity()
        self.norm2 = nn.BatchNorm2d(dim) if norm else nn.Identity()

    def forward(self, x):
        h = self.conv1(F.relu(self.norm1(x)))
        h = self.conv2(F.relu(self.norm2(h)))
        return self.shortcut(x) + h


class OptimizedBlock(nn.Module):
    """OptimizedResBlockDisc1: MeanPoolConv1x1(x) + ConvMeanPool3x3(ReLU(Conv3x3(x)))."""

    def __init__(self, cin, dim):
        super().__init__()
        self.shortcut = MeanPoolConv(cin, dim, 1)
        self.conv1 = nn.Conv2d(cin, dim, 3, padding=1)
        self.conv2 = ConvMeanPool(dim, dim, 3)

    def forward(self, x):
        return self.shortcut(x) + self.conv2(F.relu(self.conv1(x)))


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(Z, 4 * 4 * DIM)
        self.blocks = nn.Sequential(*[ResBlock(DIM, "up", True) for _ in range(3)])
        self.norm = nn.BatchNorm2d(DIM)
        self.conv = nn.Conv2d(DIM, CHANNELS, 3, padding=1)

    def forward(self, z):
        h = self.blocks(self.linear(z).view(-1, DIM, 4, 4))
        return torch.tanh(self.conv(F.relu(self.norm(h))))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(OptimizedBlock(CHANNELS, DIM), ResBlock(DIM, "down", False),
                                    ResBlock(DIM, None, False), ResBlock(DIM, None, False))
        self.linear = nn.Linear(DIM, 1)

    def forward(self, x):
        return self.linear(F.relu(self.blocks(x)).mean(dim=(2, 3)))


class WganGp:
    def __init__(self, batch, lam=10.0):
        self.G, self.D = Generator(), Discriminator()
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
