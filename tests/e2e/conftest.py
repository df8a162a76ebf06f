"""End-to-end fixtures: the session's sandbox server (tests/conftest.py), emptied for each test, and the
environment in which the real `gtops` command and the AWS CLI talk to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands import run_aws, run_gtops
from tests.sandbox_server import server_env

HERE = Path(__file__).parent
REPO = HERE.parent.parent


@pytest.fixture
def sandbox(server):
    """A clean sandbox for each test."""
    return server


@pytest.fixture
def aws_env(sandbox, tmp_path):
    return server_env(sandbox, tmp_path)


__all__ = ["HERE", "REPO", "run_aws", "run_gtops"]
