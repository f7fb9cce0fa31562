"""Animated GIF and WebP: kept animated by every operation where the output format animates
(GIF, WebP): every frame processed, each frame the size asked, the frames' durations and
the loop count kept, each frame's colours those of its own input frame (no frame bleeding
into the next); an EXIF orientation turns each frame, not the strip.  A still output
format (PNG, JPEG, TIFF) gets the first frame and the report says so.  --max-pixels counts
every frame kept, from the header: a GIF of 2000 frames of 1 pixel on a 1000x1000 screen
is refused unread.  Generated animations and the corpus's animated-loop-3.gif and .webp.
"""

import os
import struct
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, corpus, run_json, run_text

COLOURS = [(220, 30, 30), (30, 30, 220), (30, 200, 30)]
DURATIONS = [100, 200, 300]
SEPIA = ((.393, .769, .189), (.349, .686, .168), (.272, .534, .131))


def make_anim(path, size=(60, 40), colours=COLOURS, durations=DURATIONS, loop=2, exif=None):
    """One solid frame per colour (a GIF or a lossless WebP, by path's extension)."""
    frames = [Image.new("RGB", size, c) for c in colours]
    extra = {"lossless": True} if path.endswith(".webp") else {}
    if exif is not None:
        extra["exif"] = exif
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=list(durations),
                   loop=loop, **extra)


def read_anim(path):
    """Its frames (RGB), each frame's duration in ms, the loop count, and the format."""
    with Image.open(path) as im:
        frames, durations = [], []
        for i in range(im.n_frames):
            im.seek(i)
            im.load()  # WebP sets a frame's duration as it loads it
            frames.append(im.convert("RGB"))
            durations.append(im.info.get("duration"))
        return frames, durations, im.info.get("loop"), im.format


def expected_colour(op, c):
    if op == "grayscale":
        v = Image.new("RGB", (1, 1), c).convert("L").getpixel((0, 0))
        return (v, v, v)
    if op == "sepia":
        return tuple(min(255, int(sum(m * v for m, v in zip(row, c)))) for row in SEPIA)
    return c


def distance(a, b):
    return sum(abs(x - y) for x, y in zip(a, b))


class GeneratedAnimationsTest(ImgbatchTestCase):
    """3 frames of 60x40, 100/200/300 ms, played 3 times, as GIF and as WebP."""

    SIZES = {"resize": (30, 20), "thumbnail": (20, 10)}  # 20x10 crops rows of each frame

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        make_anim(os.path.join(self.inp, "anim.gif"))
        make_anim(os.path.join(self.inp, "anim.webp"))
        # What Pillow reads back from the inputs: the loop counts are the files' own words
        # (a GIF's repeats after the first play, a WebP's plays).
        self.loops = {n: read_anim(os.path.join(self.inp, n))[2] for n in os.listdir(self.inp)}

    def assertFrames(self, path, op, size, fmt):
        frames, durations, loop, got_fmt = read_anim(path)
        name = os.path.basename(path)
        self.assertEqual(got_fmt, fmt, name)
        self.assertEqual(len(frames), len(COLOURS), name)
        self.assertEqual(durations, DURATIONS, name)
        for i, frame in enumerate(frames):
            self.assertEqual(frame.size, size, (name, i))
            want = expected_colour(op, COLOURS[i])
            w, h = frame.size
            # the corners too: a frame cut across a seam would show its neighbour there
            for xy in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w // 2, h // 2)):
                px = frame.getpixel(xy)
                # loose: GIF's palette and dithering move colours a little
                self.assertLess(distance(px, want), 40, (name, op, i, xy, px, want))
        return loop

    def test_every_operation_keeps_the_animation(self):
        for op in ("resize", "thumbnail", "grayscale", "sepia", "convert"):
            with self.subTest(op=op):
                out = self.path("out-" + op)
                args = [op, self.inp, out, "-j", "2"]
                if op in self.SIZES:
                    args += ["-s", "%dx%d" % self.SIZES[op]]
                r = run_json(args)
                self.assertExit(r.proc, 0)
                self.assertEqual(helpers.all_files(out), ["anim.gif", "anim.webp"])
                self.assertNoTempFiles(out, r.proc)
                size = self.SIZES.get(op, (60, 40))
                for name, fmt in (("anim.gif", "GIF"), ("anim.webp", "WEBP")):
                    rec = r.by_name()[name]
                    self.assertEqual((rec["input_frames"], rec["frames"]), (3, 3), rec)
                    self.assertNotIn("animation", rec)
                    self.assertEqual((rec["input_width"], rec["input_height"]), (60, 40))
                    self.assertEqual((rec["width"], rec["height"]), size, rec)
                    loop = self.assertFrames(os.path.join(out, name), op, size, fmt)
                    self.assertEqual(loop, self.loops[name], name)

    def convert_one(self, op, src, dest, *args):
        """One input to one output file, whose extension names the format."""
        r = run_json([op, os.path.join(self.inp, src), self.path(dest)] + list(args))
        self.assertExit(r.proc, 0)
        return r.records[0]

    def test_across_formats_the_plays_are_kept(self):
        """A GIF's loop count is the repeats after the first play, a WebP's the plays:
        GIF loop 2 and WebP loop 3 are the same three plays, and libvips keeps the plays."""
        self.convert_one("resize", "anim.gif", "w.webp", "-s", "30x30")
        loop = self.assertFrames(self.path("w.webp"), "resize", (30, 20), "WEBP")
        self.assertEqual((self.loops["anim.gif"], loop), (2, 3))
        self.convert_one("resize", "anim.webp", "g.gif", "-s", "30x30")
        loop = self.assertFrames(self.path("g.gif"), "resize", (30, 20), "GIF")
        self.assertEqual((self.loops["anim.webp"], loop), (2, 1))

    def test_loop_for_ever_stays_for_ever(self):
        make_anim(os.path.join(self.inp, "anim.gif"), loop=0)
        make_anim(os.path.join(self.inp, "anim.webp"), loop=0)
        for src, dest in (("anim.gif", "a.webp"), ("anim.webp", "b.gif"),
                          ("anim.gif", "c.gif"), ("anim.webp", "d.webp")):
            with self.subTest(src=src, dest=dest):
                self.convert_one("sepia", src, dest)
                self.assertEqual(read_anim(self.path(dest))[2], 0)

    def test_still_formats_take_the_first_frame_and_say_so(self):
        for src in ("anim.gif", "anim.webp"):
            for dest, pil in (("x.png", "PNG"), ("x.jpg", "JPEG"), ("x.tif", "TIFF")):
                with self.subTest(src=src, dest=dest):
                    rec = self.convert_one("resize", src, dest, "-s", "30x30")
                    self.assertEqual(rec["input_frames"], 3, rec)
                    self.assertEqual(rec["frames"], 1, rec)
                    self.assertEqual(rec["animation"], "first frame only", rec)
                    with Image.open(self.path(dest)) as im:
                        self.assertEqual(im.format, pil)
                        self.assertEqual(getattr(im, "n_frames", 1), 1)
                        self.assertEqual(im.size, (30, 20))
                        px = im.convert("RGB").getpixel((15, 10))
                        self.assertLess(distance(px, COLOURS[0]), 40, (dest, px))

    def test_text_report_says_frames(self):
        out = self.path("out")
        r = run_text(["grayscale", os.path.join(self.inp, "anim.webp"), out])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.ok[0]["frames"], "3 frames", r.proc.out)
        r = run_text(["grayscale", os.path.join(self.inp, "anim.gif"),
                      os.path.join(out, "first.png")])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.ok[0]["frames"], "first of 3 frames", r.proc.out)
        # a still image's line is as it always was
        helpers.solid(self.path("still.png"), (10, 10), (1, 2, 3))
        r = run_text(["grayscale", self.path("still.png"), out])
        self.assertExit(r.proc, 0)
        self.assertIsNone(r.ok[0]["frames"], r.proc.out)

    def test_one_frame_gif_is_a_still_image(self):
        inp = self.mkdir("one")
        Image.new("RGB", (30, 20), COLOURS[1]).save(os.path.join(inp, "one.gif"))
        out = self.path("out")
        r = run_json(["resize", inp, out, "-s", "15x15"])
        self.assertExit(r.proc, 0)
        rec = r.by_name()["one.gif"]
        self.assertNotIn("frames", rec)
        self.assertNotIn("input_frames", rec)
        frames, _, _, fmt = read_anim(os.path.join(out, "one.gif"))
        self.assertEqual((fmt, len(frames), frames[0].size), ("GIF", 1, (15, 10)))


class OrientedAnimationTest(ImgbatchTestCase):
    """An animated WebP with EXIF orientation 6 (turn 90 degrees clockwise): each frame is
    turned, its white top-left mark ending top-right, and none bleeds into the next."""

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        frames = []
        for c in COLOURS:
            im = Image.new("RGB", (60, 40), c)
            im.paste((255, 255, 255), (0, 0, 12, 12))
            frames.append(im)
        exif = Image.Exif()
        exif[0x0112] = 6
        frames[0].save(os.path.join(self.inp, "rot.webp"), save_all=True,
                       append_images=frames[1:], duration=DURATIONS, loop=0, lossless=True,
                       exif=exif.tobytes())

    def check(self, path, size, turned):
        frames, durations, _, _ = read_anim(path)
        self.assertEqual(len(frames), 3)
        self.assertEqual(durations, DURATIONS)
        for i, frame in enumerate(frames):
            w, h = frame.size
            self.assertEqual(frame.size, size, i)
            mark = (w - 2, 1) if turned else (1, 1)
            plain = (1, 1) if turned else (w - 2, 1)
            self.assertLess(distance(frame.getpixel(mark), (255, 255, 255)), 40, (i, mark))
            self.assertLess(distance(frame.getpixel(plain), COLOURS[i]), 40, (i, plain))
            self.assertLess(distance(frame.getpixel((w // 2, h - 1)), COLOURS[i]), 40, i)

    def test_each_frame_turned(self):
        for op, args, size in (("resize", ["-s", "100x100"], (40, 60)),
                               # covers 20x30, then 2 columns cut off each side
                               ("thumbnail", ["-s", "16x30"], (16, 30)),
                               ("grayscale", [], (40, 60)),
                               ("convert", [], (40, 60))):
            with self.subTest(op=op):
                out = self.path("out-" + op)
                r = run_json([op, self.inp, out] + args)
                self.assertExit(r.proc, 0)
                rec = r.by_name()["rot.webp"]
                self.assertEqual((rec["input_width"], rec["input_height"]), (40, 60), rec)
                if op == "grayscale":
                    continue  # colours are grey: the size and frame count say enough
                self.check(os.path.join(out, "rot.webp"), size, True)

    def test_no_rotate_keeps_frames_as_stored(self):
        out = self.path("out")
        r = run_json(["resize", self.inp, out, "-s", "100x100", "--no-rotate"])
        self.assertExit(r.proc, 0)
        self.check(os.path.join(out, "rot.webp"), (60, 40), False)


def gif_bomb(path, frames, side):
    """A GIF whose frames are each one pixel on a side x side screen: a few bytes a frame,
    side * side pixels a frame once decoded."""
    out = [b"GIF89a", struct.pack("<HHBBB", side, side, 0x80, 0, 0), b"\0\0\0\xff\xff\xff",
           b"\x21\xff\x0bNETSCAPE2.0\x03\x01\0\0\0"]
    for i in range(frames):
        out.append(b"\x21\xf9\x04\x00\x0a\x00\x00\x00")  # 100 ms
        out.append(b"\x2c" + struct.pack("<HHHHB", i % side, 0, 1, 1, 0))
        out.append(b"\x02\x02\x44\x01\x00")  # LZW: clear, index 0, end
    out.append(b"\x3b")
    with open(path, "wb") as f:
        f.write(b"".join(out))


class PixelLimitTest(ImgbatchTestCase):
    def test_frame_bomb_refused_from_the_header(self):
        inp = self.mkdir("in")
        gif_bomb(os.path.join(inp, "bomb.gif"), 2000, 1000)
        self.assertLess(os.path.getsize(os.path.join(inp, "bomb.gif")), 64 * 1024)
        out = self.path("out")
        # 2000 MP decoded would need 8 GB; 64 MB per worker shows none of it is (not
        # under AddressSanitizer, whose shadow memory exceeds any data limit)
        memory = [] if helpers.SANITIZED else ["--max-memory", "64"]
        r = run_json(["resize", inp, out] + memory)
        self.assertExit(r.proc, 1)
        rec = r.by_name()["bomb.gif"]
        self.assertEqual(rec["status"], "failed")
        self.assertEqual(rec["error"], "image too large: 2000 frames of 1000x1000 are 2000 "
                         "megapixels (limit 200, see --max-pixels)")
        self.assertEqual(helpers.all_files(out), [])
        # a still output decodes the first frame alone, and only it counts
        r = run_json(["resize", inp, out, "-f", "png", "-s", "10x10"] + memory)
        self.assertExit(r.proc, 0)
        rec = r.by_name()["bomb.gif"]
        self.assertEqual((rec["input_frames"], rec["frames"], rec["animation"]),
                         (2000, 1, "first frame only"))
        # and the limit is the user's: raised, the animation is made
        small = self.mkdir("small")
        gif_bomb(os.path.join(small, "b.gif"), 300, 100)
        r = run_json(["resize", small, out, "-s", "10x10", "--max-pixels", "2"])
        self.assertExit(r.proc, 1)
        self.assertIn("300 frames of 100x100 are 3 megapixels (limit 2",
                      r.by_name()["b.gif"]["error"])
        r = run_json(["resize", small, out, "-s", "10x10", "--max-pixels", "4"])
        self.assertExit(r.proc, 0)
        self.assertEqual(len(read_anim(os.path.join(out, "b.gif"))[0]), 300)

    def test_output_limit_counts_frames(self):
        inp = self.mkdir("in")
        make_anim(os.path.join(inp, "a.webp"))
        out = self.path("out")
        # 10 times: 600x400 a frame, 0.24 MP, but 0.72 MP for the three
        r = run_json(["resize", inp, out, "-s", "1000%", "--max-pixels", "0.5"])
        self.assertExit(r.proc, 1)
        self.assertEqual(r.by_name()["a.webp"]["error"],
                         "image too large: --size scales this 60x40 image to 600x400 of 3 "
                         "frames, above --max-pixels 0.5")
        r = run_json(["resize", inp, out, "-s", "1000%", "--max-pixels", "0.8"])
        self.assertExit(r.proc, 0)
        self.assertEqual(read_anim(os.path.join(out, "a.webp"))[0][2].size, (600, 400))


class CorpusAnimationsTest(ImgbatchTestCase):
    """animated-loop-3.gif and .webp: 10 frames of 370x285, nine of 3 s and one of 15 s,
    played 3 times."""

    def test_every_operation(self):
        names = ("animated-loop-3.gif", "animated-loop-3.webp")
        sources = {n: read_anim(corpus("formats", n)) for n in names}
        for op, args, size in (("resize", ["-s", "200x200"], (200, 154)),
                               ("thumbnail", ["-s", "64x48"], (64, 48)),
                               ("grayscale", [], (370, 285)),
                               ("sepia", [], (370, 285)),
                               ("convert", [], (370, 285))):
            with self.subTest(op=op):
                out = self.path("out-" + op)
                r = run_json([op] + [corpus("formats", n) for n in names] + [out, "-j", "2"]
                             + args)
                self.assertExit(r.proc, 0)
                for name in names:
                    frames, durations, loop, _ = read_anim(os.path.join(out, name))
                    src_frames, src_durations, src_loop, _ = sources[name]
                    self.assertEqual(len(frames), 10, name)
                    self.assertEqual(durations, src_durations, name)
                    self.assertEqual(loop, src_loop, name)
                    self.assertEqual({f.size for f in frames}, {size}, name)
                    rec = r.by_name()[name]
                    self.assertEqual((rec["input_frames"], rec["frames"]), (10, 10))
                    if op == "convert":
                        # each frame is its input frame, colours aside (GIF's palette)
                        for i in (0, 4, 9):
                            diff = helpers.mean_abs_diff(frames[i], src_frames[i])
                            self.assertLess(max(diff), 6, (name, i, diff))


if __name__ == "__main__":
    unittest.main()
