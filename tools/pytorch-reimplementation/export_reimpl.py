"""Exports the PyTorch re-implementations of CMT and Next-ViT to ONNX: the baseline our deploy export is measured against.

    python3 export_reimpl.py --out DIR [--reference DIR] MODEL...

For each model (a registry name such as cmt_s or nextvit_small) it builds the re-implementation, fills
its weights and input by the reference rule, requires its logits to match the official reference
JSON (relative error below 1e-5: the re-implementation computes what the official code does), then writes
DIR/MODEL.onnx (torch.onnx.export, batch 1, opset 17, 'input' -> 'logits') and DIR/MODEL.pth (the
filled state dict before any deploy-time change, so that our export of the same weights can be compared logit for logit). Files
are written to a temporary name and moved into place.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cmt_reimpl  # noqa: E402
import fill  # noqa: E402
import nextvit_reimpl  # noqa: E402

# Each family module has VARIANTS (name -> config), create(name) -> (eval model, image size) and
# for_export(model): what the official code does to a model before deploying it.
FAMILIES = [cmt_reimpl, nextvit_reimpl]
TOLERANCE = 1e-5


def family_of(name):
    for family in FAMILIES:
        if name in family.VARIANTS:
            return family
    known = sorted(n for f in FAMILIES for n in f.VARIANTS)
    raise SystemExit(f"unknown model '{name}' (known: {', '.join(known)})")


def atomic(path, write):
    """write(tmp) then rename, so a failed write leaves no partial file behind."""
    tmp = path + ".part"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", metavar="MODEL")
    parser.add_argument("--out", required=True, help="folder for MODEL.onnx and MODEL.pth")
    parser.add_argument("--reference", default=os.path.join(here, "..", "..", "..", "shared", "reference"),
                        help="folder of the official reference JSONs (default: ../shared/reference beside the repo)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_grad_enabled(False)
    for name, family in [(name, family_of(name)) for name in args.models]:  # unknown names fail before any work
        model, size = family.create(name)
        ref_file = os.path.join(args.reference, f"{name}_{size}_s2024.json")
        if not os.path.isfile(ref_file):
            raise SystemExit(f"{name}: no reference file {ref_file}; the graph cannot be checked against the official logits")
        with open(ref_file) as f:
            reference = json.load(f)
        x = fill.fill(model, reference)
        want = torch.tensor(reference["logits"])
        error = ((model(x) - want).abs().max() / want.abs().max()).item()
        if not error < TOLERANCE:
            raise SystemExit(f"{name}: logits differ from {ref_file} by {error:.3g} relative (max {TOLERANCE})")
        onnx_file, pth_file = os.path.join(args.out, name + ".onnx"), os.path.join(args.out, name + ".pth")
        atomic(pth_file, lambda p: torch.save(model.state_dict(), p))
        if family.for_export(model):
            deployed = ((model(x) - want).abs().max() / want.abs().max()).item()
            if not deployed < TOLERANCE:
                raise SystemExit(f"{name}: the deploy form's logits differ from {ref_file} by {deployed:.3g} relative")
        atomic(onnx_file, lambda p: torch.onnx.export(model, x[:1], p, opset_version=17,
                                                      input_names=["input"], output_names=["logits"]))
        print(f"{name}: logits within {error:.2g} of the official reference; wrote {onnx_file} "
              f"(torch {torch.__version__} torch.onnx.export, 1x3x{size}x{size}, opset 17) and {pth_file}")


if __name__ == "__main__":
    main()
