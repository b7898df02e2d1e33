"""Document-camera benchmark: page detection accuracy and speed on synthetic frames.

Frames come from devices.camera.synthetic (pages with known corners on dark mat,
coloured mat, wood, white desk and clutter, with perspective, curl, shadows, glare,
exposure, blur, noise and JPEG artefacts). For every frame it measures the Jaccard
index (IoU) of the detected against the true quadrilateral — a missed page scores 0 —
for our detector with and without the empty-platen reference, and for the plain
Canny + contour baseline on the same frames.

    .venv/bin/python bench/scan_bench.py --quick      # under 2 minutes
    .venv/bin/python bench/scan_bench.py              # full run (several minutes)
    .venv/bin/python bench/scan_bench.py --parts cases,orientation

The "cases" part puts the field trial's failure modes on synthetic frames — handheld
tilt, curled and torn edges, a hand with its thumb over the page edge, pages in all
four rotations, and one scene at 4160x3120 and 2560x1920 — and runs today's detector
(page_detect.py as of the commit this branch started from, loaded from git into a
temporary module; no copy is kept in the tree) and the current one on the same frames.
Per case: wrong-quad rate (accepted but IoU < 0.9), missed rate (no accepted quad),
upright rate of the finished page, and time per page; then the wrong/missed trade-off
at several confidence thresholds (how ACCEPT_CONFIDENCE was chosen).

The "upright" part lays pages of every kind in all four turns on 12 MP stills and turns
the finished pages upright with today's method (Tesseract OSD, page_make.py as of
ORIENT_BASE_COMMIT, loaded from git) and the current one (page_orient: text lines and
QR codes) on the same pages: upright rate per kind and turn, wrong-rotation rate,
unsure rate, wall and CPU time per page; "orientation" does the same on clean rendered
pages.

    nice -n 10 .venv/bin/python bench/scan_bench.py --parts upright,orientation [--quick]

Prints figures only; nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from devices.camera import synthetic  # noqa: E402
from devices.camera.page_detect import PlatenReference, detect_page, detect_page_baseline  # noqa: E402

# The commit this branch started from: "today's detector" is read from it.
BASE_COMMIT = "7467453"


def _iou(found, truth) -> float:
    return 0.0 if found is None else synthetic.quad_iou(found, truth)


def _summary(values: list[float]) -> str:
    if not values:
        return "n/a"
    arr = np.array(values)
    return f"mean IoU {arr.mean():.4f}  <0.9: {100 * (arr < 0.9).mean():5.1f}%  min {arr.min():.3f}"


def run_accuracy(width: int, height: int, per_background: int, seed: int, timing: bool) -> dict:
    rng = np.random.default_rng(seed)
    rows: dict[str, dict[str, list[float]]] = {}
    preview_ms: list[float] = []
    for background in synthetic.BACKGROUNDS:
        result = rows.setdefault(background, {"ours+ref": [], "ours": [], "baseline": []})
        for _ in range(per_background):
            scene = synthetic.random_scene(rng, background, aspect=width / height)
            frame = synthetic.render_scene(scene, width, height)
            empty = synthetic.render_scene(synthetic.empty_scene(scene), width, height)
            truth = scene.corners_px(width, height)
            reference = PlatenReference(empty)
            start = time.perf_counter()
            with_ref = detect_page(frame, reference, refine_full=width > 2000)
            elapsed = (time.perf_counter() - start) * 1000
            if timing:
                preview_ms.append(elapsed)
            without = detect_page(frame, None, refine_full=width > 2000)
            result["ours+ref"].append(_iou(None if with_ref is None else with_ref.corners, truth))
            result["ours"].append(_iou(None if without is None else without.corners, truth))
            result["baseline"].append(_iou(detect_page_baseline(frame), truth))
    return {"rows": rows, "preview_ms": preview_ms}


def run_preview_speed(frames: int, seed: int) -> tuple[list[float], list[float]]:
    """Preview detection at 1080p on frames already in memory (what the capture thread does)."""
    rng = np.random.default_rng(seed)
    scenes = [synthetic.random_scene(rng, bg) for bg in synthetic.BACKGROUNDS]
    images = [synthetic.render_scene(s, 1920, 1080) for s in scenes]
    refs = [PlatenReference(synthetic.render_scene(synthetic.empty_scene(s), 1920, 1080)) for s in scenes]
    with_ref, without = [], []
    for i in range(frames):
        k = i % len(images)
        t = time.perf_counter()
        detect_page(images[k], refs[k], refine_full=False)
        with_ref.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        detect_page(images[k], None, refine_full=False)
        without.append((time.perf_counter() - t) * 1000)
    return with_ref, without


def run_still_pipeline(frames: int, seed: int) -> dict[str, list[float]]:
    """12 MP JPEG-decoded still → detected, warped, enhanced, gated, encoded page."""
    from devices.camera.page_make import make_page

    rng = np.random.default_rng(seed)
    timings: dict[str, list[float]] = {"detect": [], "make": [], "total": [], "kB": []}
    for i in range(frames):
        background = synthetic.BACKGROUNDS[i % len(synthetic.BACKGROUNDS)]
        scene = synthetic.random_scene(rng, background, aspect=4 / 3)
        still = synthetic.render_scene(scene, 4032, 3024)
        reference = PlatenReference(synthetic.render_scene(synthetic.empty_scene(scene), 1008, 756))
        t0 = time.perf_counter()
        detection = detect_page(still, reference)
        t1 = time.perf_counter()
        if detection is None:
            continue
        page = make_page(still, detection)
        t2 = time.perf_counter()
        timings["detect"].append((t1 - t0) * 1000)
        timings["make"].append((t2 - t1) * 1000)
        timings["total"].append((t2 - t0) * 1000)
        timings["kB"].append(len(page.jpeg_bytes) / 1024)
    return timings


# --------------------------------------------------------------------------- field cases

def load_from_git(path: str, name: str, commit: str = BASE_COMMIT, replace: dict[str, str] | None = None):
    """A module made from `path` as it was at `commit` (for comparing with today's code);
    `replace` patches names that no longer exist in the modules it imports."""
    import importlib.util
    import subprocess
    import tempfile

    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=root, capture_output=True, text=True,
                            check=True).stdout
    for old, new in (replace or {}).items():
        source = source.replace(old, new)
    folder = Path(tempfile.mkdtemp(prefix="scan_bench_"))
    file = folder / f"{name}.py"
    file.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


TEXT_KINDS = ("a4_text", "form", "certificate", "id_copy", "slip")


def case_scene(case: str, rng: np.random.Generator, aspect: float) -> synthetic.Scene:
    from dataclasses import replace

    background = str(rng.choice(synthetic.BACKGROUNDS))
    if case == "standard":
        return synthetic.random_scene(rng, background, aspect=aspect)
    if case == "tilt":  # photographed by hand, 25-45° from straight above
        kind = str(rng.choice(("a4_text", "form", "certificate", "id_card")))
        base = synthetic.random_scene(rng, background, aspect=aspect, page_kind=kind)
        coverage = float(rng.uniform(0.25, 0.4)) if kind == "id_card" else float(rng.uniform(0.55, 0.8))
        corners = synthetic.tilted_corners(rng, kind, aspect, float(rng.uniform(25, 45)), coverage,
                                           focal=float(rng.uniform(0.75, 1.1)))
        return replace(base, corners=corners, glare=0.0)
    if case == "curl_torn":
        kind = str(rng.choice(("a4_text", "form", "certificate", "id_copy")))
        base = synthetic.random_scene(rng, background, aspect=aspect, page_kind=kind)
        return replace(base, curl=float(rng.choice([-1, 1]) * rng.uniform(0.012, 0.025)),
                       torn=float(rng.uniform(0.015, 0.04)))
    if case == "hand":  # held down or held up by hand, thumb across an edge
        kind = str(rng.choice(("a4_text", "form", "id_card", "id_card")))
        base = synthetic.random_scene(rng, background, aspect=aspect, page_kind=kind)
        length = float(rng.uniform(0.5, 0.9)) if kind == "id_card" else float(rng.uniform(0.25, 0.45))
        return replace(base, hand=(int(rng.integers(0, 4)), float(rng.uniform(0.25, 0.75)), length), glare=0.0)
    if case == "rotated":  # text pages lying 0/90/180/270° round
        kind = str(rng.choice(TEXT_KINDS))
        base = synthetic.random_scene(rng, background, aspect=aspect, page_kind=kind, hard=False)
        turn = int(rng.integers(0, 4)) * 90
        coverage = float(rng.uniform(0.5, 0.8)) if kind == "slip" else float(rng.uniform(0.7, 0.92))
        corners = synthetic.place_page(rng, kind, aspect, coverage, angle_deg=turn + float(rng.uniform(-6, 6)),
                                       perspective=0.01)
        return replace(base, corners=corners)
    raise ValueError(case)


def needed_rotation(found: np.ndarray, truth: np.ndarray) -> int:
    """Clockwise degrees the warp of `found` needs to be upright: truth lists the page's
    own corners from its top-left; the warp puts found[0] at the top-left."""
    shifts = [float(np.linalg.norm(found - np.roll(truth, -k, axis=0), axis=1).sum()) for k in range(4)]
    return (90 * int(np.argmin(shifts))) % 360


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "  n/a "


def run_cases(cases: list[str], frames: int, seed: int, width: int, height: int, orient: bool) -> None:
    from devices.camera import page_make
    from devices.camera.page_detect import ACCEPT_CONFIDENCE

    old_detect = load_from_git("devices/camera/page_detect.py", "page_detect_base")
    old_make = load_from_git("devices/camera/page_make.py", "page_make_base",
                             replace={"zh.UNSURE_EDGES": "zh.REPLACE_PAGE"})
    detectors = {"today": lambda f: old_detect.detect_page(f, None, min_confidence=0.3),
                 "new": lambda f: detect_page(f, None, min_confidence=0.3)}
    print(f"\n== field cases at {width}x{height}, {frames} frames each, no platen reference; "
          f"today = {BASE_COMMIT}, accepted = confidence >= {ACCEPT_CONFIDENCE} ==")
    print(f"{'case':10s} {'detector':8s} {'wrong':>7s} {'missed':>7s} {'wrong*':>7s} {'upright':>8s} {'unsure':>7s} "
          f"{'ms/page':>8s} {'orient ms':>9s}")
    sweep: dict[str, list[tuple[float | None, float]]] = {"today": [], "new": []}
    for case in cases:
        rng = np.random.default_rng(seed + sum(map(ord, case)))
        scenes = [case_scene(case, rng, width / height) for _ in range(frames)]
        images = [synthetic.render_scene(s, width, height) for s in scenes]
        for name, detect in detectors.items():
            wrong = missed = wrong_any = upright = unsure = oriented = 0
            times, orient_times = [], []
            for scene, frame in zip(scenes, images):
                truth = scene.corners_px(width, height)
                t = time.perf_counter()
                found = detect(frame)
                times.append((time.perf_counter() - t) * 1000)
                iou = 0.0 if found is None else synthetic.quad_iou(found.corners, truth)
                sweep[name].append((None if found is None else found.confidence, iou))
                if found is not None and iou < 0.9:
                    wrong_any += 1
                if found is None or found.confidence < ACCEPT_CONFIDENCE:
                    missed += 1
                    continue
                if iou < 0.9:
                    wrong += 1
                    continue
                if not orient or scene.page_kind not in TEXT_KINDS:
                    continue
                corners = page_detect_order(found.corners)
                need = needed_rotation(corners, truth)
                maker = page_make if name == "new" else old_make
                page_class = maker.classify_page(found)
                warped = maker.warp_page(frame, corners, page_class)
                t = time.perf_counter()
                if name == "new":
                    enhanced, _ = maker.enhance(warped)
                    turned, sure = maker.upright_rotation(enhanced, page_class)
                else:
                    turned, sure = maker.upright_rotation(warped, page_class), True
                orient_times.append((time.perf_counter() - t) * 1000)
                oriented += 1
                upright += int(turned == need)
                unsure += int(not sure)
            n = len(scenes)
            print(f"{case:10s} {name:8s} {_pct(wrong, n)} {_pct(missed, n)} {_pct(wrong_any, n)} "
                  f"{_pct(upright, oriented):>8s} {_pct(unsure, oriented)} {statistics.median(times):8.1f} "
                  f"{(statistics.median(orient_times) if orient_times else float('nan')):9.1f}")
    print("wrong = accepted quad with IoU < 0.9; missed = no accepted quad; wrong* = any quad returned with "
          "IoU < 0.9 (whatever its confidence); upright/unsure over accepted text pages")
    print("\n== accept threshold sweep over all case frames: wrong-quad rate / missed rate ==")
    thresholds = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
    print(f"{'detector':8s} " + " ".join(f"{t:>13.2f}" for t in thresholds))
    for name, rows in sweep.items():
        cells = []
        for threshold in thresholds:
            accepted = [(c, iou) for c, iou in rows if c is not None and c >= threshold]
            wrong = sum(1 for _, iou in accepted if iou < 0.9)
            cells.append(f"{100 * wrong / len(rows):5.1f}/{100 * (len(rows) - len(accepted)) / len(rows):5.1f}%")
        print(f"{name:8s} " + " ".join(f"{c:>13s}" for c in cells))


def page_detect_order(corners: np.ndarray) -> np.ndarray:
    from devices.camera.page_detect import order_clockwise

    return order_clockwise(corners)


def run_resolution_agreement(frames: int, seed: int) -> None:
    """The same scene as a 4160x3120 photo and as 2560x1920: the quads must agree."""
    old_detect = load_from_git("devices/camera/page_detect.py", "page_detect_base")
    rng = np.random.default_rng(seed)
    print(f"\n== one scene at 4160x3120 and 2560x1920 ({frames} scenes): IoU vs truth, big / small ==")
    for name, detect in (("today", old_detect.detect_page), ("new", detect_page)):
        rows = []
        rng = np.random.default_rng(seed)
        for _ in range(frames):
            scene = case_scene(str(rng.choice(("standard", "tilt"))), rng, 4 / 3)
            ious = []
            for w, h in ((4160, 3120), (2560, 1920)):
                found = detect(synthetic.render_scene(scene, w, h), None)
                ious.append(0.0 if found is None else synthetic.quad_iou(found.corners, scene.corners_px(w, h)))
            rows.append(ious)
        arr = np.array(rows)
        disagree = int((np.abs(arr[:, 0] - arr[:, 1]) > 0.05).sum())
        print(f"{name:8s} mean IoU {arr[:, 0].mean():.3f} / {arr[:, 1].mean():.3f}; min {arr[:, 0].min():.3f} / "
              f"{arr[:, 1].min():.3f}; scenes where they differ by > 0.05: {disagree}")


# "Today's" orientation (Tesseract OSD) is read from the commit this branch started from.
ORIENT_BASE_COMMIT = "33c1246"
UPRIGHT_KINDS = TEXT_KINDS + ("id_card",)


def _orienters():
    """name -> f(enhanced page, page class) -> (clockwise turn, sure): today's (OSD, from
    git) and the current one (text lines + QR code), each timed with its code reading."""
    from devices.camera import page_make

    from devices.camera.page_orient import models_available

    old_make = load_from_git("devices/camera/page_make.py", "page_make_orient_base", commit=ORIENT_BASE_COMMIT)
    models_available()  # loaded before the first page is timed

    def today(page, page_class):
        return old_make.upright_rotation(page, page_class)

    def new(page, page_class):
        _, turns = page_make.read_codes_and_turns(page)
        return page_make.upright_rotation(page, page_class, qr_turns=turns)

    def lines_only(page, page_class):  # what a page without a QR code gets (the synthetic forms and slips have one)
        return page_make.upright_rotation(page, page_class)

    return {"OSD (today)": today, "lines+QR": new, "lines only": lines_only}


def _timed(orient, page, page_class) -> tuple[int, bool, float, float]:
    """(turn, sure, wall ms, CPU ms): CPU of this thread plus child processes (tesseract),
    which a box loaded by other work inflates far less than the wall time."""
    wall, cpu, children = time.perf_counter(), time.thread_time(), os.times()
    got, sure = orient(page, page_class)
    after = os.times()
    cpu_ms = (time.thread_time() - cpu + after.children_user - children.children_user
              + after.children_system - children.children_system) * 1000
    return got, sure, (time.perf_counter() - wall) * 1000, cpu_ms


class _Tally:
    def __init__(self) -> None:
        self.cells: dict[tuple[str, int], list[int]] = {}  # (kind, turn) -> [upright, wrong, unsure, n]
        self.ms: list[float] = []
        self.cpu_ms: list[float] = []
        self.by_typeface: dict[str, list[int]] = {}  # typeface -> [upright, wrong, unsure, n]

    def add_typeface(self, typeface: str, need: int, got: int, sure: bool) -> None:
        row = self.by_typeface.setdefault(typeface, [0, 0, 0, 0])
        row[0] += int(got == need)
        row[1] += int(got != need and sure)
        row[2] += int(not sure)
        row[3] += 1

    def add(self, kind: str, turn: int, need: int, got: int, sure: bool, ms: float, cpu_ms: float) -> None:
        cell = self.cells.setdefault((kind, turn), [0, 0, 0, 0])
        cell[3] += 1
        if got == need:
            cell[0] += 1
        elif sure:
            cell[1] += 1  # turned the wrong way (or left wrong while claiming to be sure)
        if not sure:
            cell[2] += 1
        self.ms.append(ms)
        self.cpu_ms.append(cpu_ms)

    def totals(self, kind: str | None = None) -> list[int]:
        rows = [c for (k, _), c in self.cells.items() if kind is None or k == kind]
        return [sum(c[i] for c in rows) for i in range(4)]


def _print_tallies(title: str, tallies: dict[str, _Tally], kinds: tuple[str, ...]) -> None:
    print(f"\n== {title} ==")
    print("upright rate per page kind and the turn it lay in (0/90/180/270), then over all turns: "
          "upright / wrong / unsure")
    print(f"{'kind':12s} {'method':12s} " + " ".join(f"{t:>7d}" for t in (0, 90, 180, 270))
          + f" {'upright':>8s} {'wrong':>7s} {'unsure':>7s}")
    for kind in kinds:
        for name, tally in tallies.items():
            cells = []
            for turn in (0, 90, 180, 270):
                c = tally.cells.get((kind, turn), [0, 0, 0, 0])
                cells.append(f"{_pct(c[0], c[3]):>7s}")
            up, wrong, unsure, n = tally.totals(kind)
            print(f"{kind:12s} {name:12s} " + " ".join(cells)
                  + f" {_pct(up, n):>8s} {_pct(wrong, n):>7s} {_pct(unsure, n):>7s}")
    for name, tally in tallies.items():
        up, wrong, unsure, n = tally.totals()
        ms = tally.ms or [float("nan")]
        cpu = tally.cpu_ms or [float("nan")]
        print(f"ALL {name:12s}: upright {_pct(up, n)}  wrong {_pct(wrong, n)}  unsure {_pct(unsure, n)}  "
              f"({n} pages); per page: wall median {statistics.median(ms):5.0f} ms, p90 "
              f"{np.percentile(ms, 90):5.0f}, max {max(ms):5.0f}; CPU median {statistics.median(cpu):5.0f} ms, "
              f"p90 {np.percentile(cpu, 90):5.0f}, max {max(cpu):5.0f}")
        for typeface, (up, wrong, unsure, n) in sorted(tally.by_typeface.items()):
            print(f"    text set in {typeface:4s}: upright {_pct(up, n)}  wrong {_pct(wrong, n)}  "
                  f"unsure {_pct(unsure, n)}  ({n} pages)")


def run_upright(per_cell: int, seed: int, width: int = 4032, height: int = 3024) -> None:
    """Pages of every kind lying in each of the four turns (plus a few degrees) on 12 MP
    stills: detected, warped and enhanced as make_page does, then turned upright by
    today's method and by the current one, on the same pages."""
    from dataclasses import replace

    from devices.camera import page_make
    from devices.camera.page_detect import ACCEPT_CONFIDENCE

    orienters = _orienters()
    tallies = {name: _Tally() for name in orienters}
    skipped = 0
    rng = np.random.default_rng(seed)
    for kind in UPRIGHT_KINDS:
        for turn in (0, 90, 180, 270):
            for k in range(per_cell):
                # Half the pages set in a Song face, as official documents are (when installed).
                typeface = synthetic.TYPEFACES[(k + turn // 90) % 2]
                if not synthetic.typeface_installed(typeface):
                    typeface = "sans"
                background = str(rng.choice(synthetic.BACKGROUNDS))
                base = synthetic.random_scene(rng, background, aspect=width / height, page_kind=kind, hard=False)
                coverage = {"slip": rng.uniform(0.5, 0.8), "id_card": rng.uniform(0.3, 0.45)}.get(
                    kind, rng.uniform(0.7, 0.92))
                corners = synthetic.place_page(rng, kind, width / height, float(coverage),
                                               angle_deg=turn + float(rng.uniform(-6, 6)), perspective=0.01)
                scene = replace(base, corners=corners, noise=float(rng.uniform(1.5, 3.5)),
                                shadow=float(rng.uniform(0, 0.25)), jpeg_quality=int(rng.integers(80, 93)),
                                page_seed=int(rng.integers(0, 4)), typeface=typeface)
                frame = synthetic.render_scene(scene, width, height)
                truth = scene.corners_px(width, height)
                found = detect_page(frame, None)
                if found is None or found.confidence < ACCEPT_CONFIDENCE or \
                        synthetic.quad_iou(found.corners, truth) < 0.9:
                    skipped += 1
                    continue
                corners_found = page_detect_order(found.corners)
                need = needed_rotation(corners_found, truth)
                page_class = page_make.classify_page(found)
                warped = page_make.warp_page(frame, corners_found, page_class)
                enhanced, _ = page_make.enhance(warped)
                for name, orient in orienters.items():
                    got, sure, ms, cpu_ms = _timed(orient, enhanced, page_class)
                    tallies[name].add(kind, turn, need, got, sure, ms, cpu_ms)
                    tallies[name].add_typeface(typeface, need, got, sure)
    _print_tallies(f"upright on {width}x{height} stills, {per_cell} per kind and turn "
                   f"(today = {ORIENT_BASE_COMMIT}); {skipped} pages not detected, left out", tallies,
                   UPRIGHT_KINDS)
    print("wrong = turned the wrong way; unsure = left as placed and flagged (upright only when it lay upright); "
          "time per page includes reading the codes for lines+QR")


def run_orientation(pages_per_kind: int, seed: int) -> None:
    """Today's orientation (OSD, loaded from git) against the current one on clean
    rendered Chinese pages (200 dpi, ID card 300 dpi) in all four turns."""
    from devices.camera import page_make

    orienters = _orienters()
    tallies = {name: _Tally() for name in orienters}
    for kind in UPRIGHT_KINDS:
        page_class = {"slip": page_make.PageClass("slip", 80, 150, 200), "id_card": page_make.ID_CARD,
                      "certificate": page_make.A4}.get(kind, page_make.A4)
        for seed_k in range(pages_per_kind):
            typeface = synthetic.TYPEFACES[seed_k % 2] if synthetic.typeface_installed("song") else "sans"
            page = synthetic.render_page(kind, seed + seed_k, page_class.dpi / 25.4, typeface=typeface)
            for turn in (0, 90, 180, 270):
                image = page_make.rotate(page, turn)
                need = (360 - turn) % 360
                for name, orient in orienters.items():
                    got, sure, ms, cpu_ms = _timed(orient, image, page_class)
                    tallies[name].add(kind, turn, need, got, sure, ms, cpu_ms)
                    tallies[name].add_typeface(typeface, need, got, sure)
    _print_tallies(f"orientation on rendered pages, {pages_per_kind} per kind x 4 turns", tallies, UPRIGHT_KINDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames (about a minute)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--parts", default="accuracy,preview,still,cases,resolution,orientation,upright",
                        help="comma-separated subset of accuracy, preview, still, cases, resolution, orientation, "
                             "upright (default: all)")
    args = parser.parse_args(argv)
    per_bg_1080 = 3 if args.quick else 40
    per_bg_12mp = 1 if args.quick else 6
    print(f"OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads, {os.cpu_count()} CPUs; "
          f"{'quick' if args.quick else 'full'} run, seed {args.seed}")

    parts = set(args.parts.split(","))
    all_scores: dict[str, list[float]] = {"ours+ref": [], "ours": [], "baseline": []}
    for (w, h, n) in ((1920, 1080, per_bg_1080), (4032, 3024, per_bg_12mp)) if "accuracy" in parts else ():
        t = time.perf_counter()
        result = run_accuracy(w, h, n, args.seed + w, timing=False)
        print(f"\n== accuracy at {w}x{h}, {n} frames per background ({time.perf_counter() - t:.0f} s) ==")
        print(f"{'background':14s} {'ours + reference':44s} {'ours, no reference':44s} baseline (Canny + contour)")
        for background, scores in result["rows"].items():
            print(f"{background:14s} {_summary(scores['ours+ref']):44s} {_summary(scores['ours']):44s} "
                  f"{_summary(scores['baseline'])}")
            for key in all_scores:
                all_scores[key] += scores[key]
    if "accuracy" in parts:
        print("\n== all frames ==")
    for key, label in (("ours+ref", "ours + reference"), ("ours", "ours, no reference"),
                       ("baseline", "baseline Canny+contour")) if "accuracy" in parts else ():
        print(f"{label:24s} {_summary(all_scores[key])}  ({len(all_scores[key])} frames)")

    with_ref, without = run_preview_speed(30 if args.quick else 150, args.seed) if "preview" in parts else ([], [])
    if with_ref:
        print("\n== preview detection at 1920x1080 (frame in memory) ==")
    for label, values in (("with reference", with_ref), ("without reference", without)) if with_ref else ():
        median = statistics.median(values)
        print(f"{label:18s} median {median:6.1f} ms  p90 {np.percentile(values, 90):6.1f} ms  "
              f"=> {1000 / median:5.1f} frames/s")

    if "cases" in parts:
        run_cases(["standard", "tilt", "curl_torn", "hand", "rotated"], 12 if args.quick else 60, args.seed,
                  1920, 1080, orient=False)
        run_cases(["rotated"], 6 if args.quick else 24, args.seed, 4032, 3024, orient=True)
    if "resolution" in parts:
        run_resolution_agreement(2 if args.quick else 10, args.seed)
    if "orientation" in parts:
        run_orientation(1 if args.quick else 3, args.seed)
    if "upright" in parts:
        run_upright(1 if args.quick else 4, args.seed)

    if "still" in parts:
        timings = run_still_pipeline(3 if args.quick else 15, args.seed)
        print("\n== 12 MP still (4032x3024) to finished page ==")
        if timings["total"]:
            print(f"detect+refine median {statistics.median(timings['detect']):6.1f} ms; "
                  f"warp+enhance+gate+codes+JPEG median {statistics.median(timings['make']):6.1f} ms; "
                  f"total median {statistics.median(timings['total']):6.1f} ms, max {max(timings['total']):6.1f} ms; "
                  f"JPEG median {statistics.median(timings['kB']):.0f} kB ({len(timings['total'])} stills)")
        else:
            print("no page found on any still")
    return 0


if __name__ == "__main__":
    sys.exit(main())
