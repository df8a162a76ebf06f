"""Fixtures for the reliability and security suites: the in-process sandbox with call recording, and the
session's sandbox server (tests/conftest.py) for the tests that need real processes (faults over the wire,
SIGKILL)."""

from __future__ import annotations

from typing import Any

import pytest
from rel_helpers import ACCOUNT, Recorder


@pytest.fixture
def inproc(inprocess_aws: Any) -> Any:
    """moto in this process with gtops's sandbox installed; `gtops_inproc` runs the CLI against it."""
    return inprocess_aws


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    return Recorder().install(monkeypatch)


@pytest.fixture
def demo_bucket(inproc) -> str:
    """The examples' data bucket and execution role, as a user would have them."""
    from rel_helpers import boto

    from tests.sandbox.conftest import EXAMPLE_ROLE, ensure_role

    boto("s3").create_bucket(Bucket="gtops-demo-data")
    ensure_role(boto("iam"), *EXAMPLE_ROLE)
    return "gtops-demo-data"


@pytest.fixture
def demo_role(inproc) -> str:
    """trains-and-cars' job role, trusted by SageMaker, as a user would have it (gtops checks before apply
    that a job's role exists and trusts SageMaker)."""
    from rel_helpers import create_demo_role

    return create_demo_role()


__all__ = ["ACCOUNT"]
