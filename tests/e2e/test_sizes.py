"""Responsive sets (issue 18): every input in every size of a --size list and every format
of a --format list, from one decode.

On real photos (a landscape, an EXIF-rotated portrait, one smaller than the largest width)
and the corpus's PNG with alpha: every name there (photo-1280.webp), each output's size
as Pillow's thumbnail gives it (never enlarged), alpha kept in WebP and PNG and flattened
in JPEG, one report line per input, the JSON records and the --manifest document against
the files themselves.  Names: the default ones, --name templates with folders, templates
refused before any work (exit 2, nothing written), two inputs clashing on a generated
name.  --incremental per output: an output deleted is the only one made again, a size
added makes only that size, and the manifest still lists every output; --prune removes
each output of a gone input.  --crop: the positions by arithmetic on both paths
(IMGBATCH_FAST_PATHS=only proves the fast path took the JPEG), and attention keeping an
off-centre subject the centre cuts away; thumbnail boxes of other shapes cut from the
whole image, not from each other.  Animations with a still format in the list, and the
dry run.
"""

import json
import os
import re
import shutil
import unittest

from PIL import Image, ImageOps, ImageStat

import helpers
from helpers import (ImgbatchTestCase, NAME, corpus, decode_own, describe, mean_abs_diff,
                     open_loaded, pillow_fit, run, run_json, unquote_name, upright_size)

# The photos: a 4032x3024 landscape, a 2048x1536 stored as a portrait (EXIF 6), and a
# 1600x900 smaller than the largest width asked.
PHOTOS = ["exif_jpg_tests_42_IndexError.jpg", "exif_jpg_hdr_canon_hdr_NO.jpg",
          "exif_jpg_tests_45-gps_ifd.jpg"]
ALPHA = "alpha-layer-1-fill.png"  # 2048x1536 RGBA
KEPT = {".imgbatch-state", ".imgbatch.lock"}  # the --incremental state and the lock

SET_RE = re.compile(r"^\u2713 (?P<input>" + NAME + r") -> (?P<n>\d+) outputs? "
                    r"\((?P<iw>\d+)x(?P<ih>\d+) -> (?P<sizes>[0-9x, ]+) in (?P<formats>[^,]+?), "
                    r"(?P<ms>[0-9.]+) ms(?P<rest>.*)\)$")
SET_UP_RE = re.compile(r"^= (?P<input>" + NAME + r") -> (?P<n>\d+) outputs? \(up to date\)$")
SET_SUMMARY_RE = re.compile(r"^resize: (?P<ok>\d+) ok, (?P<failed>\d+) failed, "
                            r"(?P<skipped>\d+) skipped(?: \([^)]*\))?(?:, \d+ pruned)?; "
                            r"(?P<outputs>\d+) outputs? made in ")
PRUNED_RE = re.compile(r"^- (?P<input>" + NAME + r") -> (?P<output>" + NAME + r") "
                       r"\(removed: its input is gone\)$")


def lines_matching(text, regex):
    return [m.groupdict() for m in (regex.match(l) for l in text.split("\n")) if m]


def decoded(path, workdir):
    """An output decoded: WebP, AVIF and JPEG XL by their own decoders, the rest by Pillow."""
    if helpers.sniff(path) in ("WebP", "AVIF", "JPEG XL"):
        return decode_own(path, workdir)
    return open_loaded(path)


def has_alpha(im):
    return im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info)


class SetCase(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        self.out = self.path("out")
        self.work = self.mkdir("work")

    def photos(self, names=PHOTOS, alpha=True):
        for name in names:
            shutil.copy(corpus("photos", name), self.inp)
        if alpha:
            shutil.copy(corpus("formats", ALPHA), self.inp)

    def run_ok(self, *args, **kw):
        p = run(list(args), **kw)
        self.assertExit(p, 0)
        left = [f for f in helpers.hidden_files(self.out) if f not in KEPT] \
            if os.path.isdir(self.out) else []
        self.assertEqual(left, [], "temporary files left\n" + describe(p))
        return p

    def files(self):
        return set(helpers.all_files(self.out)) - KEPT


class SetOverPhotosTest(SetCase):
    """Three widths in two formats over real photos and a PNG with alpha."""

    SIZES = [1920, 1280, 640]

    def setUp(self):
        super().setUp()
        self.photos()
        self.manifest = self.path("site.json")
        self.p = self.run_ok("resize", self.inp, self.out, "--size", "1920x,1280x,640x",
                             "--format", "webp,jpeg", "--manifest", self.manifest, "-j", "2")

    def expected(self):
        """{output name: (width, height, format)} for every input."""
        want = {}
        for name in os.listdir(self.inp):
            stem = os.path.splitext(name)[0]
            size = upright_size(os.path.join(self.inp, name))
            for width in self.SIZES:
                w, h = pillow_fit(size, (width, 10 ** 6))
                for fmt, ext in (("webp", "webp"), ("jpeg", "jpg")):
                    want["%s-%d.%s" % (stem, width, ext)] = (w, h, fmt)
        return want

    def test_every_size_in_every_format(self):
        want = self.expected()
        self.assertEqual(self.files(), set(want))
        for name, (w, h, fmt) in sorted(want.items()):
            path = os.path.join(self.out, name)
            self.assertEqual(helpers.sniff(path), {"webp": "WebP", "jpeg": "JPEG"}[fmt], name)
            im = decoded(path, self.work)
            self.assertEqual(im.size, (w, h), name)
            alpha_input = name.startswith("alpha-layer")
            if fmt == "webp":
                self.assertEqual(has_alpha(im), alpha_input, "%s: alpha kept" % name)
            else:
                self.assertFalse(has_alpha(im), "%s: JPEG has no alpha" % name)

    def test_never_enlarged(self):
        # 1600x900 asked for 1920 wide: written at its own size, under its own name.
        small = open_loaded(os.path.join(self.out, "exif_jpg_tests_45-gps_ifd-1920.jpg"))
        self.assertEqual(small.size, (1600, 900))
        line = [l for l in self.p.out.split("\n") if "gps_ifd" in l][0]
        self.assertIn("; 1920x not enlarged: kept at 1600x900)", line)

    def test_one_line_per_input(self):
        sets = lines_matching(self.p.out, SET_RE)
        self.assertEqual(sorted(os.path.basename(unquote_name(s["input"])) for s in sets),
                         sorted(os.listdir(self.inp)), self.p.out)
        for s in sets:
            self.assertEqual(s["n"], "6")
            self.assertEqual(s["formats"], "WebP and JPEG")
        portrait = [s for s in sets if "canon" in s["input"]][0]
        self.assertEqual((portrait["iw"], portrait["ih"]), ("1536", "2048"))
        self.assertEqual(portrait["sizes"], "1536x2048, 1280x1707, 640x853")
        summary = lines_matching(self.p.out, SET_SUMMARY_RE)
        self.assertEqual(summary, [{"ok": "4", "failed": "0", "skipped": "0", "outputs": "24"}])

    def test_manifest(self):
        with open(self.manifest, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc["output"], self.out)
        inputs = [e["input"] for e in doc["inputs"]]
        self.assertEqual(inputs, sorted(os.path.join(self.inp, n) for n in os.listdir(self.inp)))
        want = self.expected()
        seen = set()
        for entry in doc["inputs"]:
            self.assertNotIn("error", entry)
            self.assertEqual(len(entry["outputs"]), 6)
            # In the lists' order: each size, in each format.
            self.assertEqual([(o["asked"], o["format"]) for o in entry["outputs"]],
                             [("%dx" % w, f) for w in self.SIZES for f in ("webp", "jpeg")])
            for o in entry["outputs"]:
                path = os.path.join(self.out, o["path"])
                self.assertEqual(o["bytes"], os.path.getsize(path), o)
                self.assertEqual((o["width"], o["height"], o["format"]), want[o["path"]], o)
                self.assertEqual(o.get("not_enlarged", False),
                                 int(o["asked"][:-1]) > o["width"] and
                                 o["width"] == upright_size(entry["input"])[0], o)
                seen.add(o["path"])
        self.assertEqual(seen, set(want))

    def test_json_records(self):
        shutil.rmtree(self.out)
        r = run_json(["resize", self.inp, self.out, "--size", "1920x,1280x,640x",
                      "--format", "webp,jpeg", "-j", "2"])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.summary["outputs"], 24)
        self.assertEqual(r.summary["ok"], 4)
        for rec in r.records:
            self.assertEqual(rec["status"], "ok")
            self.assertNotIn("output", rec)
            self.assertEqual(len(rec["outputs"]), 6)
            self.assertEqual(rec["up_to_date"], 0)
            for o in rec["outputs"]:
                self.assertEqual(o["bytes"], os.path.getsize(o["output"]))
                self.assertTrue(o["output"].startswith(self.out + "/"))


class NamesTest(SetCase):
    def test_one_size_several_formats(self):
        self.photos(PHOTOS[:1], alpha=False)
        self.run_ok("resize", self.inp, self.out, "--size", "800x", "-f", "avif,webp,jpeg")
        self.assertEqual(self.files(), {"exif_jpg_tests_42_IndexError.avif",
                                        "exif_jpg_tests_42_IndexError.webp",
                                        "exif_jpg_tests_42_IndexError.jpg"})
        im = decoded(os.path.join(self.out, "exif_jpg_tests_42_IndexError.avif"), self.work)
        self.assertEqual(im.size, (800, 600))

    def test_template_makes_folders(self):
        sub = self.mkdir("in", "2023", "june")
        shutil.copy(corpus("photos", PHOTOS[0]), os.path.join(sub, "a.jpg"))
        shutil.copy(corpus("photos", PHOTOS[2]), os.path.join(self.inp, "b.jpg"))
        self.run_ok("resize", "-r", self.inp, self.out, "--size", "640x,320x", "--name",
                    "{width}/{dir}/{name}.{format}.{ext}")
        self.assertEqual(self.files(), {"640/2023/june/a.jpeg.jpg", "320/2023/june/a.jpeg.jpg",
                                        "640/b.jpeg.jpg", "320/b.jpeg.jpg"})
        self.assertEqual(open_loaded(os.path.join(self.out, "320/b.jpeg.jpg")).size, (320, 180))

    def test_refused_before_any_work(self):
        self.photos(PHOTOS[:1], alpha=False)
        for args, words in [
            (["--size", "640x,320x", "--name", "{name}.{ext}"], "would be named"),
            (["--size", "640x480,640x360"], "would be named"),
            (["--name", "{name}-{size}.{ext}"], "unknown placeholder '{size}'"),
            (["--name", "../{name}.{ext}"], "begins with '.'"),
            (["--size", "1920x,x480"], "need a width each"),
            (["--size", "640x,640x"], "twice"),
        ]:
            p = run(["resize", self.inp, self.out] + args)
            self.assertExit(p, 2)
            self.assertIn(words, p.err, args)
            self.assertFalse(os.path.exists(self.out), "%s: OUTPUT made" % args)

    def test_generated_names_clash(self):
        # a.jpg and a.png both become a-640.webp and a-320.webp: both refused, before any
        # work, each naming the other; c.jpg is made.
        solid(self.path("in", "a.jpg"), (800, 600), (200, 10, 10))
        solid(self.path("in", "a.png"), (800, 600), (10, 200, 10))
        solid(self.path("in", "c.jpg"), (800, 600), (10, 10, 200))
        p = run(["resize", self.inp, self.out, "--size", "640x,320x", "-f", "webp"])
        self.assertExit(p, 1)
        failed, _ = helpers.failure_lines(p.err)
        self.assertEqual(sorted(os.path.basename(f["input"]) for f in failed), ["a.jpg", "a.png"])
        for f in failed:
            self.assertIn("output would clash with", f["error"])
        self.assertEqual(self.files(), {"c-640.webp", "c-320.webp"})

    def test_output_in_the_way_fails_the_input(self):
        # One of a set's outputs is a directory: the input fails before any work, whole.
        solid(self.path("in", "a.jpg"), (800, 600), (200, 10, 10))
        self.mkdir("out", "a-320.jpg")
        p = run(["resize", self.inp, self.out, "--size", "640x,320x"])
        self.assertExit(p, 1)
        self.assertIn("is a directory: not replaced", p.err)
        self.assertFalse(os.path.exists(self.path("out", "a-640.jpg")))

    def test_template_into_input_refused(self):
        # INPUT inside OUTPUT, and a template whose folder is INPUT: refused before any work,
        # since the next run would take photo-640.jpg for an input; another folder is fine.
        inp = self.mkdir("out", "photos")
        solid(os.path.join(inp, "a.jpg"), (800, 600), (200, 10, 10))
        p = run(["resize", inp, self.out, "--size", "640x,320x", "--name",
                 "photos/{name}-{width}.{ext}"])
        self.assertExit(p, 1)
        self.assertIn("would be written into an INPUT folder", p.err)
        self.assertEqual(os.listdir(inp), ["a.jpg"])
        self.run_ok("resize", inp, self.out, "--size", "640x,320x", "--name",
                    "img/{name}-{width}.{ext}")
        self.assertEqual(self.files(), {"photos/a.jpg", "img/a-640.jpg", "img/a-320.jpg"})
        # INPUT files named one by one in OUTPUT: a set beside them is refused the same way.
        p = run(["resize", os.path.join(inp, "a.jpg"), inp + "/", "--size", "640x,320x"])
        self.assertExit(p, 1)
        self.assertIn("would be written into an INPUT folder", p.err)

    def test_beside_inputs_refused(self):
        solid(self.path("in", "a.jpg"), (800, 600), (200, 10, 10))
        p = run(["resize", self.inp, self.inp, "--size", "640x,320x"])
        self.assertExit(p, 2)
        self.assertIn("another OUTPUT", p.err)
        self.assertEqual(os.listdir(self.inp), ["a.jpg"])


def solid(path, size, colour):
    Image.new("RGB", size, colour).save(path, quality=95)


class NeverEnlargeTest(SetCase):
    def test_collapsed_sizes(self):
        # A 1000x667 photo asked for 1920, 1280 and 640 wide: two files at its size.
        im = Image.open(corpus("photos", "sharp_bench.jpg")).resize((1000, 667))
        im.save(self.path("in", "small.jpg"), quality=92)
        p = self.run_ok("resize", self.inp, self.out, "--size", "1920x,1280x,640x",
                        "--manifest", "-", "--quiet")
        doc = json.loads(p.out)
        outs = doc["inputs"][0]["outputs"]
        self.assertEqual([(o["path"], o["width"], o["height"], o.get("not_enlarged", False))
                          for o in outs],
                         [("small-1920.jpg", 1000, 667, True), ("small-1280.jpg", 1000, 667, True),
                          ("small-640.jpg", 640, 427, False)])
        # The same picture under both names.
        with open(self.path("out", "small-1920.jpg"), "rb") as a, \
                open(self.path("out", "small-1280.jpg"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        p = self.run_ok("resize", self.inp, self.path("out2"), "--size", "1920x,1280x,640x")
        self.assertIn("(1000x667 -> 1000x667, 640x427 in JPEG, ", p.out)
        self.assertIn("; 1920x, 1280x not enlarged: kept at 1000x667)", p.out)


class IncrementalSetTest(SetCase):
    ARGS = ["--size", "1280x,640x", "-f", "webp,jpeg", "--incremental"]

    def setUp(self):
        super().setUp()
        self.photos(PHOTOS[:2], alpha=False)
        self.manifest = self.path("m.json")
        self.first = self.run_ok("resize", self.inp, self.out, "--manifest", self.manifest,
                                 *self.ARGS)

    def identities(self):
        out = {}
        for name in self.files():
            st = os.stat(os.path.join(self.out, name))
            out[name] = (st.st_ino, st.st_mtime_ns)
        return out

    def manifest_paths(self):
        with open(self.manifest, encoding="utf-8") as f:
            doc = json.load(f)
        return {o["path"]: (o["width"], o["height"]) for e in doc["inputs"] for o in e["outputs"]}

    def test_all_up_to_date(self):
        before = self.identities()
        p = self.run_ok("resize", self.inp, self.out, "--manifest", self.manifest, *self.ARGS)
        up = lines_matching(p.out, SET_UP_RE)
        self.assertEqual(len(up), 2, p.out)
        self.assertTrue(all(u["n"] == "4" for u in up))
        self.assertIn("0 outputs made", p.out)
        self.assertEqual(self.identities(), before)
        # The manifest still lists every output, with its size, from the state.
        self.assertEqual(len(self.manifest_paths()), 8)

    def test_one_output_deleted_is_the_only_one_redone(self):
        before = self.identities()
        gone = "exif_jpg_tests_42_IndexError-640.webp"
        os.unlink(self.path("out", gone))
        p = self.run_ok("resize", self.inp, self.out, "--manifest", self.manifest, *self.ARGS)
        sets = lines_matching(p.out, SET_RE)
        self.assertEqual(len(sets), 1, p.out)
        self.assertEqual(sets[0]["n"], "1")
        self.assertEqual(sets[0]["sizes"], "640x480")
        self.assertEqual(sets[0]["formats"], "WebP")
        self.assertIn("; 3 up to date", sets[0]["rest"])
        after = self.identities()
        for name, ident in before.items():
            if name != gone:
                self.assertEqual(after[name], ident, name)
        self.assertIn(gone, after)
        self.assertEqual(self.manifest_paths()[gone], (640, 480))

    def test_size_added_makes_only_that_size(self):
        before = self.identities()
        args = ["--size", "1280x,640x,320x", "-f", "webp,jpeg", "--incremental"]
        p = self.run_ok("resize", self.inp, self.out, *args)
        for s in lines_matching(p.out, SET_RE):
            self.assertEqual(s["n"], "2", p.out)
            self.assertIn("; 4 up to date", s["rest"])
        after = self.identities()
        self.assertEqual({n: after[n] for n in before}, before)
        self.assertEqual(len(after), 12)

    def test_prune_removes_every_output(self):
        os.unlink(self.path("in", PHOTOS[0]))
        p = self.run_ok("resize", self.inp, self.out, "--prune", *self.ARGS)
        pruned = lines_matching(p.out, PRUNED_RE)
        stem = os.path.splitext(PHOTOS[0])[0]
        self.assertEqual(sorted(os.path.basename(unquote_name(x["output"])) for x in pruned),
                         sorted("%s-%s.%s" % (stem, w, e) for w in (1280, 640)
                                for e in ("webp", "jpg")))
        self.assertEqual(len(self.files()), 4)
        self.assertTrue(all(not f.startswith(stem) for f in self.files()))


def bands(path, size, colours, vertical):
    """Three equal bands, top to bottom (vertical) or left to right."""
    w, h = size
    im = Image.new("RGB", size)
    for i, c in enumerate(colours):
        box = (0, i * h // 3, w, (i + 1) * h // 3) if vertical else \
              (i * w // 3, 0, (i + 1) * w // 3, h)
        im.paste(Image.new("RGB", (box[2] - box[0], box[3] - box[1]), c), box[:2])
    im.save(path, quality=95)


RED, GREEN, BLUE = (220, 20, 20), (20, 200, 20), (20, 20, 220)


class CropTest(SetCase):
    """--crop places thumbnail's box: by arithmetic on both paths, or where the subject is."""

    def setUp(self):
        super().setUp()
        for ext in ("jpg", "png"):
            bands(self.path("in", "portrait.%s" % ext), (300, 900), (RED, GREEN, BLUE), True)
            bands(self.path("in", "landscape.%s" % ext), (900, 300), (RED, GREEN, BLUE), False)

    def colour_of(self, path):
        im = open_loaded(path).convert("RGB")
        self.assertEqual(im.size, (100, 100), path)
        return tuple(round(v) for v in ImageStat.Stat(im).mean)

    def nearest(self, colour):
        return min((RED, GREEN, BLUE), key=lambda c: sum(abs(a - b) for a, b in zip(c, colour)))

    def test_positions(self):
        want = {"centre": (GREEN, GREEN), "top": (RED, GREEN), "bottom": (BLUE, GREEN),
                "left": (GREEN, RED), "right": (GREEN, BLUE)}
        for crop, (portrait, landscape) in want.items():
            for env in ({}, {"IMGBATCH_FAST_PATHS": "0"}):
                out = self.path("out-%s-%d" % (crop, len(env)))
                p = run(["thumbnail", self.inp, out, "--size", "100", "--crop", crop],
                        env=dict(os.environ, **env))
                self.assertExit(p, 0)
                for ext in ("jpg", "png"):
                    for name, colour in (("portrait", portrait), ("landscape", landscape)):
                        got = self.colour_of(os.path.join(out, "%s.%s" % (name, ext)))
                        self.assertEqual(self.nearest(got), colour, (crop, name, ext, env, got))

    def test_fast_path_takes_the_edges(self):
        # JPEG to JPEG at an edge is arithmetic: the fast path does it (=only fails others).
        os.unlink(self.path("in", "portrait.png"))
        os.unlink(self.path("in", "landscape.png"))
        p = run(["thumbnail", self.inp, self.out, "--size", "100", "--crop", "bottom"],
                env=dict(os.environ, IMGBATCH_FAST_PATHS="only"))
        self.assertExit(p, 0)
        p = run(["thumbnail", self.inp, self.path("o2"), "--size", "100", "--crop", "attention"],
                env=dict(os.environ, IMGBATCH_FAST_PATHS="only"))
        self.assertExit(p, 1)
        self.assertIn("not for the JPEG fast path", p.err)

    def test_attention_keeps_an_off_centre_subject(self):
        # A flat grey field with a bright, busy subject near its right edge.
        for ext in ("jpg", "png"):
            im = Image.new("RGB", (1200, 400), (120, 128, 124))
            px = im.load()
            for y in range(120, 280):
                for x in range(1020, 1180):
                    px[x, y] = (255, 40, 40) if (x // 8 + y // 8) % 2 else (255, 230, 0)
            im.save(self.path("in", "subject.%s" % ext), quality=95)
        for crop in ("centre", "attention", "entropy"):
            out = self.path("out-" + crop)
            self.run_ok("thumbnail", self.inp, out, "--size", "200x200", "--crop", crop)
            for ext in ("jpg", "png"):
                im = open_loaded(os.path.join(out, "subject.%s" % ext)).convert("RGB")
                # The subject's red and yellow squares, which the grey field has none of.
                bright = sum(1 for r, g, b in im.getdata() if r > 200 and b < 120)
                self.assertEqual(bright > 1000, crop != "centre", (crop, ext, bright))

    def test_boxes_of_other_shapes_from_the_whole_image(self):
        # A landscape in 400x300 and 300x400: the second is cut from the image covering it,
        # not from the first box, so it holds the whole height and the middle.
        photo = corpus("photos", "sharp_bench.jpg")
        shutil.copy(photo, self.path("in", "photo.jpg"))
        for f in os.listdir(self.inp):
            if f != "photo.jpg":
                os.unlink(self.path("in", f))
        self.run_ok("thumbnail", self.inp, self.out, "--size", "400x300,300x400",
                    "--name", "{name}-{width}x{height}.{ext}")
        src = ImageOps.exif_transpose(Image.open(photo)).convert("RGB")
        tall = open_loaded(self.path("out", "photo-300x400.jpg")).convert("RGB")
        for w, h in ((400, 300), (300, 400)):
            got = open_loaded(self.path("out", "photo-%dx%d.jpg" % (w, h))).convert("RGB")
            want = ImageOps.fit(src, (w, h), Image.LANCZOS)
            # Within resampling's differences (about 5); a wrong window is 20 and more apart.
            self.assertLess(max(mean_abs_diff(got, want)), 10.0, (w, h))
        wide = open_loaded(self.path("out", "photo-400x300.jpg")).convert("RGB")
        self.assertGreater(max(mean_abs_diff(tall, ImageOps.fit(wide, (300, 400)))), 15.0)
        # The largest level is made as a run of its size alone makes it.
        self.run_ok("thumbnail", self.inp, self.path("alone"), "--size", "300x400")
        alone = open_loaded(self.path("alone", "photo.jpg")).convert("RGB")
        self.assertEqual(max(mean_abs_diff(tall, alone)), 0)


class BothPathsTest(SetCase):
    """A JPEG set down the fast path (=only proves it took every photo) and down libvips:
    the same names and sizes, the pixels within resampling's rounding."""

    def test_fast_and_libvips_agree(self):
        self.photos(alpha=False)
        args = ["--size", "1920x,1280x,640x,320x", "-q", "100"]
        fast, slow = self.path("fast"), self.path("slow")
        p = run(["resize", self.inp, fast] + args, env=dict(os.environ, IMGBATCH_FAST_PATHS="only"))
        self.assertExit(p, 0)
        p = run(["resize", self.inp, slow] + args, env=dict(os.environ, IMGBATCH_FAST_PATHS="0"))
        self.assertExit(p, 0)
        names = helpers.all_files(fast)
        self.assertEqual(names, helpers.all_files(slow))
        self.assertEqual(len(names), 12)
        for name in names:
            a = open_loaded(os.path.join(fast, name)).convert("RGB")
            b = open_loaded(os.path.join(slow, name)).convert("RGB")
            self.assertEqual(a.size, b.size, name)
            self.assertLess(max(mean_abs_diff(a, b)), 1.5, name)


class AnimationSetTest(SetCase):
    def test_animated_and_still_formats(self):
        shutil.copy(corpus("formats", "animated-loop-3.gif"), self.inp)
        self.run_ok("resize", self.inp, self.out, "--size", "200x,100x", "-f", "gif,png")
        for w in (200, 100):
            gif = Image.open(self.path("out", "animated-loop-3-%d.gif" % w))
            self.assertEqual(gif.n_frames, 10)
            self.assertEqual(gif.size[0], w)
            png = open_loaded(self.path("out", "animated-loop-3-%d.png" % w))
            self.assertEqual(png.size, gif.size)
            self.assertEqual(getattr(png, "n_frames", 1), 1)


class DryRunSetTest(SetCase):
    def test_lines_per_output(self):
        self.photos(PHOTOS[:1], alpha=False)
        p = run(["resize", self.inp, self.out, "--size", "640x,320x", "-f", "webp,jpeg", "-n"])
        self.assertExit(p, 0)
        lines = [l for l in p.out.split("\n") if l.startswith("process")]
        self.assertEqual(len(lines), 4, p.out)
        self.assertTrue(lines[0].endswith("-640.webp"), lines)
        self.assertIn("dry run: 1 to process (4 outputs), 0 to skip, 0 refused", p.out)
        self.assertFalse(os.path.exists(self.out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
