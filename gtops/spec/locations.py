"""Where each field of the merged spec was written: field path -> (file, line, column)."""

from __future__ import annotations

from typing import Any

from gtops.errors import Problem

FieldPath = tuple[Any, ...]
Location = tuple[str, int, int]


def format_path(path: FieldPath) -> str:
    """("teams", 0, "groups", 1) -> "teams[0].groups[1]"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class Locations:
    """Field locations across files; lookups fall back to the nearest located parent."""

    def __init__(self, default_file: str = "<spec>"):
        self.marks: dict[FieldPath, Location] = {}
        self.default_file = default_file

    def set(self, path: FieldPath, location: Location) -> None:
        self.marks[tuple(path)] = location

    def locate(self, path: FieldPath) -> Location:
        path = tuple(path)
        while True:
            found = self.marks.get(path)
            if found is not None:
                return found
            if not path:
                return (self.default_file, 0, 0)
            path = path[:-1]

    def file_of(self, path: FieldPath) -> str:
        return self.locate(path)[0]

    def problem(self, path: FieldPath, message: str) -> Problem:
        file, line, column = self.locate(path)
        return Problem(file, line, column, format_path(tuple(path)), message)

    def where(self, path: FieldPath) -> str:
        """'file:line' of a field, for messages that point at a second place."""
        file, line, _ = self.locate(path)
        return f"{file}:{line}" if line else file
