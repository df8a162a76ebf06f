"""One wrapper around every moto handler gtops talks to, shared by in-process mocking and the server.

moto reads each service's `urls.url_paths` on every in-process request and when the server builds a
service's Flask app, so replacing the handlers there reaches both modes. The wrapper adds, in order:
latency (outside any lock, so concurrent calls overlap as on AWS), injected faults and Cognito quotas,
model validation for JSON services, and a per-service lock, because moto's backends are not thread-safe
(Cognito scans an OrderedDict of users while another thread inserts into it).
"""

from __future__ import annotations

import importlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from gtops.sandbox import realism, validation
from gtops.sandbox.wire import ApiError, Response, error_response, internal_error, throttling_error

Handler = Callable[[Any, str, Any], Response]

# service -> moto module holding its url_paths
URL_MODULES = {
    "sagemaker": "moto.sagemaker.urls",
    "cognito-idp": "moto.cognitoidp.urls",
    "s3": "moto.s3.urls",
    "sns": "moto.sns.urls",
    "iam": "moto.iam.urls",
    "sts": "moto.sts.urls",
}
VALIDATED = frozenset({"sagemaker", "cognito-idp"})

# Lock order when one service's handler reaches into another's backend: sagemaker -> cognito-idp -> s3.
LOCKS: dict[str, threading.RLock] = {service: threading.RLock() for service in URL_MODULES}


class DroppedConnection(ConnectionResetError):
    """Raised after the server closed the client's socket without answering (fault injection)."""


def _body(request: Any) -> bytes | str:
    if hasattr(request, "get_data"):  # werkzeug request (server); cached, so moto can read it again
        return request.get_data(cache=True)
    return request.body or b""


def _header(headers: Any, name: str) -> str:
    for key in (name, name.lower()):
        value = headers.get(key) if headers is not None else None
        if value:
            return value.decode() if isinstance(value, bytes) else str(value)
    return ""


def operation_of(service: str, request: Any, headers: Any) -> str:
    """The API operation name: from X-Amz-Target (JSON), the Action form field (query), else the method."""
    target = _header(headers, "X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if service != "s3":
        form = getattr(request, "form", None)
        if form is not None and form.get("Action"):
            return str(form.get("Action"))
        body = getattr(request, "body", None)
        if body and not hasattr(request, "get_data"):
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
            action = parse_qs(text).get("Action")
            if action:
                return action[0]
    return f"{request.method}"


def _identity(request: Any, headers: Any) -> tuple[str, str]:
    """(access key, region) from the SigV4 Authorization header, for per-account quota buckets."""
    auth = _header(headers, "Authorization")
    try:
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0]
        parts = credential.split("/")
        return parts[0], parts[2]
    except IndexError:
        return "", ""


def _drop(request: Any, full_url: str) -> None:
    environ = getattr(request, "environ", None)
    sock = environ.get("werkzeug.socket") if environ else None
    if sock is not None:
        _body(request)  # consume the body, or the server would read it as the next request
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise DroppedConnection("connection dropped by the sandbox (fault injection)")
    from botocore.exceptions import ConnectionClosedError

    raise ConnectionClosedError(endpoint_url=full_url)


def wrap(service: str, handler: Handler, index: int) -> Handler:
    def gtops_handler(request: Any, full_url: str, headers: Any) -> Response:
        engine = realism.REALISM
        operation = operation_of(service, request, headers)
        delay = engine.latency()
        if delay:
            time.sleep(delay)
        account, region = _identity(request, headers)
        fault = engine.decide(service, operation, account, region)
        if fault in ("throttle", "quota"):
            return throttling_error(service).response(service)
        if fault == "error":
            return internal_error(service).response(service)
        if fault == "drop":
            _drop(request, full_url)
        if service in VALIDATED and _header(headers, "X-Amz-Target"):
            if operation not in validation.operation_names(service):
                return error_response(service, "UnknownOperationException", f"Unknown operation {operation}")
            try:
                validation.validate_request(service, operation, _body(request))
            except ApiError as err:
                return err.response(service)
        with LOCKS[service]:
            try:
                response = handler(request, full_url, headers)
            except NotImplementedError:
                message = f"The gtops sandbox does not implement {operation} yet"
                return error_response(service, "UnknownOperationException", message)
        if fault == "lost":
            _drop(request, full_url)  # served, but the caller never hears back
        return response

    gtops_handler.__name__ = f"gtops_{service.replace('-', '_')}_{index}"
    gtops_handler.__qualname__ = gtops_handler.__name__
    gtops_handler.gtops_wrapped = handler  # type: ignore[attr-defined]
    return gtops_handler


def install_service(service: str, replace: dict[str, Handler] | None = None) -> None:
    """Wrap `service`'s handlers (once); `replace` swaps some of them first (the Ground Truth handler)."""
    module = importlib.import_module(URL_MODULES[service])
    paths: dict[str, Any] = module.url_paths
    for index, (path, handler) in enumerate(list(paths.items())):
        inner = getattr(handler, "gtops_wrapped", handler)
        if replace and path in replace:
            inner = replace[path]
        if inner != getattr(handler, "gtops_wrapped", None):  # bound methods are equal, not identical
            paths[path] = wrap(service, inner, index)
