"""The JPEG fast path (TurboJPEG; src/image/jpeg_fast.c) against the general libvips path.

IMGBATCH_FAST_PATHS=0 sends every file down the general path; =only fails every file
the fast path does not take, which proves that a run really went the fast way.  For
every operation, on generated JPEGs of each kind the fast path takes (chroma
subsamplings, progressive, grey, odd sizes, every EXIF orientation) and on the real
photos, both paths must give the same dimensions and the same pixels within rounding.
Outputs are written at quality 100, so that what differs is the two pipelines and not
the encoder's quantisation.

- resize, thumbnail: both decode at the same DCT scale and resample with Lanczos3
  (libvips' reduce, our resample.c): mean difference under 1.2 levels, and under 0.5%
  of the values more than 8 apart.
- sepia: the same double arithmetic on the same decoded pixels: identical.
- grayscale: the fast path keeps the JPEG's own luminance Y; the general path computes
  Pillow's L of the decoded RGB.  The two agree within 1 wherever that RGB does not
  clip; the tests check Y and L separately and that they part only where RGB clips.

A JPEG tagged with an sRGB profile takes the fast path (its conversion to sRGB changes
nothing but rounding, which the comparisons above cover); one tagged with any other
profile (Display P3, Adobe RGB, a grey profile) is left to libvips' colour management.
The profiles are real ones, in tests/data/icc.
"""

import os
import shutil
import struct
import unittest
import zlib

from PIL import Image, ImageChops, ImageOps

import helpers
from helpers import ImgbatchTestCase, corpus, open_loaded, run_json

QUALITY = "100"
OPS = {"resize": ["--size", "200x150"], "thumbnail": ["--size", "150x150"],
       "grayscale": [], "sepia": []}
ICC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "icc")


def icc(name):
    with open(os.path.join(ICC_DIR, name), "rb") as f:
        return f.read()


def diff_levels(a, b):
    """Per level 0..255, how many channel values of a and b differ by that much."""
    assert a.size == b.size and a.mode == b.mode, (a.size, b.size, a.mode, b.mode)
    hist = ImageChops.difference(a, b).histogram()
    return [sum(hist[level::256]) for level in range(256)]


def mean_diff(levels):
    return sum(i * n for i, n in enumerate(levels)) / sum(levels)


def share_over(levels, limit):
    return sum(levels[limit + 1:]) / sum(levels)


def textured(size, mode="RGB"):
    """Deterministic detail (a Mandelbrot rendering) over soft gradients, every value
    well inside 0..255 so that no JPEG decoder ever clips."""
    w, h = size
    detail = Image.effect_mandelbrot(size, (-2.0, -1.2, 0.8, 1.2), 60)
    ramp = Image.linear_gradient("L").resize(size)
    bands = [ImageChops.blend(ramp, detail, 0.5).point(lambda v: 40 + v * 160 // 255),
             ImageChops.blend(ramp.transpose(Image.Transpose.ROTATE_90).resize(size),
                              detail, 0.3).point(lambda v: 50 + v * 150 // 255),
             detail.point(lambda v: 60 + v * 120 // 255)]
    return bands[0] if mode == "L" else Image.merge("RGB", bands)


def with_orientation(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


class FastPathCase(ImgbatchTestCase):
    def run_path(self, mode, op, inp, out, expect_failed=0):
        env = dict(os.environ, IMGBATCH_FAST_PATHS=mode)
        r = run_json([op, inp, out, "-q", QUALITY] + OPS[op], env=env)
        self.assertEqual(len(r.by_status("failed")), expect_failed, helpers.describe(r.proc))
        return r

    def compare_dirs(self, op, fast, general, names, sources=None):
        for name in names:
            with self.subTest(op=op, file=name):
                a = open_loaded(os.path.join(fast, name))
                b = open_loaded(os.path.join(general, name))
                self.assertEqual((a.size, a.mode), (b.size, b.mode))
                if op == "sepia":
                    self.assertEqual(helpers.max_abs_diff(a, b), 0)
                elif op == "grayscale":
                    self.check_grey(a, b, sources[name])
                else:
                    levels = diff_levels(a, b)
                    self.assertLess(mean_diff(levels), 1.2)
                    self.assertLess(share_over(levels, 8), 0.005)

    def check_grey(self, fast, general, source):
        """fast is the source's Y, general its L of RGB, each within rounding; where Y
        and L part by more than 1, the decoded RGB clips."""
        src = Image.open(source)
        src.draft("L", src.size)  # libjpeg's luminance-only decode: the stored Y
        y = ImageOps.exif_transpose(src.convert("L"))
        rgb = ImageOps.exif_transpose(open_loaded(source).convert("RGB"))
        lum = rgb.convert("L")
        for got, want in ((fast, y), (general, lum)):
            levels = diff_levels(got, want)
            self.assertLess(mean_diff(levels), 0.3)
            self.assertLess(share_over(levels, 2), 0.001)
        parted = ImageChops.difference(y, lum).point(lambda v: 255 if v > 1 else 0)
        clipped = None
        for band in rgb.split():
            edge = band.point(lambda v: 255 if v in (0, 255) else 0)
            clipped = edge if clipped is None else ImageChops.lighter(clipped, edge)
        self.assertIsNone(ImageChops.subtract(parted, clipped).getbbox(),
                          "Y and L differ where the RGB does not clip")


class GeneratedJpegTest(FastPathCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        self.names = []
        size = (1700, 1280)  # resize 200x150 decodes it at 1/4, thumbnail 150x150 too
        colour, grey = textured(size), textured(size, "L")
        kinds = (("s444", colour, {"subsampling": 0}), ("s422", colour, {"subsampling": 1}),
                 ("s420", colour, {"subsampling": 2}), ("prog", colour, {"progressive": True}),
                 ("grey", grey, {}), ("odd", colour.resize((1701, 1279)), {}))
        for kind, im, kw in kinds:
            orientations = range(1, 9) if kind in ("s420", "odd") else (1, 3, 6, 8)
            for o in orientations:
                name = "%s-o%d.jpg" % (kind, o)
                im.save(os.path.join(self.inp, name), quality=92, exif=with_orientation(o), **kw)
                self.names.append(name)

    def test_every_operation_same_as_general_path(self):
        sources = {n: os.path.join(self.inp, n) for n in self.names}
        for op in OPS:
            fast, general = self.path("fast-" + op), self.path("general-" + op)
            self.run_path("only", op, self.inp, fast)  # every file went the fast way
            self.run_path("0", op, self.inp, general)
            self.compare_dirs(op, fast, general, self.names, sources)

    def test_orientation_read_as_libvips_reads_it(self):
        """Orientation values outside 1..8 count as upright, as libvips counts them;
        the fast path still takes the file and agrees with the general path."""
        for o in (0, 9, 255, 65535):
            textured((600, 400)).save(self.path("in", "bad-%d.jpg" % o), quality=92,
                                      exif=with_orientation(o))
        names = ["bad-%d.jpg" % o for o in (0, 9, 255, 65535)]
        for name in self.names:
            os.remove(os.path.join(self.inp, name))
        fast, general = self.path("fast"), self.path("general")
        self.run_path("only", "resize", self.inp, fast)
        self.run_path("0", "resize", self.inp, general)
        for name in names:
            self.assertEqual(open_loaded(os.path.join(fast, name)).size, (200, 133))
        self.compare_dirs("resize", fast, general, names)


class ProfileTest(FastPathCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        colour = textured((1200, 900))
        colour.save(self.path("in", "srgb.jpg"), quality=92,
                    icc_profile=icc("sRGB-IEC61966-2.1.icc"))
        colour.save(self.path("in", "srgb-o6.jpg"), quality=92,
                    icc_profile=icc("sRGB-IEC61966-2.1.icc"), exif=with_orientation(6))
        colour.save(self.path("in", "srgb-444.jpg"), quality=92, subsampling=0,
                    icc_profile=icc("sRGB-IEC61966-2.1.icc"))

    def test_srgb_tagged_same_as_general_path(self):
        names = sorted(os.listdir(self.inp))
        sources = {n: os.path.join(self.inp, n) for n in names}
        for op in OPS:
            fast, general = self.path("fast-" + op), self.path("general-" + op)
            self.run_path("only", op, self.inp, fast)  # every file went the fast way
            self.run_path("0", op, self.inp, general)
            self.compare_dirs(op, fast, general, names, sources)

    def test_other_profiles_left_to_colour_management(self):
        """Display P3, Adobe RGB and ProPhoto tags, and a grey profile on a grey JPEG:
        the fast path declines each, and what libvips makes of the colour ones is
        visibly not the untagged picture."""
        odd = self.mkdir("odd")
        colour = textured((400, 300))
        for name in ("display-p3", "adobe-rgb-1998", "prophoto"):
            colour.save(os.path.join(odd, name + ".jpg"), quality=92,
                        icc_profile=icc(name + ".icc"))
        colour.save(os.path.join(odd, "untagged.jpg"), quality=92)
        textured((400, 300), "L").save(os.path.join(odd, "grey-d50.jpg"), quality=92,
                                       icc_profile=icc("greyscale-d50.icc"))
        r = self.run_path("only", "sepia", odd, self.path("only"), expect_failed=4)
        self.assertEqual(sorted(os.path.basename(f["input"]) for f in r.by_status("failed")),
                         ["adobe-rgb-1998.jpg", "display-p3.jpg", "grey-d50.jpg", "prophoto.jpg"])
        out = self.path("auto")
        self.run_path("1", "sepia", odd, out)
        plain = open_loaded(os.path.join(out, "untagged.jpg"))
        for name in ("display-p3", "adobe-rgb-1998", "prophoto"):
            with self.subTest(profile=name):
                managed = open_loaded(os.path.join(out, name + ".jpg"))
                self.assertGreater(mean_diff(diff_levels(managed, plain)), 3)


class RealPhotoTest(FastPathCase):
    def test_photos_same_as_general_path(self):
        photos = corpus("photos")
        names = sorted(n for n in os.listdir(photos) if n.endswith(".jpg"))
        sources = {n: os.path.join(photos, n) for n in names}
        for op in OPS:
            fast, general = self.path("fast-" + op), self.path("general-" + op)
            self.run_path("1", op, photos, fast)
            self.run_path("0", op, photos, general)
            self.compare_dirs(op, fast, general, names, sources)

    def test_which_photos_the_fast_path_takes(self):
        """Every photo, the one tagged sRGB IEC61966-2.1 included; a CMYK JPEG, a
        damaged one and one tagged Display P3 go to libvips."""
        r = self.run_path("only", "resize", corpus("photos"), self.path("out"))
        self.assertEqual(len(r.by_status("ok")), 36)
        inp = self.mkdir("odd")
        for kind, name in (("formats", "Channel_digital_image_CMYK_color_no_profile.jpg"),
                          ("broken", "truncated.jpg")):
            src = corpus(kind, name)
            with open(src, "rb") as f, open(os.path.join(inp, name), "wb") as g:
                g.write(f.read())
        textured((400, 300)).save(os.path.join(inp, "p3.jpg"), quality=92,
                                  icc_profile=icc("display-p3.icc"))
        r = self.run_path("only", "resize", inp, self.path("odd-out"), expect_failed=3)
        for f in r.by_status("failed"):
            self.assertIn("not for the JPEG fast path", f["error"])

    def test_orientation_examples_same_as_general_path(self):
        src = corpus("orientation")
        names = sorted(n for n in os.listdir(src) if n.endswith(".jpg"))
        for op in ("resize", "thumbnail"):
            fast, general = self.path("fast-" + op), self.path("general-" + op)
            self.run_path("only", op, src, fast)
            self.run_path("0", op, src, general)
            self.compare_dirs(op, fast, general, names)


HEIF_FIXTURES = os.path.join(helpers.TEST_DATA, "formats")


class HeifFastPathTest(FastPathCase):
    """HEIC to JPEG through libheif with our HEVC plugin (src/image/heif_fast.c) against
    the libvips path, on tests/data/formats (README.md there): the same sizes, and
    pixels within the bounds the JPEG path keeps, whether the in-loop filters ran (a
    reduction under 4x) or were left out (4x and more); the rotation libheif applies;
    and every kind of file or request the path leaves to libvips."""

    def heic_inputs(self, names):
        inp = self.mkdir("heic-in-%d" % len(os.listdir(self.tmp)))
        for name in names:
            shutil.copy(os.path.join(HEIF_FIXTURES, name), inp)
        return inp

    def both_paths(self, op, inp, size):
        fast, general = self.path("fast-%s-%s" % (op, size)), self.path("gen-%s-%s" % (op, size))
        for mode, out in (("only", fast), ("0", general)):
            env = dict(os.environ, IMGBATCH_FAST_PATHS=mode)
            r = run_json([op, inp, out, "-q", QUALITY, "--size", size], env=env)
            self.assertEqual(len(r.by_status("failed")), 0, helpers.describe(r.proc))
        return fast, general

    def test_same_as_general_path(self):
        """photo.heic is 480x392: 240 wide keeps the filters, 90x90 leaves them out."""
        names = ["photo.heic", "iphone-rotated.heic", "exif-6-only.heic"]
        inp = self.heic_inputs(names)
        for op, size in (("resize", "90x90"), ("thumbnail", "60x40"), ("resize", "110x")):
            fast, general = self.both_paths(op, inp, size)
            self.compare_dirs(op, fast, general, [n[:-5] + ".jpg" for n in names])
        fast, general = self.both_paths("resize", self.heic_inputs(["photo.heic"]), "240x")
        self.compare_dirs("resize", fast, general, ["photo.jpg"])

    def test_turned_as_libheif_turns(self):
        """irot turns the picture (180x120 upright); EXIF orientation alone does not."""
        inp = self.heic_inputs(["iphone-rotated.heic", "exif-6-only.heic"])
        out = self.path("out")
        env = dict(os.environ, IMGBATCH_FAST_PATHS="only")
        r = run_json(["resize", inp, out, "--size", "90x90"], env=env)
        sizes = {rec["input"].rsplit("/", 1)[1]: (rec["width"], rec["height"])
                 for rec in r.by_status("ok")}
        self.assertEqual(sizes, {"iphone-rotated.heic": (90, 60), "exif-6-only.heic": (60, 90)})

    def test_grey_stays_grey(self):
        """A monochrome HEIC gives a grey JPEG, as a grey JPEG does; libvips' loader hands
        out RGB, whose luminance is the same picture."""
        fast, general = self.both_paths("resize", self.heic_inputs(["grey.heic"]), "100x")
        a = Image.open(os.path.join(fast, "grey.jpg"))
        b = Image.open(os.path.join(general, "grey.jpg"))
        self.assertEqual((a.mode, a.size), ("L", b.size))
        levels = diff_levels(a, b.convert("L"))
        self.assertLess(mean_diff(levels), 1.2)
        self.assertLess(share_over(levels, 8), 0.005)

    def test_left_to_libvips(self):
        """Alpha, 10 bits, a Display P3 profile, another output format, metadata to keep,
        an operation other than resize and thumbnail, an enlargement, damage: each fails
        under IMGBATCH_FAST_PATHS=only, and each is done by libvips otherwise."""
        inp = self.heic_inputs(["alpha.heic", "flag-10bit.hif", "p3.heic"])
        with open(os.path.join(HEIF_FIXTURES, "photo.heic"), "rb") as f:
            data = f.read()
        with open(os.path.join(inp, "damaged.heic"), "wb") as f:
            f.write(data[:len(data) * 2 // 3])
        only = dict(os.environ, IMGBATCH_FAST_PATHS="only")
        r = run_json(["resize", inp, self.path("only"), "--size", "40x40"], env=only)
        self.assertEqual(len(r.by_status("failed")), 4, helpers.describe(r.proc))
        for rec in r.by_status("failed"):
            self.assertIn("not for the HEIF fast path", rec["error"])
        r = run_json(["resize", inp, self.path("default"), "--size", "40x40"])
        status = {rec["input"].rsplit("/", 1)[1]: rec["status"] for rec in r.records}
        self.assertEqual(status, {"alpha.heic": "ok", "flag-10bit.hif": "ok", "p3.heic": "ok",
                                  "damaged.heic": "failed"})
        self.assertRegex(r.by_name()["damaged.heic"]["error"], r"^(corrupt|truncated) HEIF")

        photo = self.heic_inputs(["photo.heic"])
        for args in (["resize", "--size", "90x", "-f", "png"],
                     ["resize", "--size", "90x", "--keep", "exif"],
                     ["sepia"], ["thumbnail", "--size", "900x900"]):
            with self.subTest(args=args):
                out = self.path("args-%d" % len(os.listdir(self.tmp)))
                r = run_json([args[0], photo, out] + args[1:], env=only)
                self.assertEqual(len(r.by_status("failed")), 1, helpers.describe(r.proc))
                r = run_json([args[0], photo, out + "-any"] + args[1:])
                self.assertEqual(len(r.by_status("ok")), 1, helpers.describe(r.proc))


def split_chunks(png):
    """A PNG's chunks as (type, data) pairs, CRCs dropped."""
    chunks, at = [], 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        chunks.append((kind, png[at + 8:at + 8 + length]))
        at += 12 + length
    return chunks


def join_chunks(chunks, corrupt_crc=None):
    """A PNG from (type, data) pairs, each with its CRC (chunk number corrupt_crc's wrong)."""
    out = [b"\x89PNG\r\n\x1a\n"]
    for i, (kind, body) in enumerate(chunks):
        crc = zlib.crc32(kind + body) ^ (1 if i == corrupt_crc else 0)
        out.append(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc))
    return b"".join(out)


class PngFastPathTest(FastPathCase):
    """PNG to JPEG through libpng, row by row (src/image/png_fast.c), against the libvips
    path: generated photo-like PNGs and PngSuite's 8-bit RGB and grey files (each filter
    type, odd sizes, chunks that change nothing, gAMA, which libvips ignores too), within
    the same bounds as the JPEG path; and every kind the path leaves to libvips, from PngSuite and the corpus."""

    TAKEN = ["basn2c08.png", "basn0g08.png", "f00n2c08.png", "f01n2c08.png", "f02n2c08.png",
             "f03n2c08.png", "f04n2c08.png", "f04n0g08.png", "cdfn2c08.png", "cs8n2c08.png",
             "ccwn2c08.png", "g03n2c08.png", "g25n2c08.png"]

    def inputs(self, files):
        inp = self.mkdir("png-in-%d" % len(os.listdir(self.tmp)))
        for name, src in files.items():
            shutil.copy(src, os.path.join(inp, name))
        return inp

    def test_same_as_general_path(self):
        files = {n: corpus("pngsuite", n) for n in self.TAKEN}
        inp = self.inputs(files)
        textured((640, 480)).save(os.path.join(inp, "photo.png"))
        textured((333, 501), "L").save(os.path.join(inp, "grey.png"))
        names = sorted(os.listdir(inp))
        for op, size in (("resize", "100x100"), ("thumbnail", "8x8"), ("resize", "300x")):
            fast, general = self.path("fast-%s-%s" % (op, size)), self.path("gen-%s-%s" % (op, size))
            for mode, out in (("only", fast), ("0", general)):
                r = run_json([op, inp, out, "-q", QUALITY, "--size", size, "-f", "jpeg"],
                             env=dict(os.environ, IMGBATCH_FAST_PATHS=mode))
                self.assertEqual(len(r.by_status("failed")), 0, helpers.describe(r.proc))
            self.compare_dirs(op, fast, general, [n[:-4] + ".jpg" for n in names])

    def test_left_to_libvips(self):
        """Interlaced, alpha, tRNS, 16 bits, palette, 1 to 4 bits, EXIF, a Display P3 profile, a CRC error, a truncated file: each fails
        under IMGBATCH_FAST_PATHS=only; by default the good ones succeed and the damaged
        ones fail with libvips' words, as before."""
        odd = {"basi2c08.png": "ok", "basn6a08.png": "ok", "tbrn2c08.png": "ok",
               "basn2c16.png": "ok", "basn3p08.png": "ok", "basn0g04.png": "ok",
               "exif2c08.png": "ok", "xcsn0g01.png": "failed"}
        files = {n: corpus("pngsuite", n) for n in odd}
        files["p3.png"] = corpus("formats", "p3.png")
        files["truncated.png"] = corpus("broken", "truncated.png")
        odd.update({"p3.png": "ok", "truncated.png": "failed"})
        inp = self.inputs(files)
        only = dict(os.environ, IMGBATCH_FAST_PATHS="only")
        r = run_json(["resize", inp, self.path("only"), "--size", "16x16", "-f", "jpeg"], env=only)
        self.assertEqual(len(r.by_status("failed")), len(odd), helpers.describe(r.proc))
        for rec in r.by_status("failed"):
            self.assertIn("not for the PNG fast path", rec["error"])
        fast = run_json(["resize", inp, self.path("default"), "--size", "16x16", "-f", "jpeg"])
        general = run_json(["resize", inp, self.path("general"), "--size", "16x16", "-f", "jpeg"],
                           env=dict(os.environ, IMGBATCH_FAST_PATHS="0"))
        self.assertEqual({n: rec["status"] for n, rec in fast.by_name().items()}, odd)
        for name, want in odd.items():
            if want == "failed":
                self.assertEqual(fast.by_name()[name]["error"], general.by_name()[name]["error"])

    def test_idat_damage_worded_as_libvips_words_it(self):
        """The fast path reads the IDAT chunks itself (png_idat.c): a PNG whose pixel data
        spans many chunks is taken; a CRC error in one of them, a missing IEND, a chunk
        between two IDATs, data after the zlib stream, a filter type PNG does not have:
        each gets from the default run exactly the status and words the libvips path
        gives it."""
        src = self.path("src.png")
        textured((300, 200)).save(src)
        with open(src, "rb") as f:
            data = f.read()
        chunks = split_chunks(data)
        idat = b"".join(body for kind, body in chunks if kind == b"IDAT")
        raw = zlib.decompress(idat)
        pieces = [idat[i:i + 5000] for i in range(0, len(idat), 5000)]
        head = [c for c in chunks if c[0] not in (b"IDAT", b"IEND")]
        many = head + [(b"IDAT", p) for p in pieces] + [(b"IEND", b"")]
        stride = 300 * 3 + 1
        bad_filter = bytearray(raw)
        bad_filter[stride * 7] = 5
        files = {
            "many-idat.png": join_chunks(many),
            "idat-crc.png": join_chunks(many, corrupt_crc=len(head) + 2),
            "no-iend.png": join_chunks(many[:-1]),
            "text-between.png": join_chunks(head + [(b"IDAT", pieces[0]), (b"tEXt", b"a\0b")]
                                            + [(b"IDAT", p) for p in pieces[1:]]
                                            + [(b"IEND", b"")]),
            "extra-data.png": join_chunks(head + [(b"IDAT", zlib.compress(raw + b"\0" * 999))]
                                          + [(b"IEND", b"")]),
            "filter-5.png": join_chunks(head + [(b"IDAT", zlib.compress(bytes(bad_filter)))]
                                        + [(b"IEND", b"")]),
        }
        inp = self.mkdir("idat-in")
        for name, body in files.items():
            with open(os.path.join(inp, name), "wb") as f:
                f.write(body)
        fast = run_json(["resize", inp, self.path("fast"), "--size", "100x", "-f", "jpeg",
                         "-q", QUALITY])
        general = run_json(["resize", inp, self.path("general"), "--size", "100x", "-f", "jpeg",
                            "-q", QUALITY], env=dict(os.environ, IMGBATCH_FAST_PATHS="0"))
        for name in files:
            with self.subTest(file=name):
                a, b = fast.by_name()[name], general.by_name()[name]
                self.assertEqual((a["status"], a.get("error")), (b["status"], b.get("error")))
        self.assertEqual(general.by_name()["idat-crc.png"]["status"], "failed")
        self.compare_dirs("resize", self.path("fast"), self.path("general"), ["many-idat.jpg"])
        only = run_json(["resize", inp, self.path("only"), "--size", "100x", "-f", "jpeg"],
                        env=dict(os.environ, IMGBATCH_FAST_PATHS="only"))
        self.assertEqual(only.by_name()["many-idat.png"]["status"], "ok")
        for name in files:
            if name != "many-idat.png":
                self.assertEqual(only.by_name()[name]["status"], "failed", name)

    def test_other_outputs_and_operations_left_to_libvips(self):
        inp = self.inputs({"photo.png": corpus("pngsuite", "basn2c08.png")})
        only = dict(os.environ, IMGBATCH_FAST_PATHS="only")
        for args in (["resize", "--size", "16x"], ["resize", "--size", "16x", "-f", "jpeg",
                                                   "--keep", "exif"],
                     ["sepia", "-f", "jpeg"], ["thumbnail", "--size", "64x64", "-f", "jpeg"]):
            with self.subTest(args=args):
                out = self.path("args-%d" % len(os.listdir(self.tmp)))
                r = run_json([args[0], inp, out] + args[1:], env=only)
                self.assertEqual(len(r.by_status("failed")), 1, helpers.describe(r.proc))


class WebpFastPathTest(FastPathCase):
    """WebP to JPEG through libwebp, reduced while decoding (src/image/webp_fast.c),
    against the libvips path, which asks libwebp for the same reduction: generated lossy
    and lossless WebPs and the corpus's; and what the path leaves to libvips."""

    def test_same_as_general_path(self):
        inp = self.mkdir("webp-in")
        textured((640, 480)).save(os.path.join(inp, "lossy.webp"), quality=90)
        textured((401, 603)).save(os.path.join(inp, "lossless.webp"), lossless=True)
        shutil.copy(corpus("formats", "4.webp"), inp)
        names = sorted(n[:-5] + ".jpg" for n in os.listdir(inp))
        for op, size in (("resize", "100x100"), ("thumbnail", "64x64"), ("resize", "300x")):
            fast, general = self.path("fast-%s-%s" % (op, size)), self.path("gen-%s-%s" % (op, size))
            for mode, out in (("only", fast), ("0", general)):
                r = run_json([op, inp, out, "-q", QUALITY, "--size", size, "-f", "jpeg"],
                             env=dict(os.environ, IMGBATCH_FAST_PATHS=mode))
                self.assertEqual(len(r.by_status("failed")), 0, helpers.describe(r.proc))
            self.compare_dirs(op, fast, general, names)

    def test_left_to_libvips(self):
        """Alpha, an animation, EXIF, an ICC profile, damage, another output format."""
        inp = self.mkdir("odd")
        shutil.copy(corpus("formats", "5_webp_a.webp"), inp)
        shutil.copy(corpus("formats", "animated-loop-3.webp"), inp)
        exif = Image.Exif()
        exif[0x0112] = 6
        textured((64, 48)).save(os.path.join(inp, "exif.webp"), exif=exif.tobytes())
        textured((64, 48)).save(os.path.join(inp, "icc.webp"), icc_profile=icc("display-p3.icc"))
        whole = os.path.join(self.tmp, "whole.webp")
        textured((64, 48)).save(whole)
        with open(whole, "rb") as f, open(os.path.join(inp, "cut.webp"), "wb") as g:
            g.write(f.read()[:300])
        only = dict(os.environ, IMGBATCH_FAST_PATHS="only")
        r = run_json(["resize", inp, self.path("only"), "--size", "32x32", "-f", "jpeg"], env=only)
        self.assertEqual(len(r.by_status("failed")), 5, helpers.describe(r.proc))
        for rec in r.by_status("failed"):
            self.assertIn("not for the WebP fast path", rec["error"])
        fast = run_json(["resize", inp, self.path("fast"), "--size", "32x32", "-f", "jpeg"])
        general = run_json(["resize", inp, self.path("general"), "--size", "32x32", "-f", "jpeg"],
                           env=dict(os.environ, IMGBATCH_FAST_PATHS="0"))
        for name, rec in general.by_name().items():
            self.assertEqual((fast.by_name()[name]["status"], fast.by_name()[name].get("error")),
                             (rec["status"], rec.get("error")), name)
        self.assertEqual(general.by_name()["cut.webp"]["status"], "failed")
        plain = self.mkdir("plain")
        shutil.copy(whole, plain)
        r = run_json(["resize", plain, self.path("png"), "--size", "32x32"], env=only)
        self.assertEqual(len(r.by_status("failed")), 1, helpers.describe(r.proc))


if __name__ == "__main__":
    unittest.main()
