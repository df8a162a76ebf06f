"""Run the real `gtops` entry point inside the test process.

`run_main` is for moto's in-process sandbox. `gtops_here` takes the environment a process would be started
with (tests/sandbox_server.server_env) and runs the command in this process under exactly that environment,
working folder and stdin: for the tests about what gtops does against a sandbox server rather than about the
process boundary, the answer is the same without 1-1.5 s of interpreter and import start-up per command.
(tests/commands.py starts real processes. The AWS CLI always runs as one: awscli 1.x brings its own copy
of botocore, which cannot share a process with the one gtops uses.)
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def run_main(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `gtops ARGS`."""
    from gtops.cli import main
    from tests import speedups

    speedups.cli()

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def as_process(env: dict[str, str], cwd: str | Path | None = None, stdin: str = "") -> Iterator[None]:
    """This process as a child started with `env`, `cwd` and `stdin` would be (no terminal); restored after.
    A child whose PYTHONPATH holds tests/no_backoff/ has retries that do not wait: so does this."""
    from tests import no_backoff, speedups

    speedups.aws()
    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    with pytest.MonkeyPatch.context() as patch:
        os.environ.clear()
        os.environ.update(env)
        if str(no_backoff.FOLDER) in env.get("PYTHONPATH", "").split(os.pathsep):
            no_backoff.patch(patch)
        try:
            if cwd is not None:
                os.chdir(cwd)
            sys.stdin = io.StringIO(stdin)
            yield
        finally:
            sys.stdin = saved_stdin
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)


def gtops_here(
    env: dict[str, str], *args: str, input: str | None = None, cwd: str | Path | None = None
) -> subprocess.CompletedProcess:
    """`python -m gtops ARGS` as tests/commands.run_gtops runs it, but in this process."""
    with as_process(env, cwd, input or ""):
        code, out, err = run_main(*args)
    return subprocess.CompletedProcess(["gtops", *args], code, out, err)
