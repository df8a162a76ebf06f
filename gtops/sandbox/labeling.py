"""Simulated workers for sandbox labeling jobs: status, counters and a real Ground Truth output layout in S3.

The SageMaker side of the sandbox stores each job as a dict in AWS casing and calls the hooks here:
`on_create`, `refresh` (on every read), `advance` (explicit steps) and `stop`. A job moves one *step* at a
time:

    Initializing -> InProgress -> one batch of objects labeled per step ... -> Completed
    InProgress --stop--> Stopping -> Stopped (partial output)

Steps happen every GTOPS_SANDBOX_JOB_SECONDS seconds (default 2.0; 0 = only explicit `advance`). A batch is
min(MaxConcurrentTaskCount, ceil(objects / 3)) objects, so a job normally labels in three batches.

StoppingConditions: AWS says a job whose condition is met "is automatically stopped"; here it goes Stopping ->
Stopped once MaxHumanLabeledObjectCount objects, or ceil(MaxPercentageOfInputDatasetLabeled% of them), are
labeled, and writes the output of the labeled objects, as StopLabelingJob does.

Every answer is drawn from `random.Random("<job name>:<object index>")`, so a job name always yields the same
labels, whatever the timing; tests can compute expected results with `simulated_answer` and
`expected_class_counts`. Output follows the per-task-type formats of the Ground Truth developer guide.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import math
import os
import random
import re
import struct
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SECONDS = 2.0
SIM = "_gtops_sim"  # private state kept in the job dict; the SageMaker layer answers only modeled members
ITERATION = "iteration-1"
# task type (PRE-/ACS- Lambda suffix) -> output metadata `type`
OUTPUT_TYPES = {
    "BoundingBox": "groundtruth/object-detection",
    "ImageMultiClass": "groundtruth/image-classification",
    "ImageMultiClassMultiLabel": "groundtruth/image-classification-multilabel",
    "SemanticSegmentation": "groundtruth/semantic-segmentation",
    "TextMultiClass": "groundtruth/text-classification",
    "TextMultiClassMultiLabel": "groundtruth/text-classification-multilabel",
    "NamedEntityRecognition": "groundtruth/text-span",
    "VideoMultiClass": "groundtruth/video-classification",
    "VerificationBoundingBox": "groundtruth/label-verification",
    "VerificationSemanticSegmentation": "groundtruth/label-verification",
}
CLASSIFICATION = {"ImageMultiClass": "crowd-image-classifier", "TextMultiClass": "crowd-classifier"}
CLASSIFICATION |= {"VideoMultiClass": "crowd-classifier", "VerificationBoundingBox": "crowd-classifier"}
CLASSIFICATION |= {"VerificationSemanticSegmentation": "crowd-classifier"}
MULTI_LABEL = {
    "ImageMultiClassMultiLabel": "crowd-image-classifier-multi-select",
    "TextMultiClassMultiLabel": "crowd-classifier-multi-select",
}
BACKGROUND_COLOR = "#ffffff"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
PALETTE += ["#17becf"]
MASK_SIZE = (16, 12)
IMAGE_SIZES = [(640, 480), (1024, 768), (1280, 720), (800, 600)]
NO_SOURCE = "ClientError: The data object has neither a source-ref nor a source attribute."
MODEL_SHARE = 0.6  # automated data labeling: share of the objects after the first third the model labels
AGREE = 0.85  # chance that a simulated worker gives the true answer for one item


# ----------------------------------------------------------------------------------------------------
# hooks called by the SageMaker side


def on_create(job: dict[str, Any], account_id: str, region: str) -> None:
    """Read manifest and labels from the emulated S3; the job starts Initializing, or Failed like on AWS."""
    job["LabelingJobStatus"] = "Initializing"
    sim: dict[str, Any] = {"created": _clock(), "time_steps": 0, "processed": 0, "results": {}}
    job[SIM] = sim
    sim["task"] = task_type(job)
    source = (job.get("InputConfig") or {}).get("DataSource") or {}
    manifest_uri = (source.get("S3DataSource") or {}).get("ManifestS3Uri")
    try:
        objects = _read_manifest(manifest_uri, account_id) if manifest_uri else []
        sim["labels"] = _read_labels(job, account_id, sim["task"])
        _check_started(job, account_id, region)
        bucket, _ = _split_s3(_output_prefix(job))
        _s3(account_id).get_bucket(bucket)
    except _JobFailure as failure:
        _fail(job, str(failure))
        return
    except Exception as exc:  # noqa: BLE001 - a missing output bucket surfaces as moto's own error
        _fail(job, f"ClientError: Cannot write to the output location {_output_prefix(job)}: {exc}")
        return
    sim["objects"] = objects
    sim["topic"] = (source.get("SnsDataSource") or {}).get("SnsTopicArn")
    sim["streaming"] = manifest_uri is None or bool(sim["topic"])
    sim["consumed"] = 0  # messages of the input topic taken so far
    total = len(objects)
    sim["limit"] = _limit(job, total)
    human = job.get("HumanTaskConfig") or {}
    sim["batch"] = max(1, min(int(human.get("MaxConcurrentTaskCount") or 1000), math.ceil(sim["limit"] / 3)))
    sim["workers"] = _workers(job, account_id, region)
    if sim["task"] == "PassThrough":
        from gtops.sandbox import lambdas

        sim["custom"] = lambdas.custom_setup(job, account_id)  # None: the job's Lambdas are not here
    job["LabelCounters"] = _counters(0, 0, total)


def refresh(job: dict[str, Any], account_id: str, region: str) -> None:
    """Apply the steps that are due by the clock (nothing when GTOPS_SANDBOX_JOB_SECONDS is 0)."""
    sim = job.get(SIM)
    seconds = _seconds()
    if not sim or seconds <= 0:
        return
    due = int((_clock() - sim["created"]) / seconds)
    pending = due - sim["time_steps"]
    sim["time_steps"] = max(due, sim["time_steps"])
    for _ in range(max(0, pending)):
        if not _step(job, account_id, region):
            break


def advance(job: dict[str, Any], steps: int, account_id: str, region: str) -> None:
    """Apply `steps` steps now: start, label one batch, or finish, each."""
    if not job.get(SIM):
        return
    for _ in range(max(0, int(steps))):
        if not _step(job, account_id, region):
            break


def stop(job: dict[str, Any], account_id: str, region: str) -> None:
    """StopLabelingJob: the job is Stopping now and Stopped (with partial output) at its next step."""
    refresh(job, account_id, region)
    if job.get("LabelingJobStatus") in ("Initializing", "InProgress"):
        _set_status(job, "Stopping")


# ----------------------------------------------------------------------------------------------------
# helpers for tests and result tooling


def task_type(job: dict[str, Any]) -> str:
    """The built-in task type (PRE-<Type> Lambda suffix, or the NER task UI), else "PassThrough" (custom)."""
    human = job.get("HumanTaskConfig") or {}
    lambda_name = (human.get("PreHumanTaskLambdaArn") or "").rsplit(":", 1)[-1]
    if lambda_name.startswith("PRE-"):
        name = lambda_name.removeprefix("PRE-")
        base = name.removeprefix("Adjustment")
        if name in OUTPUT_TYPES or name in ("PassThrough",) or base in OUTPUT_TYPES:
            return name
    ui_arn = (human.get("UiConfig") or {}).get("HumanTaskUiArn") or ""
    if ui_arn.endswith("/NamedEntityRecognition"):
        return "NamedEntityRecognition"
    return "PassThrough"


def simulated_answer(job: dict[str, Any], index: int) -> dict[str, Any]:
    """What the workers answer for object `index`: consolidated label, type metadata, class names, answers."""
    outcome = _simulate(job, index)
    return {
        "label": outcome.label,
        "metadata": outcome.meta,
        "classes": outcome.classes,
        "answers": outcome.answers,
    }


def expected_class_counts(job: dict[str, Any]) -> dict[str, int]:
    """Per class name, how many consolidated annotations the finished job holds (each box/entity counts)."""
    sim = job[SIM]
    counts: dict[str, int] = {}
    for index in range(sim["limit"]):
        if _has_source(sim["objects"][index]):
            for name in _simulate(job, index).classes:
                counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def output_prefix(job: dict[str, Any]) -> str:
    """`s3://<S3OutputPath>/<LabelingJobName>/`, where AWS writes everything for the job."""
    return _output_prefix(job)


# ----------------------------------------------------------------------------------------------------
# the state machine


def _step(job: dict[str, Any], account_id: str, region: str) -> bool:
    """One step; False once the job is terminal."""
    sim = job[SIM]
    status = job.get("LabelingJobStatus")
    if status == "Initializing":
        _set_status(job, "InProgress")
    elif status == "Stopping":
        _finish(job, account_id, "Stopped")
    elif status == "InProgress":
        if sim["streaming"]:
            return _stream_step(job, account_id, region)  # labels what arrived; runs until stopped
        if sim["processed"] < sim["limit"]:
            _label_batch(job, account_id, region)
        elif sim["limit"] < len(sim["objects"]):
            _set_status(job, "Stopping")  # a stopping condition was met
        else:
            _finish(job, account_id, "Completed")
    else:
        return False
    return True


def _label_batch(job: dict[str, Any], account_id: str, region: str) -> None:
    sim = job[SIM]
    start = sim["processed"]
    end = min(sim["limit"], start + sim["batch"])
    now = _tick(sim)
    if sim.get("custom"):
        from gtops.sandbox import lambdas

        lambdas.label_batch(job, account_id, range(start, end), now)
        _end_batch(job, account_id, end)
        return
    prefix = _output_prefix(job)
    attribute = job["LabelAttributeName"]
    requests, responses = [], []
    for index in range(start, end):
        data_object = sim["objects"][index]
        meta_common = {
            "job-name": f"labeling-job/{job['LabelingJobName']}",
            "human-annotated": "yes",
            "creation-date": _iso(now),
        }
        if not _has_source(data_object):
            line = dict(data_object)
            line[f"{attribute}-metadata"] = {
                **meta_common,
                "human-annotated": "no",
                "failure-reason": NO_SOURCE,
            }
            sim["results"][index] = line
            continue
        outcome = _simulate(job, index)
        label: Any = copy.deepcopy(outcome.label)
        if outcome.png is not None:
            key = f"annotations/consolidated-annotation/output/{index}_{_stamp(now)}.png"
            _put(account_id, prefix + key, outcome.png)
            label = prefix + key
        if machine_labeled(job, index):
            sim["results"][index] = _machine_line(job, data_object, label, outcome, meta_common)
            sim["machine"] = sim.get("machine", 0) + 1
            continue
        if sim["task"] == "PassThrough":
            meta = {
                "job_name": meta_common["job-name"],
                "type": "groundTruth/custom",
                "human-annotated": "yes",
                "creation_date": meta_common["creation-date"],
            }
        else:
            meta = {**outcome.meta, **meta_common}
        line = dict(data_object)
        line[attribute] = label
        line[f"{attribute}-metadata"] = meta
        sim["results"][index] = line
        answers = _worker_answers(sim, outcome, now)
        _put_json(
            account_id, f"{prefix}annotations/worker-response/{ITERATION}/{index}/{_stamp(now)}.json", answers
        )
        requests.append({"datasetObjectId": str(index), "dataObject": _data_object(data_object), **answers})
        responses.append(
            {
                "datasetObjectId": str(index),
                "consolidatedAnnotation": {"content": {attribute: label, f"{attribute}-metadata": meta}},
            }
        )
    if requests:
        base = f"{prefix}annotations/consolidated-annotation"
        _put_json(account_id, f"{base}/consolidation-request/{ITERATION}/{_stamp(now)}.json", requests)
        _put_json(account_id, f"{base}/consolidation-response/{ITERATION}/{_stamp(now)}.json", responses)
    _end_batch(job, account_id, end)


def _end_batch(job: dict[str, Any], account_id: str, end: int) -> None:
    sim = job[SIM]
    # DG, Output Data: annotations/intermediate "contains the output manifest for the current batch with
    # any completed labels. This file is updated as the label for each data object is completed." The
    # file name under it is not documented (AWS says not to depend on it).
    done = "".join(json.dumps(sim["results"][i]) + "\n" for i in sorted(sim["results"]))
    intermediate = f"{_output_prefix(job)}annotations/intermediate/{ITERATION}/annotations.manifest"
    _put(account_id, intermediate, done.encode())
    sim["processed"] = end
    meta = f"{job['LabelAttributeName']}-metadata"
    failed = sum(1 for i in range(end) if "failure-reason" in (sim["results"].get(i) or {}).get(meta, {}))
    job["LabelCounters"] = _counters(end - failed, failed, len(sim["objects"]) - end, sim.get("machine", 0))
    job["LastModifiedTime"] = _utcnow()


def _stream_step(job: dict[str, Any], account_id: str, region: str) -> bool:
    """A streaming job (DG: Ground Truth Streaming Labeling Jobs): take the messages published to its input
    topic since the last step (each one manifest line), label one batch of what waits, and write the output
    manifest so far; each labeled object also goes to the output topic, if the job has one. False when
    nothing waits (the job stays InProgress until it is stopped)."""
    sim = job[SIM]
    for message in _new_messages(sim, account_id, region):
        try:
            line = json.loads(message)
        except json.JSONDecodeError:
            line = None
        # A message that is not a JSON object is taken as text to label (DG: "source" of a text object).
        sim["objects"].append(line if isinstance(line, dict) else {"source": message})
    sim["limit"] = len(sim["objects"])
    if sim["processed"] >= sim["limit"]:
        return False
    human = job.get("HumanTaskConfig") or {}
    sim["batch"] = max(1, int(human.get("MaxConcurrentTaskCount") or 1000))
    start = sim["processed"]
    _label_batch(job, account_id, region)
    key = _output_prefix(job) + "manifests/output/output.manifest"
    lines = [json.dumps(sim["results"][i]) for i in sorted(sim["results"])]
    _put(account_id, key, ("\n".join(lines) + "\n").encode())
    job["LabelingJobOutput"] = {"OutputDatasetS3Uri": key}
    out_topic = (job.get("OutputConfig") or {}).get("SnsTopicArn")
    if out_topic:
        topic = _sns_topic(out_topic, account_id, region)
        for index in range(start, sim["processed"]):
            if topic is not None and index in sim["results"]:
                topic.publish(json.dumps(sim["results"][index]))
    return True


def _sns_topic(arn: str, account_id: str, region: str) -> Any:
    from moto.sns.models import sns_backends

    parts = arn.split(":")
    try:
        return sns_backends[account_id][parts[3] if len(parts) > 3 else region].topics[arn]
    except (KeyError, IndexError):
        return None


def _new_messages(sim: dict[str, Any], account_id: str, region: str) -> list[str]:
    topic = _sns_topic(sim["topic"], account_id, region) if sim.get("topic") else None
    if topic is None:
        return []
    sent = topic.sent_notifications[sim["consumed"] :]
    sim["consumed"] += len(sent)
    return [str(entry[1]) for entry in sent]


def machine_labeled(job: dict[str, Any], index: int) -> bool:
    """Automated data labeling (LabelingJobAlgorithmsConfig): does the model label object `index`?

    As on AWS (DG: Automate Data Labeling), people label the first objects (the sandbox: the first third),
    a model is trained on them, and it then labels the objects it is confident about (here a fixed draw per
    object, about 60 %); the rest still go to people. The model never labels a custom task.
    """
    sim = job[SIM]
    if not job.get("LabelingJobAlgorithmsConfig") or sim["task"] == "PassThrough":
        return False
    if index < max(1, sim["limit"] // 3):
        return False
    return random.Random(f"{job['LabelingJobName']}:{index}:model").random() < MODEL_SHARE


def _machine_line(
    job: dict[str, Any], data_object: dict[str, Any], label: Any, outcome: _Outcome, common: dict[str, Any]
) -> dict[str, Any]:
    """An object the model labeled: the answer people would give, with the model's confidence, marked
    `human-annotated: no`; no worker responses and no consolidation request are written for it."""
    confidence = round(random.Random(f"{job['LabelingJobName']}:model-confidence").uniform(0.9, 0.99), 2)
    meta: dict[str, Any] = {**copy.deepcopy(outcome.meta), **common, "human-annotated": "no"}
    if "confidence" in meta:
        meta["confidence"] = confidence
    for key in ("confidence-map",):
        if key in meta:
            meta[key] = {k: confidence for k in meta[key]}
    for box in meta.get("objects") or []:
        if isinstance(box, dict) and "confidence" in box:
            box["confidence"] = confidence
    attribute = job["LabelAttributeName"]
    line = dict(data_object)
    line[attribute] = label
    line[f"{attribute}-metadata"] = meta
    return line


def _finish(job: dict[str, Any], account_id: str, status: str) -> None:
    sim = job[SIM]
    key = _output_prefix(job) + "manifests/output/output.manifest"
    lines = [json.dumps(sim["results"][i]) for i in sorted(sim["results"])]
    _put(account_id, key, ("\n".join(lines) + ("\n" if lines else "")).encode())
    job["LabelingJobOutput"] = {"OutputDatasetS3Uri": key}
    _set_status(job, status)


def _tick(sim: dict[str, Any]) -> dt.datetime:
    """Now, but strictly later (by 1 ms) than the previous batch: batch files are named by timestamp."""
    now = _utcnow()
    last = sim.get("last_batch")
    if last is not None and now <= last + dt.timedelta(milliseconds=1):
        now = last + dt.timedelta(milliseconds=1)
    sim["last_batch"] = now
    return now


def _set_status(job: dict[str, Any], status: str) -> None:
    job["LabelingJobStatus"] = status
    job["LastModifiedTime"] = _utcnow()


def _fail(job: dict[str, Any], reason: str) -> None:
    job["FailureReason"] = reason[:1024]
    job["LabelCounters"] = _counters(0, 0, 0)
    job.pop(SIM, None)
    _set_status(job, "Failed")


def _counters(labeled: int, failed: int, unlabeled: int, machine: int = 0) -> dict[str, int]:
    return {
        "TotalLabeled": labeled,
        "HumanLabeled": labeled - machine,
        "MachineLabeled": machine,
        "FailedNonRetryableError": failed,
        "Unlabeled": unlabeled,
    }


def _limit(job: dict[str, Any], total: int) -> int:
    conditions = job.get("StoppingConditions") or {}
    limit = total
    if conditions.get("MaxHumanLabeledObjectCount"):
        limit = min(limit, int(conditions["MaxHumanLabeledObjectCount"]))
    if conditions.get("MaxPercentageOfInputDatasetLabeled"):
        limit = min(limit, math.ceil(total * int(conditions["MaxPercentageOfInputDatasetLabeled"]) / 100))
    return limit


# ----------------------------------------------------------------------------------------------------
# simulated workers


@dataclass
class _Outcome:
    label: Any
    meta: dict[str, Any]
    classes: list[str]
    answers: list[dict[str, Any]] = field(default_factory=list)  # answerContent per worker
    png: bytes | None = None


def _confidence(votes: int, workers: int) -> float:
    """Agreement among workers; AWS reports 0.0 when a single worker labeled the object."""
    return 0.0 if workers <= 1 else round(votes / workers, 2)


def _majority(workers: int) -> int:
    return max(1, math.ceil(workers / 2))


def _simulate(job: dict[str, Any], index: int) -> _Outcome:
    sim = job[SIM]
    rng = random.Random(f"{job['LabelingJobName']}:{index}")
    workers = max(1, int((job.get("HumanTaskConfig") or {}).get("NumberOfHumanWorkersPerDataObject") or 1))
    labels: list[dict[str, Any]] = sim["labels"]
    names = [entry["label"] for entry in labels]
    task = sim["task"]
    base = task.removeprefix("Adjustment") if task.startswith("Adjustment") else task
    if base in CLASSIFICATION:
        outcome = _classification(rng, names, workers, CLASSIFICATION[base])
    elif base in MULTI_LABEL:
        outcome = _multi_label(rng, names, workers, MULTI_LABEL[base])
    elif base == "BoundingBox":
        outcome = _bounding_box(rng, names, workers)
    elif base == "SemanticSegmentation":
        outcome = _segmentation(rng, names, workers)
    elif base == "NamedEntityRecognition":
        outcome = _entities(rng, labels, workers, str(sim["objects"][index].get("source", "")))
    else:
        outcome = _pass_through(rng, names, workers)
    if base in OUTPUT_TYPES:
        outcome.meta["type"] = OUTPUT_TYPES[base]
    if base.startswith("Verification"):
        outcome.meta["worker-feedback"] = []
    if task.startswith("Adjustment"):
        outcome.meta["adjustment-status"] = "adjusted" if rng.random() < 0.5 else "unadjusted"
    return outcome


def _pick_other(rng: random.Random, count: int, avoid: int) -> int:
    if count < 2:
        return avoid
    other = rng.randrange(count - 1)
    return other + 1 if other >= avoid else other


def _classification(rng: random.Random, names: list[str], workers: int, element: str) -> _Outcome:
    truth = rng.randrange(len(names))
    votes = [truth if rng.random() < AGREE else _pick_other(rng, len(names), truth) for _ in range(workers)]
    tally = {c: votes.count(c) for c in votes}
    winner = max(tally, key=lambda c: (tally[c], c == truth, -c))
    meta = {"class-name": names[winner], "confidence": _confidence(tally[winner], workers)}
    answers = [{element: {"label": names[v]}} for v in votes]
    return _Outcome(winner, meta, [names[winner]], answers)


def _multi_label(rng: random.Random, names: list[str], workers: int, element: str) -> _Outcome:
    truth = set(rng.sample(range(len(names)), rng.randint(1, min(3, len(names)))))
    # a worker picks each true class with P=AGREE and each other class with P=1-AGREE
    chosen = [
        sorted(c for c in range(len(names)) if (rng.random() < AGREE) == (c in truth)) for _ in range(workers)
    ]
    votes = {c: sum(c in picks for picks in chosen) for c in range(len(names))}
    # DG, Output Data: "an array of all of the labels selected by at least one of the workers"
    result = sorted(c for c, n in votes.items() if n >= 1)
    meta = {
        "class-map": {str(c): names[c] for c in result},
        "confidence-map": {str(c): _confidence(votes[c], workers) for c in result},
    }
    answers = [{element: {"labels": [names[c] for c in picks]}} for picks in chosen]
    return _Outcome(result, meta, [names[c] for c in result], answers)


def _bounding_box(rng: random.Random, names: list[str], workers: int) -> _Outcome:
    width, height = rng.choice(IMAGE_SIZES)
    truth = []
    for _ in range(rng.randint(1, 3)):
        w, h = rng.randint(20, width // 3), rng.randint(20, height // 3)
        truth.append((rng.randrange(len(names)), rng.randint(0, width - w), rng.randint(0, height - h), w, h))
    drawn: list[list[tuple[int, int, int, int, int] | None]] = []
    for _ in range(workers):
        boxes: list[tuple[int, int, int, int, int] | None] = []
        for class_id, left, top, w, h in truth:
            if rng.random() < AGREE:
                jitter = [rng.randint(-3, 3) for _ in range(4)]
                boxes.append(
                    (
                        class_id,
                        max(0, left + jitter[0]),
                        max(0, top + jitter[1]),
                        w + jitter[2],
                        h + jitter[3],
                    )
                )
            else:
                boxes.append(None)
        drawn.append(boxes)
    annotations, objects = [], []
    for slot, (class_id, *_rest) in enumerate(truth):
        seen = [box for boxes in drawn if (box := boxes[slot]) is not None]
        if len(seen) < _majority(workers):
            continue
        mean = [round(sum(box[k] for box in seen) / len(seen)) for k in range(1, 5)]
        annotations.append(
            {"class_id": class_id, "left": mean[0], "top": mean[1], "width": mean[2], "height": mean[3]}
        )
        objects.append({"confidence": _confidence(len(seen), workers)})
    label = {"image_size": [{"width": width, "height": height, "depth": 3}], "annotations": annotations}
    present = sorted({a["class_id"] for a in annotations})
    meta = {"objects": objects, "class-map": {str(c): names[c] for c in present}}
    answers = [
        {
            "boundingBox": {
                "boundingBoxes": [
                    {"label": names[b[0]], "left": b[1], "top": b[2], "width": b[3], "height": b[4]}
                    for b in boxes
                    if b is not None
                ],
                "inputImageProperties": {"width": width, "height": height},
            }
        }
        for boxes in drawn
    ]
    return _Outcome(label, meta, [names[a["class_id"]] for a in annotations], answers)


def _segmentation(rng: random.Random, names: list[str], workers: int) -> _Outcome:
    width, height = MASK_SIZE
    present = sorted(rng.sample(range(len(names)), rng.randint(1, min(2, len(names)))))
    regions = {}
    for c in present:
        w, h = rng.randint(3, width // 2), rng.randint(3, height // 2)
        regions[c] = (rng.randint(0, width - w), rng.randint(0, height - h), w, h)
    colors = {c: _color(c) for c in range(len(names))}
    pixels = [[BACKGROUND_COLOR] * width for _ in range(height)]
    for c, (left, top, w, h) in regions.items():
        for y in range(top, top + h):
            for x in range(left, left + w):
                pixels[y][x] = colors[c]
    png = _png(pixels)
    votes = {c: sum(rng.random() < AGREE for _ in range(workers)) for c in present}
    # DG, Output Data: "Confidence is scored on a per-image basis. Confidence scores are the same across all
    # classes within an image."
    image = _confidence(round(sum(votes.values()) / len(present)), workers)
    color_map = {
        "0": {
            "class-name": "BACKGROUND",
            "confidence": image,
            "hex-color": BACKGROUND_COLOR,
        }
    }
    for c in present:
        color_map[str(c + 1)] = {
            "class-name": names[c],
            "confidence": image,
            "hex-color": colors[c],
        }
    mappings = {names[c]: {"color": colors[c]} for c in present}
    answer = {
        "crowd-semantic-segmentation": {
            "inputImageProperties": {"width": width, "height": height},
            "labelMappings": mappings,
            "labeledImage": {"pngImageData": base64.b64encode(png).decode()},
        }
    }
    return _Outcome(
        None, {"internal-color-map": color_map}, [names[c] for c in present], [answer] * workers, png
    )


def _entities(rng: random.Random, labels: list[dict[str, Any]], workers: int, text: str) -> _Outcome:
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    spans = sorted(rng.sample(words, min(len(words), rng.randint(1, 3)))) if words else []
    truth = [(start, end, rng.randrange(len(labels))) for start, end in spans]
    marked = [[span for span in truth if rng.random() < AGREE] for _ in range(workers)]
    entities, confidences = [], []
    for span in truth:
        votes = sum(span in picks for picks in marked)
        if votes >= _majority(workers):
            entities.append({"label": labels[span[2]]["label"], "startOffset": span[0], "endOffset": span[1]})
            confidences.append({"confidence": _confidence(votes, workers)})
    label_list = []
    for entry in labels:
        item = {"label": entry["label"]}
        if entry.get("shortDisplayName"):
            item["shortDisplayName"] = entry["shortDisplayName"]
        label_list.append(item)
    label = {"annotations": {"labels": label_list, "entities": entities}}
    answers = [
        {
            "crowd-entity-annotation": {
                "entities": [
                    {"label": labels[c]["label"], "startOffset": s, "endOffset": e} for s, e, c in picks
                ]
            }
        }
        for picks in marked
    ]
    return _Outcome(label, {"entities": confidences}, [e["label"] for e in entities], answers)


def _pass_through(rng: random.Random, names: list[str], workers: int) -> _Outcome:
    """A pass-through consolidation Lambda returns every worker's raw answer unchanged."""
    answers = [{"label": rng.choice(names)} if names else {"response": f"answer-{rng.randrange(1000)}"}]
    answers += [{"label": rng.choice(names)} if names else answers[0] for _ in range(workers - 1)]
    label = {"annotationsFromAllWorkers": [{"annotationData": {"content": json.dumps(a)}} for a in answers]}
    return _Outcome(label, {}, [a["label"] for a in answers if "label" in a], answers)


def _worker_answers(sim: dict[str, Any], outcome: _Outcome, now: dt.datetime) -> dict[str, Any]:
    """The worker-response file: one entry per worker, with Cognito identity for private teams."""
    answers = []
    pool = sim["workers"]
    for slot, content in enumerate(outcome.answers):
        worker = pool[slot % len(pool)]
        spent = 20 + (hashlib.sha256(f"{worker['workerId']}:{slot}".encode()).digest()[0] % 60)
        entry: dict[str, Any] = {
            "acceptanceTime": _js_time(now - dt.timedelta(seconds=spent)),
            "answerContent": content,
            "submissionTime": _js_time(now),
            "timeSpentInSeconds": float(spent),
            "workerId": worker["workerId"],
        }
        if worker.get("identityData"):
            entry["workerMetadata"] = {"identityData": worker["identityData"]}
        answers.append(entry)
    return {"answers": answers}


def _workers(job: dict[str, Any], account_id: str, region: str) -> list[dict[str, Any]]:
    """Workers of the job's team: the Cognito users of its groups (sorted), padded with made-up ones."""
    human = job.get("HumanTaskConfig") or {}
    needed = max(1, int(human.get("NumberOfHumanWorkersPerDataObject") or 1))
    team_arn = human.get("WorkteamArn") or ""
    rng = random.Random(f"{job['LabelingJobName']}:workers")
    if "/public-crowd/" in team_arn:
        return [{"workerId": f"public.{region}.{rng.getrandbits(64):016x}"} for _ in range(needed)]
    members, pool_id = _team_members(team_arn, account_id, region)
    pool_id = pool_id or f"{region}_sandbox"
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    subs = members + [
        str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(needed - len(members))
    ]
    return [
        {
            "workerId": f"private.{region}.{hashlib.sha256(sub.encode()).hexdigest()[:20]}",
            "identityData": {"identityProviderType": "Cognito", "issuer": issuer, "sub": sub},
        }
        for sub in subs
    ]


def _team_members(team_arn: str, account_id: str, region: str) -> tuple[list[str], str | None]:
    try:
        from moto.cognitoidp.models import cognitoidp_backends

        from gtops.sandbox.cognito import _LOCK as cognito_lock
        from gtops.sandbox.sagemaker import gt_backends

        teams = gt_backends[account_id][region].workteams.values()
        team = next((t for t in teams if t.get("WorkteamArn") == team_arn), None)
        subs: set[str] = set()
        pool_id: str | None = None
        for member in (team or {}).get("MemberDefinitions") or []:
            cognito: dict[str, Any] = member.get("CognitoMemberDefinition") or {}
            pool_id = cognito.get("UserPool") or pool_id
            with cognito_lock:  # group membership may change concurrently
                pool = cognitoidp_backends[account_id][region].user_pools.get(pool_id) if pool_id else None
                group_name = cognito.get("UserGroup")
                group = pool.groups.get(group_name) if pool and group_name else None
                subs.update(user.id for user in (group.users if group else ()))
        return sorted(subs), pool_id
    except Exception:  # noqa: BLE001 - no team information: made-up workers are fine
        return [], None


# ----------------------------------------------------------------------------------------------------
# S3 and formats


class _JobFailure(Exception):
    """The job cannot start; the message becomes its FailureReason."""


def _s3(account_id: str) -> Any:
    from moto.s3.models import s3_backends

    backends = s3_backends[account_id]
    for partition in ("aws", "global"):
        try:
            return backends[partition]
        except KeyError:
            continue
    raise _JobFailure("ClientError: S3 is not available")


def _split_s3(uri: str) -> tuple[str, str]:
    if uri.startswith("s3://"):
        bucket, _, key = uri[5:].partition("/")
        return bucket, key
    match = re.match(r"https://([^./]+)\.s3[.-][^/]*amazonaws\.com/(.*)", uri) or re.match(
        r"https://s3[.-][^/]*amazonaws\.com/([^/]+)/(.*)", uri
    )
    if not match:
        raise _JobFailure(f"ClientError: {uri} is not an S3 URI.")
    return match.group(1), match.group(2)


def _get(uri: str, account_id: str, what: str) -> bytes:
    bucket, key = _split_s3(uri)
    try:
        obj = _s3(account_id).get_object(bucket, key)
    except Exception:  # noqa: BLE001 - moto raises MissingBucket; normalise to one message
        obj = None
    if obj is None:
        raise _JobFailure(
            f"ClientError: Failed to read the {what} at {uri}. Make sure the object exists and that the "
            "role passed as RoleArn can read it."
        )
    return bytes(obj.value)


def _read_manifest(uri: str, account_id: str) -> list[dict[str, Any]]:
    text = _get(uri, account_id, "input manifest").decode("utf-8", errors="replace")
    objects = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            item = None
        if not isinstance(item, dict):
            raise _JobFailure(f"ClientError: Line {number} of the input manifest {uri} is not a JSON object.")
        objects.append(item)
    if not objects:
        raise _JobFailure(f"ClientError: The input manifest {uri} contains no data objects.")
    return objects


def _read_labels(job: dict[str, Any], account_id: str, task: str) -> list[dict[str, Any]]:
    uri = job.get("LabelCategoryConfigS3Uri")
    if not uri:
        if task == "PassThrough":
            return []
        raise _JobFailure(f"ClientError: A label category configuration file is required for {task} jobs.")
    try:
        config = json.loads(_get(uri, account_id, "label category configuration file"))
        labels = [entry for entry in config["labels"] if isinstance(entry, dict) and entry.get("label")]
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, _JobFailure):
            raise
        raise _JobFailure(f"ClientError: The label category configuration file {uri} is not valid.") from exc
    if not labels and task != "PassThrough":
        raise _JobFailure(f"ClientError: The label category configuration file {uri} has no labels.")
    return labels


def _check_started(job: dict[str, Any], account_id: str, region: str) -> None:
    """What AWS accepts at CreateLabelingJob but the job then fails on, with a FailureReason:

    - the worker task template (UiTemplateS3Uri) cannot be read: no source says whether CreateLabelingJob
      checks it; the sandbox fails the job as it fails one whose manifest cannot be read (assumed);
    - a Lambda of the account (a custom task's) that does not exist: the job fails when Ground Truth invokes
      it, with the real reason "ClientError: Exception invoking the Lambda function <arn>. LambdaErrorCode:
      ... Ensure the Lambda function exists, that the role <role> has permissions to invoke it and try your
      request again." (aws-samples/amazon-comprehend-semi-structured-documents-annotation-tools#3).
    """
    human = job.get("HumanTaskConfig") or {}
    template = (human.get("UiConfig") or {}).get("UiTemplateS3Uri")
    if template:
        _get(template, account_id, "worker task template")
    consolidation = (human.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn")
    for arn in (human.get("PreHumanTaskLambdaArn"), consolidation):
        parts = (arn or "").split(":")
        if len(parts) < 7 or parts[4] != account_id:
            continue  # AWS's own built-in Lambdas (checked at create) or none
        if not _lambda_exists(account_id, parts[3], parts[6]):
            raise _JobFailure(
                f"ClientError: Exception invoking the Lambda function {arn}. LambdaErrorCode: "
                f"ResourceNotFoundException. Ensure the Lambda function exists, that the role "
                f"{job.get('RoleArn')} has permissions to invoke it and try your request again."
            )


def _lambda_exists(account_id: str, region: str, name: str) -> bool:
    try:
        from moto.awslambda.models import lambda_backends

        lambda_backends[account_id][region].get_function(name)
    except Exception:  # noqa: BLE001 - moto's UnknownFunctionException (or no Lambda emulation at all)
        return False
    return True


def _put(account_id: str, uri: str, body: bytes) -> None:
    bucket, key = _split_s3(uri)
    _s3(account_id).put_object(bucket, key, body)


def _put_json(account_id: str, uri: str, data: Any) -> None:
    _put(account_id, uri, json.dumps(data).encode())


def _output_prefix(job: dict[str, Any]) -> str:
    path = (job.get("OutputConfig") or {}).get("S3OutputPath", "")
    return f"{path.rstrip('/')}/{job['LabelingJobName']}/"


def _has_source(data_object: dict[str, Any]) -> bool:
    return "source-ref" in data_object or "source" in data_object


def _data_object(data_object: dict[str, Any]) -> dict[str, Any]:
    if "source-ref" in data_object:
        return {"s3Uri": data_object["source-ref"]}
    return {"content": data_object.get("source")}


def _color(index: int) -> str:
    if index < len(PALETTE):
        return PALETTE[index]
    digest = hashlib.sha256(str(index).encode()).hexdigest()
    return f"#{digest[:6]}"


def _png(pixels: list[list[str]]) -> bytes:
    """A minimal valid 8-bit RGB PNG (no dependencies)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + b"".join(bytes.fromhex(p[1:]) for p in row) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _seconds() -> float:
    try:
        return float(os.environ.get("GTOPS_SANDBOX_JOB_SECONDS", DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS


def _clock() -> float:
    return time.monotonic()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def _js_time(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d_%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
