"""The sandbox server: moto's WSGI app with the sandbox installed, plus a few `/_gtops/` control endpoints.

Run as `python -m gtops.sandbox.server --port 5150`. Everything is served on one port, so boto3 and the AWS
CLI only need `AWS_ENDPOINT_URL`. Control endpoints:
  GET  /_gtops/health    {"gtops-sandbox": version, "pid": ...}  (tells our server from any other)
  GET  /_gtops/config    realism settings;  POST the same JSON (partial) to change them
  GET  /_gtops/stats     calls, throttled and faulted counts
  POST /_gtops/advance   {"job": name or null, "steps": n}  advance simulated labeling work
  POST /_gtops/seed      {"region", "buckets", "roles"}  create the missing ones (`gtops --sandbox`), answers
                         {"buckets": created, "roles": created}
  POST /_gtops/reset     forget all emulated AWS state (as POST /moto-api/reset)
  POST /_gtops/shutdown  stop the server
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from gtops import __version__

StartResponse = Callable[..., Any]


class SandboxApp:
    """moto's host/target dispatcher with the control endpoints in front of it."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.moto = DomainDispatcherApplication(create_backend_app)
        self.shutdown: Callable[[], None] | None = None
        self.port = 0
        self._seed_lock = threading.Lock()
        self._seed_clients: dict[tuple[str, str, str], Any] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_gtops/"):
            return self._control(environ, start_response, path[len("/_gtops/") :].rstrip("/"))
        return self.moto(environ, start_response)

    def _control(self, environ: dict[str, Any], start_response: StartResponse, name: str) -> Iterable[bytes]:
        from gtops import sandbox
        from gtops.sandbox.realism import REALISM, ConfigError

        method = environ.get("REQUEST_METHOD", "GET")
        try:
            body = _json_body(environ) if method == "POST" else {}
            if name == "health":
                answer: Any = {"gtops-sandbox": __version__, "pid": os.getpid(), "port": self.port}
            elif name == "config" and method == "POST":
                answer = sandbox.configure(**body)
            elif name == "config":
                answer = REALISM.config.to_json()
            elif name == "stats":
                answer = dict(REALISM.stats)
            elif name == "advance" and method == "POST":
                steps = int(body.get("steps", 1))
                answer = {"advanced": sandbox.advance_jobs(body.get("job"), steps)}
            elif name == "seed" and method == "POST":
                answer = self.seed(environ, body)
            elif name == "reset" and method == "POST":
                sandbox.reset(realism=False)
                answer = {"reset": True}
            elif name == "shutdown" and method == "POST":
                if self.shutdown is not None:  # after this answer has been sent
                    threading.Timer(0.2, self.shutdown).start()
                answer = {"stopping": True}
            else:
                return _reply(
                    start_response, 404, {"message": f"no control endpoint {method} /_gtops/{name}"}
                )
        except (ConfigError, ValueError, TypeError) as err:
            return _reply(start_response, 400, {"message": str(err)})
        except Exception as err:  # an AWS refusal while seeding (botocore ClientError): said, not a 500
            if not hasattr(err, "response"):
                raise
            return _reply(start_response, 400, {"message": str(err)})
        return _reply(start_response, 200, answer)

    def seed(self, environ: dict[str, Any], body: dict[str, Any]) -> dict[str, list[str]]:
        """Create the missing buckets and job roles of `body` through this server's own AWS API (so every
        sandbox rule applies as to any caller), with clients kept for the next run; one seeding at a time."""
        from gtops.sandbox.launcher import _client, seed_buckets, seed_roles

        region, buckets, roles = body.get("region"), body.get("buckets", []), body.get("roles", [])
        lists = isinstance(buckets, list) and isinstance(roles, list)
        if not isinstance(region, str) or not lists or not all(isinstance(x, str) for x in buckets + roles):
            raise ValueError('seed takes {"region": str, "buckets": [str], "roles": [str]}')
        url = f"http://{environ.get('HTTP_HOST') or f'127.0.0.1:{self.port}'}"

        def client(service: str) -> Any:
            key = (url, region, service)
            if key not in self._seed_clients:
                self._seed_clients[key] = _client(service, url, region)
            return self._seed_clients[key]

        with self._seed_lock:
            made_buckets = seed_buckets(client("s3"), set(buckets), region) if buckets else []
            made_roles = seed_roles(client("iam"), client("sts"), set(roles)) if roles else []
        return {"buckets": made_buckets, "roles": made_roles}


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    data = json.loads(raw or b"{}")
    if not isinstance(data, dict):
        raise ValueError("the request body must be a JSON object")
    return data


def _reply(start_response: StartResponse, status: int, data: Any) -> list[bytes]:
    body = json.dumps(data).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    start_response(
        f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def make_server(host: str = "127.0.0.1", port: int = 0) -> Any:
    """A threaded werkzeug server serving the sandbox (port 0 picks a free port); call serve_forever()."""
    from werkzeug.serving import make_server as werkzeug_server

    from gtops.sandbox import install

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    install()
    app = SandboxApp()
    server = werkzeug_server(host, port, app, threaded=True)
    app.port = server.server_address[1]
    app.shutdown = server.shutdown
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m gtops.sandbox.server", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5150)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--quotas", action="store_true", help="enforce Cognito request-rate quotas")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-kinds", default="throttle,error,drop")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workforce-seconds", type=float, default=0.0)
    parser.add_argument("--daily-emails", type=int, default=50)
    args = parser.parse_args(argv)

    from gtops import sandbox
    from gtops.sandbox.launcher import SandboxError, require_installed
    from gtops.sandbox.realism import ConfigError

    try:
        require_installed()
        sandbox.configure(
            latency_ms=args.latency_ms,
            quotas=args.quotas,
            fault_rate=args.fault_rate,
            fault_kinds=[k for k in args.fault_kinds.split(",") if k],
            seed=args.seed,
            workforce_seconds=args.workforce_seconds,
            daily_emails=args.daily_emails,
        )
        server = make_server(args.host, args.port)
    except (ConfigError, OSError, SandboxError) as err:
        print(f"gtops sandbox: {err}", file=sys.stderr, flush=True)
        sys.exit(1)

    def _stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(
        f"gtops sandbox {__version__} listening on http://{args.host}:{server.server_address[1]}", flush=True
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
