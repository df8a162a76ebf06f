"""Run a labeling job's Lambda handler the way Lambda would, for the sandbox (a script, run in a subprocess).

stdin: {"handler": "module.function", "code": dir, "calls": [event, ...], "objects": {s3 uri: text},
"function": name, "memory": MB, "timeout": seconds}. Each event is passed to the handler with a context
object; the outcomes, [{"ok": result} | {"error": "Type: message"}], are written as JSON to the file named
by argv[1] (stdout and stderr are the function's log). Before the handler runs, every AWS endpoint points at
a tiny S3 of this process holding `objects` (the consolidation request the event's payload.s3Uri names),
so the handler reads its payload with boto3 as on Lambda, and no call can reach anything else.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse


def _store(objects: dict[str, str]) -> dict[tuple[str, str], bytes]:
    out = {}
    for uri, text in objects.items():
        parsed = urlparse(uri)
        out[(parsed.netloc, parsed.path.lstrip("/"))] = text.encode()
    return out


def _serve(store: dict[tuple[str, str], bytes]) -> str:
    class S3(BaseHTTPRequestHandler):
        def _key(self) -> tuple[str, str]:
            bucket, _, key = unquote(urlparse(self.path).path).lstrip("/").partition("/")
            return bucket, key

        def do_GET(self) -> None:  # noqa: N802 - the http.server naming
            body = store.get(self._key())
            if body is None:
                self._answer(404, b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
                             b"</Message></Error>")  # fmt: skip
            else:
                self._answer(200, body)

        def do_PUT(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            store[self._key()] = self.rfile.read(length)
            self._answer(200, b"")

        def do_POST(self) -> None:  # noqa: N802 - any other AWS service: not in the sandbox's Lambda runner
            self._answer(400, b"<Error><Code>UnsupportedOperation</Code></Error>")

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), S3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


class Context:
    def __init__(self, name: str, memory: int, timeout: float):
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    job = json.load(sys.stdin)
    os.environ["AWS_ENDPOINT_URL"] = _serve(_store(job.get("objects") or {}))
    sys.path.insert(0, job["code"])
    module_name, _, function_name = job["handler"].rpartition(".")
    outcomes: list[dict[str, Any]] = []
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as err:  # noqa: BLE001 - reported as Lambda reports an init error
        outcomes = [
            {"error": f"Runtime.ImportModuleError: {type(err).__name__}: {err}"} for _ in job["calls"]
        ]
    else:
        for event in job["calls"]:
            try:
                result = handler(event, Context(job["function"], job["memory"], job["timeout"]))
                json.dumps(result)
                outcomes.append({"ok": result})
            except Exception as err:  # noqa: BLE001
                traceback.print_exc()
                outcomes.append({"error": f"{type(err).__name__}: {err}"})
    with open(sys.argv[1], "w") as out:
        json.dump(outcomes, out)


if __name__ == "__main__":
    main()
