"""What the PyTorch step scripts share (hinge_steps.py, unetgan_steps.py, icgan_steps.py,
wgan_gp_step.py): one untimed step of each kind (oneDNN primitives, the allocator warm up),
then `steps` timed D steps and `steps` timed G steps, printed as medians for a person or, with
--json, as one line {"D step": [[wall ms, cpu ms], ...], "G step": [...]} for
compare_pytorch.py (null for a step the configuration cannot run).

The configurations an informed user would try (add_torch_options / apply_torch_options):
  --channels-last  nets and image batches in torch.channels_last (NHWC) memory format
  --compile        torch.compile on G and D (the default inductor backend). A step that
                   torch.compile cannot run (a double backward: WGAN-GP's penalty, LOGAN's
                   latent step) is reported as null rather than run uncompiled.
The caching allocator (jemalloc, tcmalloc) is chosen by the caller through LD_PRELOAD.
"""
import json
import statistics
import sys
import time

import torch


def add_torch_options(ap):
    ap.add_argument("--channels-last", action="store_true", help="NHWC memory format for nets and images")
    ap.add_argument("--compile", action="store_true", help="torch.compile G and D")


def apply_torch_options(args, model, nets=("G", "D"), images=("real",)):
    """Converts model.<nets> and model.<images> as the options ask."""
    if args.channels_last:
        for n in nets:
            getattr(model, n).to(memory_format=torch.channels_last)
        for t in images:
            setattr(model, t, getattr(model, t).contiguous(memory_format=torch.channels_last))
    if args.compile:
        for n in nets:
            setattr(model, n, torch.compile(getattr(model, n)))


def time_steps(fn, steps):
    out = []
    for _ in range(steps):
        t, c = time.perf_counter(), time.thread_time()
        fn()
        out.append([(time.perf_counter() - t) * 1e3, (time.thread_time() - c) * 1e3])
    return out


def warm_and_time(model, steps, kinds=(("D step", "d_step"), ("G step", "g_step"))):
    """model has d_step() and g_step() (or the methods `kinds` names). A kind whose first step
    raises (torch.compile and a double backward) is None."""
    ok = {}
    for key, method in kinds:
        try:
            getattr(model, method)()
            ok[key] = True
        except Exception as e:  # noqa: BLE001 (reported, and the kind is left out)
            print("%s: %s cannot run here: %s" % (key, type(e).__name__, str(e).splitlines()[0][:200]),
                  file=sys.stderr)
            ok[key] = False
    return {key: time_steps(getattr(model, method), steps) if ok[key] else None for key, method in kinds}


def report(out, as_json, threads, what, batch):
    if as_json:
        print(json.dumps(out))
        return
    for key, runs in out.items():
        if runs is None:
            print("torch %s, %d thread(s), %s %s at batch %d: cannot run" % (torch.__version__, threads, what, key, batch))
            continue
        print("torch %s, %d thread(s), %s %s at batch %d: median wall %.1f ms, thread cpu %.1f ms"
              % (torch.__version__, threads, what, key, batch, statistics.median(w for w, _ in runs),
                 statistics.median(c for _, c in runs)))
