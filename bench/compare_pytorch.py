#!/usr/bin/env python3
"""Runs gantry's benchmarks and the same work in PyTorch, interleaved, and prints median
times and ratios for each thread count. Six suites:

    python3 bench/compare_pytorch.py --build build [--threads 1 2] [--rounds 3]
        kernels (default): bench_gemm / bench_conv and the same shapes with torch.mm, F.conv2d
    python3 bench/compare_pytorch.py --suite wgan-gp --build build [--rounds 5] [--steps 3]
        bench_wgan_gp_step and bench/wgan_gp_step.py: one WGAN-GP critic step (with the
        gradient penalty) and one generator step of the paper's CIFAR ResNet at batch 64
    python3 bench/compare_pytorch.py --suite hinge --build build --threads 1 [--rounds 3] [--steps 3]
        bench_hinge_steps and bench/hinge_steps.py: one D step and one G step of SAGAN, BigGAN
        and BigGAN-deep at batch 64 (--models picks some); the tables give the median and the
        minimum over all timed steps of all rounds
    python3 bench/compare_pytorch.py --suite unetgan --unetgan-git GIT_DIR --build build --threads 1
            [--rounds 3] [--steps 3]
        bench_unetgan_steps and bench/unetgan_steps.py (boschresearch/unetgan's own modules, read
        from GIT_DIR, the git directory of a clone of github.com/boschresearch/unetgan): one D step
        and one G step of U-Net GAN at 32x32 (batch 64, Ch 64) and 128x128 (batch 16, Ch 16)
        (--cases picks some); tables as for hinge
    python3 bench/compare_pytorch.py --suite icgan --icgan-git GIT_DIR --build build --threads 1
            [--rounds 3] [--steps 3]
        bench_icgan_steps and bench/icgan_steps.py (facebookresearch/ic_gan's own modules, read
        from GIT_DIR, a clone's git directory): one D step and one G step of IC-GAN at 32x32
        (batch 64, Ch 64) and on the official 64 table (batch 16, Ch 16), 2048-d features
        (--icgan-cases picks some); tables as for hinge
    python3 bench/compare_pytorch.py --suite csgan --csgan-git GIT_DIR --build build --threads 1
            [--rounds 3] [--steps 3]
        bench_csgan_steps and bench/csgan_steps.py (pytorch-CycleGAN-and-pix2pix's networks.py and
        util/image_pool.py, read from GIT_DIR, a mirror's git directory): one CSGAN iteration
        (G step of both generators, then D step of both discriminators, history pools of 50) at
        256x256 (the paper's nets, batch 1) and on the Fashion edges example's nets (32x32,
        batch 4) (--csgan-cases picks some); tables as for hinge

PyTorch configurations (--torch-configs, wgan-gp and hinge suites): each is a child process
of its own, interleaved with gantry's, and the tables show each, the ratio against PyTorch's
default and against the fastest configuration of each step:
    default        NCHW tensors, glibc malloc, eager
    channels-last  nets and images in torch.channels_last (NHWC)
    jemalloc       LD_PRELOAD Debian's jemalloc (libjemalloc2): a caching malloc, no page faults
    cl-jemalloc    both (the default list is: default cl-jemalloc)
    cl-tcmalloc    channels_last with tcmalloc (libtcmalloc-minimal4)
    compile        cl-jemalloc and torch.compile on G and D; a step torch.compile cannot run
                   (a double backward: WGAN-GP's penalty, LOGAN's latent step) shows n/a

PyTorch runs in a child process per measurement with OMP_NUM_THREADS=n (and MKL/OpenBLAS
thread variables) set before torch is imported, plus torch.set_num_threads(n). Use pip's
torch (`pip install torch`); Debian's 1.13 also works (/usr/bin/python3) but its OpenBLAS
needs OPENBLAS_CORETYPE=SkylakeX on this CPU, which is set here.
The machine is shared and noisy: gantry and PyTorch alternate within each round and the
table shows medians over rounds; the 1-minute load average is printed with each round.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GEMM = [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048), (65536, 128, 576)]
CONV = [(64, 3, 128, 32), (64, 128, 128, 16), (64, 256, 256, 8)]  # N, Cin, Cout, HW; 3x3, padding 1

TORCH_CHILD = r"""
import json, sys, time
import torch
import torch.nn.functional as F
n = int(sys.argv[1]); min_time = float(sys.argv[2])
torch.set_num_threads(n)
torch.manual_seed(0)

def timeit(fn):
    fn(); fn()
    wall, cpu = [], []
    start = time.perf_counter()
    while time.perf_counter() - start < min_time or len(wall) < 3:
        t, c = time.perf_counter(), time.thread_time()
        fn()
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - t)
    return [statistics.median(wall) * 1e3, statistics.median(cpu) * 1e3]

import statistics
out = {}
for m, nn_, k in %(gemm)s:
    a, b = torch.randn(m, k), torch.randn(k, nn_)
    c = torch.empty(m, nn_)
    out["gemm %%dx%%dx%%d" %% (m, nn_, k)] = timeit(lambda: torch.mm(a, b, out=c))
for N, cin, cout, hw in %(conv)s:
    x = torch.randn(N, cin, hw, hw, requires_grad=True)
    w = torch.randn(cout, cin, 3, 3, requires_grad=True)
    b = torch.randn(cout, requires_grad=True)
    gy = torch.randn(N, cout, hw, hw)
    key = "conv %%d->%%d @%%dx%%d" %% (cin, cout, hw, hw)
    with torch.no_grad():
        out[key + " fwd"] = timeit(lambda: F.conv2d(x, w, b, padding=1))
    def step():
        y = F.conv2d(x, w, b, padding=1)
        y.backward(gy)
    out[key + " fwd+bwd"] = timeit(step)
print(json.dumps(out))
""" % {"gemm": GEMM, "conv": CONV}


def thread_env(n):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GANTRY_NUM_THREADS"):
        env[var] = str(n)
    env.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
    return env


TORCH_CONFIGS = {  # name -> (step script flags, malloc preloaded)
    "default": ([], None),
    "channels-last": (["--channels-last"], None),
    "jemalloc": ([], "jemalloc"),
    "cl-jemalloc": (["--channels-last"], "jemalloc"),
    "cl-tcmalloc": (["--channels-last"], "tcmalloc"),
    "compile": (["--channels-last", "--compile"], "jemalloc"),
}
MALLOC_LIBRARIES = {"jemalloc": ("libjemalloc.so.2", "libjemalloc2"),
                    "tcmalloc": ("libtcmalloc_minimal.so.4", "libtcmalloc-minimal4")}


def malloc_path(name):
    lib, package = MALLOC_LIBRARIES[name]
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"):
        if os.path.exists(os.path.join(d, lib)):
            return os.path.join(d, lib)
    sys.exit("compare_pytorch.py: %s not found (Debian: apt-get install %s)" % (lib, package))


def torch_command(config, n):
    """The step script's extra flags and the environment of a PyTorch configuration."""
    flags, malloc = TORCH_CONFIGS[config]
    env = thread_env(n)
    if malloc:
        env["LD_PRELOAD"] = malloc_path(malloc)
    return flags, env


def run_torch(python, n, min_time):
    r = subprocess.run([python, "-c", TORCH_CHILD, str(n), str(min_time)], env=thread_env(n),
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_gantry(build, n, min_time):
    out = {}
    for prog, filt in (("bench_gemm", "BM_gemm"), ("bench_conv", "BM_conv_forward/|BM_conv_forward_backward")):
        path = os.path.join(build, "bench", prog)
        r = subprocess.run([path, "--threads=%d" % n, "--benchmark_format=json", "--benchmark_min_time=%g" % min_time,
                            "--benchmark_filter=" + filt], env=thread_env(n), capture_output=True, text=True,
                           check=True)
        for b in json.loads(r.stdout)["benchmarks"]:
            name = b["name"]
            scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
            ms = [b["real_time"] * scale, b["cpu_time"] * scale]
            args = dict(part.split(":") for part in name.split("/")[1:] if ":" in part)
            if name.startswith("BM_gemm"):
                key = "gemm %sx%sx%s" % (args["M"], args["N"], args["K"])
            else:
                key = "conv %s->%s @%sx%s" % (args["Cin"], args["Cout"], args["HW"], args["HW"])
                key += " fwd+bwd" if name.startswith("BM_conv_forward_backward") else " fwd"
            out[key] = ms
    return out


WGAN_STEPS = {"BM_WganGpCriticStep": "critic step", "BM_WganGpGeneratorStep": "generator step"}


def run_gantry_wgan(build, n, steps):
    """Median over `steps` warm steps (one Google Benchmark repetition each) of each kind."""
    path = os.path.join(build, "bench", "bench_wgan_gp_step")
    r = subprocess.run([path, "--threads=%d" % n, "--benchmark_format=json", "--benchmark_min_time=0.01",
                        "--benchmark_repetitions=%d" % steps], env=thread_env(n), capture_output=True, text=True,
                       check=True)
    runs = {}
    for b in json.loads(r.stdout)["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        key = WGAN_STEPS[b["name"].split("/")[0]]
        runs.setdefault(key, []).append((b["real_time"] * scale, b["cpu_time"] * scale))
    return {k: [statistics.median(w for w, _ in v), statistics.median(c for _, c in v)] for k, v in runs.items()}


def run_torch_wgan(python, n, steps, config="default"):
    flags, env = torch_command(config, n)
    r = subprocess.run([python, os.path.join(HERE, "wgan_gp_step.py"), "--threads", str(n), "--steps", str(steps),
                        "--json"] + flags, env=env, capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


HINGE_MODELS = ("sagan", "biggan", "biggan-deep", "logan", "adcgan")
HINGE_STEPS = {"BM_DStep": "D step", "BM_GStep": "G step"}


def run_gantry_hinge(build, n, steps, model, program="bench_hinge_steps", kinds=HINGE_STEPS, prefix="BM_[DG]Step"):
    """Every timed step ([wall ms, cpu ms]) of one bench_hinge_steps (or `program`) process for
    one model (benchmarks `prefix`/<model>, named as `kinds` names their prefixes)."""
    path = os.path.join(build, "bench", program)
    r = subprocess.run([path, "--threads=%d" % n, "--benchmark_format=json", "--benchmark_min_time=0.01",
                        "--benchmark_repetitions=%d" % steps, "--benchmark_filter=^%s/%s(/|$)" % (prefix, model)],
                       env=thread_env(n), capture_output=True, text=True, check=True)
    runs = {}
    for b in json.loads(r.stdout)["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        key = "%s %s" % (model, kinds[b["name"].split("/")[0]])
        runs.setdefault(key, []).append([b["real_time"] * scale, b["cpu_time"] * scale])
    return runs


def run_torch_hinge(python, n, steps, model, config="default"):
    flags, env = torch_command(config, n)
    r = subprocess.run([python, os.path.join(HERE, "hinge_steps.py"), "--model", model, "--threads", str(n),
                        "--steps", str(steps), "--json"] + flags, env=env, capture_output=True, text=True,
                       check=True)
    return {"%s %s" % (model, k): v for k, v in json.loads(r.stdout.strip().splitlines()[-1]).items()}


UNETGAN_CASES = ("unetgan32", "unetgan128")


def run_gantry_unetgan(build, n, steps, case):
    return run_gantry_hinge(build, n, steps, case, program="bench_unetgan_steps")


def run_torch_official(script, python, git_dir, n, steps, case):
    """A step script over an official repository's modules (unetgan_steps.py, icgan_steps.py,
    csgan_steps.py)."""
    r = subprocess.run([python, os.path.join(HERE, script), git_dir, "--case", case, "--threads", str(n),
                        "--steps", str(steps), "--json"], env=thread_env(n), capture_output=True, text=True,
                       check=True)
    return {"%s %s" % (case, k): v for k, v in json.loads(r.stdout.strip().splitlines()[-1]).items()}


ICGAN_CASES = ("icgan32", "icgan64")


def run_gantry_icgan(build, n, steps, case):
    return run_gantry_hinge(build, n, steps, case, program="bench_icgan_steps")


CSGAN_CASES = ("csgan256", "csgan32")


def run_gantry_csgan(build, n, steps, case):
    return run_gantry_hinge(build, n, steps, case, program="bench_csgan_steps", kinds={"BM_Step": "step"},
                            prefix="BM_Step")


def hinge_main(args, models=None, run_gantry=run_gantry_hinge, run_torch=run_torch_hinge):
    """Per round and thread count, each model's gantry and PyTorch processes in turn (which
    goes first alternates between rounds); every timed step is kept. (--suite unetgan: the
    cases of bench_unetgan_steps and bench/unetgan_steps.py.)"""
    configs = args.torch_configs
    # (threads, "model step") -> {"gantry": [[wall, cpu]...], <PyTorch config>: [...] (None: cannot run)}
    steps = {}
    loads = []
    for rnd in range(args.rounds):
        for n in args.threads:
            for model in models or args.models:
                order = [("gantry", lambda: run_gantry(args.build, n, args.steps, model))]
                for c in configs:
                    order.append((c, lambda c=c: run_torch(args.python, n, args.steps, model, c)))
                for side, run in (order if rnd % 2 == 0 else order[::-1]):
                    for key, runs in run().items():
                        record(steps, (n, key), side, runs, per_step=True)
                loads.append(os.getloadavg()[0])
                print("round %d/%d, %d thread(s), %s done, load average %.2f" %
                      (rnd + 1, args.rounds, n, model, loads[-1]), file=sys.stderr)
    print("load average (1 min) after each model: min %.2f, median %.2f, max %.2f on %d CPUs" %
          (min(loads), statistics.median(loads), max(loads), os.cpu_count()))

    def table(n, which, what):
        count = args.rounds * args.steps
        if configs == ["default"]:
            print("\n%d thread%s, %s: median and minimum over %d timed steps (%d rounds x %d); "
                  "ratio = gantry time / PyTorch time" % (n, "" if n == 1 else "s", what, count, args.rounds,
                                                          args.steps))
            print("| step | gantry median ms | PyTorch median ms | ratio | gantry min ms | PyTorch min ms | ratio |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            for (m, key), by in steps.items():
                if m != n or not by.get("default"):
                    continue
                g = [v[which] for v in by["gantry"]]
                t = [v[which] for v in by["default"]]
                gm, tm = statistics.median(g), statistics.median(t)
                print("| %s | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |" % (key, gm, tm, gm / tm, min(g), min(t),
                                                                             min(g) / min(t)))
            return
        print("\n%d thread%s, %s: medians over %d timed steps (%d rounds x %d), ms; ratio = gantry time / "
              "PyTorch time" % (n, "" if n == 1 else "s", what, count, args.rounds, args.steps))
        configs_table(steps, configs, n, which)

    if 1 in args.threads:
        # One thread: the thread's CPU time leaves out the time other processes held the core.
        table(1, 1, "CPU time of the computing thread")
    for n in args.threads:
        table(n, 0, "wall-clock time")


def record(results, where, side, runs, per_step):
    """Adds one process's timings of a step to results[where][side]: every timed step's
    [wall, cpu] (per_step) or its median [wall, cpu]; None: that side cannot run the step."""
    slot = results.setdefault(where, {}).setdefault(side, [])
    if runs is None or slot is None:
        results[where][side] = None
    elif per_step:
        slot.extend(runs)
    else:
        slot.append(runs)


def configs_table(results, configs, n, which):
    """One row per step: gantry, each PyTorch configuration, the ratio against the default
    and against the fastest configuration (named). results[(n, key)] = {side: [[wall, cpu]...]}
    or per round [wall, cpu] pairs; None for a configuration that cannot run the step."""
    print("| step | gantry | %s | vs default | fastest PyTorch | vs fastest |" % " | ".join(configs))
    print("|---|---:|%s---:|---|---:|" % ("---:|" * (len(configs) + 0)))
    for (m, key), by in results.items():
        if m != n or not by.get("gantry"):
            continue
        g = statistics.median(v[which] for v in by["gantry"])
        t = {c: (statistics.median(v[which] for v in by[c]) if by.get(c) else None) for c in configs}
        cells = ["%.0f" % t[c] if t[c] is not None else "n/a" for c in configs]
        ran = {c: v for c, v in t.items() if v is not None}
        if not ran:
            continue
        best = min(ran, key=ran.get)
        vs_default = "%.2f" % (g / t["default"]) if t.get("default") else "n/a"
        print("| %s | %.0f | %s | %s | %s | %.2f |" % (key, g, " | ".join(cells), vs_default, best, g / ran[best]))


def flops(key):
    if key.startswith("gemm"):
        m, n, k = (int(v) for v in key.split()[1].split("x"))
        return 2.0 * m * n * k
    for N, cin, cout, hw in CONV:
        if key.startswith("conv %d->%d @%dx" % (cin, cout, hw)):
            f = 2.0 * N * cout * hw * hw * cin * 9
            return f * (3 if key.endswith("fwd+bwd") else 1)
    return 0.0


def cpu_name():
    """The CPU's model name, family and model from /proc/cpuinfo (Linux), else platform's."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                info.setdefault(key.strip(), value.strip())
    except OSError:
        import platform
        return platform.processor() or "unknown"
    return "%s (family %s, model %s), %d CPUs" % (info.get("model name", "?"), info.get("cpu family", "?"),
                                                 info.get("model", "?"), os.cpu_count())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", choices=("kernels", "wgan-gp", "hinge", "unetgan", "icgan", "csgan"),
                    default="kernels")
    ap.add_argument("--build", default="build",
                    help="CMake build directory holding bench/bench_gemm and bench/bench_conv (kernels) or "
                         "bench/bench_wgan_gp_step (wgan-gp) or bench/bench_hinge_steps (hinge) or "
                         "bench/bench_unetgan_steps (unetgan) or bench/bench_icgan_steps (icgan) or "
                         "bench/bench_csgan_steps (csgan)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.5, help="kernels: seconds per measurement")
    ap.add_argument("--steps", type=int, default=3,
                    help="wgan-gp, hinge, unetgan, icgan, csgan: timed steps of each kind per round")
    ap.add_argument("--models", nargs="+", choices=HINGE_MODELS, default=list(HINGE_MODELS), help="hinge: which models")
    ap.add_argument("--cases", nargs="+", choices=UNETGAN_CASES, default=list(UNETGAN_CASES),
                    help="unetgan: which cases")
    ap.add_argument("--icgan-cases", nargs="+", choices=ICGAN_CASES, default=list(ICGAN_CASES),
                    help="icgan: which cases")
    ap.add_argument("--icgan-git", metavar="GIT_DIR",
                    help="icgan: the git directory of a clone of github.com/facebookresearch/ic_gan")
    ap.add_argument("--csgan-cases", nargs="+", choices=CSGAN_CASES, default=list(CSGAN_CASES),
                    help="csgan: which cases")
    ap.add_argument("--csgan-git", metavar="GIT_DIR",
                    help="csgan: the git directory of a pytorch-CycleGAN-and-pix2pix mirror "
                         "(tests/fixtures/make_csgan_fixtures.py)")
    ap.add_argument("--unetgan-git", metavar="GIT_DIR",
                    help="unetgan: the git directory of a clone of github.com/boschresearch/unetgan")
    ap.add_argument("--python", default=sys.executable, help="Python with torch")
    ap.add_argument("--torch-configs", nargs="+", choices=sorted(TORCH_CONFIGS), default=["default", "cl-jemalloc"],
                    help="wgan-gp, hinge: PyTorch's configurations to time (see above); other suites: default")
    args = ap.parse_args()
    if args.suite not in ("wgan-gp", "hinge"):
        args.torch_configs = ["default"]
    elif "default" not in args.torch_configs:
        args.torch_configs.insert(0, "default")
    if args.suite == "unetgan" and not args.unetgan_git:
        ap.error("--suite unetgan needs --unetgan-git GIT_DIR")
    if args.suite == "icgan" and not args.icgan_git:
        ap.error("--suite icgan needs --icgan-git GIT_DIR")
    if args.suite == "csgan" and not args.csgan_git:
        ap.error("--suite csgan needs --csgan-git GIT_DIR")

    cfg = subprocess.run([args.python, "-c", "import torch; print(torch.__version__); print(torch.__config__.show())"],
                         capture_output=True, text=True, check=True).stdout
    print("PyTorch", cfg.splitlines()[0])
    for line in cfg.splitlines()[1:]:
        if any(s in line for s in ("oneAPI", "MKL-DNN", "OpenMP", "CPU capability", "BLAS_INFO", "OpenBLAS")):
            print("  " + line.strip()[:160])
    print("CPU:", cpu_name())
    print("gantry build:", os.path.abspath(args.build))
    if args.suite == "hinge":
        hinge_main(args)
        return
    if args.suite == "icgan":
        hinge_main(args, args.icgan_cases, run_gantry_icgan,
                   lambda python, n, steps, case, config="default": run_torch_official("icgan_steps.py", python, args.icgan_git, n, steps, case))
        return
    if args.suite == "csgan":
        hinge_main(args, args.csgan_cases, run_gantry_csgan,
                   lambda python, n, steps, case, config="default": run_torch_official("csgan_steps.py", python, args.csgan_git, n, steps, case))
        return
    if args.suite == "unetgan":
        hinge_main(args, args.cases, run_gantry_unetgan,
                   lambda python, n, steps, case, config="default": run_torch_official("unetgan_steps.py", python, args.unetgan_git, n, steps, case))
        return
    if args.suite == "kernels":
        measure_gantry, measure_torch = (lambda n: run_gantry(args.build, n, args.min_time),
                         lambda n: run_torch(args.python, n, args.min_time))
    else:
        wgan_main(args)
        return

    # results[(threads, shape)] = ([gantry [wall, cpu] per round], [PyTorch [wall, cpu] per round])
    results = {}
    loads = []
    for rnd in range(args.rounds):
        for n in args.threads:
            g = measure_gantry(n)
            t = measure_torch(n)
            for key in g:
                results.setdefault((n, key), ([], []))[0].append(g[key])
                if key in t:
                    results[(n, key)][1].append(t[key])
            loads.append(os.getloadavg()[0])
            print("round %d/%d, %d thread(s) done, load average %.2f" % (rnd + 1, args.rounds, n, loads[-1]),
                  file=sys.stderr)
    print("load average (1 min) after each measurement: min %.2f, median %.2f, max %.2f on %d CPUs" %
          (min(loads), statistics.median(loads), max(loads), os.cpu_count()))

    def table(n, which, what):
        print("\n%d thread%s, %s (median of %d rounds; ratio = gantry time / PyTorch time)" %
              (n, "" if n == 1 else "s", what, args.rounds))
        rates = args.suite == "kernels"
        print("| %s | gantry ms | PyTorch ms | ratio |%s" %
              ("shape" if rates else "step", " gantry GFLOP/s | PyTorch GFLOP/s |" if rates else ""))
        print("|---|---:|---:|---:|%s" % ("---:|---:|" if rates else ""))
        for (m, key), (gs, ts) in results.items():
            if m != n or not ts:
                continue
            g, t = statistics.median(v[which] for v in gs), statistics.median(v[which] for v in ts)
            f = flops(key)
            row = "| %s | %.2f | %.2f | %.2f |" % (key, g, t, g / t)
            print(row + (" %.0f | %.0f |" % (f / g * 1e-6, f / t * 1e-6) if rates else ""))

    for n in args.threads:
        table(n, 0, "wall-clock time")
    if 1 in args.threads:
        # With one thread, the thread's CPU time leaves out the time other processes took the
        # core, so it is the steadier comparison on a shared machine.
        table(1, 1, "CPU time of the computing thread")


def wgan_main(args):
    """wgan-gp: per round and thread count, gantry and each PyTorch configuration in turn (the
    order reverses every other round); medians over rounds of each process's median step."""
    results = {}  # (threads, step) -> {side: [[wall, cpu] per round] or None}
    loads = []
    for rnd in range(args.rounds):
        for n in args.threads:
            order = [("gantry", lambda: run_gantry_wgan(args.build, n, args.steps))]
            for c in args.torch_configs:
                order.append((c, lambda c=c: run_torch_wgan(args.python, n, args.steps, c)))
            for side, run in (order if rnd % 2 == 0 else order[::-1]):
                for key, v in run().items():
                    record(results, (n, key), side, v, per_step=False)
            loads.append(os.getloadavg()[0])
            print("round %d/%d, %d thread(s) done, load average %.2f" % (rnd + 1, args.rounds, n, loads[-1]),
                  file=sys.stderr)
    print("load average (1 min) after each measurement: min %.2f, median %.2f, max %.2f on %d CPUs" %
          (min(loads), statistics.median(loads), max(loads), os.cpu_count()))
    for n in args.threads:
        print("\n%d thread%s, wall-clock time (median of %d rounds), ms; ratio = gantry time / PyTorch time" %
              (n, "" if n == 1 else "s", args.rounds))
        configs_table(results, args.torch_configs, n, 0)
    if 1 in args.threads:
        print("\n1 thread, CPU time of the computing thread (median of %d rounds), ms" % args.rounds)
        configs_table(results, args.torch_configs, 1, 1)


if __name__ == "__main__":
    main()
