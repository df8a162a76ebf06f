"""One way for tests to run a sandbox server: in a subprocess on a free loopback port, quiet, with
labeling jobs that move only when a test advances them (deterministic)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(log: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "GTOPS_SANDBOX_JOB_SECONDS": "0"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gtops.sandbox.server", "--port", str(port)],
            stdout=out,
            stderr=out,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/_gtops/health", timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"sandbox did not start: {log.read_text()}") from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def control(url: str, name: str, body: dict | None = None) -> dict:
    """POST to one of the server's /_gtops/ control endpoints (reset, config, advance...)."""
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(f"{url}/_gtops/{name}", data=data, method="POST")
    req.add_header("Content-Type", "application/json")
    return json.loads(urllib.request.urlopen(req, timeout=10).read())


def clean(url: str) -> str:
    """Empty the sandbox and turn every realism switch off."""
    control(url, "reset")
    control(url, "config", {"latency_ms": 0, "quotas": False, "fault_rate": 0, "targets": []})
    return url
