"""Where each field of the merged spec was written: field path -> (file, line, column)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


# The fields of a worker that have a column of their own (any other column is an attribute).
_CSV_KEYS = ("email", "phone", "groups", "enabled")


class Locations:
    """Field locations across files; lookups fall back to the nearest located parent."""

    def __init__(self, default_file: str = "<spec>"):
        self.marks: dict[FieldPath, Location] = {}
        self.default_file = default_file
        # Items read from CSV rows, located on demand: (list path, first index, file, [(line, columns)]).
        self._rows: list[tuple[FieldPath, int, str, Sequence[tuple[int, Mapping[str, int]]]]] = []

    def set(self, path: FieldPath, location: Location) -> None:
        self.marks[tuple(path)] = location

    def add_rows(
        self, path: FieldPath, first: int, file: str, rows: Sequence[tuple[int, Mapping[str, int]]]
    ) -> None:
        """Items `first`, `first + 1`, ... of the list at `path` are the rows of a CSV file: (line, {column
        name: column number}) each. A field `path + (i, name)` is at its row's line and its column
        (attributes: `path + (i, "attributes", name)`); located when asked, so a 50,000-row roster costs
        no marks."""
        self._rows.append((tuple(path), first, file, rows))

    def _row_location(self, path: FieldPath) -> Location | None:
        for prefix, first, file, rows in self._rows:
            n = len(prefix)
            if len(path) <= n or path[:n] != prefix or not isinstance(path[n], int):
                continue
            index = path[n] - first
            if not 0 <= index < len(rows):
                continue
            line, columns = rows[index]
            rest = path[n + 1 :]
            column = 1
            if rest[:1] == ("attributes",) and len(rest) > 1 and rest[1] not in _CSV_KEYS:
                column = columns.get(rest[1], 1)
            elif rest and rest[0] in _CSV_KEYS:
                column = columns.get(rest[0], 1)
            return (file, line, column)
        return None

    def locate(self, path: FieldPath) -> Location:
        path = tuple(path)
        if self._rows and path not in self.marks:
            found = self._row_location(path)
            if found is not None:
                return found
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
