"""The job kinds people run beyond one job on a managed team: jobs on an existing team (a spec holding only
jobs), chained verification and adjustment jobs, automated data labeling, streaming jobs."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from gtops.errors import GtopsError
from gtops.planner import Action
from tests.inprocess import run_main
from tests.jobs.conftest import BBOX_JOB, CUSTOM_JOB_HEAD, changes_of, make_workspace, manifest

ONLY_JOBS = """\
name: labelers
region: us-east-1
jobs:
{jobs}
"""


def _only_jobs(root, jobs: str):
    folder = root / "only-jobs"
    folder.mkdir(exist_ok=True)
    if not (folder / "images").exists():
        shutil.copytree(root / "images", folder / "images")
    (folder / "setup.yaml").write_text(ONLY_JOBS.format(jobs=textwrap.indent(textwrap.dedent(jobs), "  ")))
    return folder


def _plan(folder):
    from gtops.engine import compute, connect
    from gtops.settings import Settings
    from gtops.spec import load_spec

    spec = load_spec([folder])
    return compute(spec, connect(Settings(), spec, None))


def _apply(folder):
    from gtops.engine import apply

    planned = _plan(folder)
    report = apply(planned, log=lambda _: None)
    assert report.ok, report.summary()
    return planned


def test_a_spec_of_only_jobs_runs_them_on_an_existing_team(sandbox, tmp_path):
    ws = make_workspace(tmp_path, "us-east-1")
    ws.write("[]")  # the workforce and team t1, made by another setup
    ws.apply()
    team_arn = ws.client("sagemaker").describe_workteam(WorkteamName="t1")["Workteam"]["WorkteamArn"]

    folder = _only_jobs(tmp_path, BBOX_JOB + BBOX_JOB.replace("boxes", "by-arn").replace("t1", team_arn))
    planned = _plan(folder)
    kinds = sorted({c.address.kind for c in planned.plan.changes if c.action is not Action.NOOP})
    assert "labeling_job" in kinds
    assert not {"workforce", "team", "pool", "group"} & set(kinds)  # the team is used, never managed
    _apply(folder)
    for name in ("boxes", "by-arn"):
        assert ws.describe(name)["HumanTaskConfig"]["WorkteamArn"] == team_arn
    assert all(c.action is Action.NOOP for c in _plan(folder).plan.changes)

    # A team that does not exist is named, with the file and line of the job.
    missing = _only_jobs(tmp_path, BBOX_JOB.replace("name: boxes", "name: other").replace("t1", "t2"))
    with pytest.raises(GtopsError) as err:
        _plan(missing)
    assert "setup.yaml:4" in str(err.value)
    assert "work team 't2' is not in the spec's teams and does not exist" in str(err.value)


VERIFY = """\
- name: check-boxes
  task_type: verification_bounding_box
  team: t1
  labels: [train, car]
  input: {job: boxes}
  output: s3://data-bucket/out/
  role: managed
"""


def test_chained_verification_job_checks_the_boxes_of_a_bounding_box_job(workspace):
    from gtops.sandbox import advance_jobs

    ws = workspace
    ws.write(BBOX_JOB + VERIFY)
    planned = ws.plan()
    assert changes_of(planned, "labeling_job")["boxes"].action is Action.CREATE
    assert "check-boxes" not in changes_of(planned, "labeling_job")  # planned after its source finishes
    assert any("waits for job boxes" in w for w in planned.plan.warnings)
    ws.apply()
    advance_jobs("boxes", steps=10)
    assert ws.describe("boxes")["LabelingJobStatus"] == "Completed"

    planned = ws.plan()
    assert changes_of(planned, "labeling_job")["check-boxes"].action is Action.CREATE
    ws.apply()
    job = ws.describe("check-boxes")
    first = ws.describe("boxes")
    # Its input is the first job's output manifest, and workers check the boxes under the first job's label
    # attribute (the console's chain); the verification Lambdas of the region are used.
    assert (
        job["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
        == (first["LabelingJobOutput"]["OutputDatasetS3Uri"])
    )
    human = job["HumanTaskConfig"]
    assert human["PreHumanTaskLambdaArn"].endswith(":function:PRE-VerificationBoundingBox")
    assert human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"].endswith(
        ":function:ACS-VerificationBoundingBox"
    )
    template = ws.read(human["UiConfig"]["UiTemplateS3Uri"]).decode()
    assert "boxes" in template  # the label attribute whose boxes workers see
    advance_jobs("check-boxes", steps=10)
    done = ws.describe("check-boxes")
    assert done["LabelingJobStatus"] == "Completed"
    lines = manifest(ws, done["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert len(lines) == 3
    for line in lines:
        assert "boxes" in line  # the first job's boxes are carried over
        meta = line["check-boxes-metadata"]
        assert meta["type"] == "groundtruth/label-verification"
    assert all(c.action is Action.NOOP for c in ws.plan().plan.changes)


AUTO = """\
- name: auto-flying
  task_type: image_classification
  team: t1
  labels: [Flying, Other]
  input: {manifest_file: many.manifest}
  output: s3://data-bucket/out/
  role: managed
  automated_labeling: true
"""


def test_automated_labeling_results_split_people_from_the_model(workspace, capsys):
    import json

    from gtops.sandbox import advance_jobs, labeling
    from gtops.sandbox.sagemaker import iter_labeling_jobs
    from tests.jobs.test_results_status import run

    ws = workspace
    lines = [json.dumps({"source-ref": f"s3://data-bucket/birds/{i}.png"}) for i in range(1250)]
    (ws.root / "many.manifest").write_text("\n".join(lines) + "\n")
    ws.write(AUTO)
    ws.apply()
    job = ws.describe("auto-flying")
    algorithms = job["LabelingJobAlgorithmsConfig"]
    # The region's built-in image-classification algorithm (API reference, LabelingJobAlgorithmsConfig).
    assert algorithms["LabelingJobAlgorithmSpecificationArn"] == (
        "arn:aws:sagemaker:us-east-1:027400017018:labeling-job-algorithm-specification/image-classification"
    )
    advance_jobs("auto-flying", steps=10)
    done = ws.describe("auto-flying")
    assert done["LabelingJobStatus"] == "Completed"
    sim = next(j for _, _, j in iter_labeling_jobs() if j["LabelingJobName"] == "auto-flying")
    by_model = sum(labeling.machine_labeled(sim, i) for i in range(1250))
    assert 0 < by_model < 1250
    counters = done["LabelCounters"]
    assert counters["MachineLabeled"] == by_model and counters["HumanLabeled"] == 1250 - by_model

    code, out, _ = run(capsys, "results", "auto-flying", str(ws.root), "--format", "json")
    assert code == 0
    summary = json.loads(out)["summary"]
    assert summary["labeled"] == 1250
    assert summary["human_labeled"] == 1250 - by_model and summary["machine_labeled"] == by_model
    code, out, _ = run(capsys, "results", "auto-flying", str(ws.root))
    assert f"by people: {1250 - by_model}, by the model (automated labeling): {by_model}" in out

    # Only people's answers leave worker responses: none for an object the model labeled.
    s3 = ws.client("s3")
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket="data-bucket", Prefix="out/auto-flying/annotations/worker-response/"
        )
        for o in page.get("Contents", [])
    ]
    indices = {int(k.split("/")[-2]) for k in keys}
    assert len(indices) == 1250 - by_model
    assert not any(labeling.machine_labeled(sim, i) for i in indices)


def test_automated_labeling_needs_enough_objects_and_a_task_aws_offers_it_for(workspace):
    ws = workspace
    ws.write(AUTO.replace("{manifest_file: many.manifest}", "{folder: images}"))
    with pytest.raises(GtopsError) as err:
        ws.plan()
    assert "automated data labeling needs at least 1,250 objects" in str(err.value)


CUSTOM = (
    CUSTOM_JOB_HEAD
    + """\
  label_attribute: eye-nose
  workers_per_object: 2
  lambdas:
    pre: pre.py
    consolidation:
      file: post.py
      name: faces-consolidation
      runtime: python3.11
      memory: 256
      timeout: 30s
      environment: {KEEP: boxes}
"""
)
TEMPLATE = (
    '<crowd-form><crowd-bounding-box name="annotatedResult" '
    'src="{{ task.input.taskObject | grant_read_access }}"'
    ' labels="[&quot;eye&quot;,&quot;nose&quot;]"></crowd-bounding-box></crowd-form>\n'
)
PRE = """\
def lambda_handler(event, context):
    data = event["dataObject"]
    return {"taskInput": {"taskObject": data["source-ref"]}, "isHumanAnnotationRequired": "true"}
"""
# Reads the consolidation request from S3 with boto3, as the seed's Lambda does, and uses its environment.
POST = """\
import json
import os
from urllib.parse import urlparse

import boto3


def lambda_handler(event, context):
    uri = urlparse(event["payload"]["s3Uri"])
    body = boto3.client("s3").get_object(Bucket=uri.netloc, Key=uri.path.lstrip("/"))["Body"].read()
    out = []
    for item in json.loads(body):
        boxes = []
        for annotation in item["annotations"]:
            answer = json.loads(annotation["annotationData"]["content"])
            boxes += answer["annotatedResult"]["boundingBoxes"]
        label = {os.environ["KEEP"]: boxes, "labels": sorted({b["label"] for b in boxes})}
        out.append({"datasetObjectId": item["datasetObjectId"],
                    "consolidatedAnnotation": {"content": {event["labelAttributeName"]: label}}})
    return out
"""


def test_custom_job_runs_its_own_lambdas_in_the_sandbox(workspace):
    from gtops.sandbox import advance_jobs

    ws = workspace
    (ws.root / "ui.html").write_text(TEMPLATE)
    (ws.root / "pre.py").write_text(PRE)
    (ws.root / "post.py").write_text(POST)
    ws.write(CUSTOM)
    ws.apply()
    config = ws.client("lambda").get_function(FunctionName="faces-consolidation")["Configuration"]
    assert (config["Runtime"], config["MemorySize"], config["Timeout"]) == ("python3.11", 256, 30)
    assert config["Environment"]["Variables"] == {"KEEP": "boxes"}
    advance_jobs("faces", steps=10)
    done = ws.describe("faces")
    assert done["LabelingJobStatus"] == "Completed"
    assert (
        done["LabelCounters"]["TotalLabeled"] == 3 and done["LabelCounters"]["FailedNonRetryableError"] == 0
    )
    lines = manifest(ws, done["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert len(lines) == 3
    for line in lines:
        label = line["eye-nose"]  # what the consolidation Lambda returned, not a placeholder
        assert label["boxes"] and set(label["labels"]) <= {"eye", "nose"}
        assert {b["label"] for b in label["boxes"]} == set(label["labels"])
        assert line["eye-nose-metadata"]["human-annotated"] == "yes"
    # The results show the classes the consolidation returned: each object counted once per class.
    code, out, err = run_main("results", "faces", str(ws.root), "--format", "json")
    assert code == 0, err
    classes = json.loads(out)["summary"]["classes"]
    wanted: dict[str, int] = {}
    for line in lines:
        for name in set(line["eye-nose"]["labels"]):
            wanted[name] = wanted.get(name, 0) + 1
    assert classes == dict(sorted(wanted.items())) and set(classes) <= {"eye", "nose"}, classes


def test_a_failing_consolidation_lambda_fails_the_objects_with_its_error(workspace):
    """A consolidation Lambda that raises fails the batch's objects, with its error as the reason."""
    from gtops.sandbox import advance_jobs

    ws = workspace
    (ws.root / "ui.html").write_text(TEMPLATE)
    (ws.root / "pre.py").write_text(PRE)
    (ws.root / "post.py").write_text("def lambda_handler(event, context):\n    raise ValueError('no way')\n")
    ws.write(CUSTOM)
    ws.apply()
    advance_jobs("faces", steps=10)
    done = ws.describe("faces")
    assert done["LabelCounters"]["FailedNonRetryableError"] == 3
    lines = manifest(ws, done["LabelingJobOutput"]["OutputDatasetS3Uri"])
    reason = lines[0]["eye-nose-metadata"]["failure-reason"]
    assert "consolidation Lambda faces-consolidation failed: ValueError: no way" in reason


STREAM = """\
- name: stream-boxes
  task_type: bounding_box
  team: t1
  labels: [train, car]
  input: {sns_topic: boxes-in}
  output: s3://data-bucket/out/
  role: managed
  output_topic: boxes-out
"""


def test_streaming_job_runs_until_stopped_and_labels_what_gtops_send_sends(workspace, capsys):
    import json

    from gtops.sandbox import advance_jobs
    from tests.jobs.test_results_status import run

    ws = workspace
    ws.write(STREAM + BBOX_JOB)
    ws.apply()
    job = ws.describe("stream-boxes")
    topic = job["InputConfig"]["DataSource"]["SnsDataSource"]["SnsTopicArn"]
    assert topic.endswith(":boxes-in")
    assert job["OutputConfig"]["SnsTopicArn"].endswith(":boxes-out")
    # A queue of the user's on the output topic receives each labeled object.
    sqs, sns = ws.client("sqs"), ws.client("sns")
    queue = sqs.create_queue(QueueName="labeled")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=job["OutputConfig"]["SnsTopicArn"],
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )

    code, _, err = run(capsys, "send", "stream-boxes", "s3://data-bucket/new.png", "--spec", str(ws.root))
    assert code == 1 and "only an InProgress streaming job takes new objects" in err
    advance_jobs("stream-boxes", steps=1)
    code, out, _ = run(capsys, "status", str(ws.root), "--format", "json")
    rows = {r["name"]: r for r in json.loads(out)["jobs"]}
    assert rows["stream-boxes"]["status"] == "InProgress" and rows["stream-boxes"]["streaming"] is True
    assert rows["boxes"]["streaming"] is False
    code, out, _ = run(capsys, "status", str(ws.root))
    line = next(x for x in out.splitlines() if x.startswith("stream-boxes "))
    assert "InProgress" in line and "running (streaming)" in line

    ws.client("s3").put_object(Bucket="data-bucket", Key="new/a.png", Body=b"x")
    code, out, err = run(
        capsys, "send", "stream-boxes", "s3://data-bucket/new/a.png", "s3://data-bucket/new/b.png",
        "--spec", str(ws.root),
    )  # fmt: skip
    assert code == 0, err
    assert len(out.split()) == 2 and "Sent 2 object(s) to stream-boxes" in err
    advance_jobs("stream-boxes", steps=5)
    running = ws.describe("stream-boxes")
    assert running["LabelingJobStatus"] == "InProgress"  # no end: it waits for more
    assert running["LabelCounters"]["TotalLabeled"] == 2
    lines = manifest(ws, running["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert [line["source-ref"] for line in lines] == [
        "s3://data-bucket/new/a.png",
        "s3://data-bucket/new/b.png",
    ]
    assert all("stream-boxes" in line for line in lines)
    code, out, _ = run(capsys, "results", "stream-boxes", str(ws.root), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["labeled"] == 2  # results so far, while it runs
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert sorted(json.loads(m["Body"])["source-ref"] for m in received) == [
        "s3://data-bucket/new/a.png",
        "s3://data-bucket/new/b.png",
    ]

    # Sending to a job that is not streaming, or something that is not an S3 object, is refused.
    code, _, err = run(capsys, "send", "boxes", "s3://data-bucket/new/a.png", "--spec", str(ws.root))
    assert code == 1 and "job boxes is not a streaming job" in err
    code, _, err = run(capsys, "send", "stream-boxes", "new/a.png", "--spec", str(ws.root))
    assert code == 1 and "'new/a.png' is not an s3://bucket/key URI" in err
    assert "Traceback" not in err


def test_cors_rule_of_the_users_own_or_none(workspace):
    ws = workspace
    s3 = ws.client("s3")
    origin = "https://*.labeling.us-east-1.sagemaker.aws"
    rule = f"  cors: {{id: portal-images, allowed_origins: ['{origin}'], max_age: 3000}}\n"
    ws.write(BBOX_JOB + rule)
    ws.apply()
    (found,) = s3.get_bucket_cors(Bucket="data-bucket")["CORSRules"]
    assert found["ID"] == "portal-images" and found["AllowedOrigins"] == [origin]
    assert found["AllowedMethods"] == ["GET"] and found["MaxAgeSeconds"] == 3000
    assert all(c.action is Action.NOOP for c in ws.plan().plan.changes)

    # cors: false leaves the bucket's CORS alone.
    s3.delete_bucket_cors(Bucket="data-bucket")
    ws.write(BBOX_JOB.replace("name: boxes", "name: boxes-two") + "  cors: false\n")
    ws.apply()
    with pytest.raises(Exception) as err:
        s3.get_bucket_cors(Bucket="data-bucket")
    assert "NoSuchCORSConfiguration" in str(err.value)


def test_chained_adjustment_job_corrects_the_boxes_under_its_own_attribute(workspace):
    from gtops.sandbox import advance_jobs

    ws = workspace
    adjust = VERIFY.replace("check-boxes", "fix-boxes").replace("verification_", "adjustment_")
    ws.write(BBOX_JOB + adjust)
    ws.apply()
    advance_jobs("boxes", steps=10)
    ws.apply()
    human = ws.describe("fix-boxes")["HumanTaskConfig"]
    assert human["PreHumanTaskLambdaArn"].endswith(":function:PRE-AdjustmentBoundingBox")
    advance_jobs("fix-boxes", steps=10)
    done = ws.describe("fix-boxes")
    lines = manifest(ws, done["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert len(lines) == 3
    for line in lines:
        assert "boxes" in line and "annotations" in line["fix-boxes"]
        meta = line["fix-boxes-metadata"]
        assert meta["type"] == "groundtruth/object-detection"
        assert meta["adjustment-status"] in ("adjusted", "unadjusted")


def test_verification_job_must_write_its_own_attribute_and_keep_the_labels(workspace):
    """AWS (DG: Start a label verification or adjustment job): another LabelAttributeName than the
    original job's, and every label of the original job."""
    from gtops.sandbox import advance_jobs

    ws = workspace
    ws.write(BBOX_JOB)
    ws.apply()
    advance_jobs("boxes", steps=10)
    message = "a verification or adjustment job must write its own"
    # The original job only live (not in the spec): checked when gtops plans.
    ws.write(VERIFY + "  label_attribute: boxes\n")
    with pytest.raises(GtopsError) as err:
        ws.plan()
    assert "jobs.yaml:2" in str(err.value) and message in str(err.value)
    ws.write(VERIFY.replace("labels: [train, car]", "labels: [train, bus]"))
    with pytest.raises(GtopsError) as err:
        ws.plan()
    assert "labels must hold every label of the job it checks; missing: car" in str(err.value)
    ws.write(VERIFY.replace("labels: [train, car]", "labels: [train, car, bus]"))  # new labels may be added
    ws.plan()


def test_lambda_settings_change_in_place_and_an_own_role_is_used(workspace):
    ws = workspace
    iam = ws.client("iam")
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'  # noqa: E501
    role = iam.create_role(RoleName="my-lambda-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    (ws.root / "ui.html").write_text(TEMPLATE)
    (ws.root / "pre.py").write_text(PRE)
    (ws.root / "post.py").write_text(POST)
    ws.write(CUSTOM + f"      role: {role}\n")
    ws.apply()
    lam = ws.client("lambda")
    assert lam.get_function(FunctionName="faces-consolidation")["Configuration"]["Role"] == role
    ws.write(CUSTOM.replace("memory: 256", "memory: 512") + f"      role: {role}\n")
    functions = changes_of(ws.plan(), "lambda_function")
    assert functions["faces-consolidation"].action is Action.UPDATE
    assert functions["gtops-jobtest-pre"].action is Action.NOOP
    ws.apply()
    assert lam.get_function(FunctionName="faces-consolidation")["Configuration"]["MemorySize"] == 512


def test_texts_sent_to_a_streaming_text_job_are_labeled(workspace, capsys):
    from gtops.sandbox import advance_jobs
    from tests.jobs.test_results_status import run

    ws = workspace
    ws.write(
        STREAM.replace("stream-boxes", "reviews")
        .replace("bounding_box", "text_classification")
        .replace("[train, car]", "[good, bad]")
    )
    ws.apply()
    advance_jobs("reviews", steps=1)
    code, _, err = run(capsys, "send", "reviews", "s3://data-bucket/a.png", "--spec", str(ws.root))
    assert code == 1 and "this job labels text: send it with --text" in err
    code, _, err = run(
        capsys, "send", "reviews", "--text", "Great product", "Broke in a day", "--spec", str(ws.root)
    )
    assert code == 0, err
    advance_jobs("reviews", steps=3)
    done = ws.describe("reviews")
    lines = manifest(ws, done["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert [line["source"] for line in lines] == ["Great product", "Broke in a day"]
    assert all(line["reviews-metadata"]["class-name"] in ("good", "bad") for line in lines)
