#!/usr/bin/python3
"""Makes the HEIF, AVIF and JPEG XL fixtures of tests/data/formats from the shared
corpus, with the formats' own encoders: heif-enc (libheif-examples), avifenc
(libavif-bin) and cjxl (libjxl-tools), Debian 12's.  Run once by hand, from anywhere:

    tests/data/formats/make_fixtures.py [CORPUS]     (default ../shared/corpus)

The files are committed, so the tests never need the encoders; README.md says what
each one is for.  Encoders are not bit-for-bit reproducible across versions, so a
rerun may give other bytes: the tests check what the files show, not their bytes.

Two kinds of file no encoder here makes are derived by editing the boxes of
heif-enc's output (ISO BMFF, ISO/IEC 14496-12 and 23008-12), as little as possible:
an irot box (a rotation, as an iPhone stores it) added to the primary image's
properties, and an ispe box (the image's size) that declares more pixels than the
coded image holds, as a decompression bomb would.
"""

import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from PIL import Image, ImageCms

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- ISO BMFF boxes

# Boxes holding boxes, and how many bytes of their own come first (FullBox: 4).
CONTAINERS = {b"meta": 4, b"iprp": 0, b"ipco": 0}


def boxes(data, start, end):
    """(type, offset, size) of each box in data[start:end]."""
    out = []
    at = start
    while at < end:
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size < 8 or at + size > end:
            raise ValueError("bad box %r at %d" % (kind, at))
        out.append((kind, at, size))
        at += size
    return out


def find(data, path):
    """(offset, size) of the box at path ("meta/iprp/ipco") from the top level."""
    start, end = 0, len(data)
    found = None
    for name in path.split("/"):
        name = name.encode()
        match = [b for b in boxes(data, start, end) if b[0] == name]
        if len(match) != 1:
            raise ValueError("%d %r boxes" % (len(match), name))
        _, at, size = match[0]
        found = (at, size)
        start, end = at + 8 + CONTAINERS.get(name, 0), at + size
    return found


def grow(data, at, by):
    """Adds by to the size field of the box at offset at."""
    struct.pack_into(">I", data, at, struct.unpack_from(">I", data, at)[0] + by)


def primary_item(data):
    at, _ = find(data, "meta/pitm")
    version = data[at + 8]
    return struct.unpack_from(">H" if version == 0 else ">I", data, at + 12)[0]


def shift_iloc(data, after, by):
    """Moves every extent stored in the file at or past offset after by bytes."""
    at, _ = find(data, "meta/iloc")
    p = at + 8
    version = data[p]
    p += 4
    sizes = struct.unpack_from(">H", data, p)[0]
    off_size, len_size, base_size = sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15
    index_size = sizes & 15 if version in (1, 2) else 0
    p += 2
    count_fmt = ">H" if version < 2 else ">I"
    count = struct.unpack_from(count_fmt, data, p)[0]
    p += struct.calcsize(count_fmt)
    fmts = {0: None, 4: ">I", 8: ">Q"}

    def field(p, n):
        return (struct.unpack_from(fmts[n], data, p)[0] if n else 0), p + n

    def shift(p, n):
        value = struct.unpack_from(fmts[n], data, p)[0]
        if value >= after:
            struct.pack_into(fmts[n], data, p, value + by)

    for _ in range(count):
        p += 2 if version < 2 else 4  # item_ID
        method = 0
        if version in (1, 2):
            method = struct.unpack_from(">H", data, p)[0] & 15
            p += 2
        p += 2  # data_reference_index
        base, _ = field(p, base_size)
        if method == 0 and base_size and base:
            shift(p, base_size)
        p += base_size
        extents = struct.unpack_from(">H", data, p)[0]
        p += 2
        for _ in range(extents):
            p += index_size
            if method == 0 and not base and off_size:
                shift(p, off_size)
            p += off_size + len_size


def add_irot(heif, angle):
    """heif with an irot property (angle * 90 degrees anticlockwise) on its primary image."""
    data = bytearray(heif)
    ipco_at, ipco_size = find(data, "meta/iprp/ipco")
    index = len(boxes(data, ipco_at + 8, ipco_at + ipco_size)) + 1
    ipma_at, ipma_size = find(data, "meta/iprp/ipma")
    version, flags = data[ipma_at + 8], int.from_bytes(data[ipma_at + 9:ipma_at + 12], "big")
    if flags & 1 or index > 127:
        raise ValueError("wide ipma indices: not handled")
    # The primary item's entry in ipma gets one more association, marked essential.
    p = ipma_at + 12
    entries = struct.unpack_from(">I", data, p)[0]
    p += 4
    item_fmt = ">H" if version < 1 else ">I"
    primary = primary_item(data)
    insert_assoc = None
    for _ in range(entries):
        item = struct.unpack_from(item_fmt, data, p)[0]
        p += struct.calcsize(item_fmt)
        n = data[p]
        if item == primary:
            data[p] = n + 1
            insert_assoc = p + 1 + n
        p += 1 + n
    if insert_assoc is None:
        raise ValueError("primary item has no properties")
    irot = struct.pack(">I4sB", 9, b"irot", angle & 3)
    added = len(irot) + 1
    # Every offset is taken while the boxes still parse, then the bytes go in,
    # the later one first, so that the earlier offset stays true.
    meta_at, _ = find(data, "meta")
    iprp_at, _ = find(data, "meta/iprp")
    shift_iloc(data, ipco_at + ipco_size, added)
    for at, by in ((meta_at, added), (iprp_at, added), (ipco_at, len(irot)), (ipma_at, 1)):
        grow(data, at, by)
    if not ipco_at + ipco_size <= ipma_at < insert_assoc:
        raise ValueError("ipma before ipco: not handled")
    data[insert_assoc:insert_assoc] = bytes([0x80 | index])
    data[ipco_at + ipco_size:ipco_at + ipco_size] = irot
    return bytes(data)


def set_ispe(heif, width, height):
    """heif whose every ispe declares width x height, the coded image unchanged."""
    data = bytearray(heif)
    ipco_at, ipco_size = find(data, "meta/iprp/ipco")
    n = 0
    for kind, at, size in boxes(data, ipco_at + 8, ipco_at + ipco_size):
        if kind == b"ispe":
            struct.pack_into(">II", data, at + 12, width, height)
            n += 1
    if not n:
        raise ValueError("no ispe")
    return bytes(data)


# ---- pictures

def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def heif_enc(src, dst, *opts):
    run("heif-enc", *opts, "-o", dst, src)


def avifenc(src, dst, *opts):
    run("avifenc", "-s", "6", *opts, src, dst)


def cjxl(src, dst, *opts):
    run("cjxl", *opts, src, dst)


def photo(corpus, tmp):
    """A real photo, small: 480x392 from sharp's benchmark photo, JPEG quality 95."""
    im = Image.open(os.path.join(corpus, "photos", "sharp_bench.jpg"))
    im = im.resize((480, 392), Image.LANCZOS)
    path = os.path.join(HERE, "photo.jpg")
    im.save(path, quality=95)
    heif_enc(path, os.path.join(HERE, "photo.heic"), "-q", "70")
    avifenc(path, os.path.join(HERE, "photo.avif"), "--min", "8", "--max", "16")
    cjxl(path, os.path.join(HERE, "photo.jxl"), "--lossless_jpeg=1")


def orientation(corpus, tmp):
    """Landscape_6: pixels stored turned, EXIF orientation 6, shrunk to 120x180."""
    src = Image.open(os.path.join(corpus, "orientation", "Landscape_6.jpg"))
    exif = src.info["exif"]
    small = src.resize((120, 180), Image.LANCZOS)
    jpg = os.path.join(tmp, "landscape-6.jpg")
    small.save(jpg, quality=95, exif=exif)
    # heif-enc keeps the EXIF block and stores the pixels as they are: no irot.
    stored = os.path.join(HERE, "exif-6-only.heic")
    heif_enc(jpg, stored, "-q", "90")
    # An iPhone's way: the pixels stored turned, irot to turn them, EXIF saying 6 too.
    with open(stored, "rb") as f:
        iphone = add_irot(f.read(), 3)
    with open(os.path.join(HERE, "iphone-rotated.heic"), "wb") as f:
        f.write(iphone)
    # avifenc turns the EXIF orientation into irot and imir, and keeps the EXIF.
    avifenc(jpg, os.path.join(HERE, "landscape-6.avif"), "--min", "8", "--max", "16")
    # cjxl carries the orientation in the codestream.
    cjxl(jpg, os.path.join(HERE, "landscape-6.jxl"), "--lossless_jpeg=0", "-d", "1")


def alpha(corpus, tmp):
    """with-alpha.png (256x192, RGBA, a gradient of transparency)."""
    src = os.path.join(corpus, "formats", "with-alpha.png")
    heif_enc(src, os.path.join(HERE, "alpha.heic"), "-q", "90")
    avifenc(src, os.path.join(HERE, "alpha.avif"), "--min", "8", "--max", "16")
    cjxl(src, os.path.join(HERE, "alpha.jxl"), "-d", "1")


# Display P3 colours that sRGB shows differently: patches far enough apart in sRGB that
# a decoder ignoring the profile misses them by 15 levels or more.  (p3.png's own red is
# beyond sRGB, which clips it to 255, 0, 0 either way.)
P3_PATCHES = [(180, 40, 40), (90, 200, 190), (230, 220, 40), (60, 160, 60),
              (220, 80, 40), (200, 60, 160)]


def p3(corpus, tmp):
    """p3.png's profile (Display P3) and its red, with more patches: 96x64."""
    src = Image.open(os.path.join(corpus, "formats", "p3.png"))
    icc = src.info["icc_profile"]
    im = Image.new("RGB", (96, 64))
    for i, colour in enumerate(P3_PATCHES):
        x, y = (i % 3) * 32, (i // 3) * 32
        im.paste(Image.new("RGB", (32, 32), colour), (x, y))
    im.paste(src.convert("RGB").resize((16, 16), Image.NEAREST), (8, 8))
    path = os.path.join(HERE, "p3-source.png")
    im.save(path, icc_profile=icc)
    heif_enc(path, os.path.join(HERE, "p3.heic"), "-q", "92")
    avifenc(path, os.path.join(HERE, "p3.avif"), "--min", "4", "--max", "10")
    cjxl(path, os.path.join(HERE, "p3.jxl"), "-d", "0.5")
    # The test is only worth its name if ignoring the profile would fail it.
    srgb = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                     ImageCms.createProfile("sRGB"))
    for i, colour in enumerate(P3_PATCHES):
        x, y = (i % 3) * 32 + 24, (i // 3) * 32 + 24
        got = srgb.getpixel((x, y))
        assert max(abs(a - b) for a, b in zip(got, colour)) >= 15, (colour, got)


def bomb(corpus, tmp):
    """A 64x64 HEIC whose header declares 16000x16000 (256 MP), and one of 20000x14000."""
    small = os.path.join(tmp, "grey.png")
    Image.new("RGB", (64, 64), (120, 120, 120)).save(small)
    heic = os.path.join(tmp, "grey.heic")
    heif_enc(small, heic, "-q", "50")
    with open(heic, "rb") as f:
        data = f.read()
    with open(os.path.join(HERE, "bomb-256mp.heic"), "wb") as f:
        f.write(set_ispe(data, 16000, 16000))
    with open(os.path.join(HERE, "bomb-wide.heic"), "wb") as f:
        f.write(set_ispe(data, 20000, 14000))


def deep(corpus, tmp):
    """A 10-bit HEIF of the 16-bit flag, named .hif as Canon's and Fujifilm's cameras do."""
    src = os.path.join(corpus, "formats", "Flag_of_the_Netherlands-16bit.png")
    heif_enc(src, os.path.join(HERE, "flag-10bit.hif"), "-q", "90", "-b", "10")


def grey(corpus, tmp):
    """A monochrome HEIC (one plane, no chroma): heif-enc codes a grey PNG so."""
    src = os.path.join(tmp, "grey-photo.png")
    Image.open(os.path.join(corpus, "formats", "gamma_dalai_lama_gray.jpg")).convert("L").save(src)
    heif_enc(src, os.path.join(HERE, "grey.heic"), "-q", "80")


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "..",
                                                                  "shared", "corpus")
    tmp = tempfile.mkdtemp(prefix="imgbatch-fixtures-")
    try:
        for make in (photo, orientation, alpha, p3, bomb, deep, grey):
            make(corpus, tmp)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
