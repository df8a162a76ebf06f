"""The README's main command, for every worked example: `gtops apply --sandbox --auto-approve specs/<x>`.

Nothing is prepared for an example (no images put in S3 by hand): what the README says is all there is. Each
run starts from an empty background sandbox (one private workforce per region, as on AWS), applies,
and must then plan to no changes. The background sandbox is started once per module (and xdist worker) by
`gtops sandbox start`, emptied before each example, and stopped by `gtops sandbox stop`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO
from tests.sandbox_server import control, free_port

EXAMPLES = sorted(p.name for p in (REPO / "specs").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def background_sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GTOPS_"))}
    env.update(
        GTOPS_SANDBOX_DIR=str(folder / "sandbox"),
        GTOPS_SANDBOX_PORT=str(free_port()),
        AWS_CONFIG_FILE=str(folder / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(folder / "aws-credentials"),
        NO_COLOR="1",
    )
    started = gtops(env, "sandbox", "start")
    assert started.returncode == 0, started.stderr
    yield env
    subprocess.run(
        [sys.executable, "-m", "gtops", "sandbox", "stop"], env=env, capture_output=True, timeout=60
    )


@pytest.fixture
def sandbox_env(background_sandbox):
    """The module's background sandbox, emptied: what a fresh one holds."""
    control(f"http://127.0.0.1:{background_sandbox['GTOPS_SANDBOX_PORT']}", "reset")
    return background_sandbox


def gtops(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "gtops", *args], env=env, capture_output=True, text=True, timeout=300, cwd=REPO
    )


def test_there_is_an_example_per_scenario():
    assert {"trains-and-cars", "birds", "custom-eye-nose", "cats-dogs", "text-multilabel"} <= set(EXAMPLES)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_example_applies_on_a_fresh_sandbox_and_converges(sandbox_env, example):
    path = str(Path("specs") / example)
    applied = gtops(sandbox_env, "apply", "--sandbox", "--auto-approve", path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete!" in applied.stdout
    again = gtops(sandbox_env, "plan", "--sandbox", "--detailed-exitcode", path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes. AWS matches the spec." in again.stdout
    status = gtops(sandbox_env, "status", "--sandbox", path, "--format", "json")
    assert status.returncode == 0, status.stderr
