"""`gtops results`: read a job's output manifest, summarise it, export it (text, CSV, JSON, COCO).

The output manifest echoes each input line plus `<label attribute>` and `<label attribute>-metadata`,
in one of the per-task formats of the Ground Truth developer guide; `labels_of` turns every format into
the same list of (class, confidence) labels so the summary and the exports need no per-type code.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from gtops.errors import GtopsError

HISTOGRAM_EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass
class Label:
    name: str
    confidence: float | None
    box: dict | None = None  # bounding boxes: left, top, width, height
    span: tuple[int, int] | None = None  # named entities: start, end offsets


@dataclass
class ObjectResult:
    index: int
    source: str
    labels: list[Label] = field(default_factory=list)
    human: bool | None = None
    failed: str | None = None
    confidence: float | None = None  # the object's (lowest label) confidence
    image_size: dict | None = None
    raw_label: Any = None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def labels_of(label: Any, meta: dict) -> tuple[list[Label], dict | None]:
    """Every label of one object, whatever the task type, and the image size where the format has it."""
    kind = str(meta.get("type", ""))
    conf = _float(meta.get("confidence"))
    if kind.endswith("object-detection") and isinstance(label, dict):
        names = meta.get("class-map") or {}
        objects = meta.get("objects") or []
        out = []
        for i, box in enumerate(label.get("annotations") or []):
            cid = box.get("class_id")
            c = (
                _float(objects[i].get("confidence"))
                if i < len(objects) and isinstance(objects[i], dict)
                else conf
            )
            out.append(
                Label(
                    str(names.get(str(cid), cid)),
                    c,
                    box={k: box.get(k) for k in ("left", "top", "width", "height")},
                )
            )
        sizes = label.get("image_size") or []
        return out, sizes[0] if sizes else None
    if kind.endswith("multilabel") and isinstance(label, list):
        names = meta.get("class-map") or {}
        confs = meta.get("confidence-map") or {}
        return [Label(str(names.get(str(i), i)), _float(confs.get(str(i), conf))) for i in label], None
    if kind.endswith("semantic-segmentation"):
        colors = meta.get("internal-color-map") or {}
        out = []
        for key, entry in colors.items():
            name = entry.get("class-name")
            # Index 0 is AWS's own background class; a label the job named Background has an index >= 1.
            if name and not (str(key) == "0" and name.upper() == "BACKGROUND"):
                out.append(Label(str(name), _float(entry.get("confidence", conf))))
        return out, None
    if kind.endswith("text-span") and isinstance(label, dict):
        entities = (label.get("annotations") or {}).get("entities") or []
        confs = meta.get("entities") or []
        out = []
        for i, ent in enumerate(entities):
            c = _float(confs[i].get("confidence")) if i < len(confs) and isinstance(confs[i], dict) else conf
            out.append(Label(str(ent.get("label")), c, span=(ent.get("startOffset"), ent.get("endOffset"))))
        return out, None
    if "class-name" in meta:
        return [Label(str(meta["class-name"]), conf)], None
    return [], None  # custom: the consolidation Lambda's own format


def parse(body: bytes, attribute: str) -> list[ObjectResult]:
    results = []
    for n, text in enumerate(body.decode("utf-8").splitlines()):
        if not text.strip():
            continue
        line = json.loads(text)
        meta = line.get(f"{attribute}-metadata") or {}
        obj = ObjectResult(n, str(line.get("source-ref") or line.get("source") or ""))
        if meta.get("failure-reason"):
            obj.failed = str(meta["failure-reason"])
            results.append(obj)
            continue
        if attribute not in line:
            obj.failed = "no label"
            results.append(obj)
            continue
        obj.raw_label = line[attribute]
        obj.labels, obj.image_size = labels_of(line[attribute], meta)
        human = meta.get("human-annotated")
        obj.human = None if human is None else str(human).lower() == "yes"
        confs = [lb.confidence for lb in obj.labels if lb.confidence is not None]
        obj.confidence = min(confs) if confs else _float(meta.get("confidence"))
        results.append(obj)
    return results


def summary(objects: list[ObjectResult], threshold: float) -> dict[str, Any]:
    labeled = [o for o in objects if o.failed is None]
    classes: dict[str, int] = {}
    for o in labeled:
        for lb in o.labels:
            classes[lb.name] = classes.get(lb.name, 0) + 1
    confidences = [lb.confidence for o in labeled for lb in o.labels if lb.confidence is not None]
    histogram = []
    for lo, hi in zip(HISTOGRAM_EDGES, HISTOGRAM_EDGES[1:], strict=False):
        last = hi == HISTOGRAM_EDGES[-1]
        count = sum(1 for c in confidences if lo <= c < hi or (last and c == hi))
        histogram.append({"from": lo, "to": hi, "count": count})
    low = [
        {"index": o.index, "source": o.source, "confidence": o.confidence}
        for o in labeled
        if o.confidence is not None and o.confidence < threshold
    ]
    return {
        "objects": len(objects),
        "labeled": len(labeled),
        "failed": len(objects) - len(labeled),
        "human_labeled": sum(1 for o in labeled if o.human is True),
        "machine_labeled": sum(1 for o in labeled if o.human is False),
        "labels": sum(classes.values()),
        "classes": dict(sorted(classes.items())),
        "confidence": {
            "count": len(confidences),
            "mean": round(sum(confidences) / len(confidences), 4) if confidences else None,
            "min": min(confidences) if confidences else None,
            "max": max(confidences) if confidences else None,
            "histogram": histogram,
        },
        "threshold": threshold,
        "low_confidence": low,
        "failures": [{"index": o.index, "source": o.source, "reason": o.failed} for o in objects if o.failed],
    }


def render_text(job: str, manifest: str, s: dict[str, Any]) -> str:
    lines = [
        f"Job {job}: {s['labeled']} of {s['objects']} objects labeled ({s['failed']} failed)",
        f"  output manifest: {manifest}",
        f"  by people: {s['human_labeled']}, by the model (automated labeling): {s['machine_labeled']}",
    ]
    if s["classes"]:
        lines.append(f"  labels per class ({s['labels']} in all):")
        width = max(len(k) for k in s["classes"])
        for name, count in s["classes"].items():
            lines.append(f"    {name.ljust(width)}  {count}")
    c = s["confidence"]
    if c["count"]:
        lines.append(f"  confidence: mean {c['mean']:.2f}, min {c['min']:.2f}, max {c['max']:.2f}")
        peak = max(b["count"] for b in c["histogram"]) or 1
        for b in c["histogram"]:
            lines.append(
                f"    {b['from']:.1f}-{b['to']:.1f}  {'#' * round(20 * b['count'] / peak):<20} {b['count']}"
            )
    lines.append(f"  low confidence (< {s['threshold']:g}): {len(s['low_confidence'])} objects")
    for item in s["low_confidence"][:20]:
        lines.append(f"    {item['confidence']:.2f}  {item['source']}")
    if len(s["low_confidence"]) > 20:
        lines.append(f"    ... and {len(s['low_confidence']) - 20} more (see --format csv)")
    for item in s["failures"][:10]:
        lines.append(f"  failed: {item['source'] or '#' + str(item['index'])}: {item['reason']}")
    return "\n".join(lines)


def to_csv(objects: list[ObjectResult]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "index",
            "source",
            "label",
            "confidence",
            "human",
            "left",
            "top",
            "width",
            "height",
            "start",
            "end",
            "failure",
        ]
    )
    for o in objects:
        human = "" if o.human is None else ("yes" if o.human else "no")
        if o.failed:
            writer.writerow([o.index, o.source, "", "", human, "", "", "", "", "", "", o.failed])
            continue
        if not o.labels:
            writer.writerow(
                [o.index, o.source, "", o.confidence if o.confidence is not None else "", human] + [""] * 7
            )
        for lb in o.labels:
            box = lb.box or {}
            span = lb.span or ("", "")
            writer.writerow(
                [
                    o.index,
                    o.source,
                    lb.name,
                    "" if lb.confidence is None else lb.confidence,
                    human,
                    box.get("left", ""),
                    box.get("top", ""),
                    box.get("width", ""),
                    box.get("height", ""),
                    span[0],
                    span[1],
                    "",
                ]
            )
    return out.getvalue()


def to_json(job: str, manifest: str, s: dict[str, Any], objects: list[ObjectResult]) -> str:
    body = {
        "job": job,
        "output_manifest": manifest,
        "summary": s,
        "objects": [
            {
                "index": o.index,
                "source": o.source,
                "human": o.human,
                "confidence": o.confidence,
                "failure": o.failed,
                "labels": [
                    {
                        "label": lb.name,
                        "confidence": lb.confidence,
                        **({"box": lb.box} if lb.box else {}),
                        **({"start": lb.span[0], "end": lb.span[1]} if lb.span else {}),
                    }
                    for lb in o.labels
                ],
                "raw": o.raw_label,
            }
            for o in objects
        ],
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def to_coco(objects: list[ObjectResult], categories: list[str]) -> dict[str, Any]:
    """COCO detection JSON: images, annotations with bbox [x, y, width, height], categories."""
    names = list(categories)
    for o in objects:
        for lb in o.labels:
            if lb.name not in names:
                names.append(lb.name)
    cat_id = {name: i + 1 for i, name in enumerate(names)}
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for o in objects:
        if o.failed:
            continue
        size = o.image_size or {}
        image_id = len(images) + 1
        images.append(
            {
                "id": image_id,
                "file_name": o.source,
                "width": int(size.get("width") or 0),
                "height": int(size.get("height") or 0),
            }
        )
        for lb in o.labels:
            if not lb.box:
                continue
            x, y = float(lb.box.get("left") or 0), float(lb.box.get("top") or 0)
            w, h = float(lb.box.get("width") or 0), float(lb.box.get("height") or 0)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": cat_id[lb.name],
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                    "score": lb.confidence,
                }
            )
    return {
        "info": {"description": "Ground Truth labels exported by gtops"},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i, "name": n, "supercategory": "none"} for n, i in cat_id.items()],
    }


def label_categories(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    return [str(lb.get("label")) for lb in data.get("labels") or [] if isinstance(lb, dict)]


def output_manifest(described: dict) -> str:
    uri = (described.get("LabelingJobOutput") or {}).get("OutputDatasetS3Uri")
    if not uri:
        raise GtopsError(
            f"job {described['LabelingJobName']} has no output manifest yet (status "
            f"{described.get('LabelingJobStatus')}); it appears when the job completes or is stopped"
        )
    return uri
