#!/usr/bin/env python3
"""End-to-end check of `gantry translate --official` against PyTorch, for docs/models/csgan.md.

Builds a 'resnet_9blocks' ResnetGenerator (ngf 64, RGB) with the official framework's own
networks.py (read from GIT_DIR, a git mirror of pytorch-CycleGAN-and-pix2pix of early 2018),
gives it random weights, saves it as a .pth, converts it with scripts/convert_cyclegan.py, runs
`gantry translate --official resnet_9blocks` on one 256x256 RGB image and compares the PNG it
writes with PyTorch's output of the same image rounded to 8 bits the same way.

Usage: python3 scripts/check_cyclegan_translate.py GIT_DIR path/to/gantry
Needs torch, safetensors, numpy and Pillow. Prints the largest and mean difference in 8-bit levels.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
from make_csgan_fixtures import load_networks  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    git_dir, gantry = sys.argv[1], sys.argv[2]
    nw = load_networks(git_dir)
    torch.manual_seed(0)
    g = nw.ResnetGenerator(3, 3, 64, norm_layer=nw.get_norm_layer("instance"), use_dropout=False, n_blocks=9)
    with torch.no_grad():
        for _, p in g.named_parameters():
            p.normal_(0, 1.0 / p[0].numel() ** 0.5) if p.dim() > 1 else p.normal_(0, 0.1)
    work = tempfile.mkdtemp()
    os.makedirs(os.path.join(work, "in"))
    torch.save(g.state_dict(), os.path.join(work, "g.pth"))
    img = (np.random.default_rng(1).random((256, 256, 3)) * 255).astype(np.uint8)
    img[64:192, 64:192] = [200, 30, 30]
    Image.fromarray(img).save(os.path.join(work, "in", "photo.png"))
    x = torch.from_numpy(img).permute(2, 0, 1).float().div(255).mul(2).sub(1)[None]
    with torch.no_grad():
        y = g(x)[0]
    ref = ((y.clamp(-1, 1) + 1) / 2 * 255).round().byte().permute(1, 2, 0).numpy().astype(int)
    subprocess.check_call([sys.executable, os.path.join(HERE, "convert_cyclegan.py"), os.path.join(work, "g.pth"),
                           os.path.join(work, "g.safetensors"), "--blocks", "9"])
    subprocess.check_call([gantry, "translate", "--official", "resnet_9blocks", "--checkpoint",
                           os.path.join(work, "g.safetensors"), "--in", os.path.join(work, "in"), "--out",
                           os.path.join(work, "out")])
    out = np.asarray(Image.open(os.path.join(work, "out", "photo.png"))).astype(int)
    d = np.abs(out - ref)
    print(f"max |difference| {d.max()} levels, mean {d.mean():.3g}, values that differ {100 * (d > 0).mean():.4f} %")


if __name__ == "__main__":
    main()
