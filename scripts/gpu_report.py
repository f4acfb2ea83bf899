#!/usr/bin/env python3
"""Writes scripts/gpu-check's report (Markdown) from what it collected in one folder:
machine.txt, tests.txt (one line per CUDA test: name, status, doctest summary),
bench_cuda.json (Google Benchmark) and, when PyTorch with CUDA was there, pytorch.json.
    python3 scripts/gpu_report.py FOLDER > report.md"""
import json
import os
import re
import sys


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        text = f.read()
    if not path.endswith(".json"):
        return text
    try:
        return json.loads(text)
    except ValueError:  # e.g. "no CUDA device: skipped"
        return None


def times(doc):
    """{benchmark name without the /manual_time tail: (ms, counters)}"""
    if not doc:
        return {}
    out = {}
    for b in doc["benchmarks"]:
        name = re.sub(r"/(manual|real)_time$", "", b["name"])
        out[name] = b
    return out


def ratio(mine, theirs, rate):
    """Time ratio mine / theirs, from the rates (each side times its own way)."""
    return None if not theirs else theirs[rate] / mine[rate]


def fmt(x, digits=2):
    return "–" if x is None else ("%.*f" % (digits, x))


def main():
    folder = sys.argv[1]
    machine = load(os.path.join(folder, "machine.txt")) or ""
    tests = load(os.path.join(folder, "tests.txt")) or ""
    gantry = times(load(os.path.join(folder, "bench_cuda.json")))
    torch = times(load(os.path.join(folder, "pytorch.json")))
    print("# gpu-check report\n")
    print("```\n" + machine.strip() + "\n```\n")
    print("## CUDA tests\n")
    print("| test | result | doctest |\n|---|---|---|")
    failed, skipped = 0, False
    for line in tests.strip().splitlines():
        name, status, summary = (line.split("\t") + ["", ""])[:3]
        failed += status.startswith("failed")
        skipped = status == "skipped"
        print("| %s | %s | %s |" % (name, status, summary.replace("|", ",")))
    if failed:
        print("\n**%d CUDA test program(s) failed.**\n" % failed)
    elif skipped:
        print("\nNo CUDA device: the tests were skipped.\n")
    else:
        print("\nAll CUDA tests passed.\n")
    print("## One training step of every model, CPU against GPU\n")
    print("Not run: no model compiles for `cuda` yet (the layers' ops have no CUDA kernels; the CUDA issue "
          "adds them). This section fills in when they do.\n")
    if not gantry:
        print("## Benchmarks\n\nNot run (no bench_cuda.json).")
        return
    print("## Matrix products (fp32, TF32 off)\n")
    print("gantry's `ops::matmul` (shape checks, output from the caching allocator, cuBLAS) against a bare "
          "`cublasSgemm` on preallocated buffers and against `torch.matmul`; time per product from CUDA events "
          "around 10 launches. Ratios are times: below 1 means gantry is faster.\n")
    print("| M × N × K | gantry TFLOP/s | cuBLAS TFLOP/s | gantry / cuBLAS | PyTorch TFLOP/s | gantry / PyTorch |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, b in gantry.items():
        if not name.startswith("BM_gantry_matmul/"):
            continue
        dims = name.split("/", 1)[1]
        raw = gantry.get("BM_cublas_sgemm/" + dims)
        tb = torch.get("BM_torch_matmul/" + dims)
        shape = " × ".join(d.split(":")[1] for d in dims.split("/"))
        print("| %s | %s | %s | %s | %s | %s |" % (
            shape, fmt(b.get("TFLOP/s")), fmt(raw and raw.get("TFLOP/s")),
            fmt(ratio(b, raw, "TFLOP/s")), fmt(tb and tb.get("TFLOP/s")), fmt(ratio(b, tb, "TFLOP/s"))))
    print("\n## Memory-bound kernels (fp32, 2^28 elements = 1 GiB per operand)\n")
    print("Bytes moved (read + written) per second; the device-to-device copy is the ceiling.\n")
    print("| op | gantry TB/s | PyTorch TB/s | gantry / PyTorch (time) |\n|---|---:|---:|---:|")
    for name in ("BM_copy", "BM_add", "BM_add_broadcast_rows", "BM_sum_all", "BM_sum_channels"):
        b, tb = gantry.get(name), torch.get(name)
        if b is None:
            continue
        print("| %s | %s | %s | %s |" % (name[3:], fmt(b.get("TB/s")), fmt(tb and tb.get("TB/s")),
                                         fmt(ratio(b, tb, "TB/s"))))
    if not torch:
        print("\nPyTorch with CUDA was not available: its columns are empty.")


if __name__ == "__main__":
    main()
