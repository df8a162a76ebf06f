"""`gtops results`: read a job's output manifest as a stream, summarise it, export it (text, CSV, JSON, COCO).

The output manifest echoes each input line plus `<label attribute>` and `<label attribute>-metadata`,
in one of the per-task formats of the Ground Truth developer guide (sms-data-output); `labels_of` turns every
format into the same list of (class, confidence) labels so the summary and the exports need no per-type code.

Manifests can hold millions of lines, and they are untrusted: `iter_objects` reads any binary stream
(an S3 body or a local file) a chunk at a time, with a bound on each line, and `Summary` keeps counters and
bounded lists only, so memory stays flat whatever the manifest's size (bench/results.py measures it).
"""

from __future__ import annotations

import csv
import heapq
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from gtops.errors import GtopsError

HISTOGRAM_EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
CHUNK = 1 << 20
MAX_LINE = 8 << 20  # bytes per manifest line: AWS's 100,000-character objects plus their labels, with room
MAX_CLASSES = 10_000  # distinct class names counted one by one; beyond, "(other classes)"
MAX_LISTED = 1_000  # low-confidence objects and failures listed in full; beyond, counted only
OTHER = "(other classes)"
PEOPLE, MODEL = "people", "model"


@dataclass(slots=True)
class Label:
    name: str
    confidence: float | None
    box: dict | None = None  # bounding boxes: left, top, width, height
    span: tuple[int, int] | None = None  # named entities: start, end offsets


@dataclass(slots=True)
class ObjectResult:
    index: int  # 0-based position among the manifest's objects (the datasetObjectId of worker responses)
    source: str
    labels: list[Label] = field(default_factory=list)
    human: bool | None = None
    failed: str | None = None
    confidence: float | None = None  # the object's (lowest label) confidence
    image_size: dict | None = None
    raw_label: Any = None
    kind: str = ""  # the metadata's `type`, e.g. groundtruth/object-detection
    line: int = 0  # 1-based line of the manifest

    @property
    def by(self) -> str:
        """Who labeled it: the model when AWS says `human-annotated: no`, else people."""
        return MODEL if self.human is False else PEOPLE


_INF = float("inf")


def _float(value: Any) -> float | None:
    kind = type(value)
    if kind is float:
        return value if value == value and -_INF < value < _INF else None
    if kind is int:
        return float(value)
    if value is None or kind is bool:
        return None
    try:
        out = None if value is None else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return out if out is not None and out == out and abs(out) != float("inf") else None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = _float(value)
    return int(number) if number is not None else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def labels_of(label: Any, meta: dict) -> tuple[list[Label], dict | None]:
    """Every label of one object, whatever the task type, and the image size where the format has it."""
    kind = str(meta.get("type", ""))
    conf = _float(meta.get("confidence"))
    if kind.endswith("object-detection") and isinstance(label, dict):
        names = _dict(meta.get("class-map"))
        objects = _list(meta.get("objects"))
        out = []
        for i, box in enumerate(_list(label.get("annotations"))):
            box = _dict(box)
            cid = box.get("class_id")
            c = _float(_dict(objects[i]).get("confidence")) if i < len(objects) else conf
            name = names.get(str(cid), cid)
            box = {
                "left": _float(box.get("left")),
                "top": _float(box.get("top")),
                "width": _float(box.get("width")),
                "height": _float(box.get("height")),
            }
            out.append(Label(name if type(name) is str else _text(name), c, box))
        sizes = _list(label.get("image_size"))
        size = _dict(sizes[0]) if sizes else {}
        return out, ({"width": _int(size.get("width")), "height": _int(size.get("height"))} if size else None)
    if kind.endswith("multilabel") and isinstance(label, list):
        names = _dict(meta.get("class-map"))
        confs = _dict(meta.get("confidence-map"))
        return [Label(_text(names.get(str(i), i)), _float(confs.get(str(i), conf))) for i in label], None
    if kind.endswith("semantic-segmentation"):
        # Index 0 of the color map is AWS's own background (class-name BACKGROUND, #ffffff); the job's labels
        # start at 1, so a label the job calls "Background" is a class like any other (DG sms-data-output).
        out = []
        for index, entry in _dict(meta.get("internal-color-map")).items():
            entry = _dict(entry)
            name = entry.get("class-name")
            if str(index) != "0" and name is not None:
                out.append(Label(_text(name), _float(entry.get("confidence", conf))))
        return out, None
    if kind.endswith("text-span") and isinstance(label, dict):
        entities = _list(_dict(label.get("annotations")).get("entities"))
        scores = _list(meta.get("entities"))
        out = []
        for i, ent in enumerate(entities):
            ent = _dict(ent)
            c = _float(_dict(scores[i]).get("confidence")) if i < len(scores) else conf
            start, end = _int(ent.get("startOffset")), _int(ent.get("endOffset"))
            span = (start, end) if start is not None and end is not None else None
            out.append(Label(_text(ent.get("label")), c, span=span))
        return out, None
    if "class-name" in meta:
        return [Label(_text(meta["class-name"]), conf)], None
    # Custom: the consolidation Lambda's own format. Its classes are taken as the distinct texts under any
    # "label" or "labels" key (as crowd elements name them), once per object, with no confidence.
    return [Label(name, None) for name in _custom_classes(label)], None


def _custom_classes(value: Any, budget: int = 10_000) -> list[str]:
    """Distinct "label"/"labels" texts anywhere in a custom output, in order met; bounded walk (an output
    is written by the job's own code)."""
    found: dict[str, None] = {}
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and budget > 0:
        node, depth = stack.pop()
        budget -= 1
        if isinstance(node, dict):
            for key, item in node.items():
                if key == "label" and isinstance(item, str) and item:
                    found.setdefault(item[:256])
                elif key == "labels" and isinstance(item, list):
                    for text in item:
                        if isinstance(text, str) and text:
                            found.setdefault(text[:256])
                elif depth < 16 and isinstance(item, (dict, list)):
                    stack.append((item, depth + 1))
        elif isinstance(node, list) and depth < 16:
            stack.extend((item, depth + 1) for item in reversed(node))
    return list(found)


# ----------------------------------------------------------------------------------------------------
# reading


def iter_lines(stream: IO[bytes], what: str) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, bytes) of every line of a binary stream, a chunk at a time; a line longer than
    MAX_LINE is an error naming it (a manifest is untrusted)."""
    rest = b""
    number = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        for part in parts:
            number += 1
            if len(part) > MAX_LINE:
                raise GtopsError(f"{what} line {number} is longer than {MAX_LINE >> 20} MiB")
            yield number, part
        if len(rest) > MAX_LINE:
            raise GtopsError(f"{what} line {number + 1} is longer than {MAX_LINE >> 20} MiB")
    if rest:
        yield number + 1, rest


def parse_line(text: bytes, attribute: str, index: int, line: int, what: str) -> ObjectResult:
    try:
        data = json.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise GtopsError(f"{what} line {line} is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise GtopsError(f"{what} line {line} is not JSON: {err.msg} (column {err.colno})") from None
    except RecursionError:
        raise GtopsError(f"{what} line {line} is nested too deeply") from None
    if not isinstance(data, dict):
        raise GtopsError(f"{what} line {line} is not a JSON object")
    meta = _dict(data.get(f"{attribute}-metadata"))
    source = data.get("source-ref", data.get("source"))
    obj = ObjectResult(index, "" if source is None else _text(source), line=line)
    obj.kind = _text(meta.get("type", ""))
    human = meta.get("human-annotated")
    obj.human = None if human is None else str(human).lower() == "yes"
    if meta.get("failure-reason"):
        obj.failed = _text(meta["failure-reason"])
        return obj
    if attribute not in data:
        obj.failed = "no label"
        return obj
    obj.raw_label = data[attribute]
    obj.labels, obj.image_size = labels_of(data[attribute], meta)
    confs = [lb.confidence for lb in obj.labels if lb.confidence is not None]
    obj.confidence = min(confs) if confs else _float(meta.get("confidence"))
    return obj


def iter_objects(stream: IO[bytes], attribute: str, what: str = "output manifest") -> Iterator[ObjectResult]:
    """Every object of an output manifest, one line at a time (blank lines skipped)."""
    index = 0
    for line, text in iter_lines(stream, what):
        if not text.strip():
            continue
        yield parse_line(text, attribute, index, line, what)
        index += 1


def parse(body: bytes, attribute: str) -> list[ObjectResult]:
    """A whole manifest held in memory (small manifests, tests); large ones go through `iter_objects`."""
    import io

    return list(iter_objects(io.BytesIO(body), attribute))


# ----------------------------------------------------------------------------------------------------
# the summary


class _Confidence:
    """Count, mean, min, max and the histogram of confidences, in constant memory."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.low: float | None = None
        self.high: float | None = None
        self.bins = [0] * (len(HISTOGRAM_EDGES) - 1)

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        if self.low is None or value < self.low:
            self.low = value
        if self.high is None or value > self.high:
            self.high = value
        if 0.0 <= value <= 1.0:  # five equal bins of HISTOGRAM_EDGES; 1.0 falls in the last
            self.bins[min(int(value * 5), 4)] += 1

    def to_dict(self) -> dict[str, Any]:
        edges = zip(HISTOGRAM_EDGES, HISTOGRAM_EDGES[1:], strict=False)
        return {
            "count": self.count,
            "mean": round(self.total / self.count, 4) if self.count else None,
            "min": self.low,
            "max": self.high,
            "histogram": [
                {"from": lo, "to": hi, "count": n} for (lo, hi), n in zip(edges, self.bins, strict=True)
            ],
        }


@dataclass(order=True)
class _Ranked:
    key: tuple[float, float, int]
    item: dict = field(compare=False)


class Summary:
    """What `gtops results` reports, fed one object at a time: counts, classes and confidence split between
    people and the model (AWS: never compare the two kinds of confidence), and the worst objects."""

    def __init__(self, threshold: float = 0.5, worst: int = 10):
        self.threshold = threshold
        self.worst_size = max(0, worst)
        self.objects = 0
        self.labeled = 0
        self.human = 0
        self.machine = 0
        self.labels = 0
        self.classes: dict[str, dict[str, int]] = {PEOPLE: {}, MODEL: {}}
        self.confidence = _Confidence()
        self.by_confidence = {PEOPLE: _Confidence(), MODEL: _Confidence()}
        self.by_objects = {PEOPLE: 0, MODEL: 0}
        self.low: list[dict[str, Any]] = []
        self.low_count = 0
        self.failures: list[dict[str, Any]] = []
        self.failed = 0
        self._worst: dict[str, list[_Ranked]] = {PEOPLE: [], MODEL: []}

    def add(self, o: ObjectResult, agreement: float | None = None) -> None:
        self.objects += 1
        if o.failed is not None:
            self.failed += 1
            if len(self.failures) < MAX_LISTED:
                self.failures.append({"index": o.index, "source": o.source, "reason": o.failed})
            return
        self.labeled += 1
        self.human += o.human is True
        self.machine += o.human is False
        by = o.by
        self.by_objects[by] += 1
        counts = self.classes[by]
        for lb in o.labels:
            self.labels += 1
            name = lb.name
            if name not in counts and len(self.classes[PEOPLE]) + len(self.classes[MODEL]) >= MAX_CLASSES:
                name = OTHER
            counts[name] = counts.get(name, 0) + 1
            if lb.confidence is not None:
                self.confidence.add(lb.confidence)
                self.by_confidence[by].add(lb.confidence)
        if o.confidence is not None and o.confidence < self.threshold:
            self.low_count += 1
            if len(self.low) < MAX_LISTED:
                self.low.append({"index": o.index, "source": o.source, "confidence": o.confidence})
        self._rank(o, agreement)

    def _rank(self, o: ObjectResult, agreement: float | None) -> None:
        """Keep the `worst` objects of each kind: people's by agreement (else confidence), the model's by
        confidence; a bounded heap of the largest keys' negatives."""
        if not self.worst_size:
            return
        score = agreement if agreement is not None else o.confidence
        if score is None:
            return
        second = o.confidence if o.confidence is not None else 1.0
        key = (-score, -second, -o.index)
        heap = self._worst[o.by]
        if len(heap) < self.worst_size:
            heapq.heappush(heap, _Ranked(key, _worst_item(o, agreement)))
        elif key > heap[0].key:
            heapq.heapreplace(heap, _Ranked(key, _worst_item(o, agreement)))

    def worst(self, by: str = PEOPLE) -> list[dict]:
        return [r.item for r in sorted(self._worst[by], reverse=True)]

    def result(self) -> dict[str, Any]:
        classes: dict[str, int] = {}
        for counts in self.classes.values():
            for name, n in counts.items():
                classes[name] = classes.get(name, 0) + n
        return {
            "objects": self.objects,
            "labeled": self.labeled,
            "failed": self.failed,
            "human_labeled": self.human,
            "machine_labeled": self.machine,
            "labels": self.labels,
            "classes": dict(sorted(classes.items())),
            "confidence": self.confidence.to_dict(),
            "by": {
                by: {
                    "objects": self.by_objects[by],
                    "classes": dict(sorted(self.classes[by].items())),
                    "confidence": self.by_confidence[by].to_dict(),
                }
                for by in (PEOPLE, MODEL)
            },
            "threshold": self.threshold,
            "low_confidence": self.low,
            "low_confidence_count": self.low_count,
            "failures": self.failures,
            "worst": {by: self.worst(by) for by in (PEOPLE, MODEL)},
        }


def _worst_item(o: ObjectResult, agreement: float | None) -> dict[str, Any]:
    return {
        "index": o.index,
        "source": o.source,
        "agreement": None if agreement is None else round(agreement, 4),
        "confidence": o.confidence,
        "human": o.human,
        "labels": [label_dict(lb) for lb in o.labels],
        "image_size": o.image_size,
        "label_ref": o.raw_label if isinstance(o.raw_label, str) else None,
        "kind": o.kind,
    }


def summary(objects: Iterable[ObjectResult], threshold: float) -> dict[str, Any]:
    s = Summary(threshold)
    for o in objects:
        s.add(o)
    return s.result()


# ----------------------------------------------------------------------------------------------------
# rendering


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def render_text(job: str, manifest: str, s: dict[str, Any], workers: dict[str, Any] | None = None) -> str:
    lines = [
        f"Job {job}: {s['labeled']} of {s['objects']} objects labeled ({s['failed']} failed)",
        f"  output manifest: {manifest}",
        f"  by people: {s['human_labeled']}, by the model (automated labeling): {s['machine_labeled']}",
    ]
    by_model = s["by"][MODEL]["classes"]
    if s["classes"]:
        lines.append(f"  labels per class ({s['labels']} in all):")
        width = max(len(k) for k in s["classes"])
        if by_model:
            lines.append(f"    {'':{width}}  {'all':>7} {'people':>7} {'model':>7}")
        people = s["by"][PEOPLE]["classes"]
        for name, count in s["classes"].items():
            extra = f" {people.get(name, 0):>7} {by_model.get(name, 0):>7}" if by_model else ""
            lines.append(
                f"    {name.ljust(width)}  {count:>7}{extra}"
                if by_model
                else f"    {name.ljust(width)}  {count}"
            )
    groups = [(PEOPLE, "people's labels"), (MODEL, "the model's labels")] if by_model else [(None, "")]
    for by, title in groups:
        c = s["confidence"] if by is None else s["by"][by]["confidence"]
        if not c["count"]:
            continue
        head = f"confidence of {title}" if by else "confidence"
        lines.append(f"  {head}: mean {c['mean']:.2f}, min {c['min']:.2f}, max {c['max']:.2f}")
        peak = max(b["count"] for b in c["histogram"]) or 1
        for b in c["histogram"]:
            bar = "#" * round(20 * b["count"] / peak)
            lines.append(f"    {b['from']:.1f}-{b['to']:.1f}  {bar:<20} {b['count']}")
    lines.append(f"  low confidence (< {s['threshold']:g}): {s['low_confidence_count']} objects")
    for item in s["low_confidence"][:20]:
        lines.append(f"    {item['confidence']:.2f}  {item['source']}")
    if s["low_confidence_count"] > 20:
        lines.append(f"    ... and {s['low_confidence_count'] - 20} more (see --format csv)")
    if workers is not None:
        lines += render_workers(workers)
    for by in (PEOPLE, MODEL):
        worst = s["worst"][by]
        if not worst:
            continue
        measure = "agreement" if any(i["agreement"] is not None for i in worst) else "confidence"
        lines.append(f"  lowest {measure} ({by}):")
        for item in worst:
            names = names_text(lb["label"] for lb in item["labels"]) or "no labels"
            agree = f"agreement {_pct(item['agreement'])}, " if item["agreement"] is not None else ""
            conf = "-" if item["confidence"] is None else f"{item['confidence']:.2f}"
            lines.append(
                f"    {agree}confidence {conf}  {item['source'] or '#' + str(item['index'])}  ({names})"
            )
    for item in s["failures"][:10]:
        lines.append(f"  failed: {item['source'] or '#' + str(item['index'])}: {item['reason']}")
    return "\n".join(lines)


def names_text(names: Iterable[str]) -> str:
    """ "car x3, train": each class once, with how many times it occurs."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(name if n == 1 else f"{name} x{n}" for name, n in counts.items())


def render_workers(w: dict[str, Any]) -> list[str]:
    rows = w["workers"]
    lines = []
    if not rows:
        if w.get("note"):
            lines.append(f"  workers: {w['note']}")
        return lines
    read = w["read"]
    sample = (
        f" (from {read['objects']} objects' responses; --max-responses to read more)"
        if read["capped"]
        else ""
    )
    lines.append(f"  workers: agreement with the consolidated label, time per task{sample}:")
    names = [r["name"] or r["worker_id"] for r in rows]
    width = max(len("WORKER"), *(len(n) for n in names))
    lines.append(
        f"    {'WORKER':<{width}}  {'TASKS':>6} {'AGREE':>6} {'DISAGREED':>9} {'MEDIAN':>8} {'MEAN':>8}"
    )
    for name, r in zip(names, rows, strict=True):
        t = r["time"]
        lines.append(
            f"    {name:<{width}}  {r['tasks']:>6} {_pct(r['agreement']):>6} {r['disagreements']:>9} "
            f"{_secs(t['median']):>8} {_secs(t['mean']):>8}"
        )
    if w.get("note"):
        lines.append(f"    ({w['note']})")
    return lines


def label_dict(lb: Label) -> dict[str, Any]:
    return {
        "label": lb.name,
        "confidence": lb.confidence,
        **({"box": lb.box} if lb.box else {}),
        **({"start": lb.span[0], "end": lb.span[1]} if lb.span else {}),
    }


CSV_HEADER = ["index", "source", "label", "confidence", "human", "left", "top", "width", "height"]
CSV_HEADER += ["start", "end", "failure"]


def write_csv(objects: Iterable[ObjectResult], out: IO[str]) -> None:
    """One row per label (an object with none, or a failed one, gets one row), written as it is read."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for o in objects:
        human = "" if o.human is None else ("yes" if o.human else "no")
        if o.failed:
            writer.writerow(
                [o.index, _cell(o.source), "", "", human, "", "", "", "", "", "", _cell(o.failed)]
            )
            continue
        if not o.labels:
            conf = o.confidence if o.confidence is not None else ""
            writer.writerow([o.index, _cell(o.source), "", conf, human] + [""] * 7)
        for lb in o.labels:
            box = lb.box or {}
            span = lb.span or ("", "")
            writer.writerow(
                [
                    o.index,
                    _cell(o.source),
                    _cell(lb.name),
                    "" if lb.confidence is None else lb.confidence,
                    human,
                    _num(box.get("left")),
                    _num(box.get("top")),
                    _num(box.get("width")),
                    _num(box.get("height")),
                    span[0],
                    span[1],
                    "",
                ]
            )


def _num(value: float | None) -> Any:
    if value is None:
        return ""
    return int(value) if value == int(value) else value


def _cell(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; data from a manifest must stay text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(objects: Iterable[ObjectResult]) -> str:
    import io

    out = io.StringIO()
    write_csv(objects, out)
    return out.getvalue()


def write_json(
    job: str,
    manifest: str,
    objects: Iterable[ObjectResult],
    out: IO[str],
    s: Summary,
    workers: Callable[[], dict[str, Any] | None] | None = None,
) -> None:
    """{"job", "output_manifest", "objects": [...], "summary": {...}}: the objects are written as they are
    read and the summary, which needs them all, comes last (JSON readers do not care about key order)."""
    out.write("{\n")
    out.write(f'  "job": {json.dumps(job)},\n  "output_manifest": {json.dumps(manifest)},\n  "objects": [')
    first = True
    for o in objects:
        item = {
            "index": o.index,
            "source": o.source,
            "human": o.human,
            "confidence": o.confidence,
            "failure": o.failed,
            "labels": [label_dict(lb) for lb in o.labels],
            "raw": o.raw_label,
        }
        out.write(("\n    " if first else ",\n    ") + json.dumps(item, ensure_ascii=False))
        first = False
    result = s.result()
    figures = workers() if workers else None
    if figures is not None:
        result["workers"] = figures
    body = json.dumps(result, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    out.write(("\n  " if not first else "") + "],\n" + f'  "summary": {body}\n' + "}\n")


def write_coco(objects: Iterable[ObjectResult], categories: list[str], out: IO[str]) -> None:
    """COCO detection JSON (images, annotations with bbox [x, y, width, height], categories), written as
    the manifest is read; categories in label-file order, then any other class met, come last."""
    names = {name: i + 1 for i, name in enumerate(dict.fromkeys(categories))}
    out.write('{\n  "info": {"description": "Ground Truth labels exported by gtops"},\n  "images": [')
    annotations_file = _Spool()
    image_id = annotation_id = 0
    for o in objects:
        if o.failed:
            continue
        size = o.image_size or {}
        image_id += 1
        image = {"id": image_id, "file_name": o.source, "width": size.get("width") or 0}
        image["height"] = size.get("height") or 0
        out.write(("\n    " if image_id == 1 else ",\n    ") + json.dumps(image, ensure_ascii=False))
        for lb in o.labels:
            if not lb.box:
                continue
            if lb.name not in names:
                if len(names) >= MAX_CLASSES:
                    raise GtopsError(f"more than {MAX_CLASSES} classes: not a COCO export gtops will write")
                names[lb.name] = len(names) + 1
            x, y = lb.box.get("left") or 0.0, lb.box.get("top") or 0.0
            w, h = lb.box.get("width") or 0.0, lb.box.get("height") or 0.0
            annotation_id += 1
            annotations_file.write(
                {
                    "id": annotation_id,
                    "image_id": image_id,
                    "category_id": names[lb.name],
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                    "score": lb.confidence,
                }
            )
    out.write("\n  ],\n" if image_id else "],\n")
    out.write('  "annotations": [')
    annotations_file.copy_to(out, "    ")
    out.write("\n  ],\n" if annotation_id else "],\n")
    cats = [{"id": i, "name": n, "supercategory": "none"} for n, i in names.items()]
    out.write('  "categories": ' + json.dumps(cats, ensure_ascii=False) + "\n}\n")


class _Spool:
    """A temporary file of JSON items (COCO's annotations come after every image, but are found with them)."""

    def __init__(self) -> None:
        import tempfile

        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.count = 0

    def write(self, item: dict) -> None:
        self.file.write(json.dumps(item, ensure_ascii=False) + "\n")
        self.count += 1

    def copy_to(self, out: IO[str], indent: str) -> None:
        self.file.seek(0)
        for n, line in enumerate(self.file):
            out.write(("\n" if n == 0 else ",\n") + indent + line.rstrip("\n"))
        self.file.close()


def to_coco(objects: Iterable[ObjectResult], categories: list[str]) -> dict[str, Any]:
    import io

    out = io.StringIO()
    write_coco(objects, categories, out)
    return json.loads(out.getvalue())


def label_categories(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    return [str(lb.get("label")) for lb in _list(_dict(data).get("labels")) if isinstance(lb, dict)]


def output_manifest(described: dict) -> str:
    uri = (described.get("LabelingJobOutput") or {}).get("OutputDatasetS3Uri")
    if not uri:
        raise GtopsError(
            f"job {described['LabelingJobName']} has no output manifest yet (status "
            f"{described.get('LabelingJobStatus')}); it appears when the job completes or is stopped"
        )
    return uri
