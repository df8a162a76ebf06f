"""Jobs tests run on the in-process sandbox (moto + gtops's Ground Truth emulation), jobs advanced by hand."""

from __future__ import annotations

import json
import struct
import textwrap
import zlib
from pathlib import Path

import pytest

# A custom job with local Lambdas (the workspace's pre.py and post.py), as several tests write it.
CUSTOM_JOB_HEAD = """\
- name: faces
  task_type: custom
  team: t1
  labels: [eye, nose]
  input: {folder: images}
  output: s3://data-bucket/out/
  role: managed
  template: ui.html
"""
CUSTOM_JOB = CUSTOM_JOB_HEAD + "  lambdas: {pre: pre.py, consolidation: post.py}\n"

SETUP = """\
name: jobtest
region: {region}
{extra}
pool:
  name: jobpool
  invitation: {{subject: Hello, message: "user {{username}} password {{####}} at {{portal_url}}"}}
groups: [{{name: g1}}]
client: {{name: c1}}
domain: jobtest-{region}
workforce: {{}}
teams:
  - {{name: t1, groups: [g1]}}
"""


def png(width: int, height: int) -> bytes:
    """A tiny valid PNG (red), so a browser can actually draw it."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def sandbox(inprocess_aws):
    """The in-process sandbox (tests/conftest.py); jobs move only when a test advances them."""
    return inprocess_aws


class Workspace:
    """A spec folder on disk: setup.yaml plus jobs.yaml, images and UI files beside them."""

    def __init__(self, root: Path, region: str):
        self.root = root
        self.region = region
        (root / "images").mkdir(exist_ok=True)
        for i, size in enumerate([(8, 6), (6, 8), (10, 5)]):
            (root / "images" / f"img{i}.png").write_bytes(png(*size))

    def write(self, jobs: str, extra: str = "") -> Path:
        (self.root / "setup.yaml").write_text(SETUP.format(region=self.region, extra=extra))
        (self.root / "jobs.yaml").write_text("jobs:\n" + textwrap.indent(textwrap.dedent(jobs), "  "))
        return self.root

    def spec(self):
        from gtops.spec import load_spec

        return load_spec([self.root])

    def aws(self, spec=None):
        from gtops.engine import connect
        from gtops.settings import Settings

        return connect(Settings(), spec or self.spec(), None)

    def plan(self):
        from gtops.engine import compute

        spec = self.spec()
        return compute(spec, self.aws(spec))

    def apply(self):
        from gtops.engine import apply, verify

        planned = self.plan()
        report = apply(planned, log=lambda _: None)
        assert report.ok, report.summary()
        verify(planned.spec, planned.aws)
        return planned

    def client(self, service: str):
        import boto3

        return boto3.client(service, region_name=self.region)

    def bucket(self, name: str) -> None:
        s3 = self.client("s3")
        if self.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region})

    def role(self, name: str = "labeling") -> None:
        """A job role the user made beforehand: SageMaker may assume it (the sandbox refuses a job whose role
        is missing or does not trust sagemaker.amazonaws.com, as AWS does)."""
        from tests.sandbox.conftest import TRUST_SAGEMAKER

        self.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_SAGEMAKER))

    def read(self, uri: str) -> bytes:
        bucket, _, key = uri[5:].partition("/")
        return self.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()

    def describe(self, name: str) -> dict:
        return self.client("sagemaker").describe_labeling_job(LabelingJobName=name)


@pytest.fixture
def workspace(sandbox, tmp_path) -> Workspace:
    ws = Workspace(tmp_path, "us-east-1")
    ws.bucket("data-bucket")
    ws.role()
    return ws


def make_workspace(tmp_path: Path, region: str) -> Workspace:
    ws = Workspace(tmp_path, region)
    ws.bucket("data-bucket")
    ws.role()
    return ws


def changes_of(planned, kind: str) -> dict[str, object]:
    return {c.address.name: c for c in planned.plan.changes if c.address.kind == kind}


def manifest(ws: Workspace, uri: str) -> list[dict]:
    return [json.loads(line) for line in ws.read(uri).decode().splitlines() if line.strip()]


BBOX_JOB = """\
- name: boxes
  task_type: bounding_box
  team: t1
  labels: [train, car]
  input: {folder: images}
  output: s3://data-bucket/out/
  role: managed
"""
CLASSIFY_JOB = """\
- name: flying
  task_type: image_classification
  team: t1
  labels: [Flying, Other]
  input: {folder: images}
  output: s3://data-bucket/out/
  role: managed
"""
