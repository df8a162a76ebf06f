"""The real `gtops` command and the AWS CLI as processes, for the end-to-end suites (environment:
tests/sandbox_server.server_env)."""

from __future__ import annotations

import json
import subprocess
import sys


def run_gtops(env: dict, *args: str, input: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gtops", *args],
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
        cwd=cwd,
    )


def run_aws(env: dict, *args: str) -> dict | str:
    proc = subprocess.run(
        ["aws", *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else ""
