"""Workers from a CSV roster: one row per worker, every bad row reported with its file:line.

Columns: email (required), phone, groups (";"-separated), enabled (true/false/yes/no/1/0, default true);
any other column is a Cognito attribute (empty cells are left out).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass
class CsvRows:
    workers: list[dict[str, Any]] = field(default_factory=list)
    # Per worker: (line, {column name: column number}).
    lines: list[tuple[int, dict[str, int]]] = field(default_factory=list)
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


def _columns(raw_line: str, cells: list[str]) -> list[int]:
    """1-based column where each cell starts in the raw line (best effort for quoted cells)."""
    out, pos = [], 0
    for cell in cells:
        found = raw_line.find(cell, pos) if cell else -1
        if found < 0:
            found = pos
        out.append(found + 1)
        pos = found + len(cell) + 1
    return out


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
    last_line = 0
    while True:
        start = last_line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            problem(reader.line_num, 1, "", f"malformed CSV: {err}")
            return result
        last_line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        row = [_unquote_formula(cell) for cell in row]
        if len(result.workers) + len(result.problems) >= MAX_ROSTER_ROWS:
            problem(start, 1, "", f"more than {MAX_ROSTER_ROWS:,} rows; split the roster into several files")
            return result
        raw = raw_lines[start - 1] if start - 1 < len(raw_lines) else ""
        cols = _columns(raw, row)
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
            continue
        if len(row) != len(header):
            problem(start, 1, "", f"row has {len(row)} fields but the header has {len(header)}")
            continue
        cells = dict(zip(header, row, strict=True))
        where = dict(zip(header, cols, strict=True))
        bad = False
        email = cells["email"].strip()
        if not email:
            problem(start, where["email"], "email", "missing e-mail address")
            bad = True
        elif not _EMAIL.match(email):
            problem(start, where["email"], "email", f"'{email}' is not an e-mail address")
            bad = True
        worker: dict[str, Any] = {"email": email}
        phone = cells.get("phone", "").strip()
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
        worker["groups"] = [g.strip() for g in cells.get("groups", "").split(";") if g.strip()]
        enabled_text = cells.get("enabled", "").strip()
        enabled = parse_bool(enabled_text) if enabled_text else True
        if enabled is None:
            problem(start, where["enabled"], "enabled", f"'{enabled_text}' is not true/false/yes/no/1/0")
            bad = True
        worker["enabled"] = bool(enabled) if enabled is not None else True
        attributes: dict[str, str] = {}
        for name, value in cells.items():
            if name in ("email", "phone", "groups", "enabled") or not value.strip():
                continue
            if name in _RESERVED_ATTRS or " " in name or len(name) > 32:
                problem(start, where[name], name, f"'{name}' cannot be set as a Cognito attribute")
                bad = True
                continue
            if len(value.strip()) > MAX_ATTRIBUTE_VALUE:
                problem(
                    start,
                    where[name],
                    name,
                    f"is {len(value.strip())} characters; Cognito attribute values are at most "
                    f"{MAX_ATTRIBUTE_VALUE}",
                )
                bad = True
                continue
            attributes[name] = value.strip()
        worker["attributes"] = attributes
        if not bad:
            result.workers.append(worker)
            result.lines.append((start, where))
    if header is None:
        problem(1, 1, "", "the CSV file is empty (it needs a header with an 'email' column)")
    return result
