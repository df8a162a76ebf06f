"""Start-up: a command imports only what it uses. Each case is a fresh `python -X importtime -m gtops ...`
process (the module list, not a timing: the time is bench/perf.py's business)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "tests" / "e2e" / "stack"  # pool, groups, team, workers: no labeling job, no template
# Never needed by a command: numpy came with one DeepDiff call, moto belongs to the sandbox's own process,
# pydantic is how recent typer converts option values (gtops.cli_values does it for gtops's plain options).
NEVER = {"numpy", "deepdiff", "moto", "pandas", "pydantic"}
# What `--help` has no use for: AWS clients, the spec's parser, schema and template engines.
NOT_FOR_HELP = NEVER | {"boto3", "botocore", "jsonschema", "liquid", "yaml", "pydantic"}


def imported(args: list[str], **env: str) -> set[str]:
    """Top-level packages a fresh `gtops ARGS` process imported."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gtops", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert lines, "no -X importtime output"
    return {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in lines}


def test_help_imports_no_aws_client_no_spec_machinery():
    found = imported(["--help"])
    assert "gtops" in found and "typer" in found
    assert found & NOT_FOR_HELP == set()


@pytest.mark.e2e
def test_a_plan_imports_no_numpy_no_moto_and_no_template_engine_without_templates(server, tmp_path):
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    found = imported(["plan", "--endpoint-url", server, str(STACK)], **env)
    assert {"botocore", "jsonschema"} <= found  # it does talk to AWS and check the spec
    # botocore's own session makes the clients: boto3 (and s3transfer with it) would only add import time
    assert found & (NEVER | {"liquid", "boto3", "s3transfer"}) == set()
    # The spec passed its schema check, so the next plan remembers that and needs no schema engine
    again = imported(["plan", "--endpoint-url", server, str(STACK)], **env)
    assert "botocore" in again and again & (NEVER | {"jsonschema", "liquid", "boto3"}) == set()


def test_sandbox_buckets_are_seeded_only_when_the_spec_names_one(monkeypatch):
    from types import SimpleNamespace

    from gtops.commands import _common
    from gtops.sandbox import launcher
    from gtops.settings import Settings

    seeded: list[set[str]] = []
    monkeypatch.setattr(launcher, "ensure_running", lambda port, quiet=True: "http://127.0.0.1:1")

    def seed(url: str, buckets: set[str], roles: set[str], region: str) -> tuple[list[str], list[str]]:
        seeded.append(buckets)
        return [], []

    monkeypatch.setattr(launcher, "seed", seed)
    settings = Settings(sandbox=True)
    no_bucket = SimpleNamespace(setup=SimpleNamespace(region="us-east-1", lock=None, jobs=[]))
    assert _common.endpoint_for(settings, no_bucket) == "http://127.0.0.1:1"
    assert seeded == []  # no S3 client, no call
    job = SimpleNamespace(
        output="s3://out-bucket/x/", assets=None, input={"manifest": "s3://in-bucket/m"}, role="managed"
    )
    with_buckets = SimpleNamespace(setup=SimpleNamespace(region="us-east-1", lock=None, jobs=[job]))
    _common.endpoint_for(settings, with_buckets)
    assert seeded == [{"out-bucket", "in-bucket"}]
