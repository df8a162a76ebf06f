"""End-to-end fixtures: one sandbox server per session, the real `gtops` command and the AWS CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("sandbox") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gtops.sandbox.server", "--port", str(port)], stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/_gtops/health", timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"sandbox did not start: {log.read_text()}") from None
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def control(url: str, name: str, body: dict | None = None) -> dict:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(f"{url}/_gtops/{name}", data=data, method="POST")
    req.add_header("Content-Type", "application/json")
    return json.loads(urllib.request.urlopen(req, timeout=10).read())


@pytest.fixture
def sandbox(sandbox_url):
    """A clean sandbox for each test."""
    control(sandbox_url, "reset")
    control(sandbox_url, "config", {"latency_ms": 0, "quotas": False, "fault_rate": 0, "targets": []})
    return sandbox_url


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
