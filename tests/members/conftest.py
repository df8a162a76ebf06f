"""The members tests run on the in-process sandbox (tests/conftest.py: fast quotas; the quota pacing itself
is tested without AWS)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def sandbox(inprocess_aws: Any) -> Any:
    return inprocess_aws
