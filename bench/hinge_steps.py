#!/usr/bin/env python3
"""PyTorch's time for one discriminator step and one generator step of SAGAN, BigGAN,
BigGAN-deep, LOGAN and ADC-GAN at batch 64, 3 x 32 x 32, 10 classes: the work bench_hinge_steps times
in gantry (the headers' default nets and hyper-parameters, batch 64).

  D step  fakes from G under no_grad (G in training mode) for uniform labels, D on the real
          and the fake batch (one pass over the concatenated 128 images for BigGAN and
          BigGAN-deep, as BigGAN-PyTorch's G_D; two passes for SAGAN), the hinge loss
          mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))), backward, Adam on D.
  G step  D's weights frozen (requires_grad False, as gantry's FreezeD), G forward, D forward,
          -mean(D(G(z))), backward, Adam on G, then the EMA update of G's parameters and
          buffers (BigGAN, BigGAN-deep: BigGAN-PyTorch's utils.ema, decay 0 before ema_start).
  LOGAN   BigGAN-deep's nets and steps, with z ~ U(-1, 1) and before each update one
          natural-gradient latent step (StudioGAN's latent_optimise, alpha 0.9, beta 5, a
          per-sample mask with c 0.5, w_r 300 * mean |dz|^2 added to both losses), the
          gradient taken with create_graph; G's weights frozen in the D step, whose fakes stay
          on the tape (as gantry's Gan with a latent policy).
  ADC-GAN BigGAN's nets and steps with D's head unconditional beside the 2K-way classifier
          adc, and its cross-entropy terms (lambda 1) added to both losses (train_fns.py).

The nets are written in torch.nn with the layers of the official code (BigGAN-PyTorch
layers.py / BigGAN.py / BigGANdeep.py; SAGAN as tests/fixtures/make_sagan_fixtures.py), the
layers being those of tests/fixtures/torch_reference.py, which the fixtures share:
spectral norm with one power iteration per training forward (u updated, W / sigma), batch
norm through F.batch_norm, nearest 2x upsampling, 2x2 average pooling, max-pooled keys and
values in attention. Their parameter counts are asserted equal to gantry's (the counters
G_params and D_params of bench_hinge_steps). Initialisation as the papers': SAGAN Xavier
uniform with zero biases, BigGAN N(0, 0.02), BigGAN-deep orthogonal.

    OMP_NUM_THREADS=1 python3 bench/hinge_steps.py --model biggan --threads 1 [--steps 3] [--json]
        [--channels-last] [--compile]      (step_timing.py)

One untimed step of each kind comes first; then --steps timed D steps and --steps timed G
steps. Without --json the medians of wall-clock and calling-thread CPU time are printed;
with --json one line {"D step": [[wall ms, cpu ms], ...], "G step": [...]} for
bench/compare_pytorch.py --suite hinge.
"""
import argparse
import os
import pathlib
import sys
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # pip's torch without numpy
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import step_timing  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"))
import torch_reference as tr  # noqa: E402

C, S, K, Z, BATCH = 3, 32, 10, 128, 64

# (G, D) parameter counts of gantry's nets (bench_hinge_steps' G_params / D_params counters).
PARAMETERS = {
    "sagan": (2_412_932, 2_375_106),
    "biggan": (4_304_387, 4_207_361),
    "biggan-deep": (1_380_547, 166_081),
    "adcgan": (4_304_387, 4_209_941),
}


# ---- layers: tests/fixtures/torch_reference.py (BigGAN-PyTorch layers.py, one singular value)
class AdcHead(nn.Module):
    """ADC-GAN's D output (houliangict/adcgan BigGAN.py): ReLU, sum pool, the unconditional
    linear, and the 2K-way classifier adc on the same pooled features."""

    def __init__(self, c, eps):
        super().__init__()
        self.linear = tr.SNLinear(c, 1, eps=eps)
        self.adc = tr.SNLinear(c, 2 * K, eps=eps)

    def forward(self, h, y):
        phi = tr.relu_sum_pool(h)
        return self.linear(phi), self.adc(phi)


def projection_head(c, eps):
    return tr.ProjectionHead(c, K, eps=eps)


# ---- SAGAN (include/gantry/models/sagan.hpp, Ch 64; tests/fixtures/make_sagan_fixtures.py's nets)
def SaganG(ch=64, eps=1e-12):
    return tr.SaganGenerator(C, K, ch, Z, eps=eps)


def SaganD(ch=64, eps=1e-12):
    return tr.SaganDiscriminator(C, K, ch, eps=eps)


# ---- BigGAN (BigGAN.py arch[32], launch_cifar_ema.sh: Ch 64, per-class ccbn tables) -------
class BigganG(nn.Module):
    def __init__(self, ch=64, eps=1e-12):
        super().__init__()
        self.width = 4 * ch
        self.linear = tr.SNLinear(Z, 4 * 4 * self.width, eps=eps)
        self.blocks = nn.ModuleList([tr.GBlock(self.width, self.width, tr.class_table(K), eps=eps) for _ in range(3)])
        self.bn = nn.BatchNorm2d(self.width)
        self.out = tr.SNConv2d(self.width, C, 3, eps=eps)

    def forward(self, z, y):
        h = self.linear(z).reshape(-1, self.width, 4, 4)
        for b in self.blocks:
            h = b(h, y)
        return torch.tanh(self.out(F.relu(self.bn(h))))


class BigganD(nn.Module):
    def __init__(self, ch=64, eps=1e-12, head=projection_head):
        super().__init__()
        w = 4 * ch
        self.blocks = nn.Sequential(tr.DBlock(C, w, preactivation=False, downsample=True, eps=eps),
                                    tr.DBlock(w, w, preactivation=True, downsample=True, eps=eps),
                                    tr.DBlock(w, w, preactivation=True, downsample=False, eps=eps),
                                    tr.DBlock(w, w, preactivation=True, downsample=False, eps=eps))
        self.head = head(w, eps)

    def forward(self, x, y):
        return self.head(self.blocks(x), y)


# ---- BigGAN-deep (BigGANdeep.py arch[32], Ch 32, shared 128, hier, SN eps 1e-6) ------------
class BigganDeepG(nn.Module):
    def __init__(self, ch=32, shared=128, eps=1e-6):
        super().__init__()
        self.width = 4 * ch
        cond = shared + Z
        self.shared = nn.Embedding(K, shared)
        self.linear = tr.SNLinear(cond, 4 * 4 * self.width, eps=eps)
        self.blocks = nn.ModuleList([tr.GBlockDeep(self.width, self.width, tr.projected(cond, eps), j == 1, eps=eps)
                                     for _ in range(3) for j in range(2)])
        self.bn = nn.BatchNorm2d(self.width)
        self.out = tr.SNConv2d(self.width, C, 3, eps=eps)

    def forward(self, z, y):
        c = torch.cat([self.shared(y), z], 1)
        h = self.linear(c).reshape(-1, self.width, 4, 4)
        for b in self.blocks:
            h = b(h, c)
        return torch.tanh(self.out(F.relu(self.bn(h))))


class BigganDeepD(nn.Module):
    def __init__(self, ch=32, eps=1e-6):
        super().__init__()
        w = 4 * ch
        self.input_conv = tr.SNConv2d(C, w, 3, eps=eps)
        self.blocks = nn.Sequential(*[tr.DBlockDeep(w, w, down and j == 0, eps=eps)
                                      for down in (True, True, False) for j in range(2)])
        self.head = projection_head(w, eps)

    def forward(self, x, y):
        return self.head(self.blocks(self.input_conv(x)), y)


# ---- the step policy (models::HingeGan) -----------------------------------------------------
def initialise(net, scheme, zero_biases):
    with torch.no_grad():
        for name, p in net.named_parameters():
            last = name.rsplit(".", 1)[-1]
            if last == "weight" and p.dim() >= 2:
                {"xavier": nn.init.xavier_uniform_, "N02": lambda t: nn.init.normal_(t, 0, 0.02),
                 "ortho": nn.init.orthogonal_}[scheme](p)
            elif last == "bias" and zero_biases:
                p.zero_()


class EMA:
    """BigGAN-PyTorch utils.ema over the state dict (parameters and buffers)."""

    def __init__(self, source, target, decay, start):
        self.source, self.target = source.state_dict(), target.state_dict()
        self.decay, self.start = decay, start
        target.load_state_dict(source.state_dict())

    def update(self, itr):
        decay = 0.0 if itr < self.start else self.decay
        with torch.no_grad():
            for key in self.source:
                if self.source[key].is_floating_point():
                    self.target[key].copy_(self.target[key] * decay + self.source[key] * (1 - decay))
                else:
                    self.target[key].copy_(self.source[key])


MODELS = {
    # nets, init, zero biases, g_lr, d_lr, beta2, adam eps, EMA (decay, start) or None, concat
    "sagan": (SaganG, SaganD, "xavier", True, 1e-4, 4e-4, 0.999, 1e-8, None, False),
    "biggan": (BigganG, BigganD, "N02", False, 2e-4, 2e-4, 0.999, 1e-8, (0.9999, 1000), True),
    "biggan-deep": (BigganDeepG, BigganDeepD, "ortho", False, 1e-4, 4e-4, 0.999, 1e-6, (0.9999, 20000), True),
    "logan": (BigganDeepG, BigganDeepD, "ortho", False, 1e-4, 4e-4, 0.999, 1e-6, (0.9999, 20000), True),
    "adcgan": (BigganG, lambda: BigganD(head=AdcHead), "N02", False, 2e-4, 2e-4, 0.999, 1e-8, (0.9999, 1000), True),
}
LO_ALPHA, LO_BETA, LO_RATE, LO_WR = 0.9, 5.0, 0.5, 300.0


class HingeGan:
    def __init__(self, model, batch):
        g_cls, d_cls, init, zero_biases, g_lr, d_lr, beta2, eps, ema, concat = MODELS[model]
        self.G, self.D = g_cls(), d_cls()
        self.logan = model == "logan"
        self.adc = model == "adcgan"  # D returns (scores, 2K logits); lambda_D = lambda_G = 1
        for name, net, expected in zip("GD", (self.G, self.D), PARAMETERS["biggan-deep" if self.logan else model]):
            initialise(net, init, zero_biases)
            n = sum(p.numel() for p in net.parameters())
            assert n == expected, "%s %s has %d parameters, gantry's has %d" % (model, name, n, expected)
        self.G.train()
        self.D.train()
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=g_lr, betas=(0.0, beta2), eps=eps)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=d_lr, betas=(0.0, beta2), eps=eps)
        self.ema = None
        if ema:
            self.G_ema = g_cls()
            self.ema = EMA(self.G, self.G_ema, *ema)
        self.batch, self.concat, self.g_steps = batch, concat, 0
        self.real = torch.rand(batch, C, S, S) * 2 - 1
        self.y_real = torch.arange(batch) % K

    def latent(self, n, y):
        """z, or for LOGAN z' after one NGD latent step on the tape, and the transport cost."""
        if not self.logan:
            return torch.randn(n, Z), 0.0
        z = (torch.rand(n, Z) * 2 - 1).requires_grad_(True)
        (g,) = torch.autograd.grad(self.D(self.G(z, y), y).sum(), z, create_graph=True)
        dz = LO_ALPHA * g / (LO_BETA + (g * g).sum(1, keepdim=True))
        mask = (torch.rand(n, 1) > 1 - LO_RATE).float()
        return torch.clamp(z + mask * dz, -1, 1), LO_WR * (dz * dz).sum(1).mean()

    def d_step(self):
        self.opt_D.zero_grad()
        n = self.batch
        y_fake = torch.randint(0, K, (n,))
        cost = 0.0
        if self.logan:
            for p in self.G.parameters():
                p.requires_grad_(False)
            z, cost = self.latent(n, y_fake)
            fake = self.G(z, y_fake)
        else:
            with torch.no_grad():
                fake = self.G(torch.randn(n, Z), y_fake)
        if self.concat:
            out = self.D(torch.cat([self.real, fake]), torch.cat([self.y_real, y_fake]))
            if self.adc:
                (d_real, d_fake), (l_real, l_fake) = torch.split(out[0], [n, n]), torch.split(out[1], [n, n])
                cost = F.cross_entropy(l_real, 2 * self.y_real) + F.cross_entropy(l_fake, 2 * y_fake + 1)
            else:
                d_real, d_fake = torch.split(out, [n, n])
        else:
            d_real, d_fake = self.D(self.real, self.y_real), self.D(fake, y_fake)
        loss = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean() + cost
        loss.backward()
        self.opt_D.step()
        if self.logan:
            for p in self.G.parameters():
                p.requires_grad_(True)
        return loss.item(), d_real.mean().item(), d_fake.mean().item()

    def g_step(self):
        self.opt_G.zero_grad()
        for p in self.D.parameters():
            p.requires_grad_(False)
        y = torch.randint(0, K, (self.batch,))
        z, cost = self.latent(self.batch, y)
        out = self.D(self.G(z, y), y)
        if self.adc:
            out, logits = out
            cost = F.cross_entropy(logits, 2 * y) - F.cross_entropy(logits, 2 * y + 1)
        loss = -out.mean() + cost
        loss.backward()
        self.opt_G.step()
        for p in self.D.parameters():
            p.requires_grad_(True)
        self.g_steps += 1
        if self.ema:
            self.ema.update(self.g_steps)
        return loss.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=sorted(MODELS), required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3, help="timed steps of each kind")
    ap.add_argument("--json", action="store_true", help="print one JSON line for compare_pytorch.py")
    step_timing.add_torch_options(ap)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    m = HingeGan(a.model, BATCH)
    step_timing.apply_torch_options(a, m)
    step_timing.report(step_timing.warm_and_time(m, a.steps), a.json, a.threads, a.model, BATCH)


if __name__ == "__main__":
    main()
