"""Custom labeling jobs in the sandbox: their own pre-annotation and consolidation Lambdas really run.

A custom job's Lambdas that live in the sandbox (gtops deployed them from the spec's .py files, or a user
created them) are taken from the emulated Lambda service and run here, each batch in one subprocess
(`lambda_run.py`) with the function's handler, environment and timeout, and the event shapes the Ground
Truth developer guide documents ("Processing data in a custom labeling workflow with AWS Lambda"):

  pre-annotation:  {"version": "2018-10-16", "labelingJobArn", "dataObject": <manifest line>}
                   -> {"taskInput": {...}, "isHumanAnnotationRequired": "true"}
  consolidation:   {"version": "2018-10-16", "labelingJobArn", "labelCategories", "labelAttributeName",
                    "roleArn", "payload": {"s3Uri": <consolidation request in S3>}}
                   -> [{"datasetObjectId", "consolidatedAnnotation": {"content": {<attribute>: ...}}}]

The subprocess gets no credentials and no environment of the sandbox: only the function's variables, what
Lambda sets (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, ...) and an S3 endpoint of its own holding the payload.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = "2018-10-16"
MAX_TIMEOUT = 900  # Lambda's own limit
MAX_LOG = 300  # characters of an error kept in a failure reason


@dataclass(frozen=True)
class Function:
    name: str
    arn: str
    handler: str
    code: bytes
    environment: dict[str, str]
    memory: int
    timeout: int
    region: str


def find(arn: str, account_id: str) -> Function | None:
    """The sandbox's Lambda function an ARN names (None for a function elsewhere, e.g. AWS's built-ins)."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda" or parts[4] != account_id:
        return None
    try:
        from moto.awslambda.models import lambda_backends

        fn = lambda_backends[account_id][parts[3]].get_function(parts[6])
    except Exception:  # noqa: BLE001 - not there: the job keeps the placeholder answers
        return None
    code = getattr(fn, "code_bytes", None)
    if not code or not fn.handler:
        return None
    return Function(
        fn.function_name,
        arn,
        str(fn.handler),
        bytes(code),
        {str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
        int(fn.memory_size or 128),
        min(MAX_TIMEOUT, int(fn.timeout or 3)),
        parts[3],
    )


def invoke(fn: Function, events: list[dict[str, Any]], objects: dict[str, str] | None = None) -> list[Any]:
    """Run the handler once per event; each outcome is the result, or a LambdaError for that event."""
    with tempfile.TemporaryDirectory(prefix="gtops-lambda-") as tmp:
        code = Path(tmp) / "code"
        with zipfile.ZipFile(io.BytesIO(fn.code)) as archive:
            for member in archive.infolist():
                target = (code / member.filename).resolve()
                if not target.is_relative_to(code.resolve()):
                    raise LambdaError(f"{fn.name}: the deployment package has a path outside it")
            archive.extractall(code)
        result = Path(tmp) / "result.json"
        env = {
            **fn.environment,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
            "LAMBDA_TASK_ROOT": str(code),
        }
        request = {
            "handler": fn.handler,
            "code": str(code),
            "calls": events,
            "objects": objects or {},
            "function": fn.name,
            "memory": fn.memory,
            "timeout": fn.timeout,
        }
        runner = Path(__file__).with_name("lambda_run.py")
        try:
            proc = subprocess.run(
                [sys.executable, "-I", str(runner), str(result)],
                input=json.dumps(request),
                capture_output=True,
                text=True,
                env=env,
                cwd=code,
                timeout=fn.timeout * max(1, len(events)) + 10,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [LambdaError(f"Task timed out after {fn.timeout} seconds")] * len(events)
        if not result.exists():
            tail = (proc.stderr.strip().splitlines() or [f"it exited with code {proc.returncode}"])[-1]
            return [LambdaError(tail[:MAX_LOG])] * len(events)
        outcomes = json.loads(result.read_text())
    return [o["ok"] if "ok" in o else LambdaError(str(o["error"])[:MAX_LOG]) for o in outcomes]


class LambdaError(Exception):
    """A handler that raised, timed out or could not be loaded (for one event)."""


# ----------------------------------------------------------------------------------------------------
# a custom job's batch, called by labeling.py


def custom_setup(job: dict[str, Any], account_id: str) -> dict[str, Any] | None:
    """At CreateLabelingJob: the job's two Lambdas if both are sandbox functions, and the first crowd
    element of its template (its tag and name: the shape of the answers the simulated workers give)."""
    from gtops.sandbox import labeling

    human = job.get("HumanTaskConfig") or {}
    pre = human.get("PreHumanTaskLambdaArn") or ""
    post = (human.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn") or ""
    if find(pre, account_id) is None or find(post, account_id) is None:
        return None
    element = ("", "")
    uri = (human.get("UiConfig") or {}).get("UiTemplateS3Uri")
    if uri:
        try:
            element = crowd_element(labeling._get(uri, account_id, "worker task template").decode("utf-8"))
        except Exception:  # noqa: BLE001 - an unreadable template: answers in the generic shape
            pass
    return {"pre": pre, "consolidation": post, "element": list(element)}


def crowd_element(template: str) -> tuple[str, str]:
    """(tag, name) of the first crowd-* answer element of a Liquid template, e.g. crowd-bounding-box."""
    import re

    for match in re.finditer(r"<(crowd-[a-z-]+)\b([^>]*)>", template):
        tag = match.group(1)
        if tag in ("crowd-form", "crowd-button", "crowd-instructions", "crowd-alert", "crowd-card"):
            continue
        name = re.search(r"""\bname\s*=\s*["']([^"']+)["']""", match.group(2))
        return tag, name.group(1) if name else tag
    return "", ""


def _answer(rng: Any, tag: str, name: str, names: list[str]) -> dict[str, Any]:
    """One simulated worker's answer, shaped as the template's crowd element submits it."""
    choices = names or ["object"]
    if tag == "crowd-bounding-box":
        width, height = rng.choice([(640, 480), (1024, 768)])
        boxes = []
        for _ in range(rng.randint(1, 3)):
            w, h = rng.randint(20, width // 3), rng.randint(20, height // 3)
            left, top = rng.randint(0, width - w), rng.randint(0, height - h)
            boxes.append({"label": rng.choice(choices), "left": left, "top": top, "width": w, "height": h})
        return {name: {"boundingBoxes": boxes, "inputImageProperties": {"width": width, "height": height}}}
    if tag in ("crowd-image-classifier-multi-select", "crowd-classifier-multi-select"):
        return {name: {"labels": sorted(rng.sample(choices, rng.randint(1, len(choices))))}}
    return {name or "response": {"label": rng.choice(choices)}}


def label_batch(job: dict[str, Any], account_id: str, indices: range, now: Any) -> None:
    """Label objects `indices` of a custom job: its pre Lambda per object, simulated workers answering in
    the template's shape, its consolidation Lambda on the batch; the output lines are what it returned."""
    import random

    from gtops.sandbox import labeling as lb

    sim = job[lb.SIM]
    custom = sim["custom"]
    attribute = job["LabelAttributeName"]
    prefix = lb.output_prefix(job)
    arn = job.get("LabelingJobArn", "")
    common = {
        "job_name": f"labeling-job/{job['LabelingJobName']}",
        "type": "groundTruth/custom",
        "human-annotated": "yes",
        "creation_date": lb._iso(now),
    }

    def fail(index: int, reason: str) -> None:
        line = dict(sim["objects"][index])
        line[f"{attribute}-metadata"] = {**common, "human-annotated": "no", "failure-reason": reason[:1024]}
        sim["results"][index] = line

    todo = []
    for index in indices:
        if lb._has_source(sim["objects"][index]):
            todo.append(index)
        else:
            fail(index, lb.NO_SOURCE)
    pre = find(custom["pre"], account_id)
    post = find(custom["consolidation"], account_id)
    if pre is None or post is None:  # deleted since the job started
        for index in todo:
            fail(index, "ClientError: The job's Lambda function no longer exists.")
        return
    events = [{"version": VERSION, "labelingJobArn": arn, "dataObject": sim["objects"][i]} for i in todo]
    outcomes = invoke(pre, events) if events else []
    workers = max(1, int((job.get("HumanTaskConfig") or {}).get("NumberOfHumanWorkersPerDataObject") or 1))
    names = [entry["label"] for entry in sim["labels"]]
    tag, name = custom.get("element") or ("", "")
    request, asked = [], []
    for index, outcome in zip(todo, outcomes, strict=True):
        if isinstance(outcome, LambdaError):
            fail(index, f"ClientError: The pre-annotation Lambda {pre.name} failed: {outcome}")
            continue
        if not isinstance(outcome, dict) or not isinstance(outcome.get("taskInput"), dict):
            fail(index, f"ClientError: The pre-annotation Lambda {pre.name} returned no taskInput object.")
            continue
        if str(outcome.get("isHumanAnnotationRequired", "true")).lower() == "false":
            sim["results"][index] = dict(sim["objects"][index])  # not sent to workers: no label
            continue
        rng = random.Random(f"{job['LabelingJobName']}:{index}")
        answers = [_answer(rng, tag, name, names) for _ in range(workers)]
        stamped = lb._worker_answers(sim, lb._Outcome(None, {}, [], answers), now)
        lb._put_json(account_id, f"{prefix}annotations/worker-response/{lb.ITERATION}/{index}/"
                     f"{lb._stamp(now)}.json", stamped)  # fmt: skip
        annotations = [
            {"workerId": a["workerId"], "annotationData": {"content": json.dumps(a["answerContent"])}}
            for a in stamped["answers"]
        ]
        item = {"datasetObjectId": str(index), "dataObject": lb._data_object(sim["objects"][index])}
        request.append({**item, "annotations": annotations})
        asked.append(index)
    if not request:
        return
    base = f"{prefix}annotations/consolidated-annotation"
    request_uri = f"{base}/consolidation-request/{lb.ITERATION}/{lb._stamp(now)}.json"
    body = json.dumps(request)
    lb._put(account_id, request_uri, body.encode())
    event = {
        "version": VERSION,
        "labelingJobArn": arn,
        "labelCategories": names,
        "labelAttributeName": attribute,
        "roleArn": job.get("RoleArn", ""),
        "payload": {"s3Uri": request_uri},
    }
    (result,) = invoke(post, [event], {request_uri: body})
    problem = _consolidation_problem(result, post.name)
    if problem:
        for index in asked:
            fail(index, problem)
        return
    lb._put_json(account_id, f"{base}/consolidation-response/{lb.ITERATION}/{lb._stamp(now)}.json", result)
    by_id: dict[str, dict[str, Any]] = {
        str(entry.get("datasetObjectId")): entry for entry in result if isinstance(entry, dict)
    }
    for index in asked:
        found: dict[str, Any] = by_id.get(str(index)) or {}
        content = (found.get("consolidatedAnnotation") or {}).get("content")
        if not isinstance(content, dict) or attribute not in content:
            fail(index, f"ClientError: The consolidation Lambda {post.name} returned no {attribute} for it.")
            continue
        line = dict(sim["objects"][index])
        line[attribute] = content[attribute]
        line[f"{attribute}-metadata"] = common
        sim["results"][index] = line


def _consolidation_problem(result: Any, name: str) -> str | None:
    if isinstance(result, LambdaError):
        return f"ClientError: The annotation consolidation Lambda {name} failed: {result}"
    if not isinstance(result, list):
        return (
            f"ClientError: The annotation consolidation Lambda {name} must return a list of "
            "{datasetObjectId, consolidatedAnnotation}"
        )
    return None
