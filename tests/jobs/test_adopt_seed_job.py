"""Adopting the CLI seed's hand-made labeling job (seed 000): a spec that describes it plans no create and no
replacement, whether it names the job's own S3 files or holds byte-for-byte copies of them; jobs compare by
what their files hold, and a real difference is named in words."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.gitops.conftest import gtops_ok, plan_json, run_aws, run_gtops
from tests.gitops.test_gitops_export import build_seed
from tests.sandbox_server import server_env

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "specs" / "trains-and-cars" / "ui" / "bounding-box.liquid.html"
IMAGES = REPO / "specs" / "trains-and-cars" / "data" / "images"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20220218T150659"
# The seed's label file, as a person writes it (not gtops's layout): same labels, no instructions.
LABELS = '{"document-version": "2018-11-28",\n"labels": [{"label": "train"},{"label": "car"}]\n}'


def build_seed_job(env, tmp_path: Path) -> None:
    """The seed's data preparation and create-labeling-job call, with its own file names and bucket."""
    run_aws(env, "s3api", "create-bucket", "--bucket", "static-handson")
    lines = []
    for image in sorted(IMAGES.iterdir()):
        key = f"labeling-image/{image.name}"
        run_aws(env, "s3api", "put-object", "--bucket", "static-handson", "--key", key, "--body", str(image))
        lines.append(json.dumps({"source-ref": f"s3://static-handson/{key}"}))
    manifest = tmp_path / "manifest-with-input-data.json"
    manifest.write_text("\n".join(lines) + "\n")
    labels = tmp_path / "labels.json"
    labels.write_text(LABELS)
    for key, body in (
        ("manifest/manifest-with-input-data.json", manifest),
        ("ui-template/bounding-box.liquid.html", TEMPLATE),
        ("ui-template/labels.json", labels),
    ):
        run_aws(env, "s3api", "put-object", "--bucket", "static-handson", "--key", key, "--body", str(body))
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    run_aws(env, "iam", "create-role", "--path", "/service-role/",
            "--role-name", "AmazonSageMaker-ExecutionRole-20220218T150659",
            "--assume-role-policy-document", json.dumps(trust))  # fmt: skip
    team = run_aws(env, "sagemaker", "describe-workteam", "--workteam-name", "test2")["Workteam"][
        "WorkteamArn"
    ]
    human = {
        "AnnotationConsolidationConfig": {
            "AnnotationConsolidationLambdaArn": (
                "arn:aws:lambda:us-east-1:432418664414:function:ACS-BoundingBox"
            )
        },
        "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox",
        "TaskAvailabilityLifetimeInSeconds": 21600,
        "TaskTimeLimitInSeconds": 3600,
        "NumberOfHumanWorkersPerDataObject": 3,
        "WorkteamArn": team,
        "TaskDescription": "Bounding-box trains",
        "MaxConcurrentTaskCount": 10,
        "TaskTitle": "Bounding-box-custom-lablel image classification task",
        "UiConfig": {"UiTemplateS3Uri": "s3://static-handson/ui-template/bounding-box.liquid.html"},
    }
    inputs = {
        "DataAttributes": {
            "ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation", "FreeOfAdultContent"]
        },
        "DataSource": {
            "S3DataSource": {"ManifestS3Uri": "s3://static-handson/manifest/manifest-with-input-data.json"}
        },
    }
    run_aws(env, "sagemaker", "create-labeling-job", "--labeling-job-name", "image-labeling-job20",
            "--label-attribute-name", "label", "--role-arn", ROLE,
            "--input-config", json.dumps(inputs),
            "--output-config", json.dumps({"KmsKeyId": "", "S3OutputPath": "s3://static-handson/output-label/"}),
            "--human-task-config", json.dumps(human),
            "--label-category-config-s3-uri", "s3://static-handson/ui-template/labels.json")  # fmt: skip


JOB = """\
jobs:
  - name: image-labeling-job20
    task_type: bounding_box
    team: test2
    {labels}
    input: {{manifest: s3://static-handson/manifest/manifest-with-input-data.json}}
    output: s3://static-handson/output-label/
    role: {role}
    template: {template}
    label_attribute: label
    workers_per_object: 3
    task_time_limit: 1h
    task_availability: 6h
    max_concurrent_tasks: 10
    title: Bounding-box-custom-lablel image classification task
    description: Bounding-box trains
    content_classifiers: [FreeOfPersonallyIdentifiableInformation, FreeOfAdultContent]
"""


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


@pytest.fixture
def adopted(env, tmp_path) -> Path:
    """The seed built by hand, exported by gtops, its workforce adopted: the folder of the exported spec."""
    build_seed(env)
    build_seed_job(env, tmp_path)
    out = tmp_path / "exported"
    gtops_ok(env, "export", "--out", str(out))
    return out


def _creates_and_replaces(plan: dict) -> list[str]:
    return [c["address"] for c in plan["changes"] if c["action"] in ("create", "replace")]


def test_export_adopts_the_hand_made_job_by_its_own_files(env, adopted):
    spec = adopted / "LabelUserPool.yaml"
    text = spec.read_text()
    assert "was made outside gtops" not in text
    import yaml

    (job,) = yaml.safe_load(text)["jobs"]
    assert job["template"] == "s3://static-handson/ui-template/bounding-box.liquid.html"
    assert job["label_file"] == "s3://static-handson/ui-template/labels.json"
    assert job["input"] == {"manifest": "s3://static-handson/manifest/manifest-with-input-data.json"}
    gtops_ok(env, "validate", str(spec))
    plan = plan_json(env, str(spec))
    assert _creates_and_replaces(plan) == []
    assert not [c for c in plan["changes"] if c["kind"] == "labeling_job"]  # the job plans to no change
    gtops_ok(env, "apply", str(spec), "--auto-approve")
    assert run_gtops(env, "plan", str(spec), "--detailed-exitcode").returncode == 0


def test_a_spec_with_copies_of_the_files_adopts_the_job_by_content(env, adopted, tmp_path):
    """The spec a user writes: the template downloaded byte for byte, the labels as a list."""
    folder = tmp_path / "mine"
    folder.mkdir()
    text = (adopted / "LabelUserPool.yaml").read_text()
    head = text[: text.index("jobs:")]
    (folder / "setup.yaml").write_text(head)
    (folder / "ui").mkdir()
    shutil.copy(TEMPLATE, folder / "ui" / "bounding-box.liquid.html")
    (folder / "jobs.yaml").write_text(
        JOB.format(labels="labels: [train, car]", role=ROLE, template="ui/bounding-box.liquid.html")
    )
    plan = plan_json(env, str(folder))
    assert _creates_and_replaces(plan) == []

    # A real difference is named by what differs, in words.
    (folder / "jobs.yaml").write_text(
        JOB.format(labels="labels: [train, car, bus]", role=ROLE, template="ui/bounding-box.liquid.html")
    )
    proc = run_gtops(env, "plan", str(folder))
    assert proc.returncode == 1
    assert "job image-labeling-job20 already exists (Initializing) and the spec differs in" in proc.stderr
    assert "labels ([train, car] -> [train, car, bus])" in proc.stderr
    assert "instructions" not in proc.stderr
    assert "ui (" not in proc.stderr  # the template copy is the same template

    # An edited template differs by content, and the message says so.
    (folder / "ui" / "bounding-box.liquid.html").write_text(TEMPLATE.read_text() + "<!-- edited -->\n")
    (folder / "jobs.yaml").write_text(
        JOB.format(labels="labels: [train, car]", role=ROLE, template="ui/bounding-box.liquid.html")
    )
    proc = run_gtops(env, "plan", str(folder))
    assert proc.returncode == 1
    assert "the worker UI template's content differs" in proc.stderr
    assert "labels (" not in proc.stderr
