"""The pipeline kit: gtops's GitHub Action (action.yml), the workflows in examples/ that use it, the GitLab
pipeline and the pre-commit hooks. They pass the schemas GitHub and GitLab publish (check-jsonschema's
vendored copies: no network), pin current action majors and gtops's own version, and every gtops command
in them works against the sandbox; the action's script is run as GitHub runs it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import gtops
from tests.check_schema import check_jsonschema
from tests.gitops.conftest import REPO_EXAMPLES, STACK_FILE
from tests.inprocess import gtops_here

ROOT = REPO_EXAMPLES.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((REPO_EXAMPLES / "github-actions").glob("*.yml"))
GITLAB = REPO_EXAMPLES / "gitlab" / ".gitlab-ci.yml"
# The current major version of every action the kit uses (checked on each action's releases).
CURRENT_MAJORS = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "aws-actions/configure-aws-credentials": "v6",
    "actions/upload-artifact": "v7",
    "actions/download-artifact": "v8",
}
GTOPS_LINE = re.compile(r"^\s*(gtops\s.*?)(\s*>\s*\S+)?(\s*\|\|.*)?(\s+#.*)?\s*$")
ENV_REF = re.compile(r"\$\{\{\s*env\.(\w+)\s*\}\}")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def action_commands(workflow: dict) -> list[str]:
    """The gtops command line each use of gtops's action runs (workflow env values filled in)."""
    out = []
    for step in steps(workflow):
        if step.get("uses") == "./":
            given = {
                k: ENV_REF.sub(lambda m: workflow["env"][m.group(1)], str(v)) for k, v in step["with"].items()
            }
            out.append(
                " ".join(["gtops", given["command"], given.get("spec", "specs"), given.get("args", "")])
            )
    return out


def script_commands(lines: list[str]) -> list[str]:
    """Every `gtops ...` of shell lines (output redirection, `|| ...` and comments dropped)."""
    return [m.group(1) for line in lines for m in [GTOPS_LINE.match(line)] if m]


def test_the_action_and_pipelines_pass_the_published_schemas(tmp_path):
    for schema, files in (
        ("vendor.github-workflows", WORKFLOWS),
        ("vendor.github-actions", [ACTION]),
        ("vendor.gitlab-ci", [GITLAB]),
    ):
        proc = check_jsonschema("--builtin-schema", schema, *files)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    # The schemas do catch mistakes: `with` as a list, a step without `uses` or `run`.
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOWS[0].read_text().replace("      - uses: actions/checkout@v7\n", "      - name: x\n")
    )
    assert check_jsonschema("--builtin-schema", "vendor.github-workflows", broken).returncode == 1


def test_workflows_need_only_the_action_and_pin_current_majors():
    names = {p.name for p in WORKFLOWS}
    assert names == {"gtops-plan.yml", "gtops-apply.yml", "gtops-drift.yml"}
    action = load(ACTION)
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    for path in WORKFLOWS:
        doc = load(path)
        assert doc["name"] and True in doc  # `on:` parses as the boolean key True in YAML 1.1
        assert doc["concurrency"]["group"].startswith(path.stem), path  # plan, apply and drift alike
        assert action_commands(doc), path
        for step in steps(doc):
            assert "pip install" not in step.get("run", ""), (path, step)  # the action installs gtops
        uses += [s["uses"] for s in steps(doc) if "uses" in s and s["uses"] != "./"]
    for ref in uses:
        name, _, major = ref.partition("@")
        assert CURRENT_MAJORS.get(name) == major, ref


def test_one_pinned_gtops_version_everywhere():
    version = gtops.__version__
    assert load(ACTION)["inputs"]["version"]["default"] == version
    assert re.search(rf"^ARG GTOPS_VERSION={re.escape(version)}$", (ROOT / "Dockerfile").read_text(), re.M)
    assert load(GITLAB)["variables"]["GTOPS_IMAGE"].endswith(f":{version}")


def test_pre_commit_hooks():
    hooks = yaml.safe_load((REPO_EXAMPLES / "pre-commit" / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "gtops-validate" and hooks[0]["entry"] == "gtops validate"


def _run(line: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """A pipeline's `gtops ...` line, run by gtops's entry point in this process under the step's
    environment and working folder (tests/inprocess.py)."""
    argv = shlex.split(line)
    assert argv[0] == "gtops"
    return gtops_here(env, *(env.get(a[1:], a) if a.startswith("$") else a for a in argv[1:]), cwd=cwd)


@pytest.fixture
def checkout(env, tmp_path):
    """A spec repository with the setup at the pipelines' GTOPS_SPEC, and its environment."""
    spec_dir = tmp_path / "specs" / "labeling"
    spec_dir.mkdir(parents=True)
    (spec_dir / "setup.yaml").write_text(STACK_FILE.read_text())
    return tmp_path, {**env, "GTOPS_SPEC": "specs/labeling", "PYTHONPATH": str(ROOT)}


@pytest.mark.e2e
def test_workflow_commands_run_against_the_sandbox(checkout):
    """PR plan, merge apply, nightly drift: what the action runs for each workflow step."""
    folder, env = checkout
    docs = {p.stem: load(p) for p in WORKFLOWS}
    for name in ("gtops-plan", "gtops-apply", "gtops-drift"):
        assert docs[name]["env"]["GTOPS_SPEC"] == "specs/labeling"
        for line in action_commands(docs[name]):
            proc = _run(line, env, folder)
            expected = {"gtops-drift": (0,), "gtops-plan": (0, 2), "gtops-apply": (0, 2)}[name]
            assert proc.returncode in expected, (line, proc.stdout, proc.stderr)
    # The merge workflow applied the saved plan: AWS now matches the spec, and drift found nothing.
    assert _run('gtops plan "$GTOPS_SPEC" --detailed-exitcode', env, folder).returncode == 0

    hook = yaml.safe_load((REPO_EXAMPLES / "pre-commit" / ".pre-commit-config.yaml").read_text())
    local = hook["repos"][0]["hooks"][0]
    proc = _run(" ".join([local["entry"], *local["args"]]), env, folder)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.e2e
def test_gitlab_pipeline_commands_run_against_the_sandbox(checkout):
    folder, env = checkout
    doc = load(GITLAB)
    assert doc["variables"]["GTOPS_SPEC"] == "specs/labeling"
    lines = {job: script_commands(doc[job]["script"]) for job in ("plan", "apply", "drift")}
    assert all(lines.values()), lines
    expected = {"plan": (2,), "apply": (0,), "drift": (0,)}
    for job in ("plan", "apply", "drift"):
        for line in lines[job]:
            proc = _run(line, env, folder)
            assert proc.returncode in expected[job], (line, proc.stdout, proc.stderr)


def _action_script(tmp_path: Path, env: dict, **inputs: str) -> tuple[subprocess.CompletedProcess, dict, str]:
    """Run the action's gtops step as GitHub runs it (bash, its env from the inputs, GITHUB_OUTPUT and
    GITHUB_STEP_SUMMARY files), with `gtops` on PATH; returns the process, its outputs and the summary."""
    (step,) = [s for s in load(ACTION)["runs"]["steps"] if s.get("id") == "gtops"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "gtops"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gtops "$@"\n')
    shim.chmod(0o755)
    defaults = {k: str(v.get("default", "")) for k, v in load(ACTION)["inputs"].items()}
    given = {**defaults, **inputs}
    step_env = {
        **env,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(tmp_path / "github-output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        **{
            name: re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: given[m.group(1)], v)
            for name, v in step["env"].items()
        },
    }
    for name in ("github-output", "summary.md"):
        (tmp_path / name).write_text("")
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env=step_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs = dict(line.split("=", 1) for line in (tmp_path / "github-output").read_text().splitlines())
    return proc, outputs, (tmp_path / "summary.md").read_text()


@pytest.mark.e2e
@pytest.mark.slow
def test_the_action_reports_gtops_exit_code_and_fails_only_on_errors(checkout):
    folder, env = checkout
    proc, outputs, summary = _action_script(
        folder,
        env,
        command="plan",
        spec="specs/labeling",
        args="--format markdown --detailed-exitcode",
        output="plan.md",
    )
    assert proc.returncode == 0, proc.stderr  # changes (exit 2) are for the workflow to judge
    assert outputs == {"exitcode": "2", "output": "plan.md"}
    assert (folder / "plan.md").read_text() == summary  # Markdown goes to the summary as it is
    assert "cognito_user_pool" in summary and "```" not in summary.splitlines()[0]

    proc, outputs, summary = _action_script(folder, env, command="validate", spec="specs/labeling")
    assert proc.returncode == 0 and outputs["exitcode"] == "0", proc.stderr
    assert summary.startswith("```\n1 file valid")  # text is fenced

    # An error fails the step; an input is split into words, never run by the shell.
    proc, outputs, _ = _action_script(
        folder, env, command="plan", spec="specs/missing", args="$(touch pwned) *"
    )
    assert proc.returncode == 1 and outputs["exitcode"] == "1"
    assert not (folder / "pwned").exists()
