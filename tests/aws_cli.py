"""The AWS CLI, kept running: one process answers a test worker's `aws` commands one after the other.

Each command runs through the AWS CLI's own entry point (awscli.clidriver, with the copy of botocore awscli
brings), in its own process as `aws` would, under exactly the environment and working folder it is given
and with an empty stdin; only the 0.5-0.9 s of interpreter and import start-up (and the parsing of the
same service models) is paid once per worker instead of once per command.

Protocol (this file run as a script): one JSON request per line on stdin, {"args", "env", "cwd"}; one JSON
answer per line on stdout, {"code", "stdout", "stderr"}. tests/commands.run_aws is the client.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any


def serve() -> None:
    requests, answers = sys.stdin, sys.stdout
    import awscli  # sets AWS_DATA_PATH (its own data folder) in the environment it finds
    import botocore.loaders  # awscli's own copy
    import botocore.session
    from awscli.clidriver import create_clidriver
    from speedups import share_loaders  # (this file runs as a script: its folder is first on sys.path)

    data_path = os.environ["AWS_DATA_PATH"]
    # Each command's session shares one data loader, so the same service models are not parsed again.
    share_loaders(botocore.session, botocore.loaders)
    for line in requests:
        request = json.loads(line)
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["AWS_DATA_PATH"] = data_path
        os.chdir(request["cwd"])
        out, err = io.StringIO(), io.StringIO()
        sys.stdin = io.StringIO("")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = create_clidriver().main(request["args"])
            except SystemExit as done:  # argparse's usage errors
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 255)
        answers.write(json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\n")
        answers.flush()
    del awscli


class Cli:
    """The client side: starts the serving process on first use (one per test worker), restarts it if it
    died, and kills it when a command takes longer than `timeout`."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def run(self, env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        with self._lock:
            proc = self._started()
            assert proc.stdin is not None and proc.stdout is not None
            request = {"args": list(args), "env": env, "cwd": os.getcwd()}
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            answer: list[str] = []
            reader = threading.Thread(target=lambda: answer.append(proc.stdout.readline()), daemon=True)
            reader.start()
            reader.join(timeout)
            if not answer or not answer[0]:
                self.close()
                raise RuntimeError(f"aws {' '.join(args)}: no answer within {timeout:.0f} s")
            done: dict[str, Any] = json.loads(answer[0])
            return subprocess.CompletedProcess(["aws", *args], done["code"], done["stdout"], done["stderr"])

    def _started(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            from tests import no_backoff

            self._proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--serve"],
                env=no_backoff.env(dict(os.environ)),  # as every gtops process against a sandbox server
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        return self._proc

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(timeout=10)
            self._proc = None


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    serve()
