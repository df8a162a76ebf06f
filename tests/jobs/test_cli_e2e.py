"""The example specs with jobs, applied by the real `gtops` command on a sandbox server.

gtops's entry point runs in this process under the environment a gtops process would get (tests/inprocess.py):
these tests are about jobs, status, results and preview; tests/e2e/test_examples applies every example as a
real process."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import boto3
import pytest

from tests.inprocess import gtops_here
from tests.sandbox.conftest import EXAMPLE_ROLE, ensure_role
from tests.sandbox_server import control

REPO = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.e2e


@pytest.fixture
def env(server, tmp_path):
    """The session's sandbox server (emptied)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GTOPS_"))}
    base.update(
        AWS_ENDPOINT_URL=server,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        NO_COLOR="1",
    )
    return base


def demo_data(env: dict, region: str) -> None:
    """The examples' data bucket and execution role, as a user would have them: the bucket in the spec's
    Region (Ground Truth reads input only from a bucket in the job's Region, and gtops checks that before
    apply), the role trusted by SageMaker (CreateLabelingJob refuses one it cannot assume)."""
    s3, iam = (
        boto3.client(
            service,
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for service in ("s3", "iam")
    )
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket="gtops-demo-data", **where)  # the examples' images are in their folders
    ensure_role(iam, *EXAMPLE_ROLE)


def gtops(env: dict, *args: str) -> subprocess.CompletedProcess:
    return gtops_here(env, *args, cwd=REPO)


def sm(env: dict, region: str):
    return boto3.client(
        "sagemaker",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_birds_example_applies_completes_and_exports_coco(env, server, tmp_path):
    from pycocotools.coco import COCO

    demo_data(env, "eu-central-1")
    done = gtops(env, "apply", "specs/birds", "--auto-approve")
    assert done.returncode == 0, done.stderr + done.stdout
    client = sm(env, "eu-central-1")
    names = {j["LabelingJobName"] for j in client.list_labeling_jobs()["LabelingJobSummaryList"]}
    assert names == {
        "ground-truth-class-demo",
        "ground-truth-od-demo",
        "ground-truth-od-demo-2workers",
        "ground-truth-od-demo-public",
        "ground-truth-seg-demo",
    }
    seg = client.describe_labeling_job(LabelingJobName="ground-truth-seg-demo")
    assert seg["LabelAttributeName"] == "ground-truth-seg-demo-ref"
    assert seg["HumanTaskConfig"]["PreHumanTaskLambdaArn"] == (
        "arn:aws:lambda:eu-central-1:203001061592:function:PRE-SemanticSegmentation"
    )
    again = gtops(env, "plan", "specs/birds", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr  # applied jobs plan as no-ops

    assert control(server, "advance", {"steps": 10})
    status = gtops(env, "status", "specs/birds", "--format", "json")
    assert status.returncode == 0
    rows = json.loads(status.stdout)["jobs"]
    assert [r["status"] for r in rows] == ["Completed"] * 5
    assert all(r["labeled"] + r["failed"] == 5 for r in rows)

    summary = gtops(env, "results", "ground-truth-od-demo-2workers", "specs/birds", "--format", "json")
    assert summary.returncode == 0, summary.stderr
    body = json.loads(summary.stdout)["summary"]
    coco_file = tmp_path / "birds.json"
    export = gtops(
        env, "results", "ground-truth-od-demo-2workers", "specs/birds", "-f", "coco", "-o", str(coco_file)
    )
    assert export.returncode == 0, export.stderr
    coco = COCO(str(coco_file))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["Bird"]
    assert len(coco.getAnnIds()) == body["classes"].get("Bird", 0)
    assert len(coco.getImgIds()) == body["labeled"]


def test_custom_example_deploys_lambdas_and_previews(env, tmp_path):
    demo_data(env, "us-east-1")
    done = gtops(env, "apply", "specs/custom-eye-nose", "--auto-approve")
    assert done.returncode == 0, done.stderr + done.stdout
    job = sm(env, "us-east-1").describe_labeling_job(LabelingJobName="custom-job-eye-nose")
    pre = job["HumanTaskConfig"]["PreHumanTaskLambdaArn"]
    assert pre.endswith(":function:gtops-custom-eye-nose-ground_truth_preprocess")
    lam = boto3.client(
        "lambda",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert (
        lam.get_function(FunctionName=pre)["Configuration"]["Handler"]
        == "ground_truth_preprocess.lambda_handler"
    )
    out = tmp_path / "custom.html"
    shown = gtops(
        env, "preview", "custom-job-eye-nose", "specs/custom-eye-nose", "--out", str(out), "-n", "2"
    )
    assert shown.returncode == 0, shown.stderr
    page = out.read_text()
    assert page.count('<section class="gtops-task">') == 2
    assert "data:image/png;base64," in page  # grant_read_access read the object from the sandbox's S3


@pytest.mark.slow
def test_custom_example_runs_its_own_consolidation_on_the_sandbox_server(env, server):
    """The example's Lambdas run in the sandbox server: the output is what its consolidation returned."""
    demo_data(env, "us-east-1")
    done = gtops(env, "apply", "specs/custom-eye-nose", "--auto-approve")
    assert done.returncode == 0, done.stderr + done.stdout
    for _ in range(5):  # one step at a time: each batch runs the two Lambdas (about a second each)
        assert control(server, "advance", {"steps": 1})
    status = gtops(env, "status", "specs/custom-eye-nose", "--format", "json")
    (row,) = json.loads(status.stdout)["jobs"]
    images = len(list((REPO / "specs/custom-eye-nose/images").glob("*.png")))
    assert row["status"] == "Completed" and row["labeled"] == images and row["failed"] == 0
    s3 = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket, _, key = row["output_manifest"][5:].partition("/")
    lines = [json.loads(x) for x in s3.get_object(Bucket=bucket, Key=key)["Body"].read().splitlines()]
    assert len(lines) == images
    for line in lines:
        workers = line["eye-nose"]["workers"]  # the example's ground_truth_postprocess.py output
        assert workers and all(w["workerId"] for w in workers)
        boxes = [b for w in workers for b in w["annotation"]["annotatedResult"]["boundingBoxes"]]
        assert boxes and {b["label"] for b in boxes} <= {"eye", "nose"}
