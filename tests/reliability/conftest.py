"""Fixtures for the reliability and security suites: an in-process sandbox with call recording, and one
sandbox server per session for the tests that need real processes (faults over the wire, SIGKILL)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest
from rel_helpers import ACCOUNT, FAST_QUOTAS, Recorder, control


@pytest.fixture
def inproc(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Any:
    """moto in this process with gtops's sandbox installed; `gtops_inproc` runs the CLI against it."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "GTOPS_COGNITO_QUOTAS": FAST_QUOTAS,
        "GTOPS_SANDBOX_JOB_SECONDS": "0",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "GTOPS_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    from moto import mock_aws

    import gtops.sandbox as sb

    sb.install()
    sb.reset()
    with mock_aws():
        yield sb
    sb.reset()


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    return Recorder().install(monkeypatch)


@pytest.fixture
def demo_bucket(inproc) -> str:
    """The examples' data bucket, as a user would have it."""
    from rel_helpers import boto

    boto("s3").create_bucket(Bucket="gtops-demo-data")
    return "gtops-demo-data"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("rel-sandbox") / "server.log"
    env = {"GTOPS_SANDBOX_JOB_SECONDS": "0"}
    import os

    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gtops.sandbox.server", "--port", str(port)],
            stdout=out,
            stderr=out,
            env={**os.environ, **env},
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


@pytest.fixture
def server(server_url) -> str:
    """The session's sandbox server, emptied and with every realism switch off."""
    control(server_url, "reset")
    control(server_url, "config", {"latency_ms": 0, "quotas": False, "fault_rate": 0, "targets": []})
    return server_url


__all__ = ["ACCOUNT"]
