"""Server-side request validation against botocore's own service model, as AWS's front end does it.

botocore's client validator checks only required members, types and `min`; AWS also rejects `max`, enum and
pattern violations. This walks the raw JSON body over the operation's input shape and answers with AWS's
"Coral" style message (`1 validation error detected: Value 'x' at 'workteamName' failed to satisfy
constraint: ...`), hiding sensitive values. Wrong JSON types answer `SerializationException`.
Patterns are Java-style and unanchored, so they are compiled with `regex` and applied with fullmatch.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from functools import lru_cache
from typing import Any

from gtops.sandbox.wire import ApiError

# Cognito reports constraint violations as InvalidParameterException; SageMaker (and the default) as
# ValidationException.
CONSTRAINT_CODE = {"cognito-idp": "InvalidParameterException"}

_model_lock = threading.Lock()


@lru_cache(maxsize=8)
def _service_model(service: str) -> Any:
    import botocore.session

    with _model_lock:
        return botocore.session.get_session().get_service_model(service)


def service_model(service: str) -> Any:
    return _service_model(service)


def operation_names(service: str) -> frozenset[str]:
    return frozenset(service_model(service).operation_names)


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> Any:
    import regex

    try:
        return regex.compile(pattern)
    except Exception:  # a few model patterns use UTF-16 surrogate ranges no engine accepts: skip them
        return None


def _field(name: str) -> str:
    return name[:1].lower() + name[1:]


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_render(v)}" for k, v in value.items()) + "}"
    return str(value)


class _Walker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, shape: Any, value: Any, path: str, constraint: str) -> None:
        if shape.metadata.get("sensitive"):
            self.problems.append(f"Value at '{path}' failed to satisfy constraint: {constraint}")
        else:
            shown = "null" if value is None else f"'{_render(value)}'"
            self.problems.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")

    def walk(self, shape: Any, value: Any, path: str) -> None:
        kind = shape.type_name
        handler = getattr(self, f"_{kind}", None)
        if handler is not None:
            handler(shape, value, path)

    @staticmethod
    def _type_error(path: str) -> ApiError:
        return ApiError("SerializationException", f"Unexpected value type at '{path}'")

    def _structure(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise self._type_error(path)
        prefix = f"{path}." if path else ""
        for name, member in shape.members.items():
            item = value.get(name)
            if item is None:
                if name in shape.required_members:
                    self.fail(member, None, prefix + _field(name), "Member must not be null")
                continue
            self.walk(member, item, prefix + _field(name))

    def _list(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise self._type_error(path)
        self._length(shape, value, path, len(value))
        for index, item in enumerate(value, start=1):
            if item is not None:
                self.walk(shape.member, item, f"{path}.{index}.member")

    def _map(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise self._type_error(path)
        self._length(shape, value, path, len(value))
        for key, item in value.items():
            self.walk(shape.key, key, f"{path}.key")
            if item is not None:
                self.walk(shape.value, item, f"{path}.{key}.value")

    def _string(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise self._type_error(path)
        self._length(shape, value, path, len(value))
        if shape.enum and value not in shape.enum:
            self.fail(shape, value, path, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = shape.metadata.get("pattern")
        if pattern:
            compiled = _compiled(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                self.fail(shape, value, path, f"Member must satisfy regular expression pattern: {pattern}")

    def _number(self, shape: Any, value: Any, path: str, integral: bool) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._type_error(path)
        if integral and isinstance(value, float) and not value.is_integer():
            raise self._type_error(path)
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            self.fail(shape, value, path, f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            self.fail(shape, value, path, f"Member must have value less than or equal to {high}")

    def _integer(self, shape: Any, value: Any, path: str) -> None:
        self._number(shape, value, path, integral=True)

    _long = _integer

    def _float(self, shape: Any, value: Any, path: str) -> None:
        self._number(shape, value, path, integral=False)

    _double = _float

    def _boolean(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            raise self._type_error(path)

    def _timestamp(self, shape: Any, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self._type_error(path)

    def _blob(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise self._type_error(path)
        try:
            size = len(base64.b64decode(value, validate=True))
        except ValueError as err:
            raise ApiError("SerializationException", f"Invalid base64 value at '{path}'") from err
        self._length(shape, value, path, size)

    def _length(self, shape: Any, value: Any, path: str, size: int) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and size < low:
            self.fail(shape, value, path, f"Member must have length greater than or equal to {low}")
        if high is not None and size > high:
            self.fail(shape, value, path, f"Member must have length less than or equal to {high}")


def coral_message(problems: list[str]) -> str:
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(problems)


def parse_body(body: str | bytes | None) -> dict[str, Any]:
    """The JSON request body as a dict; malformed JSON is AWS's SerializationException."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not body or not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as err:
        raise ApiError("SerializationException", "Request body is not valid JSON") from err
    if not isinstance(data, dict):
        raise ApiError("SerializationException", "Start of structure or map found where not expected")
    return data


def validate_params(service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise ApiError when `params` break the model of `service`'s `operation` (unknown keys are ignored)."""
    shape = service_model(service).operation_model(operation).input_shape
    if shape is None:
        return
    walker = _Walker()
    walker.walk(shape, params, "")
    if walker.problems:
        raise ApiError(CONSTRAINT_CODE.get(service, "ValidationException"), coral_message(walker.problems))


def validate_request(service: str, operation: str, body: str | bytes | None) -> dict[str, Any]:
    """Parse and validate a JSON-protocol request body; returns the parameters."""
    params = parse_body(body)
    validate_params(service, operation, params)
    return params


def _epoch(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return value
    return value


def shape_output(service: str, shape: Any, data: Any) -> Any:
    """Keep only modeled members and render timestamps as epoch seconds, so no extra field can leak."""
    if isinstance(shape, str):
        shape = service_model(service).shape_for(shape)
    return _shape(shape, data)


def output_for(service: str, operation: str, data: dict[str, Any]) -> dict[str, Any]:
    shape = service_model(service).operation_model(operation).output_shape
    return {} if shape is None else _shape(shape, data)


def _shape(shape: Any, data: Any) -> Any:
    kind = shape.type_name
    if data is None:
        return None
    if kind == "structure" and isinstance(data, dict):
        out = {}
        for name, member in shape.members.items():
            if data.get(name) is not None:
                out[name] = _shape(member, data[name])
        return out
    if kind == "list" and isinstance(data, list):
        return [_shape(shape.member, item) for item in data]
    if kind == "map" and isinstance(data, dict):
        return {key: _shape(shape.value, item) for key, item in data.items()}
    if kind == "timestamp":
        return _epoch(data)
    return data
