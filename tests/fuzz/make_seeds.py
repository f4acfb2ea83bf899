#!/usr/bin/python3
"""Seed corpora for gantry's fuzz targets (tests/fuzz/fuzz_*.cpp): small valid files of each
format, written to tests/fuzz/seeds/<target>/. scripts/fuzz also gives every target the
bad-input corpus (tests/bad_inputs/). Needs Pillow for the JPEG seed.

Run: python3 tests/fuzz/make_seeds.py
"""
import gzip
import io
import json
import os
import struct
import zlib

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")


def put(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None, checksums=True):
    """tensors: name -> (dtype, shape, bytes); as gantry writes them (CRC-32s in the metadata)."""
    header, data = {}, b""
    meta = dict(metadata or {})
    if checksums and tensors:
        meta["gantry.crc32"] = json.dumps({n: "%08x" % zlib.crc32(b) for n, (_, _, b) in sorted(tensors.items())},
                                          separators=(",", ":"))
    if meta:
        header["__metadata__"] = meta
    for name, (dtype, shape, b) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width, height, color, rows):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(rows)) +
            png_chunk(b"IEND", b""))


def main():
    f32 = struct.pack("<6f", 0.5, -1, 2, 3.25, 0, 1e-3)
    ckpt_meta = {"gantry": json.dumps({"format": 1, "model": "dcgan", "step": 10, "rng": {"seed": "1", "offset": "2"},
                                       "data": {"epoch": 0, "position": 3, "seed": "4", "offset": "5"},
                                       "hyper": {"lr": 2e-4, "batch_size": 64}, "run": {}})}
    put("safetensors", "checkpoint.safetensors",
        safetensors({"G.blocks.0.weight": ("F32", [2, 3], f32), "step": ("I64", [1], struct.pack("<q", 10))}, ckpt_meta))
    put("safetensors", "mixed.safetensors",
        safetensors({"a": ("F64", [2], struct.pack("<2d", 1, 2)), "b": ("F16", [2], b"\x00\x3c\x00\xc0"),
                     "c": ("U8", [3], b"\x01\x02\x03"), "e": ("BF16", [0], b"")}, {"note": "x"}, checksums=False))
    put("safetensors", "empty.safetensors", safetensors({}))

    put("json", "object.json", json.dumps({"format": 1, "lr": 2e-4, "name": "caf\u00e9", "list": [1, -2.5e-3, True, None],
                                           "nested": {"a": {"b": [[], {}]}}, "big": 9007199254740993}).encode())
    put("json", "escapes.json", b'["\\u00e9\\ud83d\\ude00\\n\\t\\"", -0.0, 1E+2]')

    put("jsonl", "log.jsonl", b'{"step":10,"seconds":1.5,"d_loss":0.7,"g_loss":1.2}\n'
                              b'{"step":20,"seconds":3.1,"d_loss":null,"g_loss":1.1}\n{"step":20,"fd":123.4}\n')

    images = bytes([0, 0, 8, 3]) + struct.pack(">III", 2, 4, 4) + bytes(range(32))
    put("idx", "images.idx", images)
    put("idx", "labels.idx.gz", gzip.compress(bytes([0, 0, 8, 1]) + struct.pack(">I", 5) + bytes([0, 9, 3, 3, 1]), mtime=0))

    put("png", "grey.png", png(3, 2, 0, b"\x00\x01\x02\x03" + b"\x01\x10\x20\x30"))
    put("png", "rgb.png", png(2, 2, 2, b"\x02" + bytes(range(6)) + b"\x04" + bytes(range(6, 12))))
    put("png", "rgba.png", png(1, 1, 6, b"\x03\x01\x02\x03\x04"))

    for name, mode in (("grey.jpg", "L"), ("rgb.jpg", "RGB")):
        buf = io.BytesIO()
        Image.new(mode, (9, 7), 128 if mode == "L" else (200, 30, 90)).save(buf, "JPEG", quality=80)
        put("image", name, buf.getvalue())
    put("image", "grey.png", png(3, 2, 0, b"\x00\x01\x02\x03" + b"\x01\x10\x20\x30"))

    put("points", "points.csv", b"x,y\n0.5,1\n-2.25e-1;3\n  4\t5 \r\n# a comment\n\n6 7\n")

    put("cifar", "cifar10.bin", b"\x07" + bytes(range(256)) * 12)
    put("cifar", "cifar100.bin", b"\x03\x42" + bytes(range(256)) * 12)
    # Command lines (argv after "gantry", NUL-separated), one per command and model family.
    command_lines = {
        "train_toy": "train --model wgan-gp --data 8gaussians --steps 3000 --out runs/toy --dim 128 --threads 2",
        "train_fashion": "train --model cdcgan --data fashion-mnist --steps 2000 --out runs/c --preset gantry "
                         "--set batch_size=64 --set lr=2e-4 --eval-every 500 --eval-samples 2000 --resume",
        "train_logan": "train --model logan --data fashion-mnist --steps 100 --out r --lo ngd --latent-steps 1 --dim 16",
        "train_csgan": "train --model csgan --data paired:a,b --size 128 --load-size 143 --steps 10 --out r",
        "train_points": "train --model wgan --data points:p.csv --steps 10 --out r --accumulate 2 --checkpoint-every 0",
        "sample": "sample --checkpoint r/checkpoint.safetensors --n 64 --nrow 8 --class 3 --truncation 0.5 "
                  "--standing-stats 20 --out s.png --force",
        "eval": "eval --checkpoint r/checkpoint.safetensors --samples 10000 --seed 7 --latent-steps 2",
        "translate": "translate --checkpoint r/checkpoint.safetensors --in a --out b --direction b2a",
        "plot": "plot --log r/log.jsonl --out l.png --keys d_loss,,g_loss, --x step",
        "help": "train --help",
    }
    # Found by the target: a path the system will not look up (ENAMETOOLONG) threw std::filesystem's error.
    command_lines["regression_name_too_long"] = "train --model wgan --data points:" + "x" * 5000 + " --steps 1 --out r"
    for name, line in command_lines.items():
        put("cli", name, line.replace(" ", "\0").encode())
    print(f"{SEEDS}: seeds written")


if __name__ == "__main__":
    main()
