"""HEIF (HEIC), AVIF and JPEG XL inputs, end to end, on files their own encoders made
(tests/data/formats, README.md there): the sizes, every operation, the colours against
the JPEG of the same picture, orientation stored as HEIF's irot, as EXIF only and in a
JPEG XL codestream, a Display P3 profile, transparency, a 10-bit HEIF, --max-pixels
read from the header, files named for another format, damaged files, and images of
kinds imgbatch does not read, which are skipped with a line saying so.
"""

import io
import os
import shutil
import unittest

from PIL import Image, ImageCms, ImageStat

import helpers
from helpers import (ImgbatchTestCase, corpus, decode_own, open_loaded, run, run_json, run_text,
                     sniff)

FORMATS = os.path.join(helpers.TEST_DATA, "formats")
EXTENSIONS = ("heic", "avif", "jxl")
# What each becomes when --format does not say: a phone's HEIC a JPEG (imgbatch writes
# no HEIF); AVIF and JPEG XL stay what they are.
DEFAULT_OUTPUT = {"heic": ("jpg", "JPEG"), "avif": ("avif", "AVIF"), "jxl": ("jxl", "JPEG XL")}
LABEL = {"heic": "HEIF", "avif": "AVIF", "jxl": "JPEG XL"}


def fixture(name):
    return os.path.join(FORMATS, name)


def box_mean(im, box):
    """The mean of each channel over box: colours compared away from edges and noise."""
    return [round(v, 1) for v in ImageStat.Stat(im.convert("RGB").crop(box)).mean]


def box_diff(a, b, block=8):
    """Mean absolute difference per channel after averaging block x block areas."""
    a, b = a.convert("RGB"), b.convert("RGB")
    small = (max(1, a.width // block), max(1, a.height // block))
    return helpers.mean_abs_diff(a.resize(small, Image.BOX), b.resize(small, Image.BOX))


class FormatsTestCase(ImgbatchTestCase):
    def inputs(self, names, folder="in"):
        """A fresh INPUT folder holding the fixtures names (name, or (fixture, as))."""
        inp = self.mkdir(folder)
        for n in names:
            src, dst = n if isinstance(n, tuple) else (n, n)
            shutil.copy(fixture(src), os.path.join(inp, dst))
        return inp


class PhotoTest(FormatsTestCase):
    """One photo, stored as JPEG and by each encoder: the same picture comes out."""

    def test_default_output_format_and_sizes(self):
        inp = self.inputs(["photo.%s" % e for e in EXTENSIONS])
        os.rename(os.path.join(inp, "photo.avif"), os.path.join(inp, "photo-a.avif"))
        out = self.path("out")
        r = run_json(["resize", inp, out, "-s", "240x240"])
        self.assertExit(r.proc, 0)
        self.assertEqual(helpers.all_files(out), ["photo-a.avif", "photo.jpg", "photo.jxl"])
        for rec in r.records:
            with self.subTest(file=rec["input"]):
                self.assertEqual(rec["status"], "ok", rec)
                self.assertEqual((rec["input_width"], rec["input_height"]), (480, 392))
                self.assertEqual((rec["width"], rec["height"]), (240, 196))
                ext = os.path.splitext(rec["input"])[1][1:]
                self.assertEqual(sniff(rec["output"]), DEFAULT_OUTPUT[ext][1])
                # Pillow reads the JPEG; avifdec and djxl the others.
                im = (open_loaded(rec["output"]) if ext == "heic"
                      else decode_own(rec["output"], self.mkdir("decoded")))
                self.assertEqual(im.size, (240, 196))
                self.assertEqual(im.mode, "RGB")
        self.assertNoTempFiles(out, r.proc)

    def test_every_operation_matches_the_jpeg(self):
        """Each operation on each format gives, within a lossy codec's noise, what it
        gives on the JPEG the file was encoded from."""
        names = ["photo.jpg"] + [("photo.%s" % e, "photo-%s.%s" % (e, e)) for e in EXTENSIONS]
        inp = self.inputs(names)
        for op, args in (("resize", ["-s", "240x240"]), ("thumbnail", ["-s", "100x100"]),
                         ("grayscale", []), ("sepia", []), ("convert", [])):
            with self.subTest(op=op):
                out = self.path("out-" + op)
                r = run_json([op, inp, out, "-f", "png", "-j", "2"] + args)
                self.assertExit(r.proc, 0)
                recs = r.by_name()
                ref = open_loaded(recs["photo.jpg"]["output"])
                for e in EXTENSIONS:
                    rec = recs["photo-%s.%s" % (e, e)]
                    self.assertEqual(rec["status"], "ok", rec)
                    got = open_loaded(rec["output"])
                    self.assertEqual(got.size, ref.size, rec)
                    self.assertEqual(got.mode, ref.mode, rec)
                    # HEVC and AV1 at these qualities: about 1.5 levels from the JPEG.
                    self.assertLess(max(box_diff(got, ref)), 4, (rec, box_diff(got, ref)))
                self.assertNoTempFiles(out, r.proc)


class OrientationTest(FormatsTestCase):
    """Landscape_6 of the corpus, 120x180 stored turned, in each format's own way of
    saying so.  Upright is Landscape_0: 180x120."""

    def setUp(self):
        super().setUp()
        self.upright = Image.open(corpus("orientation", "Landscape_0.jpg")).convert("RGB")

    def assertUpright(self, path, size=(180, 120)):
        got = open_loaded(path).convert("RGB")
        self.assertEqual(got.size, size, path)
        ref = self.upright.resize(got.size, Image.LANCZOS)
        diff = box_diff(got, ref)
        # Turned the wrong way or twice, the picture is off by 60 levels or more.
        self.assertLess(max(diff), 10, (path, diff))

    def test_turned_once(self):
        """An iPhone's way (pixels stored turned, irot to turn them, EXIF orientation 6
        too: turned once, not twice), avifenc's (irot from the JPEG's EXIF), cjxl's (the
        codestream's orientation): upright, whichever path the operation takes."""
        names = ["iphone-rotated.heic", "landscape-6.avif", ("landscape-6.jxl", "l6.jxl")]
        inp = self.inputs(names)
        for op, args in (("resize", ["-s", "90x90"]), ("thumbnail", ["-s", "60x40"]),
                         ("convert", []), ("sepia", [])):
            with self.subTest(op=op):
                out = self.path("out-" + op)
                r = run_json([op, inp, out, "-f", "png"] + args)
                self.assertExit(r.proc, 0)
                for rec in r.records:
                    self.assertEqual((rec["input_width"], rec["input_height"]), (180, 120), rec)
                    if op == "sepia":
                        continue  # the colours are sepia's: the size says upright
                    want = {"resize": (90, 60), "thumbnail": (60, 40)}.get(op, (180, 120))
                    self.assertUpright(rec["output"], want)

    def test_no_rotate_leaves_heif_transformations(self):
        """--no-rotate ignores EXIF orientation; HEIF's irot and a JPEG XL's orientation
        are part of the image (libheif and libjxl always apply them), so they stay."""
        inp = self.inputs(["iphone-rotated.heic", "landscape-6.avif", ("landscape-6.jxl",
                                                                       "l6.jxl")])
        out = self.path("out")
        r = run_json(["convert", inp, out, "-f", "png", "--no-rotate"])
        self.assertExit(r.proc, 0)
        for rec in r.records:
            self.assertUpright(rec["output"])

    def test_exif_orientation_alone_is_not_heif_orientation(self):
        """heif-enc stored the turned pixels and kept the EXIF block (orientation 6), with
        no irot.  The HEIF standard makes EXIF orientation informative only, and libheif,
        libvips and Apple's readers show such a file as stored: so does imgbatch."""
        inp = self.inputs(["exif-6-only.heic"])
        out = self.path("out")
        r = run_json(["convert", inp, out, "-f", "png"])
        self.assertExit(r.proc, 0)
        got = open_loaded(os.path.join(out, "exif-6-only.png")).convert("RGB")
        self.assertEqual(got.size, (120, 180))
        stored = self.upright.transpose(Image.ROTATE_90).resize(got.size, Image.LANCZOS)
        self.assertLess(max(box_diff(got, stored)), 10)


class ColourProfileTest(FormatsTestCase):
    """Display P3 patches (p3.png's profile) in each format: converted to sRGB through
    the profile, as the PNG is, not taken as sRGB numbers."""

    PATCHES = 6

    def setUp(self):
        super().setUp()
        src = Image.open(fixture("p3-source.png"))
        icc = ImageCms.ImageCmsProfile(io.BytesIO(src.info["icc_profile"]))
        self.naive = src.convert("RGB")
        self.want = ImageCms.profileToProfile(src, icc, ImageCms.createProfile("sRGB"))

    def patch_box(self, i, scale=1.0):
        x, y = (i % 3) * 32 + 18, (i // 3) * 32 + 18
        return tuple(int(v * scale) for v in (x, y, x + 10, y + 10))

    def test_p3_converted_to_srgb(self):
        names = [("p3.%s" % e, "p3-%s.%s" % (e, e)) for e in EXTENSIONS] + ["p3-source.png"]
        inp = self.inputs(names)
        for op, args, scale in (("convert", [], 1.0), ("resize", ["-s", "48x48"], 0.5)):
            out = self.path("out-" + op)
            r = run_json([op, inp, out, "-f", "png"] + args)
            self.assertExit(r.proc, 0)
            for rec in r.records:
                with self.subTest(op=op, file=os.path.basename(rec["input"])):
                    got = open_loaded(rec["output"])
                    self.assertEqual(got.mode, "RGB")
                    self.assertNotIn("icc_profile", got.info)  # sRGB now, said by nothing
                    for i in range(self.PATCHES):
                        want = box_mean(self.want, self.patch_box(i))
                        naive = box_mean(self.naive, self.patch_box(i))
                        have = box_mean(got, self.patch_box(i, scale))
                        off = max(abs(a - b) for a, b in zip(have, want))
                        self.assertLessEqual(off, 4, (i, have, want))
                        # The patches were chosen so that ignoring the profile shows.
                        self.assertGreater(max(abs(a - b) for a, b in zip(have, naive)), 10)


class AlphaTest(FormatsTestCase):
    """with-alpha.png of the corpus (alpha 168 all over) in each format."""

    def test_alpha_kept_in_png(self):
        src = open_loaded(corpus("formats", "with-alpha.png")).convert("RGBA")
        inp = self.inputs([("alpha.%s" % e, "alpha-%s.%s" % (e, e)) for e in EXTENSIONS])
        out = self.path("out")
        r = run_json(["convert", inp, out, "-f", "png"])
        self.assertExit(r.proc, 0)
        for rec in r.records:
            with self.subTest(file=rec["input"]):
                got = open_loaded(rec["output"])
                self.assertEqual(got.mode, "RGBA")
                self.assertEqual(got.size, src.size)
                lo, hi = got.getchannel("A").getextrema()
                self.assertGreaterEqual(lo, 165)
                self.assertLessEqual(hi, 171)
                self.assertLess(max(box_diff(got.convert("RGB"), src.convert("RGB"))), 4)

    def test_default_outputs(self):
        """AVIF and JPEG XL stay what they are, transparency kept; HEIF becomes JPEG,
        flattened onto white as every JPEG output is."""
        src = open_loaded(corpus("formats", "with-alpha.png")).convert("RGBA")
        white = Image.new("RGBA", src.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(white, src).convert("RGB")
        inp = self.inputs(["alpha.heic", "alpha.avif", ("alpha.jxl", "alpha-x.jxl")])
        out = self.path("out")
        r = run_json(["convert", inp, out])
        self.assertExit(r.proc, 0)
        self.assertEqual(helpers.all_files(out), ["alpha-x.jxl", "alpha.avif", "alpha.jpg"])
        got = open_loaded(os.path.join(out, "alpha.jpg"))
        self.assertEqual(got.mode, "RGB")
        self.assertLess(max(box_diff(got, flat)), 4)
        for name in ("alpha.avif", "alpha-x.jxl"):
            got = decode_own(os.path.join(out, name), self.mkdir("decoded"))
            self.assertEqual(got.mode, "RGBA", name)
            self.assertLess(abs(ImageStat.Stat(got.getchannel("A")).mean[0] - 168), 3, name)


class DeepHeifTest(FormatsTestCase):
    def test_10_bit_hif(self):
        """A 10-bit HEIF (.hif, as cameras name them) of the 16-bit flag comes out 8-bit,
        scaled, not clipped or cut to its low bits."""
        inp = self.inputs(["flag-10bit.hif"])
        out = self.path("out")
        r = run_json(["convert", inp, out, "-f", "png"])
        self.assertExit(r.proc, 0)
        got = open_loaded(os.path.join(out, "flag-10bit.png"))
        self.assertEqual((got.mode, got.size), ("RGB", (900, 600)))
        src = open_loaded(corpus("formats", "Flag_of_the_Netherlands-16bit.png")).convert("RGB")
        for y in (100, 300, 500):  # red, white, blue
            box = (400, y - 50, 500, y + 50)
            diff = [abs(a - b) for a, b in zip(box_mean(got, box), box_mean(src, box))]
            self.assertLess(max(diff), 6, (y, box_mean(got, box), box_mean(src, box)))


class MaxPixelsTest(FormatsTestCase):
    def test_limit_read_from_the_header(self):
        """bomb-256mp.heic codes a 64x64 picture under a header that declares
        16000x16000: only the header can have said 16000x16000."""
        inp = self.inputs(["bomb-256mp.heic", "photo.heic"])
        out = self.path("out")
        r = run_json(["resize", inp, out])
        self.assertExit(r.proc, 1)
        recs = r.by_name()
        self.assertEqual(recs["bomb-256mp.heic"]["error"],
                         "image too large: 16000x16000 is 256 megapixels "
                         "(limit 200, see --max-pixels)")
        self.assertEqual(recs["photo.heic"]["status"], "ok")
        r = run_json(["resize", inp, self.path("out2"), "--max-pixels", "0.15"])
        self.assertExit(r.proc, 1)
        self.assertTrue(r.by_name()["photo.heic"]["error"].startswith(
            "image too large: 480x392 is"), r.by_name()["photo.heic"])
        # Let through, the lie shows when the pixels come: a failure, not a 256 MP image.
        r = run_json(["resize", inp, self.path("out3"), "--max-pixels", "300"])
        self.assertExit(r.proc, 1)
        self.assertRegex(r.by_name()["bomb-256mp.heic"]["error"], r"^corrupt HEIF \(.+\)$")
        self.assertEqual(helpers.all_files(self.path("out3")), ["photo.jpg"])

    def test_libheif_limit(self):
        """libheif reads nothing above 16384 pixels a side, whatever --max-pixels says:
        refused from the header, in the same words."""
        inp = self.inputs(["bomb-wide.heic"])
        for limit in ("200", "0"):
            r = run_json(["resize", inp, self.path("out" + limit), "--max-pixels", limit])
            self.assertExit(r.proc, 1)
            self.assertEqual(r.records[0]["error"], "image too large: 20000x14000, above the "
                             "16384x16384 libheif reads at most")


class NamesTest(FormatsTestCase):
    def test_read_as_what_they_are(self):
        """As a PNG named .jpg is read as PNG: a HEIC named .jpg is read as HEIF, an AVIF
        named .png as AVIF, a JPEG XL named .webp as JPEG XL; the name says the output."""
        inp = self.inputs([("photo.heic", "phone.jpg"), ("photo.avif", "web.png"),
                           ("photo.jxl", "archive.webp"), ("p3-source.png", "p3.heic")])
        out = self.path("out")
        r = run_json(["resize", inp, out, "-s", "100x100"])
        self.assertExit(r.proc, 0)
        self.assertEqual(helpers.all_files(out), ["archive.webp", "p3.jpg", "phone.jpg",
                                                  "web.png"])
        for name, fmt in (("phone.jpg", "JPEG"), ("web.png", "PNG"), ("archive.webp", "WEBP"),
                          ("p3.jpg", "JPEG")):
            with Image.open(os.path.join(out, name)) as im:
                self.assertEqual(im.format, fmt, name)

    def test_damage_named_by_content(self):
        """A damaged HEIC named .jpg fails as HEIF, not as a JPEG."""
        inp = self.mkdir("in")
        with open(fixture("photo.heic"), "rb") as f:
            data = f.read()
        with open(os.path.join(inp, "phone.jpg"), "wb") as f:
            f.write(data[:len(data) // 2])
        r = run_json(["resize", inp, self.path("out")])
        self.assertExit(r.proc, 1)
        self.assertRegex(r.records[0]["error"], r"^truncated HEIF \(.*\)$")


class DamagedTest(FormatsTestCase):
    def test_damaged_files_fail_with_one_line(self):
        inp = self.mkdir("in")
        damaged = {}
        for e in EXTENSIONS:
            with open(fixture("photo." + e), "rb") as f:
                data = f.read()
            # Named apart, as each kind's own line is looked for.
            damaged["half-%s.%s" % (e, e)] = data[:len(data) // 2]
            damaged["head-%s.%s" % (e, e)] = data[:200]
        with open(fixture("photo.heic"), "rb") as f:
            data = bytearray(f.read())
        data[40:120] = bytes(range(80))  # the boxes saying where the image is
        damaged["boxes.heic"] = bytes(data)
        with open(fixture("p3.jxl"), "rb") as f:  # a bare codestream: no boxes to go by
            damaged["bare.jxl"] = f.read()[:600]
        # What a phone may name .heic: a video (an ISO BMFF file too, another brand).
        damaged["video.heic"] = (b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2" + b"\0" * 64)
        damaged["text.avif"] = b"not an image\n" * 10
        damaged["empty.jxl"] = b""
        for name, data in damaged.items():
            with open(os.path.join(inp, name), "wb") as f:
                f.write(data)
        out = self.path("out")
        r = run_text(["resize", inp, out, "-j", "2"])
        self.assertExit(r.proc, 1)
        failed = r.failed_by_name()
        self.assertEqual(sorted(failed), sorted(damaged), helpers.describe(r.proc))
        self.assertEqual(r.summary["failed"], str(len(damaged)))
        self.assertEqual(helpers.all_files(out), [])
        self.assertNoTempFiles(out, r.proc)
        # Told truncated by the decoder's words, or by the boxes running past the end.
        for e in EXTENSIONS:
            for cut in ("half", "head"):
                self.assertRegex(failed["%s-%s.%s" % (cut, e, e)],
                                 r"^truncated %s \(.+\)$" % LABEL[e])
        self.assertEqual(failed["head-heic.heic"],
                         "truncated HEIF (Invalid input: No 'meta' box)")
        # libjxl tells a cut codestream from a damaged one no better than "it stopped".
        self.assertEqual(failed["bare.jxl"],
                         "corrupt or truncated JPEG XL (error JxlDecoderProcessInput)")
        self.assertRegex(failed["boxes.heic"], r"^(corrupt|truncated) HEIF \(.+\)$")
        self.assertEqual(failed["video.heic"],
                         "not a HEIF file (an ISO media file of brand 'isom': a video, or a "
                         "kind of image imgbatch does not read)")
        self.assertEqual(failed["text.avif"],
                         "not an AVIF file (its content is none of the formats imgbatch reads: "
                         "JPEG, PNG, GIF, WebP, TIFF, BMP, HEIF, AVIF, JPEG XL)")
        self.assertEqual(failed["empty.jxl"], "empty file (0 bytes)")
        for name, error in failed.items():
            self.assertNotIn("\n", error, name)
            self.assertNotIn("bad seek", error, name)  # libvips' echo of libheif's reads
            self.assertNotRegex(error, r"\(\d+\.\d+\)", name)  # libheif's error numbers

    def test_dry_run_reads_the_signatures(self):
        inp = self.inputs(["photo.heic", "photo.avif", ("photo.jxl", "x.jxl")])
        with open(os.path.join(inp, "text.heic"), "w") as f:
            f.write("hello\n")
        r = run_json(["resize", inp, self.path("out"), "--dry-run"])
        self.assertExit(r.proc, 1)
        status = {os.path.basename(x["input"]): x["status"] for x in r.records}
        self.assertEqual(status, {"photo.heic": "would_process", "photo.avif": "would_process",
                                  "x.jxl": "would_process", "text.heic": "refused"})


class NotReadTest(ImgbatchTestCase):
    """Images of kinds imgbatch does not read: skipped, as before, but said so, in the
    text report too; the run still succeeds (a camera's raw files beside its JPEGs are
    no failure, and must not fail a nightly run for ever)."""

    NOT_READ = {"IMG_0001.CR2": "camera raw", "DSC_0002.nef": "camera raw",
                "layers.psd": "Photoshop", "logo.svg": "SVG", "scan.pdf": "PDF",
                "favicon.ico": "icon"}

    def make(self):
        inp = self.mkdir("in")
        helpers.solid(os.path.join(inp, "photo.jpg"), (20, 10), (200, 30, 30))
        for name in self.NOT_READ:
            with open(os.path.join(inp, name), "wb") as f:
                f.write(b"not read\n")
        with open(os.path.join(inp, "notes.txt"), "w") as f:
            f.write("no image\n")
        return inp

    def test_text_report_says_why(self):
        inp = self.make()
        p = run(["resize", inp, self.path("out")])
        self.assertExit(p, 0)
        lines = [l for l in p.out.split("\n") if l.startswith("? ")]
        told = {}
        for line in lines:
            path, _, why = line[2:].partition(": skipped: ")
            told[os.path.basename(path)] = why
        self.assertEqual(sorted(told), sorted(self.NOT_READ), helpers.describe(p))
        for name, kind in self.NOT_READ.items():
            self.assertIn(kind, told[name])
            self.assertIn("imgbatch does not read", told[name])
        self.assertIn(os.path.join(inp, "IMG_0001.CR2") + ": skipped: a camera raw image",
                      p.out)
        self.assertNotIn("notes.txt", p.out)  # not an image at all: nothing to say
        self.assertRegex(p.out, r"resize: 1 ok, 0 failed, %d skipped" % (len(self.NOT_READ) + 1))

    def test_json_and_quiet(self):
        inp = self.make()
        r = run_json(["resize", inp, self.path("out")])
        self.assertExit(r.proc, 0)
        recs = r.by_name()
        for name, kind in self.NOT_READ.items():
            self.assertEqual(recs[name]["status"], "skipped")
            self.assertIn(kind, recs[name]["reason"])
        self.assertEqual(recs["notes.txt"]["reason"], "not an image file by its extension")
        p = run(["resize", inp, self.path("out2"), "--quiet"])
        self.assertExit(p, 0)
        self.assertNotIn("skipped: ", p.out + p.err)

    def test_dry_run_lists_them(self):
        inp = self.make()
        p = run(["resize", inp, self.path("out"), "--dry-run"])
        self.assertExit(p, 0)
        self.assertRegex(p.out, r"(?m)^skip +.*layers\.psd: a Photoshop document")

    def test_named_input_file(self):
        inp = self.make()
        p = run(["resize", os.path.join(inp, "layers.psd"), self.path("out")])
        self.assertExit(p, 2)
        self.assertIn("layers.psd is a Photoshop document, a kind of image imgbatch does not "
                      "read", p.err)
        p = run(["resize", os.path.join(inp, "notes.txt"), self.path("out")])
        self.assertExit(p, 2)
        self.assertIn("notes.txt is not an image by its extension (.jpg .jpeg .png .gif .bmp "
                      ".webp .tif .tiff .heic .heif .hif .avif .jxl)", p.err)


if __name__ == "__main__":
    unittest.main()
