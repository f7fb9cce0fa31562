"""INPUT... OUTPUT read the way cp reads them (issue 16), through the binary on
generated images:

- one INPUT image and an OUTPUT named like an image writes exactly that file, in
  the format its extension names; a trailing / or an existing folder means a
  folder; several INPUTs or a folder with an image-named OUTPUT are refused;
- several INPUTs, files and folders, go into one folder; a name two of them share
  fails both; a missing one stops the run before any work;
- outputs beside the inputs (OUTPUT is INPUT) with --suffix or --format, and a
  second run never takes them as inputs;
- `convert`: the size kept, upright, sRGB, metadata stripped, in another format.
"""

import hashlib
import os
import unittest

from PIL import Image

from helpers import (ImgbatchTestCase, all_files, describe, open_loaded, run, run_json,
                     run_text, solid, split_lr)


def tree_digests(directory):
    """Every file below directory (links not followed) -> its SHA-256."""
    out = {}
    for root, dirs, files in os.walk(directory):
        for name in files:
            p = os.path.join(root, name)
            if os.path.islink(p):
                out[os.path.relpath(p, directory)] = "-> " + os.readlink(p)
                continue
            with open(p, "rb") as f:
                out[os.path.relpath(p, directory)] = hashlib.sha256(f.read()).hexdigest()
    return out


def jpeg(path, size=(300, 200), colour=(200, 40, 40), orientation=None):
    im = Image.new("RGB", size, colour)
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        im.save(path, quality=90, exif=exif)
    else:
        im.save(path, quality=90)
    return path


def file_format(path):
    with Image.open(path) as im:
        return im.format


class FileToFileTest(ImgbatchTestCase):
    def test_one_image_to_one_file(self):
        """`resize a.jpg small.jpg` writes small.jpg, a file, at the size asked."""
        a = jpeg(self.path("a.jpg"))
        out = self.path("small.jpg")
        r = run_text(["resize", a, out, "--size", "150x"])
        self.assertExit(r.proc, 0)
        self.assertTrue(os.path.isfile(out), describe(r.proc))
        self.assertEqual(open_loaded(out).size, (150, 100))
        self.assertEqual(file_format(out), "JPEG")
        self.assertEqual(len(r.ok), 1)
        self.assertEqual(r.ok[0]["output"], out)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["a.jpg", "small.jpg"])

    def test_format_from_the_extension(self):
        """The extension names the format: .webp, .png, .tif, in any case."""
        a = jpeg(self.path("a.jpg"))
        for name, fmt in (("a.webp", "WEBP"), ("a.PNG", "PNG"), ("a.tiff", "TIFF"),
                          ("b.jpeg", "JPEG")):
            with self.subTest(name=name):
                out = self.path(name)
                r = run(["resize", a, out, "-s", "30x30"])
                self.assertExit(r, 0)
                self.assertEqual(file_format(out), fmt)
                self.assertEqual(open_loaded(out).size, (30, 20))
        self.assertNoTempFiles(self.tmp)

    def test_replaces_an_existing_file(self):
        a = jpeg(self.path("a.jpg"))
        out = self.path("old.png")
        with open(out, "w") as f:
            f.write("stale")
        r = run(["grayscale", a, out])
        self.assertExit(r, 0)
        self.assertEqual(open_loaded(out).mode, "L")
        self.assertEqual(open_loaded(out).size, (300, 200))

    def test_into_another_folder(self):
        a = jpeg(self.path("a.jpg"))
        self.mkdir("web")
        out = self.path("web", "hero.webp")
        r = run(["thumbnail", a, out, "-s", "64"])
        self.assertExit(r, 0)
        self.assertEqual(open_loaded(out).size, (64, 64))
        self.assertEqual(file_format(out), "WEBP")

    def test_folder_forms(self):
        """A trailing / or an existing folder named like an image: a folder, as before."""
        a = jpeg(self.path("a.jpg"))
        r = run(["resize", a, self.path("x.jpg") + "/", "-s", "40x40"])
        self.assertExit(r, 0)
        self.assertTrue(os.path.isdir(self.path("x.jpg")))
        self.assertEqual(open_loaded(self.path("x.jpg", "a.jpg")).size, (40, 27))
        self.mkdir("y.webp")
        r = run(["resize", a, self.path("y.webp"), "-s", "40x40"])
        self.assertExit(r, 0)
        self.assertEqual(all_files(self.path("y.webp")), ["a.jpg"])
        # No image extension: a folder, created, as ever.
        r = run(["resize", a, self.path("small"), "-s", "40x40"])
        self.assertExit(r, 0)
        self.assertEqual(all_files(self.path("small")), ["a.jpg"])

    def test_refusals(self):
        """Exit 2 with one line naming the cause, and nothing written."""
        a = jpeg(self.path("a.jpg"))
        b = jpeg(self.path("b.jpg"))
        folder = self.mkdir("photos")
        jpeg(os.path.join(folder, "p.jpg"))
        cases = [
            (["resize", a, self.path("missing", "out.jpg")], "missing"),
            (["resize", a, self.path("out.bmp")], "not BMP"),
            (["resize", a, self.path("out.webp"), "-f", "png"], "disagree"),
            (["resize", a, self.path("out.webp"), "--suffix", "_s"], "--suffix needs OUTPUT"),
            (["resize", a, self.path("out.webp"), "--incremental"], "--incremental needs"),
            (["resize", a, b, self.path("out.jpg")], "2 INPUTs"),
            (["resize", folder, self.path("out.jpg")], "is a folder"),
        ]
        before = sorted(os.listdir(self.tmp))
        for args, words in cases:
            with self.subTest(args=args[1:]):
                r = run(args)
                self.assertExit(r, 2)
                self.assertIn(words, r.err)
                self.assertEqual(r.err.count("\n"), 1, r.err)
                self.assertEqual(r.out, "")
                self.assertEqual(sorted(os.listdir(self.tmp)), before)

    def test_forgotten_output_does_not_overwrite(self):
        """`resize a.jpg b.jpg c.jpg`: c.jpg is an input the user forgot to follow by a
        folder; it is neither replaced nor made a folder."""
        a, b, c = (jpeg(self.path(n)) for n in ("a.jpg", "b.jpg", "c.jpg"))
        before = tree_digests(self.tmp)
        r = run(["resize", a, b, c])
        self.assertExit(r, 2)
        self.assertIn("several inputs go into a folder", r.err)
        self.assertEqual(tree_digests(self.tmp), before)

    def test_output_is_the_input(self):
        a = jpeg(self.path("a.jpg"))
        before = tree_digests(self.tmp)
        r = run(["resize", a, a])
        self.assertExit(r, 1)
        self.assertIn("would overwrite an input", r.out + r.err)
        self.assertEqual(tree_digests(self.tmp), before)

    def test_planted_link_at_the_output(self):
        """OUTPUT names a link (to a file someone wants overwritten): not replaced."""
        a = jpeg(self.path("a.jpg"))
        victim = self.path("victim.txt")
        with open(victim, "w") as f:
            f.write("keep")
        os.symlink(victim, self.path("out.jpg"))
        r = run(["resize", a, self.path("out.jpg")])
        self.assertExit(r, 1)
        self.assertIn("symbolic link", r.out + r.err)
        with open(victim) as f:
            self.assertEqual(f.read(), "keep")
        self.assertTrue(os.path.islink(self.path("out.jpg")))
        self.assertNoTempFiles(self.tmp)


class SeveralInputsTest(ImgbatchTestCase):
    def test_files_and_folders_into_one_folder(self):
        """`resize *.jpg more/ out/`: every image, flat, the folders' as their own."""
        src = self.mkdir("src")
        names = ["a.jpg", "b.jpg", "c.png"]
        for n in names[:2]:
            jpeg(os.path.join(src, n))
        solid(os.path.join(src, "c.png"), (100, 50), (0, 0, 255))
        more = self.mkdir("more")
        jpeg(os.path.join(more, "m.jpg"), size=(80, 80))
        out = self.path("out")
        r = run_text(["resize"] + [os.path.join(src, n) for n in names] + [more, out + "/",
                     "-s", "40x40"])
        self.assertExit(r.proc, 0)
        self.assertEqual(all_files(out), ["a.jpg", "b.jpg", "c.png", "m.jpg"])
        self.assertEqual(open_loaded(os.path.join(out, "c.png")).size, (40, 20))
        self.assertEqual(open_loaded(os.path.join(out, "m.jpg")).size, (40, 40))
        self.assertEqual(r.summary["ok"], "4")
        self.assertEqual(sorted(o["input"] for o in r.ok),
                         sorted([os.path.join(src, n) for n in names] +
                                [os.path.join(more, "m.jpg")]))

    def test_shared_name_fails_both(self):
        one, two = self.mkdir("one"), self.mkdir("two")
        jpeg(os.path.join(one, "x.jpg"))
        jpeg(os.path.join(two, "x.jpg"))
        jpeg(os.path.join(two, "y.jpg"))
        out = self.path("out")
        r = run_json(["resize", one, two, out, "-s", "20x20"])
        self.assertExit(r.proc, 1)
        failed = {rec["input"]: rec["error"] for rec in r.by_status("failed")}
        self.assertEqual(sorted(failed), [os.path.join(one, "x.jpg"), os.path.join(two, "x.jpg")])
        self.assertIn(os.path.join(two, "x.jpg"), failed[os.path.join(one, "x.jpg")])
        self.assertEqual(all_files(out), ["y.jpg"])

    def test_same_file_twice_is_one_job(self):
        src = self.mkdir("src")
        a = jpeg(os.path.join(src, "a.jpg"))
        r = run_text(["resize", src, a, a, self.path("out"), "-s", "20x20"])
        self.assertExit(r.proc, 0)
        self.assertEqual(len(r.ok), 1)

    def test_missing_input_stops_before_work(self):
        a = jpeg(self.path("a.jpg"))
        out = self.path("out")
        r = run(["resize", a, self.path("gone.jpg"), out])
        self.assertExit(r, 2)
        self.assertIn("gone.jpg", r.err)
        self.assertFalse(os.path.exists(out))

    def test_linked_input_named_on_the_command_line(self):
        """A link the user names is followed, once; the output takes the link's name."""
        real = self.mkdir("real")
        jpeg(os.path.join(real, "photo.jpg"), size=(90, 60))
        os.symlink(os.path.join(real, "photo.jpg"), self.path("alias.jpg"))
        out = self.path("out")
        r = run_text(["resize", self.path("alias.jpg"), out, "-s", "30x30"])
        self.assertExit(r.proc, 0)
        self.assertEqual(all_files(out), ["alias.jpg"])
        self.assertEqual(r.ok[0]["input"], self.path("alias.jpg"))


class BesideTest(ImgbatchTestCase):
    def test_suffix_beside_twice(self):
        """`resize album album --suffix _small`, run twice: the outputs beside the
        inputs, and the second run neither takes them as inputs nor redoes them."""
        album = self.mkdir("album")
        jpeg(os.path.join(album, "beach.jpg"))
        solid(os.path.join(album, "logo.png"), (300, 150), (10, 200, 10))
        r = run_text(["resize", album, album, "--suffix", "_small", "-s", "100x100"])
        self.assertExit(r.proc, 0)
        self.assertEqual(all_files(album),
                         ["beach.jpg", "beach_small.jpg", "logo.png", "logo_small.png"])
        self.assertEqual(open_loaded(os.path.join(album, "beach_small.jpg")).size, (100, 67))
        first = tree_digests(album)

        r = run_json(["resize", album, album, "--suffix", "_small", "-s", "100x100"])
        self.assertExit(r.proc, 0)
        self.assertEqual(all_files(album),
                         ["beach.jpg", "beach_small.jpg", "logo.png", "logo_small.png"])
        self.assertEqual(sorted(os.path.basename(x["input"]) for x in r.by_status("ok")),
                         ["beach.jpg", "logo.png"])
        skipped = {os.path.basename(x["input"]): x["reason"] for x in r.by_status("skipped")}
        self.assertEqual(sorted(skipped), ["beach_small.jpg", "logo_small.png"])
        self.assertIn("output of this command", skipped["beach_small.jpg"])
        self.assertEqual(sorted(first), sorted(tree_digests(album)))

    def test_convert_beside_to_webp_twice(self):
        album = self.mkdir("album")
        solid(os.path.join(album, "a.png"), (64, 48), (255, 0, 0))
        jpeg(os.path.join(album, "b.jpg"), size=(70, 50))
        for _ in range(2):
            r = run_text(["convert", album, album, "-f", "webp"])
            self.assertExit(r.proc, 0)
            self.assertEqual(all_files(album), ["a.png", "a.webp", "b.jpg", "b.webp"])
            self.assertEqual(r.summary["ok"], "2")
        self.assertEqual(open_loaded(os.path.join(album, "a.webp")).size, (64, 48))
        self.assertEqual(file_format(os.path.join(album, "b.webp")), "WEBP")

    def test_recursive_beside(self):
        album = self.mkdir("album", "2024")
        jpeg(os.path.join(album, "x.jpg"))
        top = self.path("album")
        for _ in range(2):
            r = run(["resize", top, top, "-r", "--suffix", "-web", "-s", "50x50"])
            self.assertExit(r, 0)
        self.assertEqual(all_files(top), ["2024/x-web.jpg", "2024/x.jpg"])

    def test_names_that_cannot_differ_are_refused(self):
        """Neither --suffix nor --format: the outputs would replace the inputs."""
        album = self.mkdir("album")
        jpeg(os.path.join(album, "a.jpg"))
        before = tree_digests(album)
        r = run(["sepia", album, album])
        self.assertExit(r, 2)
        self.assertIn("--suffix or --format", r.err)
        self.assertEqual(tree_digests(album), before)

    def test_files_beside_from_a_glob(self):
        """`resize album/*.jpg album/ --suffix _s`, as a shell expands it on the second
        run: the _s files are outputs, not inputs."""
        album = self.mkdir("album")
        jpeg(os.path.join(album, "a.jpg"))
        for _ in range(2):
            files = sorted(os.path.join(album, n) for n in os.listdir(album))
            r = run_text(["resize"] + files + [album, "--suffix", "_s", "-s", "40x40"])
            self.assertExit(r.proc, 0)
        self.assertEqual(all_files(album), ["a.jpg", "a_s.jpg"])


class ConvertTest(ImgbatchTestCase):
    def test_png_to_webp_keeps_pixels_and_size(self):
        src = self.mkdir("src")
        split_lr(os.path.join(src, "flag.png"), (64, 32), (255, 0, 0), (0, 0, 255))
        out = self.path("out")
        r = run_text(["convert", src, out, "--format", "webp", "-q", "100"])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.summary["op"], "convert")
        im = open_loaded(os.path.join(out, "flag.webp")).convert("RGB")
        self.assertEqual(im.size, (64, 32))
        left, right = im.getpixel((8, 16)), im.getpixel((56, 16))
        self.assertTrue(all(abs(c - e) <= 8 for c, e in zip(left, (255, 0, 0))), left)
        self.assertTrue(all(abs(c - e) <= 8 for c, e in zip(right, (0, 0, 255))), right)

    def test_upright_and_stripped(self):
        """A JPEG stored sideways (EXIF orientation 6) comes out upright, without the
        tag; through the fast path (JPEG to JPEG) and libvips (JPEG to PNG)."""
        a = jpeg(self.path("side.jpg"), size=(120, 80), orientation=6)
        for name in ("up.jpg", "up.png"):
            with self.subTest(output=name):
                out = self.path(name)
                r = run(["convert", a, out])
                self.assertExit(r, 0)
                im = open_loaded(out)
                self.assertEqual(im.size, (80, 120))
                self.assertNotIn(0x0112, im.getexif())

    def test_grey_stays_grey(self):
        g = self.path("g.png")
        Image.new("L", (40, 30), 77).save(g)
        out = self.path("g.jpg")
        r = run(["convert", g, out])
        self.assertExit(r, 0)
        im = open_loaded(out)
        self.assertEqual(im.mode, "L")
        self.assertLessEqual(abs(im.getpixel((20, 15)) - 77), 1)

    def test_size_refused(self):
        r = run(["convert", self.path("a.png"), self.path("b.webp"), "--size", "10x10"])
        self.assertExit(r, 2)
        self.assertIn("--size does not apply to convert", r.err)


if __name__ == "__main__":
    unittest.main()
