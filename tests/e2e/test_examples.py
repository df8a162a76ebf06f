"""The README's main command, for every worked example: `gtops apply --sandbox --auto-approve specs/<x>`.

Each run starts from an empty background sandbox (one private workforce per region, as on AWS), applies,
and must then plan to no changes. The background sandbox is started once per module (and xdist worker) by
`gtops sandbox start`, emptied before each example, and stopped by `gtops sandbox stop`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO
from tests.sandbox_server import control, free_port

EXAMPLES = sorted(p.name for p in (REPO / "specs").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def background_sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GTOPS_"))}
    env.update(
        GTOPS_SANDBOX_DIR=str(folder / "sandbox"),
        GTOPS_SANDBOX_PORT=str(free_port()),
        AWS_CONFIG_FILE=str(folder / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(folder / "aws-credentials"),
        NO_COLOR="1",
    )
    started = gtops(env, "sandbox", "start")
    assert started.returncode == 0, started.stderr
    yield env
    subprocess.run(
        [sys.executable, "-m", "gtops", "sandbox", "stop"], env=env, capture_output=True, timeout=60
    )


@pytest.fixture
def sandbox_env(background_sandbox):
    """The module's background sandbox, emptied: what a fresh one holds."""
    control(f"http://127.0.0.1:{background_sandbox['GTOPS_SANDBOX_PORT']}", "reset")
    return background_sandbox


def gtops(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "gtops", *args], env=env, capture_output=True, text=True, timeout=300, cwd=REPO
    )


def test_there_is_an_example_per_scenario():
    assert {"trains-and-cars", "birds", "custom-eye-nose", "cats-dogs", "text-multilabel"} <= set(EXAMPLES)


def upload_images_for_prefixes(env: dict, spec_path: Path) -> None:
    """What the walkthroughs do by hand before labeling: put the images under the job's S3 prefix."""
    import boto3

    from gtops.spec import load_spec

    spec = load_spec([spec_path])
    started = gtops(env, "sandbox", "start")
    assert started.returncode == 0, started.stderr
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{env['GTOPS_SANDBOX_PORT']}",
        region_name=spec.setup.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    image = (REPO / "specs/trains-and-cars/data/images/train1.png").read_bytes()
    for job in spec.setup.jobs:
        prefix = job.input.get("s3_prefix")
        if not prefix:
            continue
        bucket, _, key = prefix[5:].partition("/")
        if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
            where = {"LocationConstraint": spec.setup.region}
            extra = {} if spec.setup.region == "us-east-1" else {"CreateBucketConfiguration": where}
            s3.create_bucket(Bucket=bucket, **extra)
        for i in range(3):
            s3.put_object(Bucket=bucket, Key=f"{key}image-{i}.png", Body=image)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_example_applies_on_a_fresh_sandbox_and_converges(sandbox_env, example):
    path = str(Path("specs") / example)
    upload_images_for_prefixes(sandbox_env, REPO / path)
    applied = gtops(sandbox_env, "apply", "--sandbox", "--auto-approve", path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete!" in applied.stdout
    again = gtops(sandbox_env, "plan", "--sandbox", "--detailed-exitcode", path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes. AWS matches the spec." in again.stdout
    status = gtops(sandbox_env, "status", "--sandbox", path, "--format", "json")
    assert status.returncode == 0, status.stderr
