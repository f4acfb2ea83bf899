#!/usr/bin/env python3
"""Convert ResNet-50 weights to the safetensors file gantry's ResNet50Features reads
(include/gantry/metrics/resnet_features.hpp): torchvision's state-dict names, float32.

Sources:
  * a torchvision ResNet-50 checkpoint (.pth), e.g. the file torchvision downloads to
    ~/.cache/torch/hub/checkpoints/resnet50-0676ba61.pth, or any torchvision-layout state dict;
  * torchvision's own weights by name (--torchvision IMAGENET1K_V1 / IMAGENET1K_V2 / DEFAULT;
    needs torchvision, and downloads unless cached);
  * a SwAV checkpoint (facebookresearch/swav, e.g. swav_800ep_pretrain.pth.tar, the trunk
    IC-GAN's ImageNet models condition on): its keys start with "module.", its
    projection_head.* and prototypes.* are dropped, and it has no fc (gantry needs none for
    features).
A checkpoint that wraps the state dict ({"state_dict": ...} or {"model": ...}) is unwrapped.

Every tensor of the ResNet-50 trunk must be present with torchvision's shape; fc.weight and
fc.bias are kept when present. Anything else left over is an error (naming it), so a wrong
architecture is caught here rather than in C++. BN's num_batches_tracked is written as float32
like the rest (gantry keeps it in the net's float type; it is never read in eval).

Usage:
    python3 scripts/convert_resnet50.py resnet50-0676ba61.pth resnet50_imagenet.safetensors
    python3 scripts/convert_resnet50.py swav_800ep_pretrain.pth.tar resnet50_swav.safetensors
    python3 scripts/convert_resnet50.py --torchvision IMAGENET1K_V1 resnet50_imagenet.safetensors
Needs torch and safetensors (pip install safetensors); torchvision only for --torchvision.
"""
import argparse
import sys

LAYERS = (3, 4, 6, 3)
WIDTH = 64
EXPANSION = 4
NUM_CLASSES = 1000
DROPPED_PREFIXES = ("projection_head.", "prototypes.")


def expected_state():
    """[(name, shape)] of torchvision.models.resnet50().state_dict(), in its order."""
    out = []

    def bn(prefix, c):
        out.extend([(prefix + ".weight", (c,)), (prefix + ".bias", (c,)), (prefix + ".running_mean", (c,)),
                    (prefix + ".running_var", (c,)), (prefix + ".num_batches_tracked", ())])

    out.append(("conv1.weight", (WIDTH, 3, 7, 7)))
    bn("bn1", WIDTH)
    inplanes = WIDTH
    for li, blocks in enumerate(LAYERS):
        planes = WIDTH * 2 ** li
        for b in range(blocks):
            p = f"layer{li + 1}.{b}"
            out.append((p + ".conv1.weight", (planes, inplanes, 1, 1)))
            bn(p + ".bn1", planes)
            out.append((p + ".conv2.weight", (planes, planes, 3, 3)))
            bn(p + ".bn2", planes)
            out.append((p + ".conv3.weight", (planes * EXPANSION, planes, 1, 1)))
            bn(p + ".bn3", planes * EXPANSION)
            if b == 0:  # stride 2 from layer2 on, or a channel change: a projection shortcut
                out.append((p + ".downsample.0.weight", (planes * EXPANSION, inplanes, 1, 1)))
                bn(p + ".downsample.1", planes * EXPANSION)
            inplanes = planes * EXPANSION
    out.append(("fc.weight", (NUM_CLASSES, inplanes)))
    out.append(("fc.bias", (NUM_CLASSES,)))
    return out


def load_state(args):
    import torch

    if args.torchvision:
        try:
            import torchvision
        except ImportError:
            sys.exit("convert_resnet50: --torchvision needs torchvision (pip install torchvision)")
        model = torchvision.models.resnet50(weights=args.torchvision)
        return model.state_dict(), f"torchvision resnet50 weights={args.torchvision}"
    try:
        ckpt = torch.load(args.input, map_location="cpu", weights_only=True)
    except Exception as e:  # an old pickle with non-tensor objects
        if args.unsafe_pickle:
            ckpt = torch.load(args.input, map_location="cpu", weights_only=False)
        else:
            sys.exit(f"convert_resnet50: cannot load {args.input} with weights_only=True ({e}); if you trust the file, "
                     "rerun with --unsafe-pickle")
    for key in ("state_dict", "model"):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
    if not isinstance(ckpt, dict):
        sys.exit(f"convert_resnet50: {args.input} holds a {type(ckpt).__name__}, expected a state dict")
    return ckpt, args.input


def convert(state):
    """torchvision-named float32 tensors, or exit naming every problem."""
    import torch

    tensors = {}
    for name, value in state.items():
        if not torch.is_tensor(value):
            continue
        for prefix in ("module.", "backbone."):
            if name.startswith(prefix):
                name = name[len(prefix):]
        if name.startswith(DROPPED_PREFIXES):
            continue
        tensors[name] = value
    problems = []
    out = {}
    for name, shape in expected_state():
        if name not in tensors:
            if not name.startswith("fc."):
                problems.append(f"missing tensor '{name}' (expected shape {list(shape)})")
            continue
        t = tensors.pop(name)
        if tuple(t.shape) != shape and not (shape == () and t.numel() == 1):
            problems.append(f"tensor '{name}' has shape {list(t.shape)}, expected {list(shape)}")
            continue
        out[name] = t.detach().to(torch.float32).reshape(shape).contiguous()
    if ("fc.weight" in out) != ("fc.bias" in out):
        problems.append("fc.weight and fc.bias must be both present or both absent")
    if tensors:
        names = sorted(tensors)
        problems.append(f"{len(names)} tensor(s) a ResNet-50 does not have: " + ", ".join(names[:10]) +
                        (", ..." if len(names) > 10 else ""))
    if problems:
        sys.exit("convert_resnet50: not a torchvision-layout ResNet-50:\n  " + "\n  ".join(problems))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("input", nargs="?", help="a .pth / .pth.tar checkpoint (torchvision or SwAV layout)")
    ap.add_argument("output", help="the safetensors file to write")
    ap.add_argument("--torchvision", metavar="WEIGHTS",
                    help="use torchvision.models.resnet50(weights=WEIGHTS) instead of a file, e.g. IMAGENET1K_V1")
    ap.add_argument("--unsafe-pickle", action="store_true",
                    help="allow torch.load(weights_only=False) for checkpoints holding other pickled objects")
    args = ap.parse_args()
    if bool(args.input) == bool(args.torchvision):
        ap.error("give either an input checkpoint or --torchvision WEIGHTS (not both)")
    try:
        from safetensors.torch import save_file
    except ImportError:
        sys.exit("convert_resnet50: needs the safetensors package (pip install safetensors)")

    state, source = load_state(args)
    out = convert(state)
    save_file(out, args.output, metadata={"source": str(source), "format": "torchvision resnet50",
                                          "has_fc": str("fc.weight" in out).lower()})
    n = sum(t.numel() for t in out.values())
    print(f"wrote {args.output}: {len(out)} tensors, {n} values{'' if 'fc.weight' in out else ' (no fc)'}")


if __name__ == "__main__":
    main()
