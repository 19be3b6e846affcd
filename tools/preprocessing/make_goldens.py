"""Generates the preprocessing test images and their PIL + torchvision golden outputs.

Run with Debian's python3-pil (9.4) and python3-torchvision (0.14):
    python3 tools/preprocessing/make_goldens.py core/src/test/resources/preprocessing

Every image is loaded the way torchvision's ImageFolder loads it (``Image.open(f).convert("RGB")``)
and passed through the evaluation pipeline of timm's ``transforms_imagenet_eval`` and the official
Next-ViT / CMT ``build_transform``: ``Resize(floor(size / crop_pct), interpolation)``,
``CenterCrop(size)``. The result (uint8, before ``ToTensor``/``Normalize``) is written as an RGB
PNG, so the goldens are exact and small; ``cases.tsv`` lists them. The ``photo_*.jpg`` files are
public-domain / CC0 photographs (see LICENSE.md there) placed in the directory beforehand.
"""
import math
import os
import shutil
import sys

import numpy as np
from PIL import Image
from torchvision import transforms

MODES = {"bicubic": transforms.InterpolationMode.BICUBIC,
         "bilinear": transforms.InterpolationMode.BILINEAR,
         "nearest": transforms.InterpolationMode.NEAREST}


def texture(rng, h, w, channels):
    """Smooth gradients plus edges plus noise, so every filter tap matters."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for c in range(channels):
        fx, fy = rng.uniform(0.02, 0.3, 2)
        smooth = 127.5 + 90 * np.sin(fx * x + c) * np.cos(fy * y - c)
        edges = 60 * (((x // rng.integers(3, 9)) + (y // rng.integers(3, 9))) % 2) - 30
        planes.append(smooth + edges + rng.normal(0, 25, (h, w)))
    return np.clip(np.stack(planes, -1), 0, 255).astype(np.uint8)


def synthetic(out):
    rng = np.random.default_rng(20261205)
    made = []

    def save(name, im, **kw):
        im.save(os.path.join(out, name), **kw)
        made.append(name)

    save("rgb_97x61.png", Image.fromarray(texture(rng, 61, 97, 3), "RGB"))
    save("rgb_40x160.png", Image.fromarray(texture(rng, 160, 40, 3), "RGB"))      # 1:4, upscaled
    save("rgb_333x83.png", Image.fromarray(texture(rng, 83, 333, 3), "RGB"))      # 4:1
    save("rgb_259x193.png", Image.fromarray(texture(rng, 193, 259, 3), "RGB"))    # shrunk
    save("l_123x77.png", Image.fromarray(texture(rng, 77, 123, 1)[..., 0], "L"))
    save("p_90x131.png", Image.fromarray(texture(rng, 131, 90, 3), "RGB").quantize(64))
    rgba = np.concatenate([texture(rng, 101, 150, 3), texture(rng, 101, 150, 1)], -1)
    save("rgba_150x101.png", Image.fromarray(rgba, "RGBA"))
    la = np.concatenate([texture(rng, 64, 64, 1), texture(rng, 64, 64, 1)], -1)
    save("la_64x64.png", Image.fromarray(la, "LA"))
    grey16 = (texture(rng, 57, 81, 1)[..., 0].astype(np.uint16) * 2)  # half of the values exceed 255
    save("i16_81x57.png", Image.fromarray(grey16, "I;16"))
    save("cmyk_120x90.jpg", Image.fromarray(texture(rng, 90, 120, 3), "RGB").convert("CMYK"), quality=92)
    save("l_100x150.jpg", Image.fromarray(texture(rng, 150, 100, 1)[..., 0], "L"), quality=90)
    save("rgb_211x149_420.jpg", Image.fromarray(texture(rng, 149, 211, 3), "RGB"), quality=90, subsampling=2)
    return made


def main(out):
    os.makedirs(os.path.join(out, "goldens"), exist_ok=True)
    images = synthetic(out)
    photos = [f for f in sorted(os.listdir(out)) if f.startswith("photo_")]
    cases = []
    configs = [(96, 0.875, "bicubic"), (80, 0.95, "bilinear"), (64, 1.0, "nearest")]
    for name in images + photos:
        for size, crop, interp in configs + ([(224, 0.875, "bicubic")] if name in photos else []):
            with open(os.path.join(out, name), "rb") as f:
                img = Image.open(f).convert("RGB")
            pipeline = transforms.Compose([
                transforms.Resize(math.floor(size / crop), interpolation=MODES[interp]),
                transforms.CenterCrop(size)])
            result = pipeline(img)
            golden = f"{name.rsplit('.', 1)[0]}__{size}_{crop}_{interp}.png"
            result.save(os.path.join(out, "goldens", golden))
            cases.append(f"{name}\t{size}\t{crop}\t{interp}\tgoldens/{golden}")
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.write("# image\tsize\tcrop_pct\tinterpolation\tgolden (PIL + torchvision, uint8 RGB)\n")
        f.write("\n".join(cases) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
