"""The plan as a pull-request comment: a one-line summary, a table to skim, the full text plan folded away.

Cells are escaped (pipes, newlines, HTML) so a value can never break the table, and secrets are masked
exactly as in the text plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import IO, Any

from gtops.plan import Action, Change, Plan
from gtops.render._values import MASKED, inline, is_sensitive, mask
from gtops.render.text import (
    DRIFT_SYMBOL,
    EMPTY,
    NO_DRIFT,
    SYMBOL,
    drift_lines,
    reason_line,
    text_lines,
    where,
)

MAX_VALUE = 60  # characters of one value in a table cell; the details block has the rest


def escape_cell(text: str) -> str:
    """Make `text` safe inside one table cell: no column breaks, no raw newlines, no live HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>")


def _code(value: Any) -> str:
    """A value as a code span (so `*` or `_` in it stay literal), shortened for the table."""
    if value is MASKED:
        return "(sensitive value)"
    text = inline(value).replace("\n", " ")
    if len(text) > MAX_VALUE:
        text = text[: MAX_VALUE - 1] + "…"
    ticks = "``" if "`" in text else "`"
    pad = " " if ticks == "``" else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _field_items(change: Change, drift: bool) -> list[str]:
    items = []
    for fc in change.fields:
        if is_sensitive(fc.path, fc.before) or is_sensitive(fc.path, fc.after):
            before = after = MASKED
        else:
            before, after = mask(fc.before, fc.path), mask(fc.after, fc.path)
        if drift:
            before, after = after, before
        note = " (forces replacement)" if fc.forces_replacement and not drift else ""
        change_text = _code(MASKED) if before is MASKED else f"{_code(before)} → {_code(after)}"
        items.append(f"{fc.path}: {change_text}{note}")
    return items


def _whole_items(values: Mapping | None) -> list[str]:
    return [f"{k}: {_code(v)}" for k, v in mask(values or {}).items() if v is not None]


def _changes_cell(change: Change, drift: bool) -> str:
    items: list[str] = []
    if change.needs_force and not drift:
        items.append(f"**requires --force**: {change.needs_force}")
    if change.action is Action.DELETE:
        if change.reason:
            items.append(reason_line(change.reason))
        if drift:
            items += _whole_items(change.before)
    elif change.fields:
        items += _field_items(change, drift)
    else:
        if change.action is Action.REPLACE and change.reason:
            items.append(reason_line(change.reason))
        items += _whole_items(change.after)
    return "<br>".join(escape_cell(i) for i in items)


def _to_diff(line: str) -> str:
    """Move a leading `+`/`-`/`~` to column 0 so GitHub's diff highlighting colours the line."""
    body = line.lstrip(" ")
    indent = len(line) - len(body)
    if indent and len(body) > 1 and body[0] in "+-~" and body[1] == " ":
        return body[0] + " " * indent + body[1:]
    return line


def _fence(lines: list[str]) -> str:
    longest = max((len(m) for line in lines for m in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def markdown_lines(plan: Plan, drift: bool = False) -> list[str]:
    place = where(plan)
    title = "gtops drift" if drift else "gtops plan"
    lines = [f"### {title}: {place}" if place else f"### {title}", ""]
    changes = plan.actionable
    if not changes:
        lines.append(NO_DRIFT if drift else EMPTY)
    else:
        if drift:
            noun = "resource differs" if len(changes) == 1 else "resources differ"
            summary = f"Drift: {len(changes)} {noun} from the spec."
        else:
            summary = f"Plan: {plan.summary()}"
        symbols = DRIFT_SYMBOL if drift else SYMBOL
        lines += [f"**{summary}**", "", "| Action | Resource | Changes |", "| --- | --- | --- |"]
        for change in changes:
            cells = [f"`{symbols[change.action]}`", f"`{escape_cell(str(change.address))}`"]
            lines.append("| " + " | ".join([*cells, _changes_cell(change, drift)]) + " |")
        full = [_to_diff(line) for line in (drift_lines(plan) if drift else text_lines(plan))]
        fence = _fence(full)
        label = "Full drift report" if drift else "Full plan"
        lines += ["", f"<details><summary>{label}</summary>", ""]
        lines += [f"{fence}diff", *full, fence, "", "</details>"]
    for warning in plan.warnings:
        lines += ["", f"**Warning:** {escape_cell(warning)}"]
    return lines


def render_markdown(plan: Plan, fh: IO[str], drift: bool = False) -> None:
    """Write `plan` as GitHub-flavoured Markdown for a pull-request comment."""
    fh.write("\n".join(markdown_lines(plan, drift)) + "\n")
