"""Run the real `gtops` entry point inside the test process (for moto's in-process sandbox)."""

from __future__ import annotations

import contextlib
import io


def run_main(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `gtops ARGS`."""
    from gtops.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return code, out.getvalue(), err.getvalue()
