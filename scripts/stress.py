#!/usr/bin/python3
"""stress.py: a stress run that proves that nothing knocks imgbatch over.

It generates a folder of images (mostly large JPEGs with gradients and noise,
some progressive JPEGs and PNGs, a few with an EXIF orientation), of which
--damaged are broken in many different ways, then runs

    imgbatch OP INPUT OUTPUT --json -j JOBS [--size 200x150]

and, while it runs, SIGKILLs one busy worker every --kill-every seconds and
samples the master's VmRSS every 0.2 s.  Afterwards it checks:

  - the output is one JSON object per line and one summary, every input is
    reported exactly once, and the summary's counts match the records;
  - every valid file either has its output (it opens with Pillow and has the
    size Pillow gives: ImageOps.exif_transpose(im).thumbnail((W, H)) for
    resize; the expected sizes come from each input's EXIF orientation and
    Image.thumbnail on a blank stand-in, and a few are checked against the
    real exif_transpose of the decoded input) or failed with
    "worker N died: SIGKILL";
  - every damaged file failed with a one-line reason and has no output;
  - the "died: SIGKILL" failures match the kills (see "Counting kills");
  - the exit status is 1 (0 when nothing failed), and the summary's counts
    agree with the records;
  - no temporary file (.NAME.imgbatch-PID.tmp) is left in OUTPUT, which holds
    the outputs of the files reported ok and nothing else, except a whole and
    correct output of a file whose worker was killed after renaming it into
    place but before sending its result (allowed, and noted in the report);
  - the input folder is untouched;
  - no worker stayed a zombie while the master ran, and none of the workers
    ever seen is alive (or a zombie) once the master has exited;
  - the master's RSS stays flat (see "RSS").

Each check is printed as PASS or FAIL; the exit status is 0 when all pass,
1 otherwise (2 for a usage or setup error).

Counting kills.  A kill fails at most one file.  To know what a kill hit,
the victim is first stopped (SIGSTOP), so that it cannot move on while it is
looked at, then classified from /proc (its open files, the syscall it is in,
FIONREAD on its two pipes), then killed with SIGKILL:
  holding   it has its input or its temporary output file open: it is inside
            a job, and that very file must fail with "died: SIGKILL"
            (checked file by file);
  pending   a job is unread in its job pipe: the master has handed it that
            file, but the worker never started it, so the master gives the
            file to another worker and it must not fail;
  computing it runs, or sleeps in a syscall other than the read of its job
            pipe, with no file open and both pipes empty: it is inside a job
            (decoding from memory, resampling, encoding), so its file fails;
            except in the microseconds between writing a result that the
            master has already taken and going back to read() its next job,
            or while a worker starts or exits;
  result    its result is already in the result pipe: a kill "between jobs";
            the master takes the result at end of file, so that file is ok,
            and a next file it may hand to the dead worker before it sees the
            end of file is never read, so it goes to another worker: no file
            fails;
  idle      it waits in read() on an empty job pipe: it is not killed but
            continued (SIGCONT), and another victim is looked for.
The verdict only uses what holds whatever the timing: holding <= "died:
SIGKILL" failures <= kills - pending - result.  Each "died: SIGKILL" record is matched
with its kill (the file a holding kill held, else by the time its line was
printed), and the report lists every kill with the file it failed and
explains any difference between the failures and the kills that hit a busy
worker (holding + pending + computing).  A worker younger than 0.25 s
(perhaps still starting libvips) is not chosen.

RSS.  The master never initialises libvips and builds its job table before
the first fork, so its RSS should not grow while results stream through it
and workers die and are replaced.  The check compares the median of the
first 10% of the samples (at least 2) with the median of the last 10%
(sampling starts once the master has forked its first worker, when its scan
and job table are done) and fails if the growth is more than 1 MiB.  Growth
is that of RssAnon (heap and stack) where the kernel reports it: code pages
that a path first taken late in the run faults in count in VmRSS, but they
are page cache, not a leak.  A
relative limit (say 20%) would be too loose: the master's VmRSS is about 20 MB, most
of it pages of the shared libraries it is linked with (libvips, GLib ...),
which are there from the start, so 20% would let a 4 MB leak through.  Its
own heap is small and flat; 1 MiB is far above page-granular noise (stdio
buffers, malloc arenas), yet a leak of 2 KB per file, or of 40 KB (a frame
decoder's buffer) per kill, over a run of hundreds of files and dozens of
kills crosses it.  RssAnon (heap and stack) is reported next to VmRSS.

Only the standard library and Pillow are used.  Example:

    scripts/stress.py --images 500 --damaged 25 --kill-every 1 --jobs 2
"""

import argparse
import concurrent.futures
import fcntl
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import zlib

from PIL import Image, ImageDraw, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

RSS_INTERVAL = 0.2
TICK = 0.02                 # monitor loop period
MIN_VICTIM_AGE = 0.25       # s: do not kill a worker that may still be starting
ZOMBIE_LIMIT = 2.0          # s: a dead worker must be reaped within this while the master runs
RSS_GROWTH_LIMIT_KB = 1024  # see "RSS" above
RSS_MIN_SAMPLES = 5

DIED_RE = re.compile(r"^worker (\d+) died: SIGKILL$")
DIED_ANY_RE = re.compile(r"\bworker \d+ (died|exited|ended|could not start|broke)")


def log(*a):
    print(*a, flush=True)


# ------------------------------------------------------------------ images

def make_canvas(side, seed):
    """A side x side RGB picture: gradients, discs, and uniform noise blended in,
    so that every crop of it is costly to encode and to decode."""
    rnd = random.Random(seed)
    lin = Image.linear_gradient("L")
    rad = Image.radial_gradient("L")
    r = lin.rotate(rnd.randrange(360), resample=Image.BILINEAR).resize((side, side), Image.BILINEAR)
    g = rad.resize((side, side), Image.BILINEAR)
    b = lin.rotate(rnd.randrange(360), resample=Image.BILINEAR).resize((side, side), Image.BILINEAR)
    base = Image.merge("RGB", (r, g, b))
    draw = ImageDraw.Draw(base)
    for _ in range(max(20, side // 20)):
        x, y = rnd.randrange(side), rnd.randrange(side)
        s = rnd.randrange(side // 50 + 10, side // 4 + 20)
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        if rnd.random() < 0.5:
            draw.ellipse((x, y, x + s, y + s), fill=colour)
        else:
            draw.rectangle((x, y, x + s, y + s // 2), fill=colour)
    noise = Image.frombytes("RGB", (side, side), rnd.randbytes(side * side * 3))
    return Image.blend(base, noise, 0.2)


_CANVAS = None  # set before the generator processes are forked


def render(canvas, spec):
    """The picture of one valid image from its spec (crop, tint, transpose)."""
    w, h = spec["stored"]
    x, y = spec["at"]
    im = canvas.crop((x, y, x + w, y + h))
    im = im.point([min(255, int(v * k)) for k in spec["tint"] for v in range(256)])
    if spec["transpose"] is not None:
        im = im.transpose(spec["transpose"])
    if spec["mode"] == "L":
        im = im.convert("L")
    elif spec["mode"] == "RGBA":
        alpha = Image.linear_gradient("L").resize(im.size, Image.BILINEAR)
        im.putalpha(alpha.point(lambda v: 96 + v * 159 // 255))
    return im


def write_valid(spec):
    """Runs in a generator process: writes one valid image."""
    im = render(_CANVAS, spec)
    path = spec["path"]
    if spec["format"] == "PNG":
        im.save(path, "PNG", compress_level=spec["compress_level"])
    else:
        kw = dict(quality=spec["quality"], subsampling=spec["subsampling"],
                  progressive=spec["progressive"])
        if spec["orientation"]:
            exif = Image.Exif()
            exif[0x0112] = spec["orientation"]
            kw["exif"] = exif.tobytes()
        im.save(path, "JPEG", **kw)
    return os.path.getsize(path)


ASPECTS = [(4, 3), (4, 3), (4, 3), (3, 2), (3, 2), (16, 9), (1, 1), (5, 4), (2, 1)]


def plan_valid(rnd, n, min_side, max_side, canvas_side, inp):
    """Specs of n valid images: about 78% baseline JPEG (some grey, some with an
    EXIF orientation), 10% progressive JPEG, 12% PNG (some with alpha)."""
    specs = []
    for i in range(n):
        u = rnd.random()
        fmt = "PNG" if u < 0.12 else "JPEG"
        progressive = fmt == "JPEG" and u < 0.22
        long_side = rnd.randrange(min_side, max_side + 1)
        if fmt == "PNG":
            long_side = max(16, long_side // 2)
        a, b = rnd.choice(ASPECTS)
        short_side = max(1, round(long_side * b / a))
        w, h = (long_side, short_side) if rnd.random() < 0.75 else (short_side, long_side)
        spec = {
            "name": "img%04d.%s" % (i, "png" if fmt == "PNG" else rnd.choice(["jpg", "jpg", "jpeg"])),
            "format": fmt,
            "stored": (w, h),
            "at": (rnd.randrange(canvas_side - w + 1), rnd.randrange(canvas_side - h + 1)),
            "tint": tuple(0.6 + 0.6 * rnd.random() for _ in range(3)),
            "transpose": rnd.choice([None, None, Image.Transpose.FLIP_LEFT_RIGHT,
                                     Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.ROTATE_180]),
            "mode": "RGB",
            "orientation": 0,
            "progressive": progressive,
            "quality": rnd.choice([85, 90, 92, 95]),
            "subsampling": rnd.choice([0, 2, 2, 2]),  # 4:4:4 or 4:2:0
            "compress_level": rnd.choice([1, 3]),
        }
        if fmt == "JPEG":
            if rnd.random() < 0.05:
                spec["mode"] = "L"
            if rnd.random() < 0.12:
                spec["orientation"] = rnd.choice([3, 6, 8])
        elif rnd.random() < 0.3:
            spec["mode"] = "RGBA"
        spec["path"] = os.path.join(inp, spec["name"])
        ow, oh = spec["stored"]
        spec["upright"] = (oh, ow) if spec["orientation"] in (5, 6, 7, 8) else (ow, oh)
        specs.append(spec)
    return specs


# ----------------------------------------------------------- damaged files

def _png_chunks(data):
    """[(offset, type, length)] of a PNG's chunks."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        out.append((pos, data[pos + 4:pos + 8], length))
        pos += 12 + length
    return out


def _png_fix_crc(d, pos, length):
    crc = zlib.crc32(bytes(d[pos + 4:pos + 8 + length]))
    d[pos + 8 + length:pos + 12 + length] = struct.pack(">I", crc)


def _jpeg_marker(data, code, start=2):
    return data.index(b"\xff" + bytes([code]), start)


def _jpeg_scan_start(data, start=2):
    sos = _jpeg_marker(data, 0xDA, start)
    return sos, sos + 2 + struct.unpack(">H", data[sos + 2:sos + 4])[0]


def _chunk(name, d):
    return next(c for c in _png_chunks(d) if c[1] == name)


def dmg_jpeg_truncated(rnd, src):
    _, scan = _jpeg_scan_start(src["jpeg"])
    cut = rnd.randrange(scan + 64, len(src["jpeg"]) - 64)
    return src["jpeg"][:cut]


def dmg_jpeg_truncated_progressive(rnd, src):
    _, scan = _jpeg_scan_start(src["pjpeg"])
    cut = rnd.randrange(scan + 64, len(src["pjpeg"]) - 64)
    return src["pjpeg"][:cut]


def dmg_jpeg_scan_marker(rnd, src):
    """Scan data of a progressive JPEG overwritten with a stray SOI or SOF marker
    (libjpeg reads every scan before the first row: an error, not a warning)."""
    data = src["pjpeg"]
    _, scan = _jpeg_scan_start(data)
    nxt = _jpeg_marker(data, 0xDA, scan)
    pos = rnd.randrange(scan + 8, nxt - 8)
    d = bytearray(data)
    d[pos:pos + 2] = rnd.choice([b"\xff\xd8", b"\xff\xc0"])
    return bytes(d)


def dmg_jpeg_soi_only(rnd, src):
    return b"\xff\xd8"


def dmg_jpeg_bad_huffman(rnd, src):
    d = bytearray(src["jpeg"])
    dht = _jpeg_marker(src["jpeg"], 0xC4)
    for i in range(dht + 5, dht + 21):  # the 16 code-length counts of the first table
        d[i] = 0xFF
    return bytes(d)


def dmg_jpeg_bad_sos_component(rnd, src):
    d = bytearray(src["jpeg"])
    sos, _ = _jpeg_scan_start(src["jpeg"])
    d[sos + 5] = rnd.choice([7, 9, 200])  # component selector not in the frame
    return bytes(d)


def dmg_jpeg_zero_width(rnd, src):
    d = bytearray(src["jpeg"])
    sof = _jpeg_marker(src["jpeg"], 0xC0)
    d[sof + 7:sof + 9] = b"\x00\x00"
    return bytes(d)


def dmg_zero_bytes(rnd, src):
    return b""


def dmg_text_as_jpeg(rnd, src):
    return b"".join(b"line %d: this is a text file, not a photo\n" % i for i in range(200))


def dmg_png_truncated(rnd, src):
    return src["png"][:rnd.randrange(40, len(src["png"]) - 16)]


def dmg_png_bad_ihdr_crc(rnd, src):
    d = bytearray(src["png"])
    pos, _, length = _chunk(b"IHDR", d)
    d[pos + 8 + length] ^= 0x5A
    return bytes(d)


def dmg_png_broken_ihdr(rnd, src):
    """IHDR with an impossible field, its CRC recomputed."""
    d = bytearray(src["png"])
    pos, _, length = _chunk(b"IHDR", d)
    what = rnd.choice(["width0", "height0", "depth", "colour", "interlace"])
    if what == "width0":
        d[pos + 8:pos + 12] = b"\0\0\0\0"
    elif what == "height0":
        d[pos + 12:pos + 16] = b"\0\0\0\0"
    elif what == "depth":
        d[pos + 16] = 7
    elif what == "colour":
        d[pos + 17] = 5
    else:
        d[pos + 20] = 9
    _png_fix_crc(d, pos, length)
    return bytes(d)


def dmg_png_bad_idat_crc(rnd, src):
    d = bytearray(src["png"])
    pos, _, length = _chunk(b"IDAT", d)
    d[pos + 8 + length + rnd.randrange(4)] ^= 0xFF
    return bytes(d)


def dmg_png_corrupt_zlib(rnd, src):
    """Garbage in the compressed pixel data, with a valid CRC."""
    d = bytearray(src["png"])
    pos, _, length = _chunk(b"IDAT", d)
    if rnd.random() < 0.5:
        d[pos + 8:pos + 10] = b"\x00\x00"  # a zlib header that is not one
    else:
        start = pos + 8 + rnd.randrange(2, max(3, length // 2))
        for i in range(start, min(start + 400, pos + 8 + length)):
            d[i] = rnd.getrandbits(8)
    _png_fix_crc(d, pos, length)
    return bytes(d)


def dmg_png_65536(rnd, src):
    """A PNG whose header declares 65536x65536 (the corpus file, else made here)."""
    corpus = os.environ.get("IMGBATCH_CORPUS") or os.path.join(REPO, "..", "shared", "corpus")
    path = os.path.join(corpus, "broken", "65536-uint32-limit.png")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read()
    ihdr = struct.pack(">IIBBBBB", 65536, 65536, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * (1 + 3 * 65536) * 4)

    def chunk(t, body):
        return struct.pack(">I", len(body)) + t + body + struct.pack(">I", zlib.crc32(t + body))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def dmg_gif_truncated(rnd, src):
    return src["gif"][:rnd.randrange(20, len(src["gif"]) * 9 // 10)]


def dmg_random_bytes(rnd, src):
    return rnd.randbytes(rnd.randrange(1000, 50000))


def dmg_png_signature_only(rnd, src):
    return src["png"][:8]


# (kind, extension, function); the first ones are the most distinct, so that a
# small --damaged still covers many kinds.
DAMAGES = [
    ("jpeg-truncated", "jpg", dmg_jpeg_truncated),
    ("png-truncated", "png", dmg_png_truncated),
    ("jpeg-scan-marker", "jpg", dmg_jpeg_scan_marker),
    ("zero-bytes", "jpg", dmg_zero_bytes),
    ("text-as-jpeg", "jpg", dmg_text_as_jpeg),
    ("png-bad-ihdr-crc", "png", dmg_png_bad_ihdr_crc),
    ("png-broken-ihdr", "png", dmg_png_broken_ihdr),
    ("png-65536x65536", "png", dmg_png_65536),
    ("gif-truncated", "gif", dmg_gif_truncated),
    ("random-bytes", "png", dmg_random_bytes),
    ("jpeg-soi-only", "jpg", dmg_jpeg_soi_only),
    ("jpeg-bad-huffman", "jpg", dmg_jpeg_bad_huffman),
    ("png-bad-idat-crc", "png", dmg_png_bad_idat_crc),
    ("png-corrupt-zlib", "png", dmg_png_corrupt_zlib),
    ("jpeg-bad-sos-component", "jpg", dmg_jpeg_bad_sos_component),
    ("jpeg-zero-width", "jpg", dmg_jpeg_zero_width),
    ("jpeg-truncated-progressive", "jpg", dmg_jpeg_truncated_progressive),
    ("png-signature-only", "png", dmg_png_signature_only),
]

FORMAT_OF_EXT = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF"}


def damage_sources(seed):
    """Small clean images that the damaged files are made from."""
    canvas = make_canvas(720, seed + 1)
    im = canvas.crop((10, 20, 650, 500))
    out = {}
    for key, kw in (("jpeg", dict(format="JPEG", quality=90)),
                    ("pjpeg", dict(format="JPEG", quality=90, progressive=True)),
                    ("png", dict(format="PNG")),
                    ("gif", dict(format="GIF"))):
        buf = io.BytesIO()
        (im.convert("P") if key == "gif" else im).save(buf, **kw)
        out[key] = buf.getvalue()
    return out


def generate(inp, args):
    """Writes the input folder; returns the manifest {name: entry}."""
    rnd = random.Random(args.seed)
    os.makedirs(inp)
    n_valid = args.images - args.damaged
    canvas_side = args.max_side
    specs = plan_valid(rnd, n_valid, args.min_side, args.max_side, canvas_side, inp)
    manifest = {}
    workers = max(1, min(os.cpu_count() or 1, 8))
    global _CANVAS
    _CANVAS = make_canvas(canvas_side, args.seed)  # the forked generators share it
    try:
        with concurrent.futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("fork")) as ex:
            sizes = list(ex.map(write_valid, specs, chunksize=2))
    finally:
        _CANVAS = None
    for spec, size in zip(specs, sizes):
        manifest[spec["name"]] = {
            "valid": True, "format": spec["format"], "progressive": spec["progressive"],
            "mode": spec["mode"], "stored": list(spec["stored"]), "upright": list(spec["upright"]),
            "orientation": spec["orientation"], "bytes": size,
        }
    src = damage_sources(args.seed)
    for i in range(args.damaged):
        kind, ext, fn = DAMAGES[i % len(DAMAGES)]
        name = "bad%03d-%s.%s" % (i, kind, ext)
        data = fn(rnd, src)
        with open(os.path.join(inp, name), "wb") as f:
            f.write(data)
        manifest[name] = {"valid": False, "kind": kind, "format": FORMAT_OF_EXT[ext],
                          "bytes": len(data)}
    return manifest


def output_name(name, fmt):
    """The output file name imgbatch gives an input (format auto, no suffix)."""
    stem, ext = os.path.splitext(name)
    if fmt == "JPEG":
        return name
    return stem + ".png"


def expected_size(upright, op, box):
    if op == "resize":
        im = Image.new("L", tuple(upright))
        im.thumbnail(box)
        return im.size
    if op == "thumbnail":
        return tuple(box)
    return tuple(upright)


def pillow_expected_size(path, op, box):
    """What the brief asks for, done for real: ImageOps.exif_transpose then thumbnail."""
    with Image.open(path) as im:
        up = ImageOps.exif_transpose(im)
        if op == "resize":
            up.thumbnail(box)
            return up.size
        return expected_size(up.size, op, box)


# ------------------------------------------------------------- /proc

def proc_stat(pid):
    """(state, ppid, starttime) or None."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[19])


def children_of(pid):
    """{child pid: (state, starttime)} found by scanning /proc/*/stat for the ppid
    (/proc/PID/task/TID/children is used when the kernel has it)."""
    kids = {}
    task_dir = "/proc/%d/task" % pid
    try:
        tids = os.listdir(task_dir)
    except OSError:
        return kids
    listed = None
    for tid in tids:
        try:
            with open(os.path.join(task_dir, tid, "children")) as f:
                listed = (listed or set()) | {int(x) for x in f.read().split()}
        except OSError:
            pass
    pids = listed if listed is not None else [int(e) for e in os.listdir("/proc") if e.isdigit()]
    for p in pids:
        st = proc_stat(p)
        if st and st[1] == pid:
            kids[p] = (st[0], st[2])
    return kids


def vm_rss_kb(pid):
    """(Name, VmRSS kB, RssAnon kB) from /proc/PID/status."""
    try:
        with open("/proc/%d/status" % pid) as f:
            text = f.read()
    except OSError:
        return None, None, None
    name = rss = anon = None
    for line in text.split("\n"):
        if line.startswith("Name:"):
            name = line[5:].strip()
        elif line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("RssAnon:"):
            anon = int(line.split()[1])
    return name, rss, anon


def fd_table(pid):
    """[(fd, target, access mode 0/1/2)] of a process."""
    out = []
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return out
    for fd in fds:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                flags = int(f.read().split("flags:")[1].split()[0], 8)
        except (OSError, IndexError, ValueError):
            continue
        out.append((int(fd), target, flags & 3))
    return out


def pipe_pending(pid, fd):
    """Bytes waiting in the pipe behind a process's fd (FIONREAD on a second
    read end opened through /proc), or None."""
    try:
        mine = os.open("/proc/%d/fd/%d" % (pid, fd), os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        buf = fcntl.ioctl(mine, termios.FIONREAD, b"\0\0\0\0")
        return struct.unpack("i", buf)[0]
    except OSError:
        return None
    finally:
        os.close(mine)


def main_syscall(pid):
    """(syscall number, first argument) the main thread is in; (-1, None) when it
    runs in user space; None if unreadable."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            parts = f.read().split()
    except OSError:
        return None
    if not parts or parts[0] == "running":
        return (-1, None)
    nr = int(parts[0])
    return (nr, int(parts[1], 16) if nr >= 0 and len(parts) > 1 else None)


def wait_state(pid, states, timeout):
    deadline = time.monotonic() + timeout
    while True:
        st = proc_stat(pid)
        if st is None or st[0] in states:
            return st
        if time.monotonic() >= deadline:
            return st
        time.sleep(0.0005)


# ------------------------------------------------------------- the run

class Monitor:
    """Watches a running imgbatch from the main thread: tracks its children,
    kills busy workers, samples the master's RSS."""

    def __init__(self, proc, args, inp, out, binary_name):
        self.p = proc
        self.args = args
        self.inp_real = os.path.realpath(inp) + os.sep
        self.out_real = os.path.realpath(out) + os.sep
        self.binary_name = binary_name[:15]
        self.t0 = time.monotonic()
        self.seen = {}          # pid -> {"start": starttime, "first": t, "zombie_since": t}
        self.lingering_zombies = {}  # pid -> seconds seen as a zombie
        self.max_zombie = 0.0
        self.kills = []
        self.skipped_idle = 0
        self.rss = []           # (t, VmRSS kB, RssAnon kB)
        self.next_kill = self.t0 + args.kill_every
        self.next_rss = self.t0

    def now(self):
        return time.monotonic() - self.t0

    def track(self):
        kids = children_of(self.p.pid)
        t = time.monotonic()
        for pid, (state, start) in kids.items():
            info = self.seen.get(pid)
            if info is None or info["start"] != start:
                info = self.seen[pid] = {"start": start, "first": t, "zombie_since": None}
            if state == "Z":
                if info["zombie_since"] is None:
                    info["zombie_since"] = t
                age = t - info["zombie_since"]
                self.max_zombie = max(self.max_zombie, age)
                if age > ZOMBIE_LIMIT:
                    self.lingering_zombies[pid] = age
        return kids

    def sample_rss(self):
        name, rss, anon = vm_rss_kb(self.p.pid)
        if rss is not None and name == self.binary_name:
            self.rss.append((self.now(), rss, anon))

    def classify(self, pid):
        """What a stopped worker is doing: (category, held input file or None, detail)."""
        held = None
        detail = []
        job_fd = result_fd = None
        for fd, target, acc in fd_table(pid):
            if target.startswith(self.inp_real):
                held = target[len(self.inp_real):]
                detail.append("input %s" % held)
            elif target.startswith(self.out_real) and ".imgbatch-" in target:
                detail.append("temp %s" % os.path.basename(target))
                if held is None:
                    held = ("temp", os.path.basename(target))
            elif target.startswith("pipe:") and fd > 2:
                if acc == os.O_RDONLY:
                    job_fd = fd
                elif acc == os.O_WRONLY:
                    result_fd = fd
        sc = main_syscall(pid)
        job_pending = pipe_pending(pid, job_fd) if job_fd is not None else None
        result_pending = pipe_pending(pid, result_fd) if result_fd is not None else None
        detail.append("syscall %s, job pipe %s B, result pipe %s B"
                      % (sc[0] if sc else "?", job_pending, result_pending))
        if held is not None:
            return "holding", held, "; ".join(detail)
        if job_pending:
            # The master writes a job only to a worker it has marked busy, and only
            # once it has taken the worker's previous result.
            return "pending", None, "; ".join(detail)
        if result_pending:
            return "result", None, "; ".join(detail)
        in_job_read = sc is not None and sc[0] == 0 and sc[1] == job_fd and job_fd is not None
        if in_job_read:
            return "idle", None, "; ".join(detail)
        return "computing", None, "; ".join(detail)

    def try_kill(self, kids):
        """Stops, classifies and kills one busy worker; True if one was killed."""
        t = time.monotonic()
        killed = {k["pid"] for k in self.kills}
        candidates = [pid for pid, (state, start) in kids.items()
                      if state not in ("Z", "X", "T", "t") and pid not in killed
                      and t - self.seen[pid]["first"] >= MIN_VICTIM_AGE]
        candidates.sort(key=lambda pid: self.seen[pid]["first"])  # oldest first
        for pid in candidates:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                continue
            st = wait_state(pid, ("T", "t", "Z", "X"), 0.2)
            if st is None or st[0] in ("Z", "X"):
                continue
            if st[2] != self.seen[pid]["start"]:  # not our worker any more: let it go
                os.kill(pid, signal.SIGCONT)
                continue
            try:
                category, held, detail = self.classify(pid)
            except Exception:
                os.kill(pid, signal.SIGCONT)  # never leave a worker stopped
                raise
            if category == "idle":
                self.skipped_idle += 1
                os.kill(pid, signal.SIGCONT)
                continue
            os.kill(pid, signal.SIGKILL)
            self.kills.append({"pid": pid, "t": round(self.now(), 3), "category": category,
                               "held": held, "detail": detail})
            return True
        return False

    def loop(self, deadline):
        """Runs until the master exits (True) or the deadline passes (False)."""
        while self.p.poll() is None:
            t = time.monotonic()
            if t > deadline:
                return False
            kids = self.track()
            if t >= self.next_rss and self.seen:  # from the first fork on: the master is set up
                self.sample_rss()
                self.next_rss += RSS_INTERVAL
                if self.next_rss < t:  # behind (sampling starts at the first fork): no burst
                    self.next_rss = t + RSS_INTERVAL
            if self.args.kill_every > 0 and t >= self.next_kill and kids:
                if self.try_kill(kids):
                    self.next_kill = t + self.args.kill_every
            time.sleep(TICK)
        return True

    def leftovers(self):
        """Workers ever seen that still exist (alive or zombie) with the same start time."""
        left = {}
        for pid, info in self.seen.items():
            st = proc_stat(pid)
            if st is not None and st[2] == info["start"]:
                left[pid] = st[0]
        return left


def read_lines(stream, sink):
    """Collects (arrival time, line) pairs: imgbatch prints each record when its file ends."""
    for line in iter(stream.readline, b""):
        sink.append((time.monotonic(), line))


def tree_snapshot(directory):
    out = {}
    for root, dirs, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            st = os.stat(path)
            out[os.path.relpath(path, directory)] = (st.st_size, st.st_mtime_ns)
    return out


def run_imgbatch(args, inp, out):
    argv = [args.binary, args.op, inp, out, "--json", "-j", str(args.jobs)]
    if args.op in ("resize", "thumbnail"):
        argv += ["--size", args.size]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    mon = Monitor(proc, args, inp, out, os.path.basename(args.binary))
    bufs = ([], [])
    readers = [threading.Thread(target=read_lines, args=(s, b), daemon=True)
               for s, b in ((proc.stdout, bufs[0]), (proc.stderr, bufs[1]))]
    for r in readers:
        r.start()
    started = time.monotonic()
    timed_out = False
    try:
        timed_out = not mon.loop(started + args.run_timeout)
    finally:
        if proc.poll() is None or timed_out:
            for pid in children_of(proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            proc.kill()
    proc.wait()
    wall = time.monotonic() - started
    leftovers = mon.leftovers()  # at once: the master must have reaped them all
    for r in readers:
        r.join(30)
    return {
        "argv": argv, "rc": proc.returncode, "stdout": b"".join(l for _, l in bufs[0]),
        "times": [t - mon.t0 for t, _ in bufs[0]],
        "stderr": b"".join(l for _, l in bufs[1]), "wall": wall, "monitor": mon,
        "leftovers": leftovers, "timed_out": timed_out,
    }


# ------------------------------------------------------------- checks

class Checks:
    def __init__(self):
        self.results = []

    def add(self, name, ok, detail=""):
        self.results.append((name, bool(ok), detail))
        log("%s  %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail else ""))

    def all_ok(self):
        return all(ok for _, ok, _ in self.results)


def short_list(items, n=8):
    items = list(items)
    text = ", ".join(str(x) for x in items[:n])
    return text + (", ... (%d in all)" % len(items) if len(items) > n else "")


def parse_json_lines(raw, times=None):
    """(records, summary, problems); each record gets "_t", the time its line arrived."""
    records, summary, problems = [], None, []
    if raw and not raw.endswith(b"\n"):
        problems.append("output does not end with a newline")
    for n, line in enumerate(raw.split(b"\n")[:-1] if raw else [], 1):
        try:
            obj = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            problems.append("line %d is not JSON (%s): %r" % (n, e, line[:200]))
            continue
        if not isinstance(obj, dict):
            problems.append("line %d is not an object" % n)
        elif "summary" in obj:
            if summary is not None:
                problems.append("a second summary on line %d" % n)
            summary = obj["summary"]
        else:
            if summary is not None:
                problems.append("a file record after the summary, line %d" % n)
            obj["_t"] = times[n - 1] if times and n - 1 < len(times) else float(n)
            records.append(obj)
    if summary is None:
        problems.append("no summary object")
    return records, summary, problems


def check_run(args, manifest, inp, out, res, input_before, checks):
    mon = res["monitor"]
    box = tuple(int(x) for x in args.size.lower().split("x"))
    records, summary, problems = parse_json_lines(res["stdout"], res["times"])
    checks.add("imgbatch finished by itself (within %d s)" % args.run_timeout,
               not res["timed_out"], "%.1f s" % res["wall"])
    checks.add("stdout is one JSON object per line, then one summary", not problems,
               "%d records" % len(records) if not problems else short_list(problems, 4))
    stderr = res["stderr"].decode("utf-8", "replace").strip()
    checks.add("nothing on stderr", not stderr, short_list(stderr.split("\n"), 6) if stderr else "")

    by_name, dup, unknown = {}, [], []
    for r in records:
        name = os.path.relpath(r.get("input", ""), inp)
        if name in by_name:
            dup.append(name)
        if name not in manifest:
            unknown.append(name)
        by_name[name] = r
    missing = sorted(set(manifest) - set(by_name))
    checks.add("every input reported exactly once",
               not dup and not unknown and not missing and len(records) == len(manifest),
               "%d records for %d files%s%s%s" % (
                   len(records), len(manifest),
                   "; twice: " + short_list(dup) if dup else "",
                   "; unknown: " + short_list(unknown) if unknown else "",
                   "; missing: " + short_list(missing) if missing else ""))

    # ---- valid files
    died = {}       # name -> worker slot, for "worker N died: SIGKILL"
    other_deaths = []
    for name, r in by_name.items():
        err = r.get("error") or ""
        m = DIED_RE.match(err)
        if r.get("status") == "failed" and m:
            died[name] = int(m.group(1))
            if r.get("worker") != int(m.group(1)):
                other_deaths.append("%s: reported by worker %s but says %r" % (name, r.get("worker"), err))
        elif DIED_ANY_RE.search(err):
            other_deaths.append("%s: %s" % (name, err))

    valid = [n for n, e in manifest.items() if e["valid"]]
    ok_good, killed_valid, bad = 0, 0, []
    spot = []
    for name in sorted(valid):
        r = by_name.get(name)
        if r is None:
            continue
        entry = manifest[name]
        want = expected_size(entry["upright"], args.op, box)
        if r.get("status") == "ok":
            outp = r.get("output", "")
            exp_out = os.path.join(out, output_name(name, entry["format"]))
            why = None
            if os.path.realpath(outp) != os.path.realpath(exp_out):
                why = "output %r, expected %r" % (outp, exp_out)
            elif not os.path.isfile(outp):
                why = "output %s missing" % outp
            else:
                try:
                    with Image.open(outp) as im:
                        im.load()
                        got = im.size
                except Exception as e:  # noqa: BLE001 - any decode error is a failure here
                    why = "output does not open: %s" % e
                else:
                    if got != want:
                        why = "output %dx%d, Pillow gives %dx%d" % (got + want)
                    elif (r.get("width"), r.get("height")) != want:
                        why = "reported %sx%s, Pillow gives %dx%d" % (r.get("width"), r.get("height"), *want)
                    elif (r.get("input_width"), r.get("input_height")) != tuple(entry["upright"]):
                        why = "reported input %sx%s, upright size is %dx%d" % (
                            r.get("input_width"), r.get("input_height"), *entry["upright"])
            if why:
                bad.append("%s: %s" % (name, why))
            else:
                ok_good += 1
                if len(spot) < args.spot_checks and (entry["orientation"] or len(spot) < 2):
                    spot.append(name)
        elif name in died:
            killed_valid += 1
        else:
            bad.append("%s: %s %r" % (name, r.get("status"), r.get("error") or r.get("reason")))
    checks.add("every valid file is produced with Pillow's size, or failed by a kill",
               not bad, "%d ok, %d failed by kills, of %d valid%s"
               % (ok_good, killed_valid, len(valid), ("; wrong: " + short_list(bad, 10)) if bad else ""))

    # the shortcut above (EXIF orientation tag + thumbnail on a stand-in) against the real thing
    spot_bad = []
    for name in spot:
        want = pillow_expected_size(os.path.join(inp, name), args.op, box)
        got = expected_size(manifest[name]["upright"], args.op, box)
        if want != got:
            spot_bad.append("%s: exif_transpose+thumbnail %s, shortcut %s" % (name, want, got))
    checks.add("spot check: ImageOps.exif_transpose(im).thumbnail() gives the sizes used",
               not spot_bad, "%d files, %d with an EXIF orientation%s"
               % (len(spot), sum(1 for n in spot if manifest[n]["orientation"]),
                  "; " + short_list(spot_bad) if spot_bad else ""))

    # ---- damaged files
    damaged = [n for n, e in manifest.items() if not e["valid"]]
    dbad, reasons = [], {}
    for name in sorted(damaged):
        r = by_name.get(name)
        if r is None:
            continue
        err = r.get("error") or ""
        kind = manifest[name]["kind"]
        exp_out = os.path.join(out, output_name(name, manifest[name]["format"]))
        if r.get("status") != "failed":
            dbad.append("%s (%s): %s" % (name, kind, r.get("status")))
        elif not err.strip() or "\n" in err or "\r" in err:
            dbad.append("%s (%s): reason %r is not one line" % (name, kind, err))
        elif "unknown" in err and name not in died:
            dbad.append("%s (%s): no real reason: %r" % (name, kind, err))
        elif os.path.exists(exp_out) or "output" in r:
            dbad.append("%s (%s): has an output" % (name, kind))
        if name not in died or kind not in reasons:
            reasons[kind] = err if name not in died else err + " (a kill hit it)"
    checks.add("every damaged file failed with a one-line reason and no output",
               not dbad, "%d damaged, %d kinds%s" % (
                   len(damaged), len({manifest[n]["kind"] for n in damaged}),
                   ("; wrong: " + short_list(dbad, 10)) if dbad else ""))

    # ---- kills
    cats = {}
    for k in mon.kills:
        cats[k["category"]] = cats.get(k["category"], 0) + 1
    nk = len(mon.kills)
    certain = cats.get("holding", 0)
    most = nk - cats.get("pending", 0) - cats.get("result", 0)
    nd = len(died)
    associate_kills(mon.kills, died, by_name, manifest)
    checks.add("no worker death other than the kills", not other_deaths, short_list(other_deaths, 6))
    checks.add("'died: SIGKILL' failures match the kills "
               "(holding <= died <= kills - pending - result)",
               certain <= nd <= most,
               "%d kills: %d holding a file, %d with a job pending, %d computing, %d with the "
               "result already sent; %d 'died: SIGKILL' failures" % (
                   nk, cats.get("holding", 0), cats.get("pending", 0), cats.get("computing", 0),
                   cats.get("result", 0), nd))
    held_bad = []
    for k in mon.kills:
        if k["category"] == "holding" and k["held_input"] not in died:
            r = by_name.get(k["held_input"], {})
            held_bad.append("pid %d held %s, which is %s %r" % (
                k["pid"], k["held_input"], r.get("status"), r.get("error")))
    checks.add("each kill of a worker holding a file failed exactly that file with 'died: SIGKILL'",
               not held_bad, short_list(held_bad, 6))
    respawns = sum(w.get("respawns", 0) for w in (summary or {}).get("per_worker", []))
    checks.add("replacements never exceed the deaths", respawns <= nk + len(other_deaths),
               "%d respawns for %d kills" % (respawns, nk))

    # ---- exit status, summary
    n_failed = sum(1 for r in records if r.get("status") == "failed")
    n_ok = sum(1 for r in records if r.get("status") == "ok")
    n_skipped = sum(1 for r in records if r.get("status") == "skipped")
    want_rc = 1 if n_failed else 0
    checks.add("exit status %d" % want_rc, res["rc"] == want_rc, "got %s" % res["rc"])
    s = summary or {}
    sum_ok = (s.get("ok"), s.get("failed"), s.get("skipped"), s.get("not_started"),
              s.get("total"), s.get("interrupted_by")) == (n_ok, n_failed, n_skipped, 0,
                                                           len(manifest), None)
    checks.add("summary agrees with the records", sum_ok,
               "summary ok %s failed %s skipped %s not_started %s total %s; records %d/%d/%d"
               % (s.get("ok"), s.get("failed"), s.get("skipped"), s.get("not_started"),
                  s.get("total"), n_ok, n_failed, n_skipped))

    # ---- OUTPUT contents
    temps, present = [], set()
    for root, dirs, files in os.walk(out):
        for fname in files + dirs:
            rel = os.path.relpath(os.path.join(root, fname), out)
            if ".imgbatch-" in fname and fname.endswith(".tmp"):
                temps.append(rel)
            elif fname in files:
                present.add(rel)
    checks.add("no temporary files (*.imgbatch-*.tmp) left in OUTPUT", not temps, short_list(temps))
    expected_out = {os.path.relpath(r["output"], out) for r in records if r.get("status") == "ok"}
    extra, lost = sorted(present - expected_out), sorted(expected_out - present)
    # A worker killed after renaming its output into place but before sending its
    # result leaves a whole output for a file reported "died: SIGKILL".
    killed_outputs = {output_name(n, manifest[n]["format"]): n for n in died if manifest[n]["valid"]}
    after_rename, unexplained = [], []
    for rel in extra:
        name = killed_outputs.get(rel)
        why = None
        if name is None:
            why = "no file reported ok or killed has this output"
        else:
            try:
                with Image.open(os.path.join(out, rel)) as im:
                    im.load()
                    if im.size != expected_size(manifest[name]["upright"], args.op, box):
                        why = "a partial or wrong output %dx%d" % im.size
            except Exception as e:  # noqa: BLE001
                why = "does not open: %s" % e
        if why:
            unexplained.append("%s (%s)" % (rel, why))
        else:
            after_rename.append(name)
    res["after_rename"] = after_rename
    # The master renames outputs into place as it takes the results: a killed worker
    # leaves no output, however late the kill.
    checks.add("OUTPUT holds exactly the outputs of the files reported ok",
               not extra and not lost,
               "%d files%s%s%s" % (
                   len(present),
                   "; %d whole output(s) of file(s) reported 'died: SIGKILL': %s"
                   % (len(after_rename), short_list(after_rename)) if after_rename else "",
                   "; unexpected: " + short_list(unexplained) if unexplained else "",
                   "; missing: " + short_list(lost) if lost else ""))
    checks.add("input folder untouched", tree_snapshot(inp) == input_before)

    # ---- processes
    checks.add("no worker left a zombie for more than %g s while the master ran" % ZOMBIE_LIMIT,
               not mon.lingering_zombies,
               "longest zombie %.3f s%s" % (mon.max_zombie, "; " + short_list(
                   "%d (%.1f s)" % kv for kv in mon.lingering_zombies.items()) if mon.lingering_zombies else ""))
    spawned = sum(1 for _ in (s.get("per_worker") or [])) + respawns
    checks.add("no worker alive or a zombie after the master exited", not res["leftovers"],
               "%d worker pids seen (%d started by the master)%s" % (
                   len(mon.seen), spawned,
                   "; left: " + short_list("%d (state %s)" % kv for kv in res["leftovers"].items())
                   if res["leftovers"] else ""))

    # ---- RSS
    samples = [kb for _, kb, _ in mon.rss]
    anon = [kb for _, _, kb in mon.rss if kb is not None]
    if len(samples) >= RSS_MIN_SAMPLES:
        tenth = max(2, len(samples) // 10)
        early = statistics.median(samples[:tenth])
        late = statistics.median(samples[-tenth:])
        growth = late - early
        detail = ("%d samples: VmRSS min %d KiB, median %d KiB, max %d KiB; first 10%% %d KiB -> "
                  "last 10%% %d KiB: %+d KiB (%+.1f%%)" % (
                      len(samples), min(samples), statistics.median(samples), max(samples),
                      early, late, growth, 100.0 * growth / early if early else 0))
        # A leak grows the heap: judge RssAnon where the kernel gives it.  VmRSS also
        # counts code pages, which a path first taken late in the run (the first kill,
        # the first failure) faults in: page-cache, not a leak.
        metric = "VmRSS"
        if len(anon) == len(samples):
            anon_early = statistics.median(anon[:tenth])
            anon_late = statistics.median(anon[-tenth:])
            detail += "; RssAnon (heap and stack) %d -> %d KiB" % (anon_early, anon_late)
            growth = anon_late - anon_early
            metric = "RssAnon"
        checks.add("master RSS flat (%s growth from the first 10%% to the last 10%% of the run "
                   "<= %d KiB)" % (metric, RSS_GROWTH_LIMIT_KB), growth <= RSS_GROWTH_LIMIT_KB,
                   detail)
    else:
        checks.add("master RSS flat", False, "only %d RSS samples: the run was too short"
                   % len(samples))
    return reasons, died


def associate_kills(kills, died, by_name, manifest):
    """Sets kill["failed"]: the file each kill failed, or None.  A kill holding a file
    gets that file; the other "died: SIGKILL" records go, in the order they were
    printed, to the latest kill before them that has none yet (the master reports a
    death within milliseconds, well before the next kill)."""
    for k in kills:
        k["failed"] = None
        k["held_input"] = None
        held = k["held"]
        if isinstance(held, tuple):  # a temporary file .NAME.imgbatch-PID.tmp
            outname = held[1][1:held[1].index(".imgbatch-")]
            names = [n for n, e in manifest.items() if output_name(n, e["format"]) == outname]
            held = names[0] if names else outname
        k["held_input"] = held
        if held in died:
            k["failed"] = held
    taken = {k["failed"] for k in kills if k["failed"]}
    for name in sorted((n for n in died if n not in taken), key=lambda n: by_name[n]["_t"]):
        t = by_name[name]["_t"]
        free = [k for k in kills if k["failed"] is None and k["t"] <= t]
        if free:
            free[-1]["failed"] = name


def describe_kills(mon, died, after_rename):
    """The kills one by one, and how the 'died: SIGKILL' count follows from them."""
    kills = mon.kills
    nk = len(kills)
    lines = ["kills: %d SIGKILLs (%d idle workers were looked at, continued and spared)"
             % (nk, mon.skipped_idle)]
    for i, k in enumerate(kills, 1):
        what = ("holding %s" % (k["held"] if not isinstance(k["held"], tuple) else k["held"][1])
                if k["category"] == "holding" else "%s (%s)" % (k["category"], k["detail"]))
        outcome = ("-> failed %s" % k["failed"]) if k["failed"] else "-> no file failed"
        if k["failed"] in after_rename:
            outcome += " (its output was already renamed into place)"
        lines.append("  #%-3d t=%7.3f s  pid %-7d %s %s" % (i, k["t"], k["pid"], what, outcome))
    busy = [k for k in kills if k["category"] in ("holding", "pending", "computing")]
    lines.append("  'died: SIGKILL' failures: %d; kills that hit a busy worker (holding, pending, "
                 "computing): %d of %d" % (len(died), len(busy), nk))
    spared = [k for k in busy if not k["failed"]]
    late = [k for k in kills if k["category"] == "result" and k["failed"]]
    quiet = [k for k in kills if k["category"] == "result" and not k["failed"]]
    if quiet:
        lines.append("  %d kill(s) landed between jobs, after the worker had sent its result: the "
                     "master took the result, and no file failed" % len(quiet))
    if spared:
        lines.append("  %d busy kill(s) failed no file: the worker had just sent its result and the "
                     "master had already taken it, or it was a worker still starting or exiting"
                     % len(spared))
    if late:
        lines.append("  NOTE %d kill(s) landed after the worker had sent its result, and yet a file "
                     "failed: the master took the result, then handed its next file (%s) to the "
                     "worker it had not yet seen die, and failed that file with 'died: SIGKILL', "
                     "though no worker ever started it" % (len(late), short_list(k["failed"] for k in late)))
    pending = [k for k in kills if k["category"] == "pending"]
    if pending:
        lines.append("  %d kill(s) hit a worker with a job still unread in its job pipe: the master "
                     "gave that file to another worker" % len(pending))
    if after_rename:
        lines.append("  NOTE %d file(s) reported 'died: SIGKILL' have a whole, correct output (%s): "
                     "the worker was killed after renaming the output into place and before "
                     "sending its result" % (len(after_rename), short_list(after_rename)))
    if len(died) == len(busy) and not late:
        lines.append("  so 'died: SIGKILL' failures = kills that hit a busy worker")
    return "\n".join(lines)


# ------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "imgbatch"),
                    help="the imgbatch binary (default build/imgbatch)")
    ap.add_argument("--images", type=int, default=500, help="files in all, damaged included (500)")
    ap.add_argument("--damaged", type=int, default=25, help="damaged files among them (25)")
    ap.add_argument("--kill-every", type=float, default=1.0,
                    help="seconds between SIGKILLs of a busy worker; 0: none (1.0)")
    ap.add_argument("--jobs", "-j", type=int, default=2, help="imgbatch -j (2)")
    ap.add_argument("--op", default="resize", choices=["resize", "thumbnail", "grayscale", "sepia"])
    ap.add_argument("--size", default="200x150", help="--size for resize and thumbnail (200x150)")
    ap.add_argument("--workdir", help="where to put input/ and output/ (default: a temporary "
                    "directory, removed afterwards unless --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--seed", type=int, default=1, help="random seed of the images (1)")
    ap.add_argument("--min-side", type=int, default=2000,
                    help="smallest long side of a JPEG in pixels; PNGs get half (2000)")
    ap.add_argument("--max-side", type=int, default=4000,
                    help="largest long side of a JPEG in pixels; PNGs get half (4000)")
    ap.add_argument("--run-timeout", type=int, default=900,
                    help="seconds after which imgbatch is killed and the run fails (900)")
    ap.add_argument("--spot-checks", type=int, default=6,
                    help="outputs whose size is also checked by decoding the input with Pillow (6)")
    args = ap.parse_args(argv)
    if args.images < 1 or not 0 <= args.damaged <= args.images:
        ap.error("need --images >= 1 and 0 <= --damaged <= --images")
    if not 16 <= args.min_side <= args.max_side:
        ap.error("need 16 <= --min-side <= --max-side")
    if not re.match(r"^\d+x\d+$", args.size):
        ap.error("--size must be WxH")
    if not os.access(args.binary, os.X_OK):
        ap.error("imgbatch binary not found at %s (build it with scripts/setup.sh)" % args.binary)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
        work, created = args.workdir, False
        for sub in ("input", "output"):
            if os.path.exists(os.path.join(work, sub)):
                print("stress.py: %s already exists" % os.path.join(work, sub), file=sys.stderr)
                return 2
    else:
        work, created = tempfile.mkdtemp(prefix="imgbatch-stress-"), True
    inp, out = os.path.join(work, "input"), os.path.join(work, "output")
    try:
        log("imgbatch stress: %d files (%d damaged), %s %s -j %d, a busy worker SIGKILLed every %g s, seed %d"
            % (args.images, args.damaged, args.op, args.size if args.op in ("resize", "thumbnail") else "",
               args.jobs, args.kill_every, args.seed))
        log("binary: %s" % os.path.realpath(args.binary))
        log("work directory: %s" % work)
        t = time.monotonic()
        manifest = generate(inp, args)
        with open(os.path.join(work, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
        valid = [e for e in manifest.values() if e["valid"]]
        mp = sum(e["stored"][0] * e["stored"][1] for e in valid) / 1e6
        log("generated in %.1f s: %d valid (%d baseline JPEG, %d progressive JPEG, %d PNG; %d grey, "
            "%d with an EXIF orientation; %.0f MP, %.0f MB), %d damaged of %d kinds"
            % (time.monotonic() - t, len(valid),
               sum(1 for e in valid if e["format"] == "JPEG" and not e["progressive"]),
               sum(1 for e in valid if e["progressive"]),
               sum(1 for e in valid if e["format"] == "PNG"),
               sum(1 for e in valid if e["mode"] == "L"),
               sum(1 for e in valid if e["orientation"]), mp,
               sum(e["bytes"] for e in manifest.values()) / 1e6,
               args.damaged, len({e["kind"] for e in manifest.values() if not e["valid"]})))
        input_before = tree_snapshot(inp)

        res = run_imgbatch(args, inp, out)
        mon = res["monitor"]
        log("ran: %s" % " ".join(res["argv"]))
        log("imgbatch exited %s after %.1f s; %d worker processes seen, %d RSS samples"
            % (res["rc"], res["wall"], len(mon.seen), len(mon.rss)))
        summary_line = [l for l in res["stdout"].split(b"\n") if l.startswith(b'{"summary"')]
        if summary_line:
            log("summary: %s" % summary_line[-1].decode("utf-8", "replace"))
        log("")
        checks = Checks()
        reasons, died = check_run(args, manifest, inp, out, res, input_before, checks)
        log("")
        log(describe_kills(mon, died, res.get("after_rename", [])))
        log("reasons given for the damaged files (one per kind):")
        for kind in [k for k, _, _ in DAMAGES if k in reasons]:
            log("  %-26s %s" % (kind, reasons[kind]))
        log("")
        failed = [name for name, ok, _ in checks.results if not ok]
        if failed:
            log("RESULT: FAIL (%d of %d checks failed)" % (len(failed), len(checks.results)))
            if created and not args.keep:
                log("(rerun with --keep to keep %s)" % work)
        else:
            log("RESULT: PASS (%d checks)" % len(checks.results))
        return 0 if not failed else 1
    finally:
        if args.keep:
            log("kept: %s" % work)
        else:
            for sub in (inp, out):
                shutil.rmtree(sub, ignore_errors=True)
            if created:
                shutil.rmtree(work, ignore_errors=True)
            else:
                try:
                    os.remove(os.path.join(work, "manifest.json"))
                except OSError:
                    pass


if __name__ == "__main__":
    sys.exit(main())
