"""GitOps end-to-end fixtures: the e2e sandbox server and helpers, plus a private copy of the stack spec."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import HERE as E2E
from tests.e2e.conftest import aws_env, run_aws, run_gtops, sandbox, sandbox_url  # noqa: F401
from tests.sandbox_server import control  # noqa: F401

STACK_FILE = E2E / "stack" / "setup.yaml"
REPO_EXAMPLES = E2E.parent.parent / "examples"


@pytest.fixture
def env(aws_env, tmp_path):
    """The AWS CLI/gtops environment with this test's own lock-file folder.

    AWS CLI v1 would fetch a parameter that looks like a URL (callback URLs): turn that off.
    """
    Path(aws_env["AWS_CONFIG_FILE"]).write_text("[default]\ncli_follow_urlparam = false\n")
    return {**aws_env, "XDG_CACHE_HOME": str(tmp_path / "cache")}


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


__all__ = ["aws_env", "control", "sandbox", "sandbox_url"]
