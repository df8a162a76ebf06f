"""Workers from a CSV roster: one row per worker, every bad row reported with its file:line.

Columns: email (required), phone, groups (";"-separated), enabled (true/false/yes/no/1/0, default true);
any other column is a Cognito attribute (empty cells are left out).
"""

from __future__ import annotations

import csv
import io
import re
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from gtops.errors import GtopsError, Problem
from gtops.files import MAX_CSV_FILE, MAX_ROSTER_ROWS, read_bounded
from gtops.spec.aws_rules import MAX_ATTRIBUTE_VALUE
from gtops.spec.fields import EMAIL, PHONE

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_ALIASES = {"e-mail": "email", "phone_number": "phone", "group": "groups"}
_EMAIL = re.compile(EMAIL)
_PHONE = re.compile(PHONE)
_RESERVED_ATTRS = {"sub", "email_verified", "phone_number_verified"}
_WORKER_COLUMNS = frozenset({"email", "phone", "groups", "enabled"})


class RowColumns(Mapping[str, int]):
    """{column name: column number} of one row, sharing the header's index (a 50,000-row roster keeps one
    small tuple per row, not one dict)."""

    __slots__ = ("_index", "_cols")

    def __init__(self, index: dict[str, int], cols: tuple[int, ...]) -> None:
        self._index = index
        self._cols = cols

    def __getitem__(self, name: str) -> int:
        return self._cols[self._index[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class RowLines(Sequence[tuple[int, Mapping[str, int]]]):
    """Per worker: (line, {column name: column number}), kept as two flat arrays of ints (a few bytes a
    row, every row as wide as the header) and built only when a location is asked for."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {}  # column name -> cell number
        self.width = 0  # cells per row
        self._lines = array("q")
        self._cols = array("q")

    def append(self, line: int, cols: Sequence[int]) -> None:
        self._lines.append(line)
        self._cols.extend(cols)

    def __len__(self) -> int:
        return len(self._lines)

    def _row(self, i: int) -> tuple[int, Mapping[str, int]]:
        line = self._lines[i]  # (IndexError past the end; negative counts from it, as in a list)
        i %= len(self._lines)
        return line, RowColumns(self.names, tuple(self._cols[i * self.width : (i + 1) * self.width]))

    @overload
    def __getitem__(self, i: int) -> tuple[int, Mapping[str, int]]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[int, Mapping[str, int]]]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self._row(j) for j in range(*i.indices(len(self)))]
        return self._row(i)


@dataclass
class CsvRows:
    workers: list[dict[str, Any]] = field(default_factory=list)
    # Per worker: (line, {column name: column number}).
    lines: RowLines = field(default_factory=RowLines)
    problems: list[Problem] = field(default_factory=list)


def parse_bool(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def _unquote_formula(cell: str) -> str:
    """`gtops export` writes '=..., '+..., '-..., '@... so spreadsheets show them as text, not formulas;
    the apostrophe is not part of the value."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@\t\r":
        return cell[1:]
    return cell


def _columns(raw_line: str, cells: list[str], raw_cells: list[str]) -> tuple[int, ...]:
    """1-based column where each cell starts in the raw line (best effort for quoted cells). `raw_cells`
    are the cells as read, `cells` the same after _unquote_formula."""
    if ",".join(raw_cells) == raw_line:  # one physical line, no quoting: each cell where the last ended
        fast, start = [], 1
        for cell, raw_cell in zip(cells, raw_cells, strict=True):
            fast.append(start if cell is raw_cell else start + 1)  # (past a formula's apostrophe)
            start += len(raw_cell) + 1
        return tuple(fast)
    out, pos = [], 0
    for cell in cells:
        found = raw_line.find(cell, pos) if cell else -1
        if found < 0:
            found = pos
        out.append(found + 1)
        pos = found + len(cell) + 1
    return tuple(out)


def read_members_csv(path: Path, display: str) -> CsvRows:
    result = CsvRows()

    def problem(line: int, column: int, field_name: str, message: str) -> None:
        result.problems.append(Problem(display, line, column, field_name, message))

    try:
        text = read_bounded(path, MAX_CSV_FILE, "members.csv").decode("utf-8-sig")
    except GtopsError as err:
        problem(0, 0, "", str(err).split(": ", 1)[-1])
        return result
    except UnicodeDecodeError as err:
        problem(1, 1, "", f"not UTF-8 text ({err.reason} at byte {err.start})")
        return result
    raw_lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    index: dict[str, int] = {}  # column name -> cell number (a repeated name: its last, as dict(zip()))
    attribute_columns: list[tuple[str, int]] = []
    group_names: dict[str, str] = {}  # one string per group name, not one per row
    last_line = 0
    while True:
        start = last_line + 1
        try:
            raw_row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            problem(reader.line_num, 1, "", f"malformed CSV: {err}")
            return result
        last_line = reader.line_num
        if not raw_row:
            continue
        joined = "".join(raw_row)
        if not joined.strip():  # every cell blank
            continue
        row = [_unquote_formula(cell) for cell in raw_row] if "'" in joined else raw_row
        if len(result.workers) + len(result.problems) >= MAX_ROSTER_ROWS:
            problem(start, 1, "", f"more than {MAX_ROSTER_ROWS:,} rows; split the roster into several files")
            return result
        raw = raw_lines[start - 1] if start - 1 < len(raw_lines) else ""
        cols = _columns(raw, row, raw_row)
        if header is None:
            header = [_ALIASES.get(h.strip().lower(), h.strip()) for h in row]
            seen: set[str] = set()
            for name, col in zip(header, cols, strict=True):
                if not name:
                    problem(start, col, "", "empty column name in the header")
                elif name.lower() in seen:
                    problem(start, col, name, f"column '{name}' appears twice in the header")
                seen.add(name.lower())
            if "email" not in header:
                problem(
                    start,
                    1,
                    "",
                    "the header needs an 'email' column (columns: email, phone, groups, "
                    "enabled, then any Cognito attribute)",
                )
                return result
            index = result.lines.names = {name: i for i, name in enumerate(header)}
            result.lines.width = len(header)
            attribute_columns = [(name, i) for name, i in index.items() if name not in _WORKER_COLUMNS]
            continue
        if len(row) != len(header):
            problem(start, 1, "", f"row has {len(row)} fields but the header has {len(header)}")
            continue
        where = RowColumns(index, cols)  # (for this row's problems; the kept rows keep `cols` only)
        bad = False
        email = row[index["email"]].strip()
        if not email:
            problem(start, where["email"], "email", "missing e-mail address")
            bad = True
        elif not _EMAIL.match(email):
            problem(start, where["email"], "email", f"'{email}' is not an e-mail address")
            bad = True
        worker: dict[str, Any] = {"email": email}
        phone = row[index["phone"]].strip() if "phone" in index else ""
        if phone:
            if not _PHONE.match(phone):
                problem(
                    start,
                    where["phone"],
                    "phone",
                    f"'{phone}' is not an E.164 phone number such as +14155550100",
                )
                bad = True
            worker["phone"] = phone
        groups = row[index["groups"]] if "groups" in index else ""
        if ";" in groups:
            names = [g.strip() for g in groups.split(";") if g.strip()]
        else:
            groups = groups.strip()
            names = [groups] if groups else []
        worker["groups"] = [group_names.setdefault(name, name) for name in names]
        enabled_text = row[index["enabled"]].strip() if "enabled" in index else ""
        enabled = parse_bool(enabled_text) if enabled_text else True
        if enabled is None:
            problem(start, where["enabled"], "enabled", f"'{enabled_text}' is not true/false/yes/no/1/0")
            bad = True
        worker["enabled"] = bool(enabled) if enabled is not None else True
        attributes: dict[str, str] = {}
        for name, i in attribute_columns:
            value = row[i].strip()
            if not value:
                continue
            if name in _RESERVED_ATTRS or " " in name or len(name) > 32:
                problem(start, cols[i], name, f"'{name}' cannot be set as a Cognito attribute")
                bad = True
                continue
            if len(value) > MAX_ATTRIBUTE_VALUE:
                problem(
                    start,
                    cols[i],
                    name,
                    f"is {len(value)} characters; Cognito attribute values are at most {MAX_ATTRIBUTE_VALUE}",
                )
                bad = True
                continue
            attributes[name] = value
        worker["attributes"] = attributes
        if not bad:
            result.workers.append(worker)
            result.lines.append(start, cols)
    if header is None:
        problem(1, 1, "", "the CSV file is empty (it needs a header with an 'email' column)")
    return result
