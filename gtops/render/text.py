"""The human plan, in Terraform's vocabulary, because that is what operators already know how to read.

`render_text` shows proposed actions (`+ ~ - -/+`, `Plan: X to add, Y to change, Z to destroy.`);
`render_drift_text` shows the same plan as changes made outside gtops (`has changed`, `has been deleted`).
Secrets are masked (see `_values.is_sensitive`); colour is used only when the caller asks for it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import IO, Any

from gtops.plan import Action, Change, FieldChange, Plan, stops_instead
from gtops.render._values import (
    MASKED,
    fits_inline,
    inline,
    is_multiline,
    is_sensitive,
    key_text,
    mask,
    scalar,
)
from gtops.render.people import is_personal, worker_headline

EMPTY = "No changes. AWS matches the spec."
NO_DRIFT = "No drift. AWS matches the spec."

LEGEND = {
    Action.CREATE: "create",
    Action.UPDATE: "update in-place",
    Action.DELETE: "destroy",
    Action.REPLACE: "destroy and then create replacement",
}
HEADER = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in-place",
    Action.REPLACE: "must be replaced",
    Action.DELETE: "will be destroyed",
}
SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.REPLACE: "-/+", Action.DELETE: "-"}

# In drift, the plan's action is read backwards: what gtops would create was deleted outside it, and so on.
DRIFT_HEADER = {
    Action.CREATE: "has been deleted",
    Action.UPDATE: "has changed",
    Action.REPLACE: "has changed",
    Action.DELETE: "has been created outside gtops",
}
DRIFT_SYMBOL = {Action.CREATE: "-", Action.UPDATE: "~", Action.REPLACE: "~", Action.DELETE: "+"}

_ANSI = {"green": "\033[32m", "yellow": "\033[33m", "red": "\033[31m", "bold": "\033[1m"}
_RESET = "\033[0m"
_SYMBOL_COLOUR = {"+": "green", "~": "yellow", "-": "red"}

ATTR_COL = 6  # column of an attribute's symbol inside a resource block


class _Painter:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        return f"{_ANSI[style]}{text}{_RESET}" if self.color and text.strip() else text

    def sym(self, symbol: str) -> str:
        if symbol == "-/+":
            return self("-", "red") + "/" + self("+", "green")
        return self(symbol, _SYMBOL_COLOUR[symbol]) if symbol in _SYMBOL_COLOUR else symbol


def where(plan: Plan) -> str:
    return " / ".join(p for p in (plan.account, plan.region) if p)


def _sym3(paint: _Painter, symbol: str) -> str:
    """Symbols right-aligned in three columns, as Terraform does, so `-/+` and `+` line up."""
    return " " * (3 - len(symbol)) + paint.sym(symbol)


def reason_line(reason: str) -> str:
    text = reason.strip()
    return f"({text})" if text.lower().startswith("because") else f"(because {text})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Block:
    """Builds the attribute lines of one resource block."""

    def __init__(self, paint: _Painter):
        self.paint = paint
        self.lines: list[str] = []

    def emit(self, col: int, symbol: str, text: str) -> None:
        lead = " " * col + (self.paint.sym(symbol) + " " if symbol.strip() else "  ")
        self.lines.append(lead + text)

    def close(self, col: int, bracket: str, note: str = "") -> None:
        self.lines.append(" " * (col + 2) + bracket + note)

    # -- whole values (create / delete) -----------------------------------------------------------------

    def attrs(self, symbol: str, mapping: Mapping, col: int) -> None:
        items = [(key_text(k), v) for k, v in mapping.items() if v is not None]
        width = max((len(k) for k, _ in items), default=0)
        for key, value in items:
            self.value(symbol, f"{key.ljust(width)} = ", value, col)

    def value(self, symbol: str, prefix: str, value: Any, col: int, note: str = "", suffix: str = "") -> None:
        """`prefix` is `key = ` for attributes and empty for list elements."""
        if isinstance(value, Mapping) and value:
            self.emit(col, symbol, prefix + "{" + note)
            self.attrs(symbol, value, col + 4)
            self.close(col, "}" + suffix)
        elif isinstance(value, (list, tuple)) and not fits_inline(value):
            self.emit(col, symbol, prefix + "[" + note)
            for item in value:
                self.value(symbol, "", item, col + 4, suffix=",")
            self.close(col, "]" + suffix)
        elif is_multiline(value):
            self.emit(col, symbol, prefix + "<<-EOT" + note)
            for line in value.rstrip("\n").split("\n"):
                self.lines.append(" " * (col + 6) + line)
            self.close(col, "EOT" + suffix)
        else:
            self.emit(col, symbol, prefix + inline(value) + suffix + note)

    # -- differences (update / replace) ------------------------------------------------------------------

    def diff(self, key: str, before: Any, after: Any, col: int, note: str = "") -> None:
        """One changed attribute: `~ key = before -> after`, or a nested diff for maps, lists, long text."""
        if before is MASKED or after is MASKED:
            self.emit(col, "~", f"{key} = {scalar(MASKED)}{note}")
        elif before is None:
            self.value("+", f"{key} = ", after, col, note)
        elif after is None:
            if fits_inline(before):
                self.emit(col, "-", f"{key} = {inline(before)} -> null{note}")
            else:
                self.value("-", f"{key} = ", before, col, note, suffix=" -> null")
        elif isinstance(before, Mapping) and isinstance(after, Mapping):
            self.emit(col, "~", f"{key} = {{{note}")
            self.map_diff(before, after, col + 4)
            self.close(col, "}")
        elif (
            isinstance(before, (list, tuple))
            and isinstance(after, (list, tuple))
            and not (fits_inline(before) and fits_inline(after))
        ):
            self.emit(col, "~", f"{key} = [{note}")
            self.seq_diff([inline(v) for v in before], [inline(v) for v in after], col + 4, ",")
            self.close(col, "]")
        elif (
            isinstance(before, str)
            and isinstance(after, str)
            and (is_multiline(before) or is_multiline(after))
        ):
            self.emit(col, "~", f"{key} = <<-EOT{note}")
            self.seq_diff(before.rstrip("\n").split("\n"), after.rstrip("\n").split("\n"), col + 2, "")
            self.close(col, "EOT")
        elif fits_inline(before) and fits_inline(after):
            self.emit(col, "~", f"{key} = {inline(before)} -> {inline(after)}{note}")
        else:  # a map turning into a list, say: show both sides whole
            self.value("-", f"{key} = ", before, col, note)
            self.value("+", f"{key} = ", after, col)

    def map_diff(self, before: Mapping, after: Mapping, col: int) -> None:
        keys = list(before) + [k for k in after if k not in before]
        changed = [k for k in keys if before.get(k) != after.get(k)]
        width = max((len(key_text(k)) for k in changed), default=0)
        for k in changed:
            self.diff(key_text(k).ljust(width), before.get(k), after.get(k), col)
        hidden = len(keys) - len(changed)
        if hidden:
            self.lines.append(" " * (col + 2) + f"# ({_plural(hidden, 'unchanged element')} hidden)")

    def seq_diff(self, before: list[str], after: list[str], col: int, sep: str) -> None:
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                for item in before[a1:a2]:
                    self.emit(col, " ", item + sep)
                continue
            for item in before[a1:a2]:
                self.emit(col, "-", item + sep)
            for item in after[b1:b2]:
                self.emit(col, "+", item + sep)


def _masked_field(fc: FieldChange) -> tuple[Any, Any]:
    if is_sensitive(fc.path, fc.before) or is_sensitive(fc.path, fc.after):
        return MASKED, MASKED
    return mask(fc.before, fc.path), mask(fc.after, fc.path)


def _hidden_count(change: Change) -> int:
    """Top-level attributes present on both sides and untouched by any field change (Terraform hides them)."""
    if not isinstance(change.before, Mapping) or not isinstance(change.after, Mapping):
        return 0
    touched = {fc.path.split(".", 1)[0] for fc in change.fields}
    return sum(
        1
        for k, v in change.after.items()
        if k not in touched and k in change.before and change.before[k] == v and v is not None
    )


def _resource_block(change: Change, paint: _Painter, symbol: str, drift: bool) -> list[str]:
    """The `<sym> kind "name" { ... }` block; drift reads the field changes from spec to live."""
    addr = change.address
    block = _Block(paint)
    action = change.action
    if action is Action.CREATE or action is Action.DELETE or not change.fields:
        whole = change.before if action is Action.DELETE else change.after
        if whole is None:
            whole = change.after or change.before or {}
        block.attrs("+" if symbol == "-/+" else symbol, mask(whole), ATTR_COL)
    else:
        width = max(len(fc.path) for fc in change.fields)
        for fc in change.fields:
            before, after = _masked_field(fc)
            if drift:
                before, after = after, before
            note = " # forces replacement" if fc.forces_replacement and not drift else ""
            block.diff(fc.path.ljust(width), before, after, ATTR_COL, note)
        hidden = _hidden_count(change)
        if hidden:
            block.lines.append(" " * (ATTR_COL + 2) + f"# ({_plural(hidden, 'unchanged attribute')} hidden)")
    return [f'{_sym3(paint, symbol)} {addr.kind} "{addr.name}" {{', *block.lines, "    }"]


def _change_lines(change: Change, paint: _Painter, drift: bool) -> list[str]:
    headers, symbols = (DRIFT_HEADER, DRIFT_SYMBOL) if drift else (HEADER, SYMBOL)
    header = headers[change.action]
    if change.action is Action.DELETE and not drift and stops_instead(change.address.kind):
        header = "will be stopped (AWS keeps its record and results)"
    lines = [paint(f"  # {change.address} {header}", "bold")]
    if change.reason:
        lines.append(f"  # {reason_line(change.reason)}")
    if change.needs_force and not drift:
        lines.append(f"  # (requires --force: {change.needs_force})")
    lines += _resource_block(change, paint, symbols[change.action], drift)
    return lines


# Above this many worker changes, each worker takes one line instead of a block (rosters run to thousands).
COMPACT_WORKERS = 20


def _worker_line(change: Change, paint: _Painter) -> str:
    symbol = _sym3(paint, SYMBOL[change.action])
    name = change.address.name
    if change.action is Action.UPDATE and change.fields:
        parts = []
        for fc in change.fields:
            before, after = _masked_field(fc)
            parts.append(f"{fc.path}: {inline(before)} -> {inline(after)}")
        return f"{symbol} {name}  " + "; ".join(parts)
    whole = change.after if change.action is Action.CREATE else change.before
    shown = {k: v for k, v in mask(whole or {}).items() if k != "email" and v not in (None, [], {})}
    detail = " ".join(f"{k}={inline(v)}" for k, v in shown.items())
    return f"{symbol} {name}  {detail}".rstrip()


def _worker_section(workers: list[Change], paint: _Painter, listed: bool = True) -> list[str]:
    """The workers as one line each, or (`listed=False`, for views shared beyond the roster's owner) as
    their counts only."""
    n = {a: sum(1 for c in workers if c.action is a) for a in (Action.CREATE, Action.UPDATE, Action.DELETE)}
    kind = workers[0].address.kind
    head = (
        f"  # {len(workers)} workers ({kind}): {n[Action.CREATE]} to invite, "
        f"{n[Action.UPDATE]} to change, {n[Action.DELETE]} to remove"
    )
    lines = [paint(head, "bold")]
    forced = next((c.needs_force for c in workers if c.needs_force), None)
    if forced:
        lines.append(f"  # (requires --force: {forced})")
    reasons = sorted({c.reason for c in workers if c.action is Action.DELETE and c.reason})
    lines += [f"  # removals: {reason_line(r)}" for r in reasons]
    if not listed:
        return lines + ["  # (each worker is listed in the plan file)"]
    return lines + [_worker_line(c, paint) for c in workers]


def _warnings(plan: Plan, paint: _Painter) -> list[str]:
    return [f"{paint('Warning:', 'bold')} {w}" for w in plan.warnings]


def text_lines(plan: Plan, color: bool = False, members: bool = True) -> list[str]:
    """The plan as lines (no trailing newlines); shared with the Markdown renderer's details block, which
    passes `members=False` to count the workers instead of listing them."""
    paint = _Painter(color)
    changes = plan.actionable
    if not changes:
        lines = [EMPTY]
    else:
        place = where(plan)
        lines = [paint(f"gtops will perform the following actions{' in ' + place if place else ''}:", "bold")]
        lines += ["", "Resource actions are indicated with the following symbols:"]
        present = {c.action for c in changes}
        for action in (Action.CREATE, Action.UPDATE, Action.DELETE, Action.REPLACE):
            if action in present:
                lines.append(f"{_sym3(paint, SYMBOL[action])} {LEGEND[action]}")
        workers = [c for c in changes if is_personal(c.address.kind)]
        compact = bool(workers) and (len(workers) > COMPACT_WORKERS or not members)
        for change in changes:
            if compact and is_personal(change.address.kind):
                continue
            lines += ["", *_change_lines(change, paint, drift=False)]
        if compact:
            lines += ["", *_worker_section(workers, paint, listed=members)]
        lines += ["", f"{paint('Plan:', 'bold')} {plan.summary()}"]
    warnings = _warnings(plan, paint)
    return lines + ([""] + warnings if warnings else [])


def drift_lines(plan: Plan, color: bool = False, members: bool = True) -> list[str]:
    paint = _Painter(color)
    changes = plan.actionable
    if not changes:
        lines = [NO_DRIFT]
    else:
        place = where(plan)
        lines = [paint("Note: Objects have changed outside of gtops", "bold"), ""]
        lines.append(
            f"gtops detected the following changes made outside of gtops{' in ' + place if place else ''}:"
        )
        workers = [] if members else [c for c in changes if is_personal(c.address.kind)]
        skip = {id(c) for c in workers}
        for change in changes:
            if id(change) not in skip:
                lines += ["", *_change_lines(change, paint, drift=True)]
        if workers:
            head = worker_headline(workers, drift=True)
            lines += ["", paint(f"  # {head}", "bold"), "  # (each worker is listed by `gtops drift`)"]
        noun = "resource differs" if len(changes) == 1 else "resources differ"
        lines += ["", f"{paint('Drift:', 'bold')} {len(changes)} {noun} from the spec."]
    warnings = _warnings(plan, paint)
    return lines + ([""] + warnings if warnings else [])


def render_text(plan: Plan, fh: IO[str], color: bool = False) -> None:
    """Write the proposed actions of `plan` to `fh`."""
    fh.write("\n".join(text_lines(plan, color)) + "\n")


def render_drift_text(plan: Plan, fh: IO[str], color: bool = False) -> None:
    """Write `plan` as drift: how AWS differs from the spec, phrased as changes made outside gtops."""
    fh.write("\n".join(drift_lines(plan, color)) + "\n")
