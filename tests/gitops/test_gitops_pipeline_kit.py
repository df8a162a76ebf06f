"""The pipeline kit in examples/: valid YAML, and every gtops command it runs works against the sandbox."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.gitops.conftest import REPO_EXAMPLES, STACK_FILE
from tests.inprocess import gtops_here

WORKFLOWS = sorted((REPO_EXAMPLES / "github-actions").glob("*.yml"))
GTOPS_LINE = re.compile(r"^\s*(gtops\s.*?)(\s*>\s*\S+)?\s*$")


def gtops_commands(workflow: dict) -> list[str]:
    """Every `gtops ...` line of every step's `run:` block (output redirection dropped)."""
    out = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for line in (step.get("run") or "").splitlines():
                match = GTOPS_LINE.match(line)
                if match:
                    out.append(match.group(1))
    return out


def test_workflows_are_valid_and_complete():
    names = {p.name for p in WORKFLOWS}
    assert names == {"gtops-plan.yml", "gtops-apply.yml", "gtops-drift.yml"}
    for path in WORKFLOWS:
        doc = yaml.safe_load(path.read_text())
        assert doc["name"] and doc["jobs"] and True in doc  # `on:` parses as the boolean key True in YAML 1.1
        assert gtops_commands(doc), path
    hooks = yaml.safe_load((REPO_EXAMPLES / "pre-commit" / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "gtops-validate" and hooks[0]["entry"] == "gtops validate"


def _run(line: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """The workflow's `gtops ...` line, run by gtops's entry point in this process under the step's
    environment and working folder (tests/inprocess.py)."""
    argv = shlex.split(line)
    assert argv[0] == "gtops"
    return gtops_here(env, *(env.get(a[1:], a) if a.startswith("$") else a for a in argv[1:]), cwd=cwd)


@pytest.mark.e2e
def test_workflow_commands_run_against_the_sandbox(env, tmp_path):
    """In a checkout with the spec at the workflows' GTOPS_SPEC: PR plan, merge apply, nightly drift."""
    spec_dir = tmp_path / "specs" / "labeling"
    spec_dir.mkdir(parents=True)
    (spec_dir / "setup.yaml").write_text(STACK_FILE.read_text())
    env = {**env, "GTOPS_SPEC": "specs/labeling", "PYTHONPATH": str(REPO_EXAMPLES.parent)}
    docs = {p.stem: yaml.safe_load(p.read_text()) for p in WORKFLOWS}
    for name in ("gtops-plan", "gtops-apply", "gtops-drift"):
        assert docs[name]["env"]["GTOPS_SPEC"] == "specs/labeling"
        for line in gtops_commands(docs[name]):
            proc = _run(line, env, tmp_path)
            expected = {"gtops-drift": (0,), "gtops-plan": (0, 2), "gtops-apply": (0, 2)}[name]
            assert proc.returncode in expected, (line, proc.stdout, proc.stderr)
    # The merge workflow applied the saved plan: AWS now matches the spec, and drift found nothing.
    assert _run('gtops plan "$GTOPS_SPEC" --detailed-exitcode', env, tmp_path).returncode == 0

    hook = yaml.safe_load((REPO_EXAMPLES / "pre-commit" / ".pre-commit-config.yaml").read_text())
    local = hook["repos"][0]["hooks"][0]
    proc = _run(" ".join([local["entry"], *local["args"]]), env, tmp_path)
    assert proc.returncode == 0, proc.stderr
