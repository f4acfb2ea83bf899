#!/usr/bin/env python3
"""Convert a pytorch-CycleGAN-and-pix2pix generator (.pth) to the safetensors file that
`gantry translate --official` and models::load_official_cyclegan_generator read.

Input: a ResnetGenerator state dict as the official code saves it, e.g. a released CycleGAN
model (horse2zebra.pth, the file ./scripts/download_cyclegan_model.sh fetches into
checkpoints/<name>_pretrained/latest_net_G.pth) or a run's latest_net_G_A.pth / latest_net_G_B.pth
(CycleGAN or the CSGAN authors' code). Names are kept as they are (model.<i>.weight, ...);
gantry's generator has the same names. A "module." prefix (nn.DataParallel) is removed. The
instance norms' running_mean / running_var / num_batches_tracked, which files from nets built
with track_running_stats=True hold, are kept: gantry's loader skips them (its instance norm,
like the current official code, always uses each image's own statistics).

The script checks the layout before writing: a ResnetGenerator with 6 or 9 residual blocks
(--blocks checks which), its width ngf (model.1.weight is [ngf, in, 7, 7]) and its channels,
no dropout (a block whose second conv sits at conv_block.6 was trained with dropout; gantry
builds the no_dropout blocks CycleGAN's released models use). It prints what it found, so the
matching gantry command is clear:
    gantry translate --official resnet_9blocks --checkpoint horse2zebra.safetensors \
        --in photos/ --out zebras/

Usage:
    python3 scripts/convert_cyclegan.py latest_net_G.pth horse2zebra.safetensors [--blocks 9]
Needs torch and safetensors (pip install safetensors).
"""
import argparse
import re
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pth")
    ap.add_argument("out")
    ap.add_argument("--blocks", type=int, choices=(6, 9), help="expected residual blocks (default: any of 6, 9)")
    args = ap.parse_args()

    import torch
    from safetensors.torch import save_file

    state = torch.load(args.pth, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    state = {(k[len("module."):] if k.startswith("module.") else k): v for k, v in state.items()}
    if "model.1.weight" not in state:
        sys.exit(f"{args.pth}: no model.1.weight: not a ResnetGenerator state dict (keys: {sorted(state)[:8]} ...)")
    ngf, in_nc = state["model.1.weight"].shape[:2]
    blocks = sorted({int(m.group(1)) for k in state for m in [re.match(r"model\.(\d+)\.conv_block\.", k)] if m})
    if any(k.endswith("conv_block.6.weight") for k in state):
        sys.exit(f"{args.pth}: its residual blocks have dropout (conv_block.6); gantry builds the no_dropout blocks")
    if len(blocks) not in (6, 9) or blocks != list(range(10, 10 + len(blocks))):
        sys.exit(f"{args.pth}: expected 6 or 9 residual blocks at model.10 ..., found {blocks}")
    if args.blocks and len(blocks) != args.blocks:
        sys.exit(f"{args.pth}: --blocks {args.blocks}, but the file has {len(blocks)}")
    last = max(int(k.split(".")[1]) for k in state if k.startswith("model.") and k.endswith(".weight"))
    out_nc = state[f"model.{last}.weight"].shape[0]
    tensors = {}
    for k, v in state.items():
        if not torch.is_tensor(v):
            continue
        v = v.detach().contiguous()
        if v.is_floating_point():
            v = v.float()
        tensors[k] = v
    save_file(tensors, args.out, metadata={"format": "pt", "source": args.pth})
    print(f"{args.out}: ResnetGenerator with {len(blocks)} residual blocks, ngf {ngf}, {in_nc} -> {out_nc} channels, "
          f"{len(tensors)} tensors")
    if ngf != 64 or in_nc != 3 or out_nc != 3:
        print("note: `gantry translate --official` builds ngf 64, RGB -> RGB; in C++ use "
              f"models::resnet_generator<Image<{in_nc}, S, S>, {out_nc}, {ngf}, {len(blocks)}>")


if __name__ == "__main__":
    main()
