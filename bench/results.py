"""Benchmark (not a test): `gtops results` on output manifests of 100,000 and 1,000,000 lines.

Generates bounding-box output manifests locally (the Ground Truth format: 1 to 3 boxes per image, 3 workers'
confidence, a fifth of the objects labeled by the model as automated labeling does), then runs each reader
in a fresh Python process and prints its wall time and peak memory (the process's maximum resident set):

  summary   the text summary (streaming read, Summary: classes, confidence, people/model, worst objects)
  csv       the CSV export, one row per box (written to a file)
  json      the JSON export (objects streamed out, summary last), at 100,000 lines (every size with --all)
  compare   `--compare` of two manifests of that size (SQLite join on disk), likewise
  in-memory the reader this replaced (whole body in memory, a list of every object), at 100,000 lines only

Flat memory shows as the same peak at 100,000 and 1,000,000 lines. The manifests are read from local files:
the same code reads an S3 body, which streams the same way. Usage:
python bench/results.py [--sizes 100000,1000000] [--all] [--out bench/results/results.json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAMES = ["car", "truck", "bus", "bike", "person"]

CHILD = r"""
import io, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from gtops.jobs import results as jr
mode, first, second, out = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
started = time.perf_counter()
if mode == "summary":
    s = jr.Summary(0.5, 10)
    with open(first, "rb") as f:
        for o in jr.iter_objects(f, "label"):
            s.add(o)
    text = jr.render_text("bench", first, s.result())
elif mode == "csv":
    with open(first, "rb") as f, open(out, "w", encoding="utf-8", newline="") as w:
        jr.write_csv(jr.iter_objects(f, "label"), w)
elif mode == "json":
    s = jr.Summary(0.5, 10)
    def objects(f):
        for o in jr.iter_objects(f, "label"):
            s.add(o)
            yield o
    with open(first, "rb") as f, open(out, "w", encoding="utf-8") as w:
        jr.write_json("bench", first, objects(f), w, s)
elif mode == "compare":
    from gtops.jobs import compare as jc
    with open(first, "rb") as a, open(second, "rb") as b, open(out, "w", encoding="utf-8") as w:
        jc.run(jc.Side("a", first), jc.Side("b", second), jr.iter_objects(a, "label"),
               jr.iter_objects(b, "label"), "text", w)
elif mode == "in-memory":  # what `gtops results` did before: the body, then every object, in memory
    body = Path(first).read_bytes()
    objects = jr.parse(body, "label")
    summary = jr.summary(objects, 0.5)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": round(seconds, 2), "peak_mib": round(peak, 1)}))
"""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(first: Path, second: Path, n: int, changed: float = 0.05) -> None:
    """Two output manifests of n lines over the same images; in the second, a `changed` share of the objects
    has other boxes (for compare). The labels are drawn from a pool of 10,007 random ones (1 to 3 boxes, a
    fifth by the model), so that writing a million lines takes seconds; each line is JSON the reader parses
    in full like any other."""
    rng = random.Random(1)
    head = '{"source-ref": "s3://bench-bucket/images/%04d/image-%07d.jpg", "label": {"image_size": '
    head += '[{"width": 1280, "height": 720, "depth": 3}], "annotations": [%s]}, "label-metadata": '
    head += '{"objects": [%s], "class-map": {%s}, "type": "groundtruth/object-detection", '
    head += '"human-annotated": "%s", "creation-date": "2024-05-01T10:00:00.000000", '
    head += '"job-name": "labeling-job/bench"}}\n'
    pool = []
    for _ in range(10_007):
        boxes = []
        for _ in range(rng.randint(1, 3)):
            w, h = rng.randint(20, 400), rng.randint(20, 300)
            boxes.append((rng.randrange(len(NAMES)), rng.randint(0, 1280 - w), rng.randint(0, 720 - h), w, h))
        human = rng.random() > 0.2
        scores = ", ".join(
            f'{{"confidence": {rng.choice((0.33, 0.67, 1.0)) if human else round(rng.random(), 2)}}}'
            for _ in boxes
        )
        names = ", ".join(f'"{c}": "{NAMES[c]}"' for c in sorted({b[0] for b in boxes}))
        annotations = ", ".join(
            f'{{"class_id": {c}, "left": {x}, "top": {y}, "width": {w}, "height": {h}}}'
            for c, x, y, w, h in boxes
        )
        pool.append((annotations, scores, names, "yes" if human else "no"))
    with first.open("w", encoding="utf-8") as a, second.open("w", encoding="utf-8") as b:
        for i in range(n):
            text = head % (i // 1000, i, *pool[i * 7919 % len(pool)])
            a.write(text)
            if rng.random() < changed:
                text = head % (i // 1000, i, *pool[(i * 7919 + 1) % len(pool)])
            b.write(text)


def measure(mode: str, first: Path, second: Path, work: Path) -> dict:
    out = work / f"out-{mode}"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(REPO), mode, str(first), str(second), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if out.exists():
        figures["output_mib"] = round(out.stat().st_size / 2**20, 1)
        out.unlink()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "results.json"))
    parser.add_argument("--keep", help="keep the generated manifests in this folder")
    parser.add_argument("--all", action="store_true", help="compare and json at every size too")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="gtops-bench-results-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for n in sizes:
            a, b = work / f"a-{n}.manifest", work / f"b-{n}.manifest"
            started = time.perf_counter()
            if not (a.exists() and b.exists()):
                generate(a, b, n)
            size = a.stat().st_size / 2**20
            took = time.perf_counter() - started
            say(f"{n:,} lines: manifests generated in {took:.0f}s ({size:.0f} MiB each)")
            # JSON is the CSV's path plus the summary's, and compare reads two manifests the summary's way
            # (plus an SQLite join on disk): both are measured at 100,000 lines only unless --all (a run of
            # several minutes more at 1,000,000).
            small = n <= 100_000
            modes = ["summary", "csv"] + (["compare", "json"] if small or args.all else [])
            modes += ["in-memory"] if small else []
            for mode in modes:
                figures = measure(mode, a, b, work)
                row = {
                    "lines": n,
                    "manifest_mib": round(a.stat().st_size / 2**20, 1),
                    "mode": mode,
                    **figures,
                }
                rows.append(row)
                say(f"  {mode:<10} {figures['seconds']:>7.1f} s   peak {figures['peak_mib']:>7.1f} MiB")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'lines':>10} {'MiB':>6}  {'mode':<10} {'seconds':>8} {'lines/s':>10} {'peak MiB':>9}")
    for r in rows:
        rate = r["lines"] / r["seconds"] if r["seconds"] else 0
        print(
            f"{r['lines']:>10,} {r['manifest_mib']:>6.0f}  {r['mode']:<10} {r['seconds']:>8.1f}"
            f" {rate:>10,.0f} {r['peak_mib']:>9.1f}"
        )
    target = Path(args.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(
            {
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                },
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    say(f"Wrote {target}")


if __name__ == "__main__":
    main()
