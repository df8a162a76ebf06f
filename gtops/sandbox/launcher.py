"""Find, start and stop a background sandbox server, so separate gtops invocations share one sandbox.

A sandbox is recognised by its health endpoint (`GET /_gtops/health`), never by the port alone, so another
program on the port is reported instead of being used. A started server runs detached in its own session,
logs to `<state dir>/sandbox-<port>.log` and records its pid in `sandbox-<port>.pid`; the state dir is
$GTOPS_SANDBOX_DIR or ~/.cache/gtops. Its AWS state lives as long as that process.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from gtops.errors import GtopsError

# Credentials and region for talking to a sandbox: dummy values, so no real AWS credentials are ever sent.
SANDBOX_ACCESS_KEY = "testing"
SANDBOX_SECRET_KEY = "testing"
SANDBOX_REGION = "us-east-1"
SANDBOX_HOST = "127.0.0.1"
START_TIMEOUT = 60.0


class SandboxError(GtopsError):
    """The sandbox could not be started, reached or stopped."""


# The sandbox is an extra (`pip install 'gtops[sandbox]'`): what the server imports beyond gtops's own
# dependencies. Talking to a running sandbox (status, stop, reset, advance, --sandbox) needs none of it.
INSTALL_EXTRA = "pip install 'gtops[sandbox]'"
SERVER_MODULES = ("moto", "flask", "flask_cors", "werkzeug", "regex")


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def require_installed() -> None:
    """Refuse, saying what to install, when this Python cannot run a sandbox server."""
    missing = [name for name in SERVER_MODULES if not _importable(name)]
    if missing:
        raise SandboxError(
            f"the sandbox is not installed (no {', '.join(missing)} in this Python); "
            f"install it with: {INSTALL_EXTRA}"
        )


def endpoint(port: int) -> str:
    return f"http://{SANDBOX_HOST}:{port}"


def environment(port: int) -> dict[str, str]:
    """Environment variables that point boto3 and the AWS CLI at the sandbox on `port`."""
    return {
        "AWS_ENDPOINT_URL": endpoint(port),
        "AWS_ACCESS_KEY_ID": SANDBOX_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SANDBOX_SECRET_KEY,
        "AWS_DEFAULT_REGION": SANDBOX_REGION,
    }


def state_dir() -> Path:
    configured = os.environ.get("GTOPS_SANDBOX_DIR")
    path = Path(configured) if configured else Path.home() / ".cache" / "gtops"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pid_file(port: int) -> Path:
    return state_dir() / f"sandbox-{port}.pid"


def log_file(port: int) -> Path:
    return state_dir() / f"sandbox-{port}.log"


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never goes via a proxy


def call(port: int, path: str, data: dict[str, Any] | None = None, timeout: float = 10.0) -> Any:
    """GET a control endpoint of the sandbox on `port` (POST when `data` is given); returns its JSON."""
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(
        endpoint(port) + path, data=body, method="GET" if body is None else "POST"
    )
    request.add_header("Content-Type", "application/json")
    try:
        with _opener.open(request, timeout=timeout) as answer:
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as err:
        try:
            message = json.loads(err.read()).get("message", str(err))
        except ValueError:
            message = str(err)
        raise SandboxError(f"the sandbox on port {port} refused {path}: {message}") from err
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
        raise SandboxError(f"no gtops sandbox answers on port {port}") from err


def health(port: int, timeout: float = 1.0) -> dict[str, Any] | None:
    """The health answer of a gtops sandbox on `port`, or None if nothing (or something else) answers."""
    try:
        answer = call(port, "/_gtops/health", timeout=timeout)
    except SandboxError:
        return None
    return answer if isinstance(answer, dict) and "gtops-sandbox" in answer else None


def _port_taken(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((SANDBOX_HOST, port)) == 0


def server_args(config: dict[str, Any] | None) -> list[str]:
    """Command-line flags of `python -m gtops.sandbox.server` for realism settings."""
    args: list[str] = []
    config = config or {}
    if config.get("latency_ms"):
        args += ["--latency-ms", str(config["latency_ms"])]
    if config.get("quotas"):
        args.append("--quotas")
    if config.get("fault_rate"):
        args += ["--fault-rate", str(config["fault_rate"])]
    if config.get("fault_kinds"):
        args += ["--fault-kinds", ",".join(config["fault_kinds"])]
    if config.get("seed") is not None:
        args += ["--seed", str(config["seed"])]
    if config.get("workforce_seconds"):
        args += ["--workforce-seconds", str(config["workforce_seconds"])]
    if config.get("daily_emails") is not None:
        args += ["--daily-emails", str(config["daily_emails"])]
    return args


def _log_tail(port: int, lines: int = 5) -> str:
    try:
        text = log_file(port).read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def ensure_running(port: int, quiet: bool = True, config: dict[str, Any] | None = None) -> str:
    """The endpoint URL of a sandbox on `port`: reuse a running one, else start one in the background."""
    if health(port) is not None:
        if config:
            call(port, "/_gtops/config", config)
        return endpoint(port)
    if _port_taken(port):
        raise SandboxError(f"port {port} is in use by another program; choose another sandbox port")
    require_installed()
    if not quiet:
        print(f"Starting the gtops sandbox on {endpoint(port)} ...", file=sys.stderr, flush=True)
    with open(log_file(port), "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gtops.sandbox.server", "--port", str(port), *server_args(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        answer = health(port, timeout=0.5)
        if answer is not None:
            pid_file(port).write_text(f"{answer.get('pid', process.pid)}\n")
            return endpoint(port)
        if process.poll() is not None and not _port_taken(port):
            tail = _log_tail(port)
            raise SandboxError(f"the sandbox did not start on port {port}" + (f": {tail}" if tail else ""))
        time.sleep(0.1)
    raise SandboxError(
        f"the sandbox did not answer on port {port} within {START_TIMEOUT:.0f} s; see {log_file(port)}"
    )


def _pid(port: int) -> int | None:
    try:
        return int(pid_file(port).read_text().strip())
    except (OSError, ValueError):
        return None


def stop(port: int, timeout: float = 10.0) -> bool:
    """Stop the sandbox on `port`; False if none was running."""
    answer = health(port)
    if answer is None:
        pid_file(port).unlink(missing_ok=True)
        return False
    try:
        call(port, "/_gtops/shutdown", {})
    except SandboxError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and health(port, timeout=0.3) is not None:
        time.sleep(0.1)
    pid = answer.get("pid")
    if health(port, timeout=0.3) is not None and pid and pid == _pid(port):
        os.kill(pid, signal.SIGTERM)  # the pid the sandbox itself reported, and that we recorded
    if health(port, timeout=0.3) is not None:
        raise SandboxError(f"the sandbox on port {port} did not stop")
    pid_file(port).unlink(missing_ok=True)
    return True


def status(port: int) -> dict[str, Any]:
    """{"running": bool, "endpoint", "pid", "version", "config", "stats"} of the sandbox on `port`."""
    answer = health(port)
    if answer is None:
        return {"running": False, "endpoint": endpoint(port), "port_taken": _port_taken(port)}
    return {
        "running": True,
        "endpoint": endpoint(port),
        "pid": answer.get("pid"),
        "version": answer.get("gtops-sandbox"),
        "config": call(port, "/_gtops/config"),
        "stats": call(port, "/_gtops/stats"),
    }


def _client(service: str, endpoint_url: str, region: str) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=SANDBOX_ACCESS_KEY,
        aws_secret_access_key=SANDBOX_SECRET_KEY,
    )


def seed(endpoint_url: str, buckets: set[str], roles: set[str], region: str) -> tuple[list[str], list[str]]:
    """Create the missing S3 buckets and job roles a spec names in the sandbox at `endpoint_url`; returns
    those it created (buckets, role ARNs). One control call (`POST /_gtops/seed`): the sandbox server does the
    AWS calls with its own long-lived clients, so this process builds no S3, IAM or STS client for it. A
    server without that endpoint (an older gtops) is seeded from here, as before."""
    body = json.dumps({"region": region, "buckets": sorted(buckets), "roles": sorted(roles)}).encode()
    request = urllib.request.Request(endpoint_url.rstrip("/") + "/_gtops/seed", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with _opener.open(request, timeout=60.0) as answer:
            made = json.loads(answer.read() or b"{}")
        return list(made["buckets"]), list(made["roles"])
    except urllib.error.HTTPError as err:
        if err.code != 404:
            try:
                message = json.loads(err.read()).get("message", str(err))
            except ValueError:
                message = str(err)
            what = f"the sandbox at {endpoint_url} could not create the spec's buckets and roles"
            raise SandboxError(f"{what}: {message}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError, KeyError) as err:
        raise SandboxError(f"no gtops sandbox answers at {endpoint_url}") from err
    s3 = _client("s3", endpoint_url, region)
    made_buckets = seed_buckets(s3, buckets, region)
    made_roles = seed_roles(_client("iam", endpoint_url, region), _client("sts", endpoint_url, region), roles)
    return made_buckets, made_roles


def seed_buckets(s3: Any, buckets: set[str], region: str) -> list[str]:
    """Create the missing S3 buckets among `buckets` with the S3 client `s3`; returns those it created."""
    if not buckets:
        return []
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    created = []
    for bucket in sorted(buckets - existing):
        where = {"LocationConstraint": region}
        kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": where}
        s3.create_bucket(Bucket=bucket, **kwargs)
        created.append(bucket)
    return created


SAGEMAKER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def seed_roles(iam: Any, sts: Any, roles: set[str]) -> list[str]:
    """Create the missing job roles among `roles` (ARNs of the sandbox's account) with SageMaker's trust,
    with the IAM and STS clients given; returns those it created. gtops checks before apply that a job's role
    exists and trusts SageMaker."""
    if not roles:
        return []
    account = sts.get_caller_identity()["Account"]
    created = []
    for arn in sorted(roles):
        parts = arn.split(":", 5)
        if len(parts) < 6 or parts[4] != account or not parts[5].startswith("role/"):
            continue  # another account's role: the plan says so
        path, _, name = parts[5][len("role") :].rpartition("/")
        try:
            iam.get_role(RoleName=name)
            continue
        except iam.exceptions.NoSuchEntityException:
            pass
        iam.create_role(RoleName=name, Path=path + "/", AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))
        created.append(arn)
    return created
