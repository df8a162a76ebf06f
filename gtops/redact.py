"""Secret values never leave the process: every output stream and file gtops writes is passed through here.

A variable given only from outside the spec (`--var`, `GTOPS_VAR_*`) may be a token a pipeline injects; it
can end up in any field (a tag, a URL) and so in plan text, JSON, Markdown, saved plans, errors and logs.
Like a CI system's secret masking, each such value is replaced by `(sensitive value)` wherever it appears.
Values shorter than MIN_LENGTH are not masked (masking every "1" would garble the output); gtops says so.
"""

from __future__ import annotations

import io
import threading
from typing import Any, TextIO

MASK = "(sensitive value)"
MIN_LENGTH = 4

_lock = threading.Lock()
_secrets: list[str] = []


def register(values: list[str]) -> list[str]:
    """Mask these values from now on; returns the ones too short to be masked."""
    short = []
    with _lock:
        for value in values:
            if len(value) < MIN_LENGTH:
                short.append(value)
            elif value not in _secrets:
                _secrets.append(value)
        _secrets.sort(key=len, reverse=True)  # a longer secret containing a shorter one goes first
    return short


def clear() -> None:
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    if not _secrets:
        return text
    for value in list(_secrets):
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_data(value: Any) -> Any:
    """A JSON-like structure with every secret value masked (for documents built before writing)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    return value


class RedactingStream(io.TextIOBase):
    """A text stream that masks secrets in what is written, line by line, before passing it on."""

    def __init__(self, inner: TextIO):
        self.inner = inner
        self._pending = ""

    def write(self, text: str) -> int:
        if not _secrets:
            self.inner.write(text)
            return len(text)
        self._pending += text
        if "\n" in self._pending:
            done, _, self._pending = self._pending.rpartition("\n")
            self.inner.write(redact(done + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.inner.write(redact(self._pending))
            self._pending = ""
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")

    def writable(self) -> bool:
        return True
