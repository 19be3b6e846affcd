#!/usr/bin/env python3
"""Writes the large hostile files used to measure the readers' worst cases (docs/robustness.md).

  python3 tools/hostile/make_bombs.py OUT_DIR

pixel_bomb.png   2 MB PNG declaring 46,000 x 46,000 8-bit grey pixels (a valid, all-black image)
pickle_bomb.pth  1 MB torch.save-style zip whose data.pkl records 100 bytes and inflates to 1 GB
Only the standard library is used; nothing here is needed by the tests.
"""
import os
import struct
import sys
import zipfile
import zlib


def png_bomb(path, side=46_000):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    z = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte + one grey byte per pixel
    parts = [z.compress(row) for _ in range(side)]
    parts.append(z.flush())
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", b"".join(parts)))
        f.write(chunk(b"IEND", b""))


def pickle_bomb(path, inflated=1 << 30):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("archive/data.pkl", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(inflated >> 20):
                f.write(block)
    # the central directory now understates the record: 100 bytes
    data = bytearray(open(path, "rb").read())
    name = b"archive/data.pkl"
    i = data.rfind(b"PK\x01\x02")
    assert data[i + 46:i + 46 + len(name)] == name
    struct.pack_into("<I", data, i + 24, 100)
    open(path, "wb").write(bytes(data))


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    png_bomb(os.path.join(out, "pixel_bomb.png"))
    pickle_bomb(os.path.join(out, "pickle_bomb.pth"))
    for n in sorted(os.listdir(out)):
        print(n, os.path.getsize(os.path.join(out, n)), "bytes")
