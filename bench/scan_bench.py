"""Document-camera benchmark: page detection accuracy and speed on synthetic frames.

Frames come from devices.camera.synthetic (pages with known corners on dark mat,
coloured mat, wood, white desk and clutter, with perspective, curl, shadows, glare,
exposure, blur, noise and JPEG artefacts). For every frame it measures the Jaccard
index (IoU) of the detected against the true quadrilateral — a missed page scores 0 —
for our detector with and without the empty-platen reference, and for the plain
Canny + contour baseline on the same frames.

    .venv/bin/python bench/scan_bench.py --quick      # ~1 minute
    .venv/bin/python bench/scan_bench.py              # full run (several minutes)

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames (about a minute)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--parts", default="accuracy,preview,still",
                        help="comma-separated subset of accuracy, preview, still (default: all)")
    args = parser.parse_args(argv)
    per_bg_1080 = 8 if args.quick else 40
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
