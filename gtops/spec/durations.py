"""Durations as people write them (30s, 5m, 1h, 6h, 10d, 1h30m) or plain seconds."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)\s*([dhms])")
_WHOLE = re.compile(r"^\s*(\d+\s*[dhms]\s*)+$")
_UNIT = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: object) -> int | None:
    """Seconds, or None when `value` is not a duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        if _WHOLE.match(text):
            return sum(int(n) * _UNIT[u] for n, u in _PART.findall(text))
    return None


def format_duration(seconds: int) -> str:
    """The shortest exact spelling: 21600 -> '6h', 90 -> '1m30s'."""
    if seconds == 0:
        return "0s"
    out = ""
    for unit, size in _UNIT.items():
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out
