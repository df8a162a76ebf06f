"""AWS-shaped error answers, so botocore parses (and retry-classifies) sandbox errors as it would AWS's."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

Response = tuple[int, dict[str, str], str]

# Protocols of the services gtops talks to: JSON 1.1 bodies or the XML query/rest-xml forms.
JSON_SERVICES = frozenset({"sagemaker", "cognito-idp"})


class ApiError(Exception):
    """One AWS error: code, message and HTTP status, rendered in the service's wire format."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def response(self, service: str = "sagemaker") -> Response:
        return error_response(service, self.code, self.message, self.status)


def json_response(data: Any, status: int = 200) -> Response:
    return status, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(data)


def error_response(service: str, code: str, message: str, status: int = 400) -> Response:
    """The body AWS sends for `code`: JSON `__type` for JSON services, XML for S3 and query services."""
    if service in JSON_SERVICES:
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amzn-ErrorType": code}
        return status, headers, json.dumps({"__type": code, "message": message})
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            "<RequestId>0000000000000000</RequestId></Error>"
        )
        return status, {"Content-Type": "application/xml"}, body
    kind = "Receiver" if status >= 500 else "Sender"
    body = (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml"}, body


def throttling_error(service: str) -> ApiError:
    """The throttling error each service really sends; all are in botocore's throttling-code set."""
    code = {
        "cognito-idp": "TooManyRequestsException",
        "sagemaker": "ThrottlingException",
        "s3": "SlowDown",
    }.get(service, "Throttling")
    return ApiError(code, "Rate exceeded", 503 if service == "s3" else 400)


def internal_error(service: str) -> ApiError:
    code = {"cognito-idp": "InternalErrorException", "s3": "InternalError"}.get(service, "InternalFailure")
    return ApiError(code, "We encountered an internal error. Please try again.", 500)
