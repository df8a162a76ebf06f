"""`gtops results JOB --compare BASELINE`: what changed between two jobs over the same data.

Objects are matched by their data (`source-ref`, or `source` for text; the n-th repeat of one source with the
n-th repeat on the other side). Both manifests stream into a temporary SQLite database (Python's standard
library; on disk, with a small page cache), and the join streams out of it, so memory stays flat for
manifests of millions of lines (bench/results.py measures it).

Each matched object is `unchanged`, `relabeled` (its classes differ), `moved` (bounding boxes: the same
classes, but some box has no counterpart of its class at IoU >= 0.5), `newly failed` or `newly labeled`.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gtops.jobs.results import ObjectResult, Summary, _cell, label_dict, names_text
from gtops.jobs.workers import _box_agreement

BATCH = 5_000
SHOWN = 20
STATES = ("unchanged", "relabeled", "moved", "newly failed", "newly labeled", "failed in both")


@dataclass
class Side:
    job: str
    manifest: str
    summary: Summary = field(default_factory=Summary)


@dataclass
class Change:
    source: str
    state: str
    before: list[str]
    after: list[str]
    confidence_before: float | None
    confidence_after: float | None
    failure_before: str | None
    failure_after: str | None


class Comparison:
    def __init__(self, a: Side, b: Side, workdir: Path):
        self.a, self.b = a, b
        self.db = sqlite3.connect(str(workdir / "compare.sqlite"))
        self.db.executescript(
            "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA cache_size=-8192;"
            "CREATE TABLE a (source TEXT, nth INTEGER, failed TEXT, classes TEXT, labels TEXT, conf REAL,"
            " PRIMARY KEY (source, nth)) WITHOUT ROWID;"
            "CREATE TABLE b (source TEXT, nth INTEGER, failed TEXT, classes TEXT, labels TEXT, conf REAL,"
            " PRIMARY KEY (source, nth)) WITHOUT ROWID;"
        )
        self.counts = {state: 0 for state in STATES}
        self.only_a = self.only_b = 0

    def load(self, table: str, objects: Iterable[ObjectResult], summary: Summary) -> None:
        rows: list[tuple[Any, ...]] = []
        for o in objects:
            summary.add(o)
            labels = [label_dict(lb) for lb in o.labels]
            rows.append(
                (
                    o.source,
                    0,
                    o.failed,
                    "\x1f".join(sorted(lb.name for lb in o.labels)),
                    json.dumps(labels) if any(lb.box for lb in o.labels) else None,
                    o.confidence,
                )
            )
            if len(rows) >= BATCH:
                self._insert(table, rows)
                rows = []
        self._insert(table, rows)

    def _insert(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        """A batch in one executemany; when a source repeats, the batch is undone (the journal is in memory,
        a batch's pages at most) and its rows go in one by one, each repeat numbered after the last."""
        sql = f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)"  # noqa: S608 - table is "a" or "b"
        with self.db:
            try:  # the usual case, each source once: the whole batch in one call
                self.db.execute("SAVEPOINT batch")
                self.db.executemany(sql, rows)
                self.db.execute("RELEASE batch")
                return
            except sqlite3.IntegrityError:
                self.db.execute("ROLLBACK TO batch")
                self.db.execute("RELEASE batch")
            for row in rows:
                try:
                    self.db.execute(sql, row)
                except sqlite3.IntegrityError:  # the same data object again: its next repeat
                    (nth,) = self.db.execute(
                        f"SELECT MAX(nth) + 1 FROM {table} WHERE source = ?",  # noqa: S608
                        (row[0],),
                    ).fetchone()
                    self.db.execute(sql, (row[0], nth, *row[2:]))

    def changes(self) -> Iterator[Change]:
        """Every matched object that differs, counting every state (and the unmatched) on the way."""
        self.counts = {state: 0 for state in STATES}
        query = (
            "SELECT a.source, a.failed, a.classes, a.labels, a.conf, b.failed, b.classes, b.labels, b.conf"
            " FROM a JOIN b ON a.source = b.source AND a.nth = b.nth ORDER BY a.source, a.nth"
        )
        for source, fa, ca, la, qa, fb, cb, lb, qb in self.db.execute(query):
            state = _state(fa, ca, la, fb, cb, lb)
            self.counts[state] += 1
            if state != "unchanged" and state != "failed in both":
                yield Change(source, state, _names(ca), _names(cb), qa, qb, fa, fb)
        self.only_a = self._unmatched("a", "b")
        self.only_b = self._unmatched("b", "a")

    def _unmatched(self, this: str, other: str) -> int:
        sql = (
            f"SELECT COUNT(*) FROM {this} WHERE NOT EXISTS (SELECT 1 FROM {other}"  # noqa: S608 - "a"/"b"
            f" WHERE {other}.source = {this}.source AND {other}.nth = {this}.nth)"
        )
        return int(self.db.execute(sql).fetchone()[0])

    def close(self) -> None:
        self.db.close()

    def result(self, shown: list[Change]) -> dict[str, Any]:
        sa, sb = self.a.summary.result(), self.b.summary.result()
        names = sorted(set(sa["classes"]) | set(sb["classes"]))
        return {
            "before": {"job": self.a.job, "output_manifest": self.a.manifest},
            "after": {"job": self.b.job, "output_manifest": self.b.manifest},
            "matched": sum(self.counts.values()),
            "only_before": self.only_a,
            "only_after": self.only_b,
            "states": dict(self.counts),
            "classes": {
                n: {
                    "before": sa["classes"].get(n, 0),
                    "after": sb["classes"].get(n, 0),
                    "change": sb["classes"].get(n, 0) - sa["classes"].get(n, 0),
                }
                for n in names
            },
            "objects": {"before": sa["objects"], "after": sb["objects"]},
            "labeled_by": {
                "before": {"people": sa["human_labeled"], "model": sa["machine_labeled"]},
                "after": {"people": sb["human_labeled"], "model": sb["machine_labeled"]},
            },
            "confidence": {
                by: {
                    "before": sa["by"][by]["confidence"]["mean"],
                    "after": sb["by"][by]["confidence"]["mean"],
                }
                for by in ("people", "model")
            },
            "changes": [change_dict(c) for c in shown],
        }


def _names(classes: str | None) -> list[str]:
    return classes.split("\x1f") if classes else []


def _state(fa: str | None, ca: str, la: str | None, fb: str | None, cb: str, lb: str | None) -> str:
    if fa and fb:
        return "failed in both"
    if fb:
        return "newly failed"
    if fa:
        return "newly labeled"
    if ca != cb:
        return "relabeled"
    if la != lb:  # the same boxes written the same way match at IoU 1: only different text is decoded
        from gtops.jobs.results import Label

        def boxes(text: str | None) -> list[Label]:
            return [Label(x["label"], None, box=x.get("box")) for x in json.loads(text or "[]")]

        if _box_agreement(boxes(la), boxes(lb)) < 1.0:
            return "moved"
    return "unchanged"


def change_dict(c: Change) -> dict[str, Any]:
    return {
        "source": c.source,
        "state": c.state,
        "before": c.before,
        "after": c.after,
        "confidence_before": c.confidence_before,
        "confidence_after": c.confidence_after,
        "failure_before": c.failure_before,
        "failure_after": c.failure_after,
    }


def run(
    a: Side,
    b: Side,
    objects_a: Iterable[ObjectResult],
    objects_b: Iterable[ObjectResult],
    fmt: str,
    out: IO[str],
) -> None:
    """Compare and write text, JSON or CSV (CSV and JSON list every changed object; text the first 20)."""
    with tempfile.TemporaryDirectory(prefix="gtops-compare-") as tmp:
        cmp = Comparison(a, b, Path(tmp))
        try:
            cmp.load("a", objects_a, a.summary)
            cmp.load("b", objects_b, b.summary)
            if fmt == "csv":
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(
                    ["source", "state", "before", "after", "confidence_before", "confidence_after"]
                )
                for c in cmp.changes():
                    writer.writerow(
                        [
                            _cell(c.source),
                            c.state,
                            _cell(";".join(c.before) or (c.failure_before or "")),
                            _cell(";".join(c.after) or (c.failure_after or "")),
                            "" if c.confidence_before is None else c.confidence_before,
                            "" if c.confidence_after is None else c.confidence_after,
                        ]
                    )
                return
            if fmt == "json":
                out.write('{\n  "changes": [')
                n = 0
                for c in cmp.changes():
                    out.write(
                        ("\n    " if n == 0 else ",\n    ") + json.dumps(change_dict(c), ensure_ascii=False)
                    )
                    n += 1
                body = cmp.result([])
                del body["changes"]
                text = json.dumps(body, indent=2, ensure_ascii=False).replace("\n", "\n  ")
                out.write(("\n  " if n else "") + '],\n  "summary": ' + text + "\n}\n")
                return
            shown: list[Change] = []
            for c in cmp.changes():
                if len(shown) < SHOWN:
                    shown.append(c)
            out.write(render_text(cmp.result(shown)) + "\n")
        finally:
            cmp.close()


def render_text(r: dict[str, Any]) -> str:
    a, b = r["before"]["job"], r["after"]["job"]
    lines = [
        f"Compare {a} -> {b}: {r['matched']} objects in both (matched by source), "
        f"{r['only_before']} only in {a}, {r['only_after']} only in {b}",
        "  " + ", ".join(f"{state}: {n}" for state, n in r["states"].items() if n or state == "unchanged"),
    ]
    if r["classes"]:
        width = max(len("class"), *(len(n) for n in r["classes"]))
        lines.append(f"  labels per class:  {'':{width}} {'before':>8} {'after':>8} {'change':>8}")
        for name, c in r["classes"].items():
            lines.append(
                f"                     {name:<{width}} {c['before']:>8} {c['after']:>8} {c['change']:>+8}"
            )
    before, after = r["labeled_by"]["before"], r["labeled_by"]["after"]
    split = f"{before['people']}/{before['model']} -> {after['people']}/{after['model']}"
    lines.append(f"  labeled by people/model: {split}")
    for by, conf in r["confidence"].items():
        if conf["before"] is not None or conf["after"] is not None:
            lines.append(f"  mean confidence ({by}): {_f(conf['before'])} -> {_f(conf['after'])}")
    changed = sum(n for s, n in r["states"].items() if s not in ("unchanged", "failed in both"))
    if r["changes"]:
        more = " (the first 20; --format csv lists them all)" if changed > len(r["changes"]) else ""
        lines.append(f"  changed objects{more}:")
        for c in r["changes"]:
            before_text = names_text(c["before"]) or c["failure_before"] or "no labels"
            after_text = names_text(c["after"]) or c["failure_after"] or "no labels"
            lines.append(f"    {c['state']:<13} {c['source']}: {before_text} -> {after_text}")
    return "\n".join(lines)


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
