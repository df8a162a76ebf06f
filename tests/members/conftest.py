"""An in-process sandbox (moto + gtops.sandbox) with fast quotas for the members tests."""

from __future__ import annotations

from typing import Any

import pytest

FAST = "UserCreation=5000,UserUpdate=5000,UserRead=5000,UserResourceRead=5000,SnsSubscription=5000"


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "GTOPS_COGNITO_QUOTAS": FAST,  # the quota pacing itself is tested without AWS
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    from moto import mock_aws

    import gtops.sandbox as sb

    sb.install()
    sb.reset()
    with mock_aws():
        yield sb
    sb.reset()
