"""Value helpers shared by the renderers: secret masking and one way of printing a value.

Masking lives here, not in each renderer, so the three formats can never disagree about what is secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from gtops.model import Ref

SENSITIVE = "(sensitive value)"
UNKNOWN = "(known after apply)"

_SECRET_WORDS = ("secret", "password")
# Numbers under a secret-sounding key that describe a policy, not a secret (temporary_password_days...).
_QUANTITY_SUFFIXES = ("_days", "_length", "_count", "_size", "_seconds", "_minutes", "_hours", "_age")


class _Masked:
    """Stands in for a hidden value; prints unquoted, like Terraform's `(sensitive value)`."""

    def __repr__(self) -> str:
        return SENSITIVE

    __str__ = __repr__


MASKED = _Masked()


def _segments(path: Sequence[Any] | str) -> list[str]:
    if isinstance(path, str):
        return path.split(".")
    return [str(p) for p in path]


def is_sensitive(path: Sequence[Any] | str, value: Any) -> bool:
    """Is `value`, found at `path` (key segments or a dotted string), a secret that must not be printed?

    Any segment naming a secret or password makes the leaf secret, except for values that cannot leak one:
    booleans (`generate_secret: true`), nulls, unknowns, mappings (their own keys are judged in turn, so
    `password_policy.min_length` stays visible) and counts/durations (`temporary_password_days: 7`).
    """
    names = [s.lower() for s in _segments(path)]
    if not any(word in name for name in names for word in _SECRET_WORDS):
        return False
    if value is None or isinstance(value, (bool, Mapping, Ref, _Masked)):
        return False
    if isinstance(value, (int, float)) and names and names[-1].endswith(_QUANTITY_SUFFIXES):
        return False
    return True


def mask(value: Any, path: Sequence[Any] | str = (), replacement: Any = MASKED) -> Any:
    """A copy of `value` with every secret leaf replaced by `replacement`."""
    segments = _segments(path) if path != "" else []
    if is_sensitive(segments, value):
        return replacement
    if isinstance(value, Mapping):
        return {k: mask(v, [*segments, str(k)], replacement) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask(v, segments, replacement) for v in value]
    return value


def is_scalar(value: Any) -> bool:
    return not isinstance(value, (Mapping, list, tuple))


def scalar(value: Any) -> str:
    """One scalar in Terraform's notation: quoted strings, true/false, null, bare numbers."""
    if isinstance(value, Ref):
        return UNKNOWN
    if isinstance(value, _Masked):
        return SENSITIVE
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def key_text(key: Any) -> str:
    """Map keys print bare when they are identifiers and quoted otherwise (`"gtops:managed"`)."""
    text = str(key)
    return text if _IDENT.fullmatch(text) else scalar(text)


def inline(value: Any) -> str:
    """Any value on one line: `["a", "b"]`, `{ a = 1, b = "x" }`."""
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key_text(k)} = {inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    return scalar(value)


def fits_inline(value: Any, width: int = 70) -> bool:
    """Short lists of scalars stay on one line; anything nested or long gets a block."""
    if isinstance(value, Mapping):
        return not value
    if isinstance(value, (list, tuple)):
        return all(is_scalar(v) and not is_multiline(v) for v in value) and len(inline(value)) <= width
    return not is_multiline(value)


def is_multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.rstrip("\n")
