"""The reference fill rule `splitmix64-v1` (see ../shared/reference/README.md) in torch int64 ops.

Weights and input are filled exactly as the reference JSONs were made, so a model built here can be
checked against the official code's logits before it is exported.
"""
import math

import torch

_M64 = (1 << 64) - 1


def _signed(v):
    v &= _M64
    return v - (1 << 64) if v >= 1 << 63 else v


_GOLDEN, _C1, _C2 = _signed(0x9E3779B97F4A7C15), _signed(0xBF58476D1CE4E5B9), _signed(0x94D049BB133111EB)


def _ushr(z, k):
    """Unsigned shift right of int64 values (torch's >> is arithmetic)."""
    return (z >> k) & ((1 << (64 - k)) - 1)


def stream(seed, n):
    """(u, r) in double: u in [0, 1), r = 2u - 1; int64 products wrap like Java longs."""
    z = _signed(seed) + torch.arange(1, n + 1, dtype=torch.int64) * _GOLDEN
    z = (z ^ _ushr(z, 30)) * _C1
    z = (z ^ _ushr(z, 27)) * _C2
    z = z ^ _ushr(z, 31)
    u = _ushr(z, 40).double() * 2.0 ** -24
    return u, 2 * u - 1


def fill(model, reference):
    """Fills `model` in place by the rule, walking the reference's state-dict order; returns its input."""
    state = model.state_dict()
    names = [e["name"] for e in reference["state_dict"]]
    if names != list(state.keys()):
        missing = [n for n in names if n not in state][:3]
        extra = [n for n in state if n not in names][:3]
        raise ValueError(f"state-dict keys differ from the official order: missing {missing}, unexpected {extra}")
    seed, gain, qk_gain = reference["base_seed"] * 1000003, reference["fill"]["gain"], reference["fill"]["qk_gain"]
    t = 0
    for name in names:
        if name.endswith("num_batches_tracked"):
            continue
        p = state[name]
        u, r = stream(seed + t, p.numel())
        t += 1
        if name.endswith("running_mean"):
            v = 0.1 * r
        elif name.endswith("running_var"):
            v = 0.75 + 0.5 * u
        elif p.dim() == 1 and name.endswith("weight"):
            v = 1 + 0.25 * r
        elif name.endswith("bias"):
            v = 0.1 * r
        elif name.startswith("relative_pos"):
            v = r
        elif p.dim() >= 2:
            scale = math.sqrt(3.0 / math.prod(p.shape[1:])) * gain
            if name.endswith(".q.weight") or name.endswith(".k.weight"):
                scale *= qk_gain
            v = r * scale
        else:
            v = 0.1 * r
        with torch.no_grad():
            p.copy_(v.float().reshape(p.shape))
    size, batch = reference["image_size"], reference["batch"]
    _, r = stream(seed + 999999, batch * 3 * size * size)
    return (2 * r).float().reshape(batch, 3, size, size)
