"""What the PyTorch step scripts share (hinge_steps.py, unetgan_steps.py, icgan_steps.py): one
untimed step of each kind (oneDNN primitives, the allocator warm up), then `steps` timed D
steps and `steps` timed G steps, printed as medians for a person or, with --json, as one line
{"D step": [[wall ms, cpu ms], ...], "G step": [...]} for compare_pytorch.py."""
import json
import statistics
import time

import torch


def time_steps(fn, steps):
    out = []
    for _ in range(steps):
        t, c = time.perf_counter(), time.thread_time()
        fn()
        out.append([(time.perf_counter() - t) * 1e3, (time.thread_time() - c) * 1e3])
    return out


def warm_and_time(model, steps):
    """model has d_step() and g_step()."""
    model.d_step()
    model.g_step()
    return {"D step": time_steps(model.d_step, steps), "G step": time_steps(model.g_step, steps)}


def report(out, as_json, threads, what, batch):
    if as_json:
        print(json.dumps(out))
        return
    for key, runs in out.items():
        print("torch %s, %d thread(s), %s %s at batch %d: median wall %.1f ms, thread cpu %.1f ms"
              % (torch.__version__, threads, what, key, batch, statistics.median(w for w, _ in runs),
                 statistics.median(c for _, c in runs)))
