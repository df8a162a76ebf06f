"""gtops without the sandbox extra: it imports, validates, plans and applies against AWS (here: a sandbox
server run by this test session's own Python, standing for AWS), and asking for the sandbox says what to
install. The gtops runs are processes in which everything only `gtops[sandbox]` brings cannot be imported
(tests/without_sandbox.py); which modules those are is worked out from pyproject.toml and the installed
packages' metadata, so a new sandbox dependency is covered without editing this test."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import tomllib
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.commands import run_gtops
from tests.e2e.conftest import HERE as E2E
from tests.sandbox_server import free_port, server_env

ROOT = Path(__file__).resolve().parents[1]
INSTALL = "pip install 'gtops[sandbox]'"
# What gtops.sandbox itself imports; gtops must never even try these outside the sandbox.
SANDBOX_IMPORTS = {"moto", "regex", "werkzeug", "flask"}


def _closure(requirements: list[str]) -> set[str]:
    """Canonical names of the installed distributions that `requirements` pull in, extras followed."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        key = (canonicalize_name(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            needs = importlib.metadata.requires(req.name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not for this platform or Python
        for line in needs:
            sub = Requirement(line)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in req.extras | {""}):
                todo.append(sub)
    return {name for name, _ in seen}


@cache
def sandbox_only_modules() -> frozenset[str]:
    """Top-level modules that only the sandbox extra's packages provide."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = _closure(project["dependencies"])
    only = _closure(project["optional-dependencies"]["sandbox"]) - core
    providers = importlib.metadata.packages_distributions()
    return frozenset(
        module
        for module, dists in providers.items()
        if dists and all(canonicalize_name(d) in only for d in dists)
    )


def test_the_sandbox_extra_holds_moto_and_regex_and_nothing_gtops_needs_elsewhere():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(
        canonicalize_name(Requirement(r).name) in {"moto", "regex"} for r in project["dependencies"]
    )
    assert "gtops[sandbox]" in project["optional-dependencies"]["test"]  # the tests need the sandbox
    blocked = sandbox_only_modules()
    assert SANDBOX_IMPORTS <= blocked  # moto[server] brings flask and werkzeug
    assert not blocked & {"boto3", "botocore", "yaml", "jsonschema", "typer", "deepdiff", "liquid"}


def without_sandbox(
    env: dict[str, str], cwd: Path, *args: str
) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run `gtops ARGS` (or `-m MODULE ARGS`) in a Python without the sandbox extra's modules; returns the
    process and the blocked modules it tried to import."""
    attempts = cwd / "attempts.txt"
    env = {
        **env,
        "GTOPS_TEST_BLOCKED": ",".join(sorted(sandbox_only_modules())),
        "GTOPS_TEST_ATTEMPTS": str(attempts),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        ),
    }
    proc = run_gtops(env, *args, input="", cwd=cwd, module="tests.without_sandbox")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, set(attempts.read_text().split())


@pytest.mark.slow
def test_gtops_validates_plans_and_applies_without_the_sandbox_extra(server, tmp_path):
    spec = tmp_path / "stack"
    spec.mkdir()
    (spec / "setup.yaml").write_text((E2E / "stack" / "setup.yaml").read_text())
    env = server_env(server, tmp_path)  # AWS_ENDPOINT_URL: the server stands for AWS

    proc, tried = without_sandbox(env, tmp_path, "validate", "stack")
    assert proc.returncode == 0 and "1 file valid" in proc.stdout, proc.stderr
    proc, tried = without_sandbox(env, tmp_path, "plan", "stack", "--detailed-exitcode")
    assert proc.returncode == 2, proc.stderr
    assert "# cognito_user_pool.LabelUserPool will be created" in proc.stdout
    assert not tried & SANDBOX_IMPORTS, tried
    proc, tried = without_sandbox(env, tmp_path, "apply", "stack", "--auto-approve")
    assert proc.returncode == 0, proc.stderr
    assert not tried & SANDBOX_IMPORTS, tried

    # --sandbox needs the extra only to start a sandbox: one already running (here, on the server's port)
    # is used as it is.
    port = server.rsplit(":", 1)[1]
    sandbox_env = {
        **{k: v for k, v in env.items() if k != "AWS_ENDPOINT_URL"},
        "GTOPS_SANDBOX_PORT": port,
        "GTOPS_SANDBOX_DIR": str(tmp_path / "sandbox"),
    }
    proc, tried = without_sandbox(sandbox_env, tmp_path, "plan", "--sandbox", "stack", "--detailed-exitcode")
    assert proc.returncode == 0 and "No changes" in proc.stdout, proc.stdout + proc.stderr
    assert not tried & SANDBOX_IMPORTS, tried


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--sandbox", "stack"),
        ("sandbox",),
        ("sandbox", "start", "--foreground"),
        ("-m", "gtops.sandbox.server", "--port", "{port}"),
    ],
    ids=["--sandbox", "sandbox", "sandbox --foreground", "the server module"],
)
def test_asking_for_the_sandbox_without_the_extra_says_what_to_install(args, tmp_path):
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "setup.yaml").write_text("name: s\npool: {name: p}\n")
    port = str(free_port())  # nothing listens there: a sandbox would have to be started
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GTOPS_"))},
        "GTOPS_SANDBOX_PORT": port,
        "GTOPS_SANDBOX_DIR": str(tmp_path / "sandbox"),
    }
    proc, _ = without_sandbox(env, tmp_path, *(a.format(port=port) for a in args))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].endswith(f"install it with: {INSTALL}"), lines[0]
    assert "moto" in lines[0]
    assert not (tmp_path / "sandbox" / f"sandbox-{port}.log").exists()  # no server process was tried
