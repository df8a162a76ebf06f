"""Who labeled what, how fast, and how often they agreed with the consolidated label.

Ground Truth writes each data object's worker answers to
`<output>/<job>/annotations/worker-response/iteration-<n>/<datasetObjectId>/<timestamp>.json` as
`{"answers": [{"acceptanceTime", "submissionTime", "timeSpentInSeconds", "workerId", "answerContent",
"workerMetadata": {"identityData": {"identityProviderType", "issuer", "sub"}}}]}` (DG sms-data-output, "Worker
Metadata"; workerMetadata only for private workforces). The datasetObjectId is the object's position in the
manifest, so an answer meets its consolidated label in the output manifest's line of that position.

`read_responses` lists and reads those files (a bounded number: one GET per object, so a job of millions
of objects is sampled, and says so), keeping each answer as compact labels; `WorkerStats` then scores every
answer against the consolidated label while the output manifest streams past (gtops/jobs/results.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from gtops.jobs.results import Label, ObjectResult, _dict, _float, _int, _list, _text

MAX_RESPONSES = 10_000  # objects whose responses are read by default (one S3 GET each)
MAX_FILE = 4 << 20  # bytes per worker-response file
MAX_ANSWER_LABELS = 1_000  # boxes/entities/labels kept per answer
MAX_WORKERS = 10_000  # distinct workers tracked
MAX_NAME_LOOKUPS = 200  # Cognito ListUsers calls to put e-mails on worker ids
THREADS = 8
WINDOW = 64  # files fetched per round of the thread pool
IOU_MATCH = 0.5  # a worker's box matches a consolidated one of the same class at IoU >= 0.5 (COCO's AP50)
KEY = re.compile(r"annotations/worker-response/iteration-(\d+)/(\d+)/[^/]+\.json$")
SUB = re.compile(r"[0-9A-Za-z-]{1,128}")
ISSUER = re.compile(r"https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+_[0-9A-Za-z]+)$")


@dataclass
class Answer:
    worker: str
    labels: list[Label] | None  # None: an answer gtops cannot read as labels (custom tasks)
    seconds: float | None
    sub: str | None = None
    issuer: str | None = None


@dataclass
class Responses:
    answers: dict[int, list[Answer]] = field(default_factory=dict)  # by datasetObjectId
    files: int = 0
    unreadable: int = 0
    capped: bool = False


def job_prefix(manifest_uri: str, described: dict) -> str:
    """`s3://.../<job>/`: where the job's output lives (the output manifest is at manifests/output/ below)."""
    tail = "manifests/output/output.manifest"
    if manifest_uri.endswith(tail):
        return manifest_uri[: -len(tail)]
    path = str((described.get("OutputConfig") or {}).get("S3OutputPath", "")).rstrip("/")
    return f"{path}/{described['LabelingJobName']}/"


def read_responses(s3, prefix: str, limit: int = MAX_RESPONSES) -> Responses:
    """The answers of up to `limit` objects (in S3's listing order), fetched THREADS at a time."""
    from gtops.jobs import s3 as s3u

    out = Responses()
    if limit <= 0:
        return out
    bucket, key_prefix = s3u.split(prefix + "annotations/worker-response/")
    wanted: list[tuple[int, str]] = []
    seen: set[int] = set()
    with ThreadPoolExecutor(THREADS) as pool:
        for key, size in _listing(s3, bucket, key_prefix):
            match = KEY.search(key)
            if not match:
                continue
            index = int(match.group(2))
            if index not in seen:
                if len(seen) >= limit:
                    out.capped = True
                    break
                seen.add(index)
            if size > MAX_FILE:
                out.unreadable += 1
                continue
            wanted.append((index, key))
            if len(wanted) >= WINDOW:
                _fetch(pool, s3, bucket, wanted, out)
                wanted = []
        if wanted:
            _fetch(pool, s3, bucket, wanted, out)
    return out


def _listing(s3, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents") or []:
            yield item["Key"], int(item.get("Size") or 0)


def _fetch(pool: ThreadPoolExecutor, s3, bucket: str, wanted: list[tuple[int, str]], out: Responses) -> None:
    def get(key: str) -> bytes | None:
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"]
            data: bytes = body.read(MAX_FILE + 1)
            return data if len(data) <= MAX_FILE else None
        except Exception:  # noqa: BLE001 - a response file gone or unreadable is counted, not fatal
            return None

    for (index, _), body in zip(wanted, pool.map(get, [k for _, k in wanted]), strict=True):
        out.files += 1
        answers = parse_response(body) if body is not None else None
        if answers is None:
            out.unreadable += 1
            continue
        out.answers.setdefault(index, []).extend(answers)


def parse_response(body: bytes) -> list[Answer] | None:
    """The answers of one worker-response file, or None when it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    answers = _dict(data).get("answers")
    if not isinstance(answers, list):
        return None
    out = []
    for entry in answers:
        entry = _dict(entry)
        worker = entry.get("workerId")
        if not isinstance(worker, str) or not worker:
            continue
        identity = _dict(_dict(entry.get("workerMetadata")).get("identityData"))
        sub, issuer = identity.get("sub"), identity.get("issuer")
        out.append(
            Answer(
                worker=worker[:256],
                labels=answer_labels(entry.get("answerContent")),
                seconds=_seconds(entry),
                sub=sub if isinstance(sub, str) and SUB.fullmatch(sub) else None,
                issuer=issuer if isinstance(issuer, str) else None,
            )
        )
    return out


def _seconds(entry: dict) -> float | None:
    """timeSpentInSeconds (active time, breaks excluded), else submission minus acceptance."""
    spent = _float(entry.get("timeSpentInSeconds"))
    if spent is not None and spent >= 0:
        return spent
    try:
        accepted = dt.datetime.fromisoformat(str(entry["acceptanceTime"]).replace("Z", "+00:00"))
        submitted = dt.datetime.fromisoformat(str(entry["submissionTime"]).replace("Z", "+00:00"))
    except (KeyError, ValueError, TypeError):
        return None
    seconds = (submitted - accepted).total_seconds()
    return seconds if seconds >= 0 else None


def answer_labels(content: Any) -> list[Label] | None:
    """A worker's answer as labels, for the crowd elements of the built-in tasks: bounding boxes, entities,
    segmentation label mappings, multi-select `labels`, single `label` (DG crowd element outputs)."""
    content = _dict(content)
    candidates = [v for v in content.values() if isinstance(v, dict)] + [content]
    for value in candidates:
        if "boundingBoxes" in value:
            boxes = _list(value["boundingBoxes"])[:MAX_ANSWER_LABELS]
            return [
                Label(
                    _text(b.get("label")),
                    None,
                    box={k: _float(b.get(k)) for k in ("left", "top", "width", "height")},
                )
                for b in map(_dict, boxes)
            ]
        if "entities" in value:
            out = []
            for e in map(_dict, _list(value["entities"])[:MAX_ANSWER_LABELS]):
                start, end = _int(e.get("startOffset")), _int(e.get("endOffset"))
                out.append(
                    Label(
                        _text(e.get("label")),
                        None,
                        span=(start, end) if start is not None and end is not None else None,
                    )
                )
            return out
        if "labelMappings" in value:
            return [
                Label(_text(name), None) for name in list(_dict(value["labelMappings"]))[:MAX_ANSWER_LABELS]
            ]
        if isinstance(value.get("labels"), list):
            return [Label(_text(name), None) for name in value["labels"][:MAX_ANSWER_LABELS]]
        if "label" in value:
            return [Label(_text(value["label"]), None)]
    return None


# ----------------------------------------------------------------------------------------------------
# agreement


def agreement(answer: list[Label], consolidated: list[Label], kind: str) -> float | None:
    """How far one worker's answer agrees with the consolidated label, 0 to 1; None when gtops cannot tell
    (custom tasks, whose labels are the consolidation Lambda's own format).

    Boxes: matched pairs (same class, IoU >= 0.5) over the larger of the two box counts. Entities: the
    Jaccard index of (class, start, end). Everything else (single and multi-label classes, segmentation's
    classes, verification): the Jaccard index of the class names, so a single label agrees or not.
    """
    if not kind.startswith("groundtruth/") or kind.endswith("/custom"):
        return None
    if kind.endswith("object-detection"):
        return _box_agreement(answer, consolidated)
    if kind.endswith("text-span"):
        return _jaccard({(lb.name, lb.span) for lb in answer}, {(lb.name, lb.span) for lb in consolidated})
    return _jaccard({lb.name for lb in answer}, {lb.name for lb in consolidated})


def _jaccard(a: set, b: set) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def _iou(a: dict, b: dict) -> float:
    try:
        ax, ay, aw, ah = (float(a[k]) for k in ("left", "top", "width", "height"))
        bx, by, bw, bh = (float(b[k]) for k in ("left", "top", "width", "height"))
    except (KeyError, TypeError, ValueError):
        return 0.0
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _box_agreement(answer: list[Label], consolidated: list[Label]) -> float:
    if not answer and not consolidated:
        return 1.0
    pairs = []
    for i, a in enumerate(answer):
        for j, c in enumerate(consolidated):
            if a.name == c.name and a.box and c.box:
                iou = _iou(a.box, c.box)
                if iou >= IOU_MATCH:
                    pairs.append((iou, i, j))
    used_a: set[int] = set()
    used_c: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in used_a and j not in used_c:
            used_a.add(i)
            used_c.add(j)
    return len(used_a) / max(len(answer), len(consolidated))


# ----------------------------------------------------------------------------------------------------
# per-worker figures


@dataclass
class _Worker:
    worker_id: str
    sub: str | None = None
    issuer: str | None = None
    tasks: int = 0
    scored: int = 0
    agree_total: float = 0.0
    disagreements: int = 0
    timed: int = 0
    time_total: float = 0.0
    time_min: float | None = None
    time_max: float | None = None
    seconds: dict[int, int] = field(default_factory=dict)  # whole seconds -> answers: the median, to 1 s

    def median(self) -> float | None:
        if not self.timed:
            return None
        middle, seen = (self.timed + 1) // 2, 0
        for second in sorted(self.seconds):
            seen += self.seconds[second]
            if seen >= middle:
                return float(second)
        return None


class WorkerStats:
    """Fed each object of the output manifest with its answers: per-worker agreement and time, and each
    object's agreement (the mean of its workers')."""

    def __init__(self, responses: Responses):
        self.responses = responses
        self.workers: dict[str, _Worker] = {}
        self.objects = 0
        self.multi = 0  # objects answered by two or more workers
        self.names: dict[str, str] = {}

    def score(self, o: ObjectResult) -> float | None:
        """Score the object's answers; its agreement when two or more workers answered, else None."""
        answers = self.responses.answers.pop(o.index, None)
        if not answers or o.failed is not None:
            return None
        self.objects += 1
        values = []
        for answer in answers:
            w = self.workers.get(answer.worker)
            if w is None:
                if len(self.workers) >= MAX_WORKERS:
                    continue
                w = self.workers[answer.worker] = _Worker(answer.worker, answer.sub, answer.issuer)
            w.tasks += 1
            if answer.seconds is not None:
                w.timed += 1
                w.time_total += answer.seconds
                w.time_min = answer.seconds if w.time_min is None else min(w.time_min, answer.seconds)
                w.time_max = answer.seconds if w.time_max is None else max(w.time_max, answer.seconds)
                second = int(answer.seconds)
                w.seconds[second] = w.seconds.get(second, 0) + 1
            if answer.labels is None or len(answers) < 2:
                continue  # one worker's answer is the consolidated label: nothing to agree with
            value = agreement(answer.labels, o.labels, o.kind)
            if value is None:
                continue
            w.scored += 1
            w.agree_total += value
            w.disagreements += value < 1.0
            values.append(value)
        if not values:
            return None
        self.multi += 1
        return sum(values) / len(values)

    def name_workers(self, cognito, region: str) -> None:
        """Put e-mails on private workers: Cognito ListUsers with `sub = "<sub>"` in the issuer's pool (the
        DG's own advice); a pool gtops cannot read leaves the worker ids."""
        looked = 0
        for w in sorted(self.workers.values(), key=lambda w: -w.tasks):
            match = ISSUER.match(w.issuer or "")
            if not w.sub or not match or match.group(1) != region or looked >= MAX_NAME_LOOKUPS:
                continue
            looked += 1
            try:
                users = cognito.list_users(UserPoolId=match.group(2), Filter=f'sub = "{w.sub}"', Limit=1)
            except Exception:  # noqa: BLE001 - names are a convenience; ids still identify the workers
                return
            for user in users.get("Users") or []:
                attrs = {a.get("Name"): a.get("Value") for a in user.get("Attributes") or []}
                self.names[w.worker_id] = str(attrs.get("email") or user.get("Username") or "")[:256]

    def result(self) -> dict[str, Any]:
        rows = []
        for w in sorted(self.workers.values(), key=lambda w: (-w.tasks, w.worker_id)):
            rows.append(
                {
                    "worker_id": w.worker_id,
                    "name": self.names.get(w.worker_id),
                    "sub": w.sub,
                    "tasks": w.tasks,
                    "agreement": round(w.agree_total / w.scored, 4) if w.scored else None,
                    "disagreements": w.disagreements,
                    "time": {
                        "mean": round(w.time_total / w.timed, 2) if w.timed else None,
                        "median": w.median(),
                        "min": w.time_min,
                        "max": w.time_max,
                        "total": round(w.time_total, 2),
                    },
                }
            )
        read = {
            "objects": self.objects,
            "files": self.responses.files,
            "unreadable": self.responses.unreadable,
            "capped": self.responses.capped,
        }
        notes = []
        if not rows:
            notes.append("no worker responses found (annotations/worker-response/)")
        elif self.workers and not self.multi:
            notes.append("one worker per object: agreement needs two or more")
        if self.responses.unreadable:
            notes.append(f"{self.responses.unreadable} worker-response files could not be read")
        return {"workers": rows, "read": read, "note": "; ".join(notes) or None}
