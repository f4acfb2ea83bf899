#!/usr/bin/env python3
"""The work of bench/cuda/bench_cuda.cu in PyTorch on the same GPU, timed the same way
(CUDA events around 10 launches, fp32, TF32 off), printed as Google Benchmark-like JSON:
    python3 bench/cuda_pytorch.py [--repeats N] > pytorch.json
scripts/gpu-check runs it next to bench_cuda and prints the ratios."""
import argparse
import json
import statistics

import torch

REPS = 10
ELEMS = 1 << 28
MATMUL_SHAPES = [(1024, 1024, 1024), (2048, 2048, 2048), (4096, 4096, 4096), (8192, 8192, 8192),
                 (65536, 128, 576), (64, 8192, 128)]


def time_per_launch(work, repeats):
    work()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(repeats):
        start.record()
        for _ in range(REPS):
            work()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) * 1e-3 / REPS)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    out = []

    def add(name, seconds, **counters):
        out.append(dict(name=name, real_time=seconds * 1e3, time_unit="ms", **counters))

    for m, n, k in MATMUL_SHAPES:
        a = torch.full((m, k), 0.5, device=dev)
        b = torch.full((k, n), 0.25, device=dev)
        t = time_per_launch(lambda: torch.matmul(a, b), args.repeats)
        add("BM_torch_matmul/M:%d/N:%d/K:%d" % (m, n, k), t, **{"TFLOP/s": 2.0 * m * n * k / t * 1e-12})
        del a, b
    a = torch.ones(ELEMS, device=dev)
    b = torch.full((ELEMS,), 2.0, device=dev)
    c = torch.empty(ELEMS, device=dev)
    t = time_per_launch(lambda: c.copy_(a), args.repeats)
    add("BM_copy", t, **{"TB/s": 2.0 * ELEMS * 4 / t * 1e-12})
    t = time_per_launch(lambda: a + b, args.repeats)
    add("BM_add", t, **{"TB/s": 3.0 * ELEMS * 4 / t * 1e-12})
    rows = a.view(-1, 4096)
    bias = torch.full((4096,), 2.0, device=dev)
    t = time_per_launch(lambda: rows + bias, args.repeats)
    add("BM_add_broadcast_rows", t, **{"TB/s": 2.0 * ELEMS * 4 / t * 1e-12})
    t = time_per_launch(lambda: a.sum(), args.repeats)
    add("BM_sum_all", t, **{"TB/s": 1.0 * ELEMS * 4 / t * 1e-12})
    nchw = a.view(64, ELEMS // (64 * 32 * 32), 32, 32)
    t = time_per_launch(lambda: nchw.sum(dim=(0, 2, 3)), args.repeats)
    add("BM_sum_channels", t, **{"TB/s": 1.0 * ELEMS * 4 / t * 1e-12})
    print(json.dumps({"context": {"torch": torch.__version__, "gpu": torch.cuda.get_device_name()},
                      "benchmarks": out}, indent=1))


if __name__ == "__main__":
    main()
