"""--keep: which kinds of metadata an output keeps (issue 17), through the binary.

The input is a JPEG made here with every kind: EXIF (Make, Model, and a GPS IFD), an
XMP packet (dc:creator) and a Display P3 ICC profile (the corpus's p3.png's), its
pixels (200, 60, 30) in P3 numbers.  Checked with Pillow on the outputs:

- by default nothing of it is kept, and the pixels are converted to sRGB;
- each kind is kept exactly when named; GPS only when named, even with exif;
  --keep-metadata is --keep exif,xmp;
- a kept ICC profile keeps the pixels in P3 (the numbers stay (200, 60, 30)), for
  resize, thumbnail, convert and grayscale, through JPEG, PNG and WebP outputs;
- an image turned upright keeps EXIF with orientation 1, never rotated twice;
- a bad list is exit 2 naming the words accepted.
"""

import os
import struct
import unittest

from PIL import Image

from helpers import ImgbatchTestCase, corpus, describe, open_loaded, run

XMP_MARK = b"dc:creator>Tester<"


def p3_profile():
    with Image.open(corpus("formats", "p3.png")) as im:
        return im.info["icc_profile"]


def make_full(path, orientation=1, size=(64, 48), colour=(200, 60, 30)):
    """A JPEG with EXIF (and GPS), XMP and a P3 profile."""
    im = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "TestMaker"
    exif[0x0110] = "TestModel"
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0)}
    im.save(path, quality=95, exif=exif.tobytes(), icc_profile=p3_profile())
    with open(path, "rb") as f:
        data = f.read()
    xml = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/'
           b'1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/'
           b'elements/1.1/"><dc:creator>Tester</dc:creator></rdf:Description></rdf:RDF>'
           b'</x:xmpmeta>')
    payload = b"http://ns.adobe.com/xap/1.0/\0" + xml
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    with open(path, "wb") as f:
        f.write(data[:2] + segment + data[2:])
    return path


def kinds(path):
    """The kinds of metadata in a file, as a set of words."""
    found = set()
    with Image.open(path) as im:
        exif = im.getexif()
        if exif.get(0x010F) == "TestMaker":
            found.add("exif")
        if exif.get_ifd(0x8825):
            found.add("gps")
        if im.info.get("icc_profile"):
            found.add("icc")
    with open(path, "rb") as f:
        if XMP_MARK in f.read():
            found.add("xmp")
    return found


class KeepTest(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.src = make_full(self.path("full.jpg"))

    def keep(self, out, *extra, op="resize", size=("-s", "32x")):
        args = [op, self.src, self.path(out)] + (list(size) if op in ("resize", "thumbnail")
                                                 else []) + list(extra)
        p = run(args)
        self.assertExit(p, 0)
        return kinds(self.path(out))

    def test_each_kind_exactly_when_named(self):
        cases = [
            ([], set()),
            (["--keep", "exif"], {"exif"}),
            (["--keep", "exif,gps"], {"exif", "gps"}),
            (["--keep", "xmp"], {"xmp"}),
            (["--keep", "icc"], {"icc"}),
            (["--keep", "icc,xmp"], {"icc", "xmp"}),
            (["--keep", "all"], {"exif", "gps", "xmp", "icc"}),
            (["--keep", "none"], set()),
            (["--keep-metadata"], {"exif", "xmp"}),
        ]
        for ext in ("jpg", "webp"):
            for extra, want in cases:
                with self.subTest(ext=ext, keep=extra):
                    self.assertEqual(self.keep("out-%s.%s" % ("-".join(extra) or "none", ext),
                                               *extra), want)

    def test_png_carries_exif_and_icc(self):
        """PNG has room for EXIF (eXIf) and the profile (iCCP); libvips 8.14 writes no XMP
        there."""
        self.assertEqual(self.keep("all.png", "--keep", "all"), {"exif", "gps", "icc"})
        self.assertEqual(self.keep("exif.png", "--keep", "exif"), {"exif"})
        self.assertEqual(self.keep("none.png"), set())

    def test_gps_needs_naming_even_with_exif(self):
        self.assertNotIn("gps", self.keep("a.jpg", "--keep", "exif,xmp,icc"))
        self.assertIn("gps", self.keep("b.jpg", "--keep", "gps,exif"))

    def test_kept_profile_keeps_the_numbers(self):
        """Without the profile the P3 red is converted to sRGB (a stronger red, (215, 42, 0)
        or so); with it kept, the numbers stay P3's (200, 60, 30), for every operation that
        keeps colour, through libvips' thumbnail and its full-size path."""
        for op in ("resize", "thumbnail", "convert"):
            with self.subTest(op=op):
                self.keep("srgb-%s.png" % op, op=op)
                self.keep("p3-%s.png" % op, "--keep", "icc", op=op)
                srgb = open_loaded(self.path("srgb-%s.png" % op)).convert("RGB").getpixel((4, 4))
                p3 = open_loaded(self.path("p3-%s.png" % op)).convert("RGB").getpixel((4, 4))
                self.assertTrue(all(abs(a - b) <= 2 for a, b in zip(p3, (200, 60, 30))), p3)
                self.assertGreater(srgb[0], 208, srgb)
                self.assertLess(srgb[2], 12, srgb)
                with Image.open(self.path("p3-%s.png" % op)) as im:
                    self.assertEqual(im.info["icc_profile"], p3_profile())

    def test_grayscale_with_the_profile(self):
        """grayscale of the P3 numbers, the profile kept: Y of (200, 60, 30)."""
        self.keep("g.png", "--keep", "icc", op="grayscale")
        im = open_loaded(self.path("g.png"))
        y = 0.299 * 200 + 0.587 * 60 + 0.114 * 30
        self.assertLessEqual(abs(im.convert("L").getpixel((4, 4)) - y), 2)

    def test_upright_once_with_exif_kept(self):
        """Stored sideways (orientation 6): turned upright, and the kept EXIF says 1, so a
        viewer does not turn it again."""
        src = make_full(self.path("side.jpg"), orientation=6, size=(60, 40))
        out = self.path("up.jpg")
        p = run(["convert", src, out, "--keep", "exif"])
        self.assertExit(p, 0)
        with Image.open(out) as im:
            self.assertEqual(im.size, (40, 60))
            self.assertEqual(im.getexif().get(0x0112), 1)
            self.assertEqual(im.getexif().get(0x010F), "TestMaker")

    def test_fast_path_output_strips(self):
        """JPEG to JPEG without --keep takes the TurboJPEG path: nothing kept there either."""
        self.assertEqual(self.keep("fast.jpg"), set())

    def test_bad_list(self):
        for value in ("exif,location", "", "exif,,xmp"):
            with self.subTest(value=value):
                p = run(["resize", self.src, self.path("x.jpg"), "--keep", value])
                self.assertExit(p, 2)
                self.assertIn("--keep wants a list of exif, gps, xmp, icc and iptc", p.err)
                self.assertFalse(os.path.exists(self.path("x.jpg")))


if __name__ == "__main__":
    unittest.main()
