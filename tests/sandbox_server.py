"""One way for tests to run a sandbox server: in a subprocess on a free loopback port, quiet, with
labeling jobs that move only when a test advances them (deterministic); and the environment in which the
real `gtops` command and the AWS CLI talk to it."""

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

from tests import no_backoff

# The server's realism settings when it starts: every switch off.
DEFAULT_REALISM = {
    "latency_ms": 0,
    "quotas": False,
    "fault_rate": 0,
    "fault_kinds": ["throttle", "error", "drop"],
    "seed": None,
    "targets": [],
    "workforce_seconds": 0,
    "daily_emails": 50,
}
FAST_QUOTAS = "UserCreation=5000,UserUpdate=5000,UserRead=5000,UserResourceRead=5000,SnsSubscription=5000"


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
    control(url, "config", DEFAULT_REALISM)
    return url


def server_env(url: str, tmp: Path) -> dict[str, str]:
    """The environment of a `gtops` or `aws` process talking to the sandbox server at `url`: dummy
    credentials, nothing read from the user's AWS or gtops settings, caches and lock files under `tmp`,
    and retries that do not wait out their backoff (tests/no_backoff.py)."""
    config = tmp / "aws-config"
    if not config.exists():  # AWS CLI v1 would fetch a parameter that looks like a URL (callback URLs)
        config.write_text("[default]\ncli_follow_urlparam = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GTOPS_"))}
    env.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "aws-credentials"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        GTOPS_COGNITO_QUOTAS=FAST_QUOTAS,
        GTOPS_SANDBOX_JOB_SECONDS="0",
        NO_COLOR="1",
    )
    return no_backoff.env(env)
