"""End-to-end fixtures: one sandbox server per session, the real `gtops` command and the AWS CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sandbox_server import clean, running_server

HERE = Path(__file__).parent
REPO = HERE.parent.parent


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("sandbox") / "server.log") as url:
        yield url


@pytest.fixture
def sandbox(sandbox_url):
    """A clean sandbox for each test."""
    return clean(sandbox_url)


@pytest.fixture
def aws_env(sandbox, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GTOPS_"))}
    env.update(
        AWS_ENDPOINT_URL=sandbox,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        NO_COLOR="1",
    )
    return env


def run_gtops(env: dict, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gtops", *args],
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
    )


def run_aws(env: dict, *args: str) -> dict | str:
    proc = subprocess.run(
        ["aws", *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else ""
