#!/usr/bin/python3
"""PyTorch's time for the SAGAN / BigGAN attention block (BigGAN-PyTorch layers.py
`Attention` with SN 1x1 convolutions, training mode) forward + backward at the shape of
bench_attention: 256 channels at 16 x 16, batch 64. Prints the median wall and process-CPU
milliseconds, so it can be read next to Google Benchmark's real and CPU time on a shared
machine.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/attention_pytorch.py --threads 1
"""
import argparse
import pathlib
import statistics
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"))
from torch_reference import Attention  # noqa: E402  (the fixtures' re-implementation)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--channels", type=int, default=256)
    ap.add_argument("--size", type=int, default=16)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    m = Attention(a.channels)
    with torch.no_grad():
        m.gamma.fill_(1.0)
    x = torch.randn(a.batch, a.channels, a.size, a.size, requires_grad=True)
    gy = torch.randn_like(x)
    walls, cpus = [], []
    for i in range(a.rounds + 2):
        w0, c0 = time.perf_counter(), time.process_time()
        y = m(x)
        torch.autograd.grad(y, [x] + list(m.parameters()), gy)
        w1, c1 = time.perf_counter(), time.process_time()
        if i >= 2:  # warm-up
            walls.append((w1 - w0) * 1e3)
            cpus.append((c1 - c0) * 1e3)
    print(f"torch {torch.__version__}, {a.threads} thread(s), attention {a.channels}ch@{a.size}x{a.size} "
          f"batch {a.batch} fwd+bwd: median wall {statistics.median(walls):.1f} ms, "
          f"cpu {statistics.median(cpus):.1f} ms")


if __name__ == "__main__":
    main()
