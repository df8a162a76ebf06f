"""One exception family, mapped to exit code 1 (and a clean message) at the CLI edge."""

from __future__ import annotations

from dataclasses import dataclass


class GtopsError(Exception):
    """Any failure gtops can explain to the user in a sentence; never shown as a traceback."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One spec problem, located: `file:line:column: field.path: message`."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class SpecError(GtopsError):
    """The spec is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class AwsError(GtopsError):
    """An AWS call failed in a way the user must act on (credentials, endpoint, permissions...)."""


class AmbiguousResource(GtopsError):
    """Two live resources match one natural key (Cognito allows duplicate pool names)."""


class UnsafePlan(GtopsError):
    """The plan is valid but dangerous; only --force lets it through."""


class ApplyFailed(GtopsError):
    """Some steps failed; the report says what was done, what failed and what was skipped.

    `result` is the apply's outcome (gtops.api.ApplyResult) when the API raised it, so a caller can read
    what was done before the failure."""

    def __init__(self, message: str, result: object = None):
        super().__init__(message)
        self.result = result


class Cancelled(GtopsError):
    """The user (or the `approve` callback) did not approve an apply or destroy."""


class NotConverged(GtopsError):
    """After apply, a re-read still shows changes."""
