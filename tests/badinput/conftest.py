"""The bad-input corpus runs the real CLI in process, on moto where a case needs AWS to get that far."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.inprocess import run_main

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases"
FAST_QUOTAS = "UserCreation=5000,UserUpdate=5000,UserRead=5000,UserResourceRead=5000,SnsSubscription=5000"


@dataclass
class Run:
    code: int
    out: str
    err: str


def gtops(*args: str) -> Run:
    return Run(*run_main(*args))


@pytest.fixture
def moto_cli(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """An in-process sandbox, the repository as the working folder (fixture paths print relative to it)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "GTOPS_COGNITO_QUOTAS": FAST_QUOTAS,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "GTOPS_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(REPO)
    from moto import mock_aws

    import gtops.sandbox as sb

    sb.install()
    sb.reset()
    with mock_aws():
        yield sb
    sb.reset()
