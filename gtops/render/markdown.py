"""The plan as a pull-request comment: the summary, the workers counted, a table to skim, the full text plan
folded away, and never more than LIMIT characters.

GitHub refuses a comment over 65,536 characters, and 1,000 new workers listed one by one take 400,000. So
worker changes are counted per kind of change and per group with a few examples (gtops.render.people), a long
table is folded away, every part has a bound, and what does not fit is cut with a pointer to where the whole
plan is (the plan file). Workers' e-mail addresses and phone numbers are masked unless `show_members`. Cells
are escaped (pipes, newlines, HTML) so a value can never break the table, and secrets are masked exactly as
in the text plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import IO, Any

from gtops.plan import Action, Change, Plan
from gtops.render._values import MASKED, inline, is_sensitive, mask
from gtops.render.people import is_personal, mask_text, worker_headline, worker_rows
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
LIMIT = 60_000  # characters of the whole comment (GitHub's limit is 65,536; room for a workflow's header)
OPEN_ROWS = 20  # a table with more rows is folded away
CELL_MAX = 1_500  # characters of one table cell
LINE_MAX = 300  # characters of one line of the full plan
WARNING_MAX = 1_000  # characters of one warning
WARNINGS_MAX = 6_000  # characters of all the warnings
TABLE_MAX = 25_000  # the table's share of what is left; the full plan gets the rest


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


def changes_items(change: Change, drift: bool) -> list[str]:
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
    return items


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


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def default_pointer(drift: bool) -> str:
    return "`gtops drift` (text)" if drift else "the plan file (`gtops plan --out plan.json`)"


class _Comment:
    """The parts of one comment, each bounded; `mask` hides personal data unless members are shown."""

    def __init__(self, plan: Plan, drift: bool, show_members: bool):
        self.plan = plan
        self.drift = drift
        self.show_members = show_members
        self.cut = False  # something was left out: say where the whole plan is

    def mask(self, text: str) -> str:
        return text if self.show_members else mask_text(text)

    def cell(self, text: str, limit: int = CELL_MAX) -> str:
        return escape_cell(clip(self.mask(text), limit))

    def workers(self, workers: list[Change]) -> list[str]:
        if not workers:
            return []
        rows = worker_rows(workers, self.drift, self.show_members)
        head = escape_cell(worker_headline(workers, self.drift))
        lines = [
            f"**Workers:** {head}",
            "",
            "| Change | Workers | By group | Examples |",
            "| --- | ---: | --- | --- |",
        ]
        for row in rows:
            examples = ", ".join(f"`{escape_cell(e)}`" for e in (clip(x, 130) for x in row.examples))
            cells = [
                f"`{row.symbol}` {self.cell(row.label, 200)}",
                f"{row.count:,}",
                self.cell(row.group_text(), 600),
                clip(examples, 500) if len(row.examples) < row.count else examples,
            ]
            lines.append("| " + " | ".join(cells) + " |")
        forced = next((c.needs_force for c in workers if c.needs_force and not self.drift), None)
        if forced:
            lines += ["", f"**Workers require --force:** {self.cell(forced, WARNING_MAX)}"]
        if not self.show_members:
            self.cut = True
        return [*lines, ""]

    def table(self, changes: list[Change], budget: int) -> list[str]:
        if not changes:
            return []
        symbols = DRIFT_SYMBOL if self.drift else SYMBOL
        rows: list[str] = []
        used = 0
        for i, change in enumerate(changes):
            cells = [f"`{symbols[change.action]}`", f"`{self.cell(str(change.address), 300)}`"]
            row = "| " + " | ".join([*cells, self.cell("\n".join(changes_items(change, self.drift)))]) + " |"
            if used + len(row) > budget:
                rest = len(changes) - i
                rows.append(f"| … | {rest:,} more resources | in the full plan |")
                self.cut = True
                break
            rows.append(row)
            used += len(row) + 1
        state = " open" if len(changes) <= OPEN_ROWS else ""
        return [
            f"<details{state}><summary>Changes by resource ({len(changes):,})</summary>",
            "",
            "| Action | Resource | Changes |",
            "| --- | --- | --- |",
            *rows,
            "",
            "</details>",
            "",
        ]

    def full(self, budget: int, pointer: str) -> list[str]:
        plan = self.plan
        members = self.show_members
        text = drift_lines(plan, members=members) if self.drift else text_lines(plan, members=members)
        body: list[str] = []
        used = 0
        for i, line in enumerate(text):
            line = clip(self.mask(_to_diff(line)), LINE_MAX)
            if used + len(line) + 1 > budget:
                body.append(f"# … {len(text) - i:,} more lines: the whole plan is in {pointer}")
                self.cut = True
                break
            body.append(line)
            used += len(line) + 1
        fence = _fence(body)
        label = "Full drift report" if self.drift else "Full plan"
        return [f"<details><summary>{label}</summary>", "", f"{fence}diff", *body, fence, "", "</details>"]

    def warnings(self) -> list[str]:
        lines: list[str] = []
        used = 0
        for i, warning in enumerate(self.plan.warnings):
            line = f"**Warning:** {self.cell(warning, WARNING_MAX)}"
            if used + len(line) > WARNINGS_MAX:
                lines += ["", f"**Warning:** … and {len(self.plan.warnings) - i:,} more warnings"]
                self.cut = True
                break
            lines += ["", line]
            used += len(line) + 2
        return lines


def markdown_lines(
    plan: Plan,
    drift: bool = False,
    show_members: bool = False,
    pointer: str | None = None,
    limit: int = LIMIT,
) -> list[str]:
    """The comment as lines: never more than `limit` characters in all. `pointer` says where the whole
    plan is (the plan file a pipeline keeps as an artifact), for what the comment leaves out."""
    pointer = pointer or default_pointer(drift)
    comment = _Comment(plan, drift, show_members)
    place = where(plan)
    title = "gtops drift" if drift else "gtops plan"
    lines = [f"### {title}: {place}" if place else f"### {title}", ""]
    changes = plan.actionable
    warnings = comment.warnings()
    if not changes:
        return [*lines, NO_DRIFT if drift else EMPTY, *warnings]
    if drift:
        noun = "resource differs" if len(changes) == 1 else "resources differ"
        summary = f"Drift: {len(changes)} {noun} from the spec."
    else:
        summary = f"Plan: {plan.summary()}"
    lines += [f"**{summary}**", ""]
    people = [c for c in changes if is_personal(c.address.kind)]
    lines += comment.workers(people)
    others = [c for c in changes if not is_personal(c.address.kind)]
    pointer = clip(pointer, 500)
    note = [f"The whole plan, every worker included, is in {pointer}."]
    reserve = 1_500  # the fixed lines around the table and the full plan, and the "more lines" line
    left = limit - _size(lines) - _size(warnings) - _size(note) - reserve
    lines += comment.table(others, min(TABLE_MAX, left // 2))
    lines += comment.full(limit - _size(lines) - _size(warnings) - _size(note) - reserve, pointer)
    if comment.cut:
        lines += ["", *note]
    lines += warnings
    if _size(lines) > limit:  # not expected (every part is bounded above); the bound holds regardless
        lines = [*lines[:4], f"The plan is too large to show here; the whole plan is in {pointer}."]
    return lines


def render_markdown(
    plan: Plan, fh: IO[str], drift: bool = False, show_members: bool = False, pointer: str | None = None
) -> None:
    """Write `plan` as GitHub-flavoured Markdown for a pull-request comment (at most LIMIT characters)."""
    fh.write("\n".join(markdown_lines(plan, drift, show_members, pointer)) + "\n")
