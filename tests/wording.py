"""Messages that carry a third-party library's words (PyYAML, python-liquid, Jinja2).

gtops puts its own part around them: the file:line:column, the field path and its own sentence. Tests pin
that part exactly and stand `{lib}` for the library's words, which need only be there (non-empty, on the
same line): a library rewording its errors is not a gtops regression.
"""

from __future__ import annotations

from itertools import zip_longest

LIB = "{lib}"


def pinned(expected: str | None, actual: str | None) -> str | None:
    """`actual` as `expected` reads it: the library's words replaced by {lib} when everything around them
    is exactly as expected. Compare the result with `expected` (an unmatched message stays as it is)."""
    if expected is None or actual is None or LIB not in expected:
        return actual
    head, tail = expected.split(LIB)
    if not (actual.startswith(head) and actual.endswith(tail) and len(actual) > len(head) + len(tail)):
        return actual
    words = actual[len(head) : len(actual) - len(tail)]
    return expected if words.strip() and "\n" not in words else actual


def pinned_all(expected: list[str], actual: list[str]) -> list[str | None]:
    """`pinned` message by message; a missing or extra message shows as None or as itself."""
    return [pinned(e, a) for e, a in zip_longest(expected, actual)]


def contains(text: str, expected: str) -> bool:
    """Whether some line of `text` holds `expected` ({lib} standing for the library's words)."""
    if LIB not in expected:
        return expected in text
    head, tail = expected.split(LIB)
    for line in text.splitlines():
        start = line.find(head)
        if start >= 0:
            rest = line[start + len(head) :]
            end = rest.find(tail) if tail else len(rest)
            if end > 0 and rest[:end].strip():
                return True
    return False
