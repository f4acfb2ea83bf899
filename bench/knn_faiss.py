#!/usr/bin/env python3
"""faiss's exact k-NN (IndexFlatL2, the index IC-GAN's _obtain_nns uses) against gantry's
data::nearest_neighbours on the same sizes, interleaved: each round runs the bench_knn
case, then the same search in faiss, and the table shows medians over rounds and the ratio
gantry / faiss.

    pip install faiss-cpu numpy
    python3 bench/knn_faiss.py --build build [--threads 2] [--rounds 3] [--cases fashion imagenet-slice]

Cases (k = 50; faiss searches k + 1 and IC-GAN deletes the sample itself, gantry searches k
excluding it: the same work):
  fashion         60 000 x 128 features, every row against all rows (BM_knn_self/60000/128)
  imagenet-slice  200 000 x 2048 features, the first 2 000 rows against all 200 000
                  (BM_knn_slice/200000/2048/2000); extrapolated to the full 200 000 x 200 000
                  search and to ImageNet's 1.28 M x 1.28 M x 2048 (time ~ queries x base x F)
Features: a mixture of 1 000 Gaussian clusters (centres N(0, 1), spread 0.5), rows
L2-normalised, as bench_knn makes them (not the same numbers: the work is the same).

faiss runs in this process with faiss.omp_set_num_threads(n); gantry with --threads=n. Both
report wall-clock time; faiss's CPU time is that of the whole process (all threads). The
machine may be shared: the 1-minute load average is printed with each round.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
K = 50
IMAGENET = 1281167
CASES = {
    # name: (N, F, queries, bench_knn filter)
    "fashion": (60000, 128, 60000, "^BM_knn_self/N:60000/F:128/"),
    "imagenet-slice": (200000, 2048, 2000, "^BM_knn_slice/N:200000/F:2048/Q:2000/"),
}


def cpu_model():
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if ":" in line:
                k, v = (s.strip() for s in line.split(":", 1))
                info.setdefault(k, v)
    flags = info.get("flags", "").split()
    isa = [x for x in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if x in flags]
    return (f"{info.get('model name', '?')} (family {info.get('cpu family', '?')}, model {info.get('model', '?')}, "
            f"{os.cpu_count()} logical CPUs, {' '.join(isa)})")


def features(n, f, seed=1):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((1000, f), dtype=np.float32)
    x = np.empty((n, f), dtype=np.float32)
    step = 20000
    for i in range(0, n, step):
        j = min(n, i + step)
        x[i:j] = centres[(np.arange(i, j) * 7919) % 1000] + 0.5 * rng.standard_normal((j - i, f), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def run_faiss(faiss, index, x, q):
    t, c = time.perf_counter(), time.process_time()
    d, i = index.search(x[:q], K + 1)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    return wall, cpu, i


def run_gantry(build, threads, filt):
    exe = os.path.join(build, "bench", "bench_knn")
    out = subprocess.run([exe, f"--threads={threads}", f"--benchmark_filter={filt}", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    b = json.loads(out)["benchmarks"][0]
    scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
    return b["real_time"] * scale, b["cpu_time"] * scale, b["GFLOP/s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True, help="CMake build directory with bench/bench_knn")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = ap.parse_args()

    import faiss

    faiss.omp_set_num_threads(args.threads)
    print(f"CPU: {cpu_model()}")
    print(f"faiss {faiss.__version__} ({faiss.get_compile_options().strip()}), threads {args.threads}, k = {K}")
    rows = []
    for name in args.cases:
        n, f, q, filt = CASES[name]
        x = features(n, f)
        index = faiss.IndexFlatL2(f)
        index.add(x)
        run_faiss(faiss, index, x, min(q, 256))  # warm up (threads, BLAS buffers)
        flops = 2.0 * q * n * f
        g_wall, g_cpu, f_wall, f_cpu = [], [], [], []
        for r in range(args.rounds):
            w, c, _ = run_gantry(args.build, args.threads, filt)
            g_wall.append(w)
            g_cpu.append(c)
            w, c, ids = run_faiss(faiss, index, x, q)
            f_wall.append(w)
            f_cpu.append(c)
            self_first = float(np.mean(ids[:, 0] == np.arange(q)))
            print(f"  {name} round {r + 1}: gantry {g_wall[-1]:.2f} s, faiss {f_wall[-1]:.2f} s "
                  f"(process CPU {f_cpu[-1]:.2f} s) "
                  f"(faiss found the sample itself first in {100 * self_first:.1f}% of rows); "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
        gw, fw = statistics.median(g_wall), statistics.median(f_wall)
        rows.append((name, n, f, q, flops, gw, fw, statistics.median(f_cpu)))
        del index, x

    print()
    print(f"{'case':<16} {'N x F':>14} {'queries':>8} {'gantry s':>9} {'GFLOP/s':>8} {'faiss s':>8} {'GFLOP/s':>8} "
          f"{'gantry/faiss':>12}")
    for name, n, f, q, flops, gw, fw, fc in rows:
        print(f"{name:<16} {f'{n} x {f}':>14} {q:>8} {gw:>9.2f} {flops / gw * 1e-9:>8.1f} {fw:>8.2f} "
              f"{flops / fw * 1e-9:>8.1f} {gw / fw:>12.2f}")
    for name, n, f, q, flops, gw, fw, fc in rows:
        if q < n:
            full = n / q
            inet = (IMAGENET / q) * (IMAGENET / n) * (2048 / f)
            print(f"{name}: the whole {n} x {n} search: gantry {gw * full / 60:.1f} min, "
                  f"faiss {fw * full / 60:.1f} min; "
                  f"ImageNet 1.28 M x 2048: gantry {gw * inet / 3600:.1f} h, faiss {fw * inet / 3600:.1f} h "
                  f"({args.threads} threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
