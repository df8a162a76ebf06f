"""Fixtures for the reliability and security suites: an in-process sandbox with call recording, and one
sandbox server per session for the tests that need real processes (faults over the wire, SIGKILL)."""

from __future__ import annotations

from typing import Any

import pytest
from rel_helpers import ACCOUNT, FAST_QUOTAS, Recorder

from tests.sandbox_server import clean, running_server


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


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("rel-sandbox") / "server.log") as url:
        yield url


@pytest.fixture
def server(server_url) -> str:
    """The session's sandbox server, emptied and with every realism switch off."""
    return clean(server_url)


__all__ = ["ACCOUNT"]
