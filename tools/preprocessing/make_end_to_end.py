"""Logits of CMT-Ti (reference-filled weights) on real photographs preprocessed by torchvision.

    python3 tools/preprocessing/make_end_to_end.py REFERENCE_DIR core/src/test/resources/preprocessing

The model is the PyTorch re-implementation in tools/pytorch-reimplementation, filled by the
reference rule and first required to reproduce the official code's reference logits
(cmt_ti_160_s2024.json) within 1e-5 relative. Each photograph then goes through the evaluation
pipeline of the official CMT code (DeiT's build_transform: Resize(int(256 / 224 * 160)) bicubic,
CenterCrop(160), ToTensor, Normalize(ImageNet mean, std)) on a PIL image, and its logits are
written, one row per photograph, to end_to_end_cmt_ti_160.npy (float32, photos in PHOTOS order).
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pytorch-reimplementation"))
import cmt_reimpl  # noqa: E402
import fill  # noqa: E402

PHOTOS = ["photo_chelsea.jpg", "photo_rocket.jpg", "photo_coffee.jpg"]


def main(reference_dir, out):
    torch.set_grad_enabled(False)
    model, size = cmt_reimpl.create("cmt_ti")
    with open(os.path.join(reference_dir, f"cmt_ti_{size}_s2024.json")) as f:
        reference = json.load(f)
    x = fill.fill(model, reference)
    want = torch.tensor(reference["logits"])
    error = ((model(x) - want).abs().max() / want.abs().max()).item()
    assert error < 1e-5, f"re-implementation differs from the official logits by {error}"
    pipeline = transforms.Compose([
        transforms.Resize(int((256 / 224) * size), interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.CenterCrop(size),
        transforms.ToTensor(),
        transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    batch = []
    for name in PHOTOS:
        with open(os.path.join(out, name), "rb") as f:
            batch.append(pipeline(Image.open(f).convert("RGB")))
    logits = model(torch.stack(batch)).numpy().astype(np.float32)
    np.save(os.path.join(out, f"end_to_end_cmt_ti_{size}.npy"), logits)
    print(f"official-logit check {error:.2g}; wrote {len(PHOTOS)} x {logits.shape[1]} logits")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
