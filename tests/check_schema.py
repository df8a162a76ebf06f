"""check-jsonschema, the command editors' schemas are checked with in CI, run in this process (its click
command through click's test runner: the same exit code and report, without starting a Python)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def check_jsonschema(*args: str | Path) -> subprocess.CompletedProcess:
    """(exit code, report) of `check-jsonschema ARGS` as a CompletedProcess."""
    from check_jsonschema.cli.main_command import main
    from click.testing import CliRunner

    argv = [str(a) for a in args]
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    return subprocess.CompletedProcess(["check-jsonschema", *argv], result.exit_code, result.output, "")
