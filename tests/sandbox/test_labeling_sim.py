"""Simulated labeling jobs: lifecycle, counters, stopping, failures and the per-task-type S3 output layout."""

from __future__ import annotations

import datetime as dt
import json
import struct
import zlib
from typing import Any

import boto3
import pytest

from gtops.sandbox import labeling
from tests.sandbox.conftest import sagemaker_role

ACCOUNT, REGION = "123456789012", "us-east-1"
TEAM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/team-a"
IMAGE_LABELS = ["train", "car", "bus", "bike"]
TEXT = [
    "Alice flew from Paris to Berlin on Monday",
    "The quick brown fox jumps over the lazy dog",
    "Amazon SageMaker Ground Truth labels data",
]


@pytest.fixture
def s3(inprocess_aws: Any) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket="gt-in")
    client.create_bucket(Bucket="gt-out")
    client.put_object(Bucket="gt-in", Key="template.liquid", Body=b"<crowd-form></crowd-form>")
    return client


def _job(
    s3: Any,
    name: str,
    task: str,
    count: int = 10,
    workers: int = 1,
    labels: list[Any] | None = None,
    lines: list[dict[str, Any]] | None = None,
    stopping: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Upload manifest and label file, and build the job dict the SageMaker layer would store."""
    text_task = task.startswith("Text") or task == "NamedEntityRecognition"
    if lines is None:
        lines = [
            {"source": TEXT[i % len(TEXT)]} if text_task else {"source-ref": f"s3://gt-in/images/{i:03d}.jpg"}
            for i in range(count)
        ]
    s3.put_object(
        Bucket="gt-in", Key=f"{name}/manifest.jsonl", Body="\n".join(json.dumps(x) for x in lines) + "\n"
    )
    entries = [{"label": x} if isinstance(x, str) else x for x in (labels or IMAGE_LABELS)]
    s3.put_object(
        Bucket="gt-in",
        Key=f"{name}/labels.json",
        Body=json.dumps({"document-version": "2018-11-28", "labels": entries}),
    )
    human: dict[str, Any] = {
        "WorkteamArn": TEAM,
        "UiConfig": {"UiTemplateS3Uri": "s3://gt-in/template.liquid"},
        "TaskTitle": "t",
        "TaskDescription": "d",
        "NumberOfHumanWorkersPerDataObject": workers,
        "TaskTimeLimitInSeconds": 300,
    }
    if task == "NamedEntityRecognition":
        human["UiConfig"] = {
            "HumanTaskUiArn": f"arn:aws:sagemaker:{REGION}:394669845002:human-task-ui/{task}"
        }
        human["PreHumanTaskLambdaArn"] = f"arn:aws:lambda:{REGION}:432418664414:function:PRE-{task}"
    elif task != "custom":
        human["PreHumanTaskLambdaArn"] = f"arn:aws:lambda:{REGION}:432418664414:function:PRE-{task}"
    job: dict[str, Any] = {
        "LabelingJobName": name,
        "LabelAttributeName": "label-ref" if task == "SemanticSegmentation" else "label",
        "InputConfig": {
            "DataSource": {"S3DataSource": {"ManifestS3Uri": f"s3://gt-in/{name}/manifest.jsonl"}}
        },
        "OutputConfig": {"S3OutputPath": "s3://gt-out/jobs/"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/GroundTruth",
        "LabelCategoryConfigS3Uri": f"s3://gt-in/{name}/labels.json",
        "HumanTaskConfig": human,
        "LabelingJobStatus": "Initializing",
        "LabelCounters": {},
    }
    if stopping:
        job["StoppingConditions"] = stopping
    labeling.on_create(job, ACCOUNT, REGION)
    return job


def _finish(job: dict[str, Any]) -> None:
    labeling.advance(job, 100, ACCOUNT, REGION)


def _output(s3: Any, job: dict[str, Any]) -> list[dict[str, Any]]:
    uri = job["LabelingJobOutput"]["OutputDatasetS3Uri"]
    assert uri == f"s3://gt-out/jobs/{job['LabelingJobName']}/manifests/output/output.manifest"
    body = s3.get_object(Bucket="gt-out", Key=uri.removeprefix("s3://gt-out/"))["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def _keys(s3: Any, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="gt-out", Prefix=prefix):
        keys += [obj["Key"] for obj in page.get("Contents", [])]
    return keys


def _check_common(meta: dict[str, Any], job: dict[str, Any], kind: str) -> None:
    assert meta["type"] == f"groundtruth/{kind}"
    assert meta["job-name"] == f"labeling-job/{job['LabelingJobName']}"
    assert meta["human-annotated"] == "yes"
    dt.datetime.fromisoformat(meta["creation-date"])


def _state(job: dict[str, Any]) -> tuple[str, int, int, int]:
    c = job["LabelCounters"]
    assert c["TotalLabeled"] == c["HumanLabeled"] and c["MachineLabeled"] == 0
    return job["LabelingJobStatus"], c["HumanLabeled"], c["Unlabeled"], c["FailedNonRetryableError"]


# --- lifecycle


def test_explicit_steps_walk_the_lifecycle(s3: Any) -> None:
    job = _job(s3, "steps", "ImageMultiClass", count=10)
    seen = [_state(job)]
    for _ in range(6):
        labeling.advance(job, 1, ACCOUNT, REGION)
        labeling.refresh(job, ACCOUNT, REGION)  # GTOPS_SANDBOX_JOB_SECONDS=0: reads change nothing
        seen.append(_state(job))
    assert seen == [
        ("Initializing", 0, 10, 0),
        ("InProgress", 0, 10, 0),
        ("InProgress", 4, 6, 0),
        ("InProgress", 8, 2, 0),
        ("InProgress", 10, 0, 0),
        ("Completed", 10, 0, 0),
        ("Completed", 10, 0, 0),
    ]
    assert len(_output(s3, job)) == 10


def test_time_drives_the_lifecycle(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(labeling, "_clock", lambda: now[0])
    monkeypatch.setenv("GTOPS_SANDBOX_JOB_SECONDS", "2")
    job = _job(s3, "timed", "BoundingBox", count=3)
    labeling.refresh(job, ACCOUNT, REGION)
    assert _state(job) == ("Initializing", 0, 3, 0)
    now[0] += 2.5
    labeling.refresh(job, ACCOUNT, REGION)
    assert _state(job) == ("InProgress", 0, 3, 0)
    now[0] += 2.0
    labeling.refresh(job, ACCOUNT, REGION)
    assert _state(job) == ("InProgress", 1, 2, 0)
    now[0] += 60
    labeling.refresh(job, ACCOUNT, REGION)
    assert _state(job) == ("Completed", 3, 0, 0)


def test_stop_writes_partial_output(s3: Any) -> None:
    job = _job(s3, "stopped", "ImageMultiClass", count=10)
    labeling.advance(job, 2, ACCOUNT, REGION)
    labeling.stop(job, ACCOUNT, REGION)
    assert _state(job) == ("Stopping", 4, 6, 0)
    assert "LabelingJobOutput" not in job
    labeling.advance(job, 1, ACCOUNT, REGION)
    assert _state(job) == ("Stopped", 4, 6, 0)
    assert [line["source-ref"] for line in _output(s3, job)] == [
        f"s3://gt-in/images/{i:03d}.jpg" for i in range(4)
    ]
    labeling.advance(job, 5, ACCOUNT, REGION)
    assert _state(job) == ("Stopped", 4, 6, 0)


@pytest.mark.parametrize(
    ("stopping", "labeled"),
    [({"MaxHumanLabeledObjectCount": 5}, 5), ({"MaxPercentageOfInputDatasetLabeled": 25}, 3)],
)
def test_stopping_conditions_stop_the_job(s3: Any, stopping: dict[str, int], labeled: int) -> None:
    job = _job(s3, "capped", "ImageMultiClass", count=10, stopping=stopping)
    statuses = []
    for _ in range(8):
        labeling.advance(job, 1, ACCOUNT, REGION)
        statuses.append(job["LabelingJobStatus"])
    assert statuses[-1] == "Stopped" and "Stopping" in statuses and "Completed" not in statuses
    assert _state(job) == ("Stopped", labeled, 10 - labeled, 0)
    assert len(_output(s3, job)) == labeled


def test_missing_manifest_fails_the_job(s3: Any) -> None:
    job = _job(s3, "nomanifest", "ImageMultiClass")
    s3.delete_object(Bucket="gt-in", Key="nomanifest/manifest.jsonl")
    labeling.on_create(job, ACCOUNT, REGION)
    assert job["LabelingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError: ")
    assert "s3://gt-in/nomanifest/manifest.jsonl" in job["FailureReason"]
    labeling.advance(job, 10, ACCOUNT, REGION)
    assert job["LabelingJobStatus"] == "Failed"
    assert _keys(s3, "jobs/nomanifest/") == []


@pytest.mark.parametrize("broken", ["labels", "output bucket", "manifest line"])
def test_other_start_failures(s3: Any, broken: str) -> None:
    job = _job(s3, "broken", "ImageMultiClass")
    if broken == "labels":
        s3.delete_object(Bucket="gt-in", Key="broken/labels.json")
    elif broken == "output bucket":
        job["OutputConfig"]["S3OutputPath"] = "s3://no-such-bucket/out/"
    else:
        s3.put_object(
            Bucket="gt-in", Key="broken/manifest.jsonl", Body='{"source-ref": "s3://gt-in/a.jpg"}\nnot json\n'
        )
    labeling.on_create(job, ACCOUNT, REGION)
    assert job["LabelingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError: ")


def test_objects_without_source_fail_individually(s3: Any) -> None:
    lines = [{"source-ref": "s3://gt-in/a.jpg"}, {"oops": 1}, {"source-ref": "s3://gt-in/b.jpg"}]
    job = _job(s3, "partial", "ImageMultiClass", lines=lines)
    _finish(job)
    assert _state(job) == ("Completed", 2, 0, 1)
    out = _output(s3, job)
    assert "label" not in out[1] and out[1]["label-metadata"]["failure-reason"].startswith("ClientError")
    assert isinstance(out[0]["label"], int) and isinstance(out[2]["label"], int)


# --- output formats


def test_bounding_box_output(s3: Any) -> None:
    job = _job(s3, "boxes", "BoundingBox", count=6, workers=3)
    _finish(job)
    lines = _output(s3, job)
    assert len(lines) == 6
    for i, line in enumerate(lines):
        assert line["source-ref"] == f"s3://gt-in/images/{i:03d}.jpg"
        value, meta = line["label"], line["label-metadata"]
        _check_common(meta, job, "object-detection")
        (size,) = value["image_size"]
        assert set(size) == {"width", "height", "depth"} and size["depth"] == 3
        assert len(meta["objects"]) == len(value["annotations"])
        for box in value["annotations"]:
            assert set(box) == {"class_id", "left", "top", "width", "height"}
            assert all(isinstance(v, int) for v in box.values())
            assert meta["class-map"][str(box["class_id"])] == IMAGE_LABELS[box["class_id"]]
            assert 0 <= box["left"] < size["width"] and 0 <= box["top"] < size["height"]
        assert all(0 < o["confidence"] <= 1 for o in meta["objects"])
        assert set(meta["class-map"]) == {str(b["class_id"]) for b in value["annotations"]}


def test_image_classification_output(s3: Any) -> None:
    job = _job(s3, "classes", "ImageMultiClass", count=8)
    _finish(job)
    for line in _output(s3, job):
        meta = line["label-metadata"]
        _check_common(meta, job, "image-classification")
        assert meta["class-name"] == IMAGE_LABELS[line["label"]]
        assert meta["confidence"] == 0.0  # one worker per object


def test_text_classification_output_with_agreement(s3: Any) -> None:
    job = _job(s3, "texts", "TextMultiClass", count=12, workers=3, labels=["positive", "negative"])
    _finish(job)
    lines = _output(s3, job)
    confidences = set()
    for i, line in enumerate(lines):
        assert line["source"] == TEXT[i % len(TEXT)]
        meta = line["label-metadata"]
        _check_common(meta, job, "text-classification")
        assert meta["class-name"] == ["positive", "negative"][line["label"]]
        confidences.add(meta["confidence"])
    assert confidences <= {0.67, 1.0} and 1.0 in confidences


@pytest.mark.parametrize(
    ("task", "kind"),
    [
        ("ImageMultiClassMultiLabel", "image-classification-multilabel"),
        ("TextMultiClassMultiLabel", "text-classification-multilabel"),
    ],
)
def test_multi_label_output(s3: Any, task: str, kind: str) -> None:
    job = _job(s3, "multi", task, count=8, workers=3)
    _finish(job)
    lines = _output(s3, job)
    assert any(len(line["label"]) > 1 for line in lines)
    for line in lines:
        meta = line["label-metadata"]
        _check_common(meta, job, kind)
        assert line["label"] == sorted(line["label"])
        assert meta["class-map"] == {str(c): IMAGE_LABELS[c] for c in line["label"]}
        assert set(meta["confidence-map"]) == set(meta["class-map"])
        assert all(0 < v <= 1 for v in meta["confidence-map"].values())
    # AWS keeps every label chosen by at least one worker (DG, Output Data), not the majority's
    picked = []
    for key in _keys(s3, "jobs/multi/annotations/worker-response/iteration-1/"):
        body = json.loads(s3.get_object(Bucket="gt-out", Key=key)["Body"].read())
        chosen = {
            label for a in body["answers"] for v in a["answerContent"].values() for label in v["labels"]
        }
        picked.append(sorted(chosen))
    assert sorted(picked) == sorted(sorted(IMAGE_LABELS[c] for c in line["label"]) for line in lines)
    assert any(v < 0.5 for line in lines for v in line["label-metadata"]["confidence-map"].values())


def _png_pixels(data: bytes) -> set[str]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF
        chunks[tag] = body
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 3 * width
    assert len(raw) == stride * height
    return {
        "#" + raw[row * stride + 1 + 3 * x : row * stride + 4 + 3 * x].hex()
        for row in range(height)
        for x in range(width)
    }


def test_semantic_segmentation_output_references_real_masks(s3: Any) -> None:
    job = _job(s3, "masks", "SemanticSegmentation", count=4, workers=2)
    _finish(job)
    for line in _output(s3, job):
        uri, meta = line["label-ref"], line["label-ref-metadata"]
        _check_common(meta, job, "semantic-segmentation")
        assert uri.startswith(
            "s3://gt-out/jobs/masks/annotations/consolidated-annotation/output/"
        ) and uri.endswith(".png")
        colors = _png_pixels(
            s3.get_object(Bucket="gt-out", Key=uri.removeprefix("s3://gt-out/"))["Body"].read()
        )
        color_map = meta["internal-color-map"]
        assert color_map["0"]["class-name"] == "BACKGROUND"
        assert colors == {entry["hex-color"] for entry in color_map.values()}
        for index, entry in color_map.items():
            if index != "0":
                assert entry["class-name"] == IMAGE_LABELS[int(index) - 1]
        # one confidence per image, the same for every class (DG, Output Data)
        assert len({entry["confidence"] for entry in color_map.values()}) == 1


def test_named_entity_output(s3: Any) -> None:
    labels = [{"label": "Person", "shortDisplayName": "PER"}, {"label": "Place", "shortDisplayName": "LOC"}]
    job = _job(s3, "entities", "NamedEntityRecognition", count=3, labels=labels)
    assert labeling.task_type(job) == "NamedEntityRecognition"
    _finish(job)
    for line in _output(s3, job):
        value, meta = line["label"], line["label-metadata"]
        _check_common(meta, job, "text-span")
        assert value["annotations"]["labels"] == labels
        assert len(meta["entities"]) == len(value["annotations"]["entities"])
        for entity in value["annotations"]["entities"]:
            word = line["source"][entity["startOffset"] : entity["endOffset"]]
            assert word.isalnum() and entity["label"] in ("Person", "Place")


def test_custom_job_passes_worker_answers_through(s3: Any) -> None:
    job = _job(s3, "custom", "custom", count=2, workers=2)
    assert labeling.task_type(job) == "PassThrough"
    _finish(job)
    for line in _output(s3, job):
        meta = line["label-metadata"]
        assert meta["type"] == "groundTruth/custom" and meta["job_name"] == "labeling-job/custom"
        answers = line["label"]["annotationsFromAllWorkers"]
        assert len(answers) == 2
        assert all(json.loads(a["annotationData"]["content"])["label"] in IMAGE_LABELS for a in answers)


def test_worker_responses_and_consolidation_files(s3: Any) -> None:
    job = _job(s3, "workers", "ImageMultiClass", count=5, workers=3)
    _finish(job)
    prefix = "jobs/workers/annotations/"
    for i in range(5):
        (key,) = _keys(s3, f"{prefix}worker-response/iteration-1/{i}/")
        answers = json.loads(s3.get_object(Bucket="gt-out", Key=key)["Body"].read())["answers"]
        assert len(answers) == 3
        for answer in answers:
            assert answer["answerContent"]["crowd-image-classifier"]["label"] in IMAGE_LABELS
            identity = answer["workerMetadata"]["identityData"]
            assert identity["identityProviderType"] == "Cognito"
            assert identity["issuer"].startswith(f"https://cognito-idp.{REGION}.amazonaws.com/")
            assert answer["workerId"].startswith(f"private.{REGION}.")
            assert answer["submissionTime"].endswith("Z") and answer["timeSpentInSeconds"] > 0
        assert len({a["workerId"] for a in answers}) == 3
    assert len(_keys(s3, f"{prefix}consolidated-annotation/consolidation-request/iteration-1/")) == 3
    responses = _keys(s3, f"{prefix}consolidated-annotation/consolidation-response/iteration-1/")
    ids = []
    for key in responses:
        ids += [
            r["datasetObjectId"] for r in json.loads(s3.get_object(Bucket="gt-out", Key=key)["Body"].read())
        ]
    assert sorted(ids) == [str(i) for i in range(5)]
    # annotations/intermediate: the output manifest of the labels completed so far (DG, Output Data)
    (intermediate,) = _keys(s3, f"{prefix}intermediate/iteration-1/")
    lines = s3.get_object(Bucket="gt-out", Key=intermediate)["Body"].read().decode().splitlines()
    assert [json.loads(line) for line in lines] == _output(s3, job)


# --- determinism and helpers


def _labels_only(lines: list[dict[str, Any]]) -> list[Any]:
    return [
        (line.get("label"), {k: v for k, v in line["label-metadata"].items() if k != "creation-date"})
        for line in lines
    ]


def test_same_name_same_output_other_name_other_output(s3: Any) -> None:
    job = _job(s3, "repeat", "BoundingBox", count=8, workers=3)
    _finish(job)
    first = _labels_only(_output(s3, job))
    other = _job(s3, "another", "BoundingBox", count=8, workers=3)
    _finish(other)
    assert _labels_only(_output(s3, other)) != first
    again = _job(s3, "repeat", "BoundingBox", count=8, workers=3)  # same name, stepped differently
    for _ in range(10):
        labeling.advance(again, 1, ACCOUNT, REGION)
    assert again["LabelingJobStatus"] == "Completed"
    assert _labels_only(_output(s3, again)) == first


def test_expected_class_counts_match_the_output(s3: Any) -> None:
    job = _job(s3, "counted", "BoundingBox", count=9, workers=3)
    expected = labeling.expected_class_counts(job)
    _finish(job)
    counts: dict[str, int] = {}
    for line in _output(s3, job):
        for box in line["label"]["annotations"]:
            name = IMAGE_LABELS[box["class_id"]]
            counts[name] = counts.get(name, 0) + 1
    assert counts == expected and sum(counts.values()) >= 9
    answer = labeling.simulated_answer(job, 0)
    assert answer["label"] == _output(s3, job)[0]["label"]


# --- end to end through the sandbox's SageMaker operations (in process and over loopback)


def _private_setup(sandbox: Any, cognito_setup: Any, workers: list[str]) -> tuple[str, list[str]]:
    setup = cognito_setup(sandbox)
    idp = sandbox.client("cognito-idp")
    subs = []
    for email in workers:
        user = idp.admin_create_user(UserPoolId=setup["pool"], Username=email, MessageAction="SUPPRESS")[
            "User"
        ]
        idp.admin_add_user_to_group(UserPoolId=setup["pool"], Username=email, GroupName="labelers")
        subs += [a["Value"] for a in user["Attributes"] if a["Name"] == "sub"]
    sm = sandbox.client("sagemaker")
    sm.create_workforce(
        WorkforceName="default", CognitoConfig={"UserPool": setup["pool"], "ClientId": setup["client"]}
    )
    member = {"UserPool": setup["pool"], "UserGroup": "labelers", "ClientId": setup["client"]}
    team = sm.create_workteam(
        WorkteamName="team-a", Description="labelers", MemberDefinitions=[{"CognitoMemberDefinition": member}]
    )["WorkteamArn"]
    return team, sorted(subs)


def test_labeling_job_end_to_end(sandbox: Any, cognito_setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GTOPS_SANDBOX_JOB_SECONDS", "0")
    team, subs = _private_setup(
        sandbox, cognito_setup, ["ann@example.com", "bo@example.com", "cy@example.com"]
    )
    s3 = sandbox.client("s3")
    for bucket in ("gt-in", "gt-out"):
        s3.create_bucket(Bucket=bucket)
    manifest = "".join(json.dumps({"source-ref": f"s3://gt-in/images/{i}.jpg"}) + "\n" for i in range(5))
    s3.put_object(Bucket="gt-in", Key="manifest.jsonl", Body=manifest)
    labels = {"document-version": "2018-11-28", "labels": [{"label": x} for x in IMAGE_LABELS]}
    s3.put_object(Bucket="gt-in", Key="labels.json", Body=json.dumps(labels))
    s3.put_object(Bucket="gt-in", Key="template.liquid", Body=b"<crowd-form></crowd-form>")
    sagemaker_role(sandbox)
    sm = sandbox.client("sagemaker")
    lambdas = f"arn:aws:lambda:{REGION}:432418664414:function:"
    sm.create_labeling_job(
        LabelingJobName="e2e-boxes",
        LabelAttributeName="boxes",
        InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://gt-in/manifest.jsonl"}}},
        OutputConfig={"S3OutputPath": "s3://gt-out/output"},
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/GroundTruth",
        LabelCategoryConfigS3Uri="s3://gt-in/labels.json",
        HumanTaskConfig={
            "WorkteamArn": team,
            "UiConfig": {"UiTemplateS3Uri": "s3://gt-in/template.liquid"},
            "PreHumanTaskLambdaArn": lambdas + "PRE-BoundingBox",
            "TaskTitle": "Boxes",
            "TaskDescription": "Draw boxes",
            "NumberOfHumanWorkersPerDataObject": 3,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": lambdas + "ACS-BoundingBox"
            },
        },
    )
    first = sm.describe_labeling_job(LabelingJobName="e2e-boxes")
    assert first["LabelingJobStatus"] in ("Initializing", "InProgress")  # a server may run on the clock
    assert first["LabelCounters"]["Unlabeled"] + first["LabelCounters"]["HumanLabeled"] == 5
    sandbox.advance("e2e-boxes", 100)
    done = sm.describe_labeling_job(LabelingJobName="e2e-boxes")
    assert done["LabelingJobStatus"] == "Completed"
    assert done["LabelCounters"]["HumanLabeled"] == 5 and done["LabelCounters"]["Unlabeled"] == 0
    uri = done["LabelingJobOutput"]["OutputDatasetS3Uri"]
    assert uri == "s3://gt-out/output/e2e-boxes/manifests/output/output.manifest"
    body = s3.get_object(Bucket="gt-out", Key=uri.removeprefix("s3://gt-out/"))["Body"].read().decode()
    lines = [json.loads(line) for line in body.splitlines()]
    assert [line["source-ref"] for line in lines] == [f"s3://gt-in/images/{i}.jpg" for i in range(5)]
    assert all(line["boxes-metadata"]["type"] == "groundtruth/object-detection" for line in lines)
    # worker responses name the team's real Cognito users
    key = s3.list_objects_v2(
        Bucket="gt-out", Prefix="output/e2e-boxes/annotations/worker-response/iteration-1/0/"
    )
    response = s3.get_object(Bucket="gt-out", Key=key["Contents"][0]["Key"])["Body"].read()
    identities = [a["workerMetadata"]["identityData"] for a in json.loads(response)["answers"]]
    assert sorted(i["sub"] for i in identities) == subs
    pool_id = identities[0]["issuer"].rsplit("/", 1)[1]
    assert identities[0]["issuer"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    assert sandbox.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id
