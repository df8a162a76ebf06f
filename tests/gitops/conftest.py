"""GitOps end-to-end fixtures: the session's sandbox server, the AWS CLI and gtops against it, plus a private
copy of the stack spec.

`run_gtops` runs the real gtops entry point in this process, under the environment a gtops process would
get (tests/inprocess.py): these tests are about what plan, apply, drift, export and saved plans do, not about
the process boundary. The AWS CLI makes and reads changes as a separate process, as a user's would; the
locking tests, which are about processes, start real gtops processes (tests/commands.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.commands import run_aws
from tests.e2e.conftest import HERE as E2E
from tests.inprocess import gtops_here as run_gtops
from tests.sandbox_server import control, server_env

STACK_FILE = E2E / "stack" / "setup.yaml"
REPO_EXAMPLES = E2E.parent.parent / "examples"


@pytest.fixture
def env(server, tmp_path):
    """The AWS CLI/gtops environment with this test's own lock-file folder (XDG_CACHE_HOME under tmp_path)."""
    return server_env(server, tmp_path)


@pytest.fixture
def stack(tmp_path) -> Path:
    """A writable copy of the workforce-only stack spec (a folder with setup.yaml)."""
    folder = tmp_path / "stack"
    folder.mkdir()
    shutil.copy(STACK_FILE, folder / "setup.yaml")
    return folder


def gtops_ok(env: dict, *args: str):
    proc = run_gtops(env, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def pool_id(env: dict, name: str = "LabelUserPool") -> str:
    pools = run_aws(env, "cognito-idp", "list-user-pools", "--max-results", "60")["UserPools"]
    (pool,) = [p for p in pools if p["Name"] == name]
    return pool["Id"]


def plan_json(env: dict, *args: str) -> dict:
    proc = run_gtops(env, "plan", *args, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


__all__ = ["control", "run_aws", "run_gtops"]
