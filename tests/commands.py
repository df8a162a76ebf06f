"""The real `gtops` command and the AWS CLI as processes, for the end-to-end suites (environment:
tests/sandbox_server.server_env).

The AWS CLI's commands go to one long-running CLI process per test worker (tests/aws_cli.py): each runs
through the CLI's own entry point under the environment it is given, without paying for a new interpreter.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys

from tests.aws_cli import Cli

_cli = Cli()
atexit.register(_cli.close)


def run_gtops(
    env: dict, *args: str, input: str | None = None, cwd=None, module: str = "gtops"
) -> subprocess.CompletedProcess:
    """`python -m gtops ARGS` (or another entry point: `module`) as a process."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
        cwd=cwd,
    )


def aws(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`aws ARGS` under `env`: its exit code, stdout and stderr."""
    return _cli.run(env, *args, timeout=timeout)


def run_aws(env: dict, *args: str) -> dict | str:
    proc = aws(env, *args, "--output", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else ""
