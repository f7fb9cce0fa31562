"""What comes out, and how it is encoded: AVIF and JPEG XL outputs, lossless WebP, AVIF
and JPEG XL, progressive JPEG and its chroma subsampling (both down the TurboJPEG fast
path and down libvips), PNG's compression level, palette and interlacing, and
--keep-original-if-smaller, on the corpus photos.

Every AVIF, JPEG XL and WebP output is decoded by its format's own decoder (avifdec,
djxl, dwebp: Debian's libavif-bin, libjxl-tools and webp) and the PNG it writes read
with Pillow, which has no AVIF or JPEG XL reader in Debian 12. A JPEG's progressive
mode is read from its frame marker (SOF2), its chroma subsampling from the sampling
factors there.
"""

import io
import os
import shutil

from PIL import Image, ImageStat
from PIL.TiffImagePlugin import IFDRational

import helpers
from helpers import (ImgbatchTestCase, corpus, decode_own, describe, max_abs_diff,
                     open_loaded, pillow_fit, run, run_json, run_text, sniff, upright_size)

# Three photos unlike each other: sharp's benchmark (no EXIF), a phone's, and one stored
# turned (EXIF orientation 6).
PHOTOS = ("sharp_bench.jpg", "exif_jpg_mobile_jolla.jpg", "orient_Landscape_6.jpg")
FAST_MODES = ("only", "0")  # the TurboJPEG fast path, proved taken; libvips


def env_fast(mode):
    env = dict(os.environ)
    env["IMGBATCH_FAST_PATHS"] = mode
    return env


def box_diff(a, b, block=8):
    """Largest channel's mean absolute difference after averaging block x block areas:
    colours compared, a lossy codec's noise averaged out."""
    a, b = a.convert("RGB"), b.convert("RGB")
    small = (max(1, a.width // block), max(1, a.height // block))
    return max(helpers.mean_abs_diff(a.resize(small, Image.BOX), b.resize(small, Image.BOX)))


def jpeg_frame(path):
    """(SOF marker, [(component id, h, v), ...]) of a JPEG's frame header."""
    with open(path, "rb") as f:
        data = f.read()
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise AssertionError("%s: no marker at %d" % (path, i))
        while data[i] == 0xFF:
            i += 1
        code = data[i]
        i += 1
        if code == 0x01 or 0xD0 <= code <= 0xD7:
            continue
        length = int.from_bytes(data[i:i + 2], "big")
        if 0xC0 <= code <= 0xCF and code not in (0xC4, 0xC8, 0xCC):
            n = data[i + 7]
            comps = [(data[i + 8 + 3 * k], data[i + 9 + 3 * k] >> 4, data[i + 9 + 3 * k] & 15)
                     for k in range(n)]
            return code, comps
        if code == 0xDA:
            break
        i += length
    raise AssertionError("%s: no frame header" % path)


SOF_BASELINE, SOF_PROGRESSIVE = 0xC0, 0xC2


def jpeg_segments(path):
    """The APPn and COM markers of a JPEG's header, in order."""
    with open(path, "rb") as f:
        data = f.read()
    i, found = 2, []
    while i < len(data):
        while data[i] == 0xFF:
            i += 1
        code = data[i]
        i += 1
        if code == 0xDA:
            break
        if code >= 0xE0 or code == 0xFE:
            found.append(code)
        i += int.from_bytes(data[i:i + 2], "big")
    return found


def read(path):
    with open(path, "rb") as f:
        return f.read()


class DecodingTestCase(ImgbatchTestCase):
    def decoded(self):
        """Where the decoders' PNGs go."""
        return self.mkdir("decoded")


class AvifJxlTest(DecodingTestCase):
    """AVIF and JPEG XL written, read back by avifdec and djxl: the right size, the same
    picture as the PNG of the same run, and --quality, --effort and --lossless doing what
    they say."""

    def photos(self):
        inp = self.mkdir("in")
        for name in PHOTOS:
            shutil.copy(corpus("photos", name), inp)
        return inp

    def reference(self, inp, size):
        out = self.path("ref")
        r = run_json(["resize", inp, out, "-s", size, "-f", "png", "-j", "2"])
        self.assertExit(r.proc, 0)
        return {os.path.basename(rec["input"]): open_loaded(rec["output"]).convert("RGB")
                for rec in r.records}

    def test_every_output_decodes_with_its_own_decoder(self):
        inp = self.photos()
        ref = self.reference(inp, "400x400")
        for fmt, label, ext in (("avif", "AVIF", ".avif"), ("jxl", "JPEG XL", ".jxl")):
            with self.subTest(format=fmt):
                out = self.path("out-" + fmt)
                r = run_json(["resize", inp, out, "-s", "400x400", "-f", fmt, "-j", "2"])
                self.assertExit(r.proc, 0)
                self.assertEqual(len(r.records), len(PHOTOS))
                for rec in r.records:
                    name = os.path.basename(rec["input"])
                    self.assertEqual(rec["status"], "ok", rec)
                    self.assertTrue(rec["output"].endswith(name[:-4] + ext), rec)
                    self.assertEqual(sniff(rec["output"]), label, rec)
                    want = pillow_fit(upright_size(corpus("photos", name)), (400, 400))
                    self.assertEqual((rec["width"], rec["height"]), want, rec)
                    got = decode_own(rec["output"], self.decoded())
                    self.assertEqual(got.size, want, rec)
                    # At quality 85, a level or two from the PNG of the same pixels.
                    self.assertLess(box_diff(got, ref[name]), 4, rec)
                self.assertNoTempFiles(out, r.proc)

    def test_quality_and_effort(self):
        inp = self.mkdir("in")
        shutil.copy(corpus("photos", "exif_jpg_mobile_jolla.jpg"), inp)
        for fmt in ("avif", "jxl"):
            sizes = {}
            for name, args in (("q40", ["-q", "40"]), ("q95", ["-q", "95"]),
                               ("e0", ["--effort", "0"]), ("default", [])):
                out = self.path("%s-%s" % (fmt, name))
                p = run(["resize", inp, out, "-s", "320x320", "-f", fmt, "--quiet"] + args)
                self.assertExit(p, 0)
                path = os.path.join(out, "exif_jpg_mobile_jolla." + fmt)
                decode_own(path, self.decoded())
                sizes[name] = os.path.getsize(path)
            with self.subTest(format=fmt, sizes=sizes):
                self.assertLess(sizes["q40"], sizes["default"])
                self.assertLess(sizes["default"], sizes["q95"])
                self.assertNotEqual(sizes["e0"], sizes["default"])

    def test_lossless(self):
        """JPEG XL's lossless is exact; AVIF's, at full chroma, within two levels, since
        libvips 8.14 stores AVIF in YCbCr."""
        inp = self.mkdir("in")
        shutil.copy(corpus("photos", "sharp_bench.jpg"), inp)
        ref = self.reference(inp, "240x240")["sharp_bench.jpg"]
        for fmt, most in (("jxl", 0), ("avif", 2), ("webp", 0)):
            with self.subTest(format=fmt):
                out = self.path("lossless-" + fmt)
                p = run(["resize", inp, out, "-s", "240x240", "-f", fmt, "--lossless", "--quiet"])
                self.assertExit(p, 0)
                got = decode_own(os.path.join(out, "sharp_bench." + fmt), self.decoded())
                self.assertEqual(max_abs_diff(got.convert("RGB"), ref), most)

    def test_transparency_kept(self):
        src = open_loaded(corpus("formats", "with-alpha.png")).convert("RGBA")
        for fmt in ("avif", "jxl"):
            with self.subTest(format=fmt):
                out = self.path("alpha." + fmt)
                p = run(["convert", corpus("formats", "with-alpha.png"), out, "--quiet"])
                self.assertExit(p, 0)
                got = decode_own(out, self.decoded())
                self.assertEqual((got.mode, got.size), ("RGBA", src.size))
                alpha = ImageStat.Stat(got.getchannel("A")).mean[0]
                self.assertLess(abs(alpha - ImageStat.Stat(src.getchannel("A")).mean[0]), 3)

    def test_animation_gives_its_first_frame(self):
        """AVIF and JPEG XL are still formats here (libvips 8.14 writes no sequence): an
        animated GIF or WebP gives its first frame, and the record says so."""
        for src, fmt in (("animated-loop-3.gif", "avif"), ("animated-loop-3.webp", "jxl")):
            with self.subTest(src=src, format=fmt):
                out = self.path("anim." + fmt)
                r = run_json(["convert", corpus("formats", src), out])
                self.assertExit(r.proc, 0)
                rec = r.records[0]
                self.assertEqual((rec["input_frames"], rec["frames"]), (10, 1), rec)
                self.assertEqual(rec["animation"], "first frame only", rec)
                self.assertEqual(decode_own(out, self.decoded()).size, (370, 285))

    def test_output_file_named_avif_or_jxl(self):
        """One INPUT to an OUTPUT file named .avif or .jxl: that file, in that format; an
        option the format has no use for is refused before any work."""
        photo = corpus("photos", "orient_Landscape_6.jpg")
        for ext, label in (("avif", "AVIF"), ("jxl", "JPEG XL")):
            out = self.path("small." + ext)
            p = run(["resize", photo, out, "-s", "120x120", "--quiet"])
            self.assertExit(p, 0)
            self.assertEqual(sniff(out), label)
            self.assertEqual(decode_own(out, self.decoded()).size, (120, 80))
        p = run(["resize", photo, self.path("x.jpg"), "--lossless"])
        self.assertExit(p, 2)
        self.assertIn("--lossless does not apply to JPEG output", p.err)
        p = run(["resize", photo, self.path("x.avif"), "--palette"])
        self.assertExit(p, 2)
        self.assertIn("--palette does not apply to AVIF output (it is for PNG)", p.err)
        self.assertEqual([n for n in helpers.all_files(self.tmp) if "/" not in n],
                         ["small.avif", "small.jxl"])


class WebpTest(DecodingTestCase):
    def test_lossless_is_exact_and_lossy_is_not(self):
        inp = self.mkdir("in")
        for name in PHOTOS:
            shutil.copy(corpus("photos", name), inp)
        png = run_json(["resize", inp, self.path("png"), "-s", "300x300", "-f", "png"])
        self.assertExit(png.proc, 0)
        for args, exact, chunk in ((["--lossless"], True, b"VP8L"), ([], False, b"VP8 ")):
            out = self.path("webp-%d" % exact)
            r = run_json(["resize", inp, out, "-s", "300x300", "-f", "webp"] + args)
            self.assertExit(r.proc, 0)
            for rec in r.records:
                # The image's chunk, after VP8X where there is one: lossless is VP8L.
                self.assertIn(chunk, read(rec["output"])[12:64], rec)
                ref = open_loaded(rec["output"][:-5].replace(out, self.path("png")) + ".png")
                got = decode_own(rec["output"], self.decoded())
                diff = max_abs_diff(got.convert("RGB"), ref.convert("RGB"))
                if exact:
                    self.assertEqual(diff, 0, rec)
                    # Pillow's libwebp agrees with dwebp.
                    self.assertEqual(max_abs_diff(open_loaded(rec["output"]).convert("RGB"),
                                                  got.convert("RGB")), 0)
                else:
                    self.assertGreater(diff, 0, rec)


class JpegTest(ImgbatchTestCase):
    """--progressive and --chroma, down both paths: the fast path (proved taken by
    IMGBATCH_FAST_PATHS=only) and libvips."""

    def encode(self, mode, args, photo="sharp_bench.jpg", size="320x320"):
        out = self.path("out-%s-%s.jpg" % (mode, "_".join(args).replace(":", "")))
        p = run(["resize", corpus("photos", photo), out, "-s", size, "--quiet"] + args,
                env=env_fast(mode))
        self.assertExit(p, 0)
        return out

    def test_progressive(self):
        for mode in FAST_MODES:
            with self.subTest(path=mode):
                base = self.encode(mode, [])
                prog = self.encode(mode, ["--progressive"])
                self.assertEqual(jpeg_frame(base)[0], SOF_BASELINE)
                self.assertEqual(jpeg_frame(prog)[0], SOF_PROGRESSIVE)
                with Image.open(prog) as im:
                    self.assertEqual(im.info.get("progressive"), 1)
                # The same pixels, only the scans differ.
                self.assertEqual(max_abs_diff(open_loaded(base), open_loaded(prog)), 0)

    def test_chroma(self):
        half, full = [(1, 2, 2), (2, 1, 1), (3, 1, 1)], [(1, 1, 1), (2, 1, 1), (3, 1, 1)]
        cases = ((["-q", "85"], half), (["-q", "90"], full),  # libvips' own rule
                 (["--chroma", "444"], full), (["--chroma", "4:4:4", "-q", "50"], full),
                 (["--chroma", "420", "-q", "95"], half),
                 (["--chroma", "444", "--progressive"], full))
        for mode in FAST_MODES:
            for args, want in cases:
                with self.subTest(path=mode, args=args):
                    self.assertEqual(jpeg_frame(self.encode(mode, args))[1], want)

    def test_grey_stays_one_channel(self):
        for mode in FAST_MODES:
            out = self.encode(mode, ["--chroma", "444", "--progressive"], photo="sharp_bench.jpg")
            grey = self.path("grey-%s.jpg" % mode)
            p = run(["grayscale", out, grey, "--chroma", "444", "--quiet"], env=env_fast(mode))
            self.assertExit(p, 0)
            self.assertEqual(jpeg_frame(grey)[1], [(1, 1, 1)])


class PngTest(ImgbatchTestCase):
    def test_compression_level(self):
        """A drawing, where zlib's levels tell (on a photo's noise, level 1 can come out
        smaller than 9)."""
        drawing = corpus("formats", "with-alpha.png")
        sizes, pixels = {}, {}
        for level in ("0", "1", "6", "9"):
            out = self.path("c%s.png" % level)
            p = run(["convert", drawing, out, "--png-compression", level, "--quiet"])
            self.assertExit(p, 0)
            sizes[level] = os.path.getsize(out)
            pixels[level] = open_loaded(out)
        self.assertGreater(sizes["0"], sizes["1"], sizes)
        self.assertGreater(sizes["1"], sizes["6"], sizes)
        self.assertGreater(sizes["6"], sizes["9"], sizes)
        # Default 6: the same bytes as no option.
        p = run(["convert", drawing, self.path("plain.png"), "--quiet"])
        self.assertExit(p, 0)
        self.assertEqual(read(self.path("plain.png")), read(self.path("c6.png")))
        for level in sizes:
            self.assertEqual(max_abs_diff(pixels[level], pixels["6"]), 0, level)

    def test_rows_filtered_as_libpng_does(self):
        """A photo's PNG about as small as Pillow's (libpng's adaptive row filters at
        zlib's level 6), not half as large again as libvips 8.14 leaves it unfiltered;
        and at each level the size goes down."""
        photo = corpus("photos", "sharp_bench.jpg")
        sizes = {}
        for level in ("0", "1", "6", "9"):
            out = self.path("f%s.png" % level)
            p = run(["resize", photo, out, "-s", "800x800", "--png-compression", level,
                     "--quiet"])
            self.assertExit(p, 0)
            sizes[level] = os.path.getsize(out)
        self.assertGreater(sizes["0"], sizes["1"], sizes)
        self.assertGreater(sizes["1"], sizes["6"], sizes)
        self.assertGreater(sizes["6"], sizes["9"], sizes)
        pillow = io.BytesIO()
        open_loaded(self.path("f6.png")).save(pillow, "PNG", compress_level=6)
        self.assertLess(sizes["6"], 1.05 * len(pillow.getvalue()),
                        (sizes["6"], len(pillow.getvalue())))

    def test_palette(self):
        photo = corpus("photos", "sharp_bench.jpg")
        out = self.path("p.png")
        p = run(["resize", photo, out, "-s", "300x300", "--palette", "--quiet"])
        self.assertExit(p, 0)
        plain = self.path("rgb.png")
        self.assertExit(run(["resize", photo, plain, "-s", "300x300", "--quiet"]), 0)
        with Image.open(out) as im:
            self.assertEqual(im.mode, "P")
            self.assertLessEqual(len(im.getcolors(256) or range(257)), 256)
            # Quantised, dithered: close to the full colour picture, and smaller.
            self.assertLess(box_diff(im, open_loaded(plain)), 3)
        self.assertLess(os.path.getsize(out), os.path.getsize(plain))

    def test_palette_keeps_transparency(self):
        out = self.path("a.png")
        p = run(["convert", corpus("formats", "with-alpha.png"), out, "--palette", "--quiet"])
        self.assertExit(p, 0)
        src = open_loaded(corpus("formats", "with-alpha.png")).convert("RGBA")
        with Image.open(out) as im:
            self.assertEqual(im.mode, "P")
            self.assertIn("transparency", im.info)
            got = im.convert("RGBA")
        self.assertLess(abs(ImageStat.Stat(got.getchannel("A")).mean[0]
                            - ImageStat.Stat(src.getchannel("A")).mean[0]), 3)

    def test_progressive_is_interlaced(self):
        photo = corpus("photos", "orient_Landscape_1.jpg")
        for args, interlaced in (([], 0), (["--progressive"], 1)):
            out = self.path("i%d.png" % interlaced)
            self.assertExit(run(["resize", photo, out, "-s", "200x200", "--quiet"] + args), 0)
            with Image.open(out) as im:
                self.assertEqual(im.info.get("interlace", 0), interlaced)


class KeepOriginalTest(ImgbatchTestCase):
    """--keep-original-if-smaller: the input's own bytes where the output would be its
    picture in more bytes; never where the picture, the format, the size or the
    metadata would differ."""

    def small_jpeg(self, name="small.jpg", exif=None):
        """A corpus photo as a web page would hold it: 800 wide, quality 60, no metadata
        (or exif, as given)."""
        im = Image.open(corpus("photos", "sharp_bench.jpg"))
        im = im.resize((800, 653), Image.LANCZOS)
        path = self.path(name)
        kw = {"exif": exif} if exif is not None else {}
        im.save(path, quality=60, **kw)
        return path

    def test_kept_where_larger_both_paths(self):
        src = self.small_jpeg()
        for mode in FAST_MODES:
            with self.subTest(path=mode):
                out = self.path("k-%s.jpg" % mode)
                r = run_json(["convert", src, out, "-q", "95", "--keep-original-if-smaller"],
                             env=env_fast(mode))
                self.assertExit(r.proc, 0)
                self.assertEqual(read(out), read(src))
                self.assertIs(r.records[0]["kept_original"], True, r.records[0])
                self.assertEqual(r.summary["output_bytes"], os.path.getsize(src))
                self.assertNoTempFiles(self.tmp, r.proc)
        t = run_text(["convert", src, self.path("t.jpg"), "-q", "95",
                      "--keep-original-if-smaller"])
        self.assertExit(t.proc, 0)
        self.assertEqual(t.ok[0]["kept"], ", original kept: re-encoded it was larger",
                         describe(t.proc))

    def test_reencoded_where_smaller_or_not_asked(self):
        src = self.small_jpeg()
        for mode in FAST_MODES:
            with self.subTest(path=mode):
                out = self.path("s-%s.jpg" % mode)
                r = run_json(["convert", src, out, "-q", "30", "--keep-original-if-smaller"],
                             env=env_fast(mode))
                self.assertExit(r.proc, 0)
                self.assertLess(os.path.getsize(out), os.path.getsize(src))
                self.assertNotIn("kept_original", r.records[0])
                out = self.path("n-%s.jpg" % mode)
                r = run_json(["convert", src, out, "-q", "95"], env=env_fast(mode))
                self.assertGreater(os.path.getsize(out), os.path.getsize(src))
                self.assertNotIn("kept_original", r.records[0])

    def test_never_for_another_picture(self):
        """A smaller size, grey or sepia pixels, another format: re-encoded, however
        large."""
        src = self.small_jpeg()
        for op, args in (("resize", ["-s", "400x400"]), ("grayscale", []), ("sepia", []),
                         ("convert", ["-f", "png"]), ("thumbnail", ["-s", "200"])):
            with self.subTest(op=op):
                out = self.path(op)
                r = run_json([op, src, out, "-q", "100", "--keep-original-if-smaller"] + args)
                self.assertExit(r.proc, 0)
                self.assertNotIn("kept_original", r.records[0])
                self.assertNotEqual(read(r.records[0]["output"]), read(src))
        # resize never enlarges: a box larger than the photo keeps its size, and the file.
        r = run_json(["resize", src, self.path("same"), "-s", "2000x2000", "-q", "100",
                      "--keep-original-if-smaller"])
        self.assertIs(r.records[0].get("kept_original"), True, r.records[0])

    def test_stripped_metadata_never_comes_back(self):
        """A GPS position stripped stays stripped: the photo is re-encoded, larger, by
        default and with --keep-metadata (EXIF without GPS).  With --keep exif,gps all of
        it is wanted, and the original may stand in; not where its EXIF holds a preview
        picture, which no output keeps."""
        gps = Image.Exif()
        gps[0x010F] = "A camera"
        gps[0x8825] = {1: "N", 2: (IFDRational(52, 1), IFDRational(22, 1), IFDRational(5, 1)),
                       3: "E", 4: (IFDRational(4, 1), IFDRational(53, 1), IFDRational(1, 1))}
        src = self.small_jpeg("gps.jpg", exif=gps.tobytes())
        self.assertIn(0xE1, jpeg_segments(src))
        for name, keep in (("stripped", []), ("no-gps", ["--keep-metadata"]),
                           ("no-gps-either", ["--keep", "exif,xmp,icc"])):
            with self.subTest(keep=keep):
                out = self.path(name + ".jpg")
                r = run_json(["convert", src, out, "-q", "95", "--keep-original-if-smaller"]
                             + keep)
                self.assertExit(r.proc, 0)
                self.assertNotIn("kept_original", r.records[0])
                self.assertGreater(os.path.getsize(out), os.path.getsize(src))
                with Image.open(out) as im:
                    self.assertEqual(im.getexif().get_ifd(0x8825), {}, "GPS in the output")
                if not keep:
                    self.assertNotIn(0xE1, jpeg_segments(out))
        out = self.path("kept.jpg")
        r = run_json(["convert", src, out, "-q", "95", "--keep-original-if-smaller",
                      "--keep", "exif,gps"])
        self.assertExit(r.proc, 0)
        self.assertIs(r.records[0].get("kept_original"), True, r.records[0])
        self.assertEqual(read(out), read(src))
        # A camera's EXIF, its preview picture (IFD1) included: --keep all drops the preview.
        with Image.open(corpus("photos", "exif_jpg_tests_45-gps_ifd.jpg")) as im:
            camera = self.small_jpeg("camera.jpg", exif=im.info["exif"])
        r = run_json(["convert", camera, self.path("camera-out.jpg"), "-q", "95",
                      "--keep-original-if-smaller", "--keep", "all"])
        self.assertExit(r.proc, 0)
        self.assertNotIn("kept_original", r.records[0])
        # Stored turned (EXIF orientation 6): the output is turned, the original is not.
        r = run_json(["convert", corpus("photos", "orient_Landscape_6.jpg"),
                      self.path("turned.jpg"), "-q", "100", "--keep-original-if-smaller",
                      "--keep-metadata"])
        self.assertExit(r.proc, 0)
        self.assertNotIn("kept_original", r.records[0])

    def test_other_formats(self):
        """PNG at zlib level 0, a lossy WebP asked for lossless, an AVIF at a higher
        quality: each larger re-encoded, each kept."""
        im = Image.open(corpus("photos", "exif_jpg_mobile_jolla.jpg")).resize((300, 225))
        inp = self.mkdir("in")
        im.save(os.path.join(inp, "a.png"), optimize=True)
        im.save(os.path.join(inp, "b.webp"), quality=50)
        self.assertExit(run(["convert", os.path.join(inp, "a.png"), os.path.join(inp, "c.avif"),
                             "-q", "40", "--quiet"]), 0)
        cases = {"a.png": ["--png-compression", "0"], "b.webp": ["--lossless"],
                 "c.avif": ["-q", "95"]}
        for name, args in cases.items():
            with self.subTest(file=name):
                src = os.path.join(inp, name)
                out = self.path("out-" + name)
                r = run_json(["convert", src, out, "--keep-original-if-smaller"] + args)
                self.assertExit(r.proc, 0)
                self.assertIs(r.records[0].get("kept_original"), True, r.records[0])
                self.assertEqual(read(out), read(src))
                r = run_json(["convert", src, self.path("plain-" + name)] + args)
                self.assertGreater(os.path.getsize(self.path("plain-" + name)),
                                   os.path.getsize(src))

    def test_incremental_keeps_it(self):
        inp = self.mkdir("in")
        src = self.small_jpeg()
        shutil.move(src, os.path.join(inp, "small.jpg"))
        out = self.path("out")
        args = ["convert", inp, out, "-q", "95", "--keep-original-if-smaller", "--incremental"]
        r = run_json(args)
        self.assertIs(r.records[0].get("kept_original"), True, r.records[0])
        r = run_json(args)
        self.assertExit(r.proc, 0)
        self.assertEqual(r.summary["up_to_date"], 1, r.summary)
        # Another option is another output: redone.
        r = run_json(args[:-2] + ["--incremental"])
        self.assertEqual(r.summary["ok"], 1, r.summary)
        self.assertNotIn("kept_original", r.records[0])


if __name__ == "__main__":
    import unittest
    unittest.main(verbosity=2)
