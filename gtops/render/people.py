"""Workers in the views of a plan that are shared: personal data masked, worker changes grouped.

A plan posted on a pull request (Markdown) or kept in a notebook (HTML) is read by more people than the
roster's owner, and a roster of thousands does not fit in a comment. Those views therefore show worker
changes as counts per kind of change and per group with a few examples, and mask e-mail addresses and phone
numbers (and leave attribute values out) unless asked (`--show-members`); the full list is in the plan file.
The kinds whose resources are people say so (`Kind.personal`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gtops.plan import Action, Change

EXAMPLES = 3  # workers named per row
MAX_ROWS = 12  # kinds of worker change shown one per row; the rest are summed into one "other" row
MAX_GROUPS = 8  # groups named per row

# Loose on purpose: anything that looks like an address or an E.164 number is masked (over-masking a
# sender address costs nothing; the plan file has everything).
# A match starts only where a run of address characters starts (the lookbehinds): without them a long run
# with no "@" is scanned again from each of its characters, quadratic in its length.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b"
)
_PHONE = re.compile(r"(?<!\d)\+\d{5,13}(\d\d)\b")


def is_personal(kind: str) -> bool:
    from gtops.kinds import get

    found = get(kind)
    return bool(found and found.personal)


def mask_text(text: str) -> str:
    """`alice@example.com` -> `a…@e….com`, `+14155550100` -> `+…00`, anywhere in `text`."""
    return _PHONE.sub(lambda m: f"+…{m.group(1)}", _EMAIL.sub(_masked_email, text))


def _masked_email(match: re.Match[str]) -> str:
    local, _, domain = match.group(0).partition("@")
    kind = next((k for k in _personal_kinds() if local.startswith(k + ".") and len(local) > len(k) + 1), None)
    prefix = f"{kind}." if kind else ""  # an address: cognito_user.<e-mail>
    local = local[len(prefix) :]
    return f"{prefix}{local[0]}…@{domain[0]}…{domain[domain.rindex('.') :]}"


def _personal_kinds() -> list[str]:
    from gtops.kinds import REGISTRY

    return [k.name for k in REGISTRY if k.personal]


def mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v) for v in value]
    return value


@dataclass
class WorkerRow:
    """One kind of worker change: how many workers, in which groups, and who (the first few)."""

    label: str
    symbol: str  # + ~ - as in the plan
    count: int = 0
    groups: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def add(self, who: str, groups: Iterable[str]) -> None:
        self.count += 1
        self.groups.update(groups)
        if len(self.examples) < EXAMPLES:
            self.examples.append(who)

    def group_text(self, limit: int = MAX_GROUPS) -> str:
        top = self.groups.most_common()
        shown = ", ".join(f"{name} {n:,}" for name, n in top[:limit])
        more = len(top) - limit
        return shown + (f", and {more:,} more groups" if more > 0 else "")


def _groups(record: Mapping[str, Any] | None) -> list[str]:
    found = (record or {}).get("groups") or []
    return [str(g) for g in found] if isinstance(found, (list, tuple)) else []


def _kinds_of_update(change: Change, drift: bool) -> list[tuple[str, str, list[str]]]:
    """(label, symbol, groups) for each kind of change one worker update makes."""
    out: list[tuple[str, str, list[str]]] = []
    now = _groups(change.before if drift else change.after)
    for fc in change.fields:
        before, after = (fc.after, fc.before) if drift else (fc.before, fc.after)
        top = fc.path.split(".", 1)[0]
        if top == "groups":
            was = set(before or []) if isinstance(before, (list, tuple)) else set()
            will = set(after or []) if isinstance(after, (list, tuple)) else set()
            joined = sorted(will - was)
            left = sorted(was - will)
            if joined:
                label = "added to a group outside gtops" if drift else "join a group"
                out.append((label, "~", joined))
            if left:
                label = "removed from a group outside gtops" if drift else "leave a group"
                out.append((label, "~", left))
        elif top == "enabled":
            verb = "enabled" if after else "disabled"
            out.append((f"{verb} outside gtops" if drift else verb[:-1], "~", now))
        elif top == "notified":
            if drift:
                out.append(("notification subscription differs", "~", now))
            else:
                verb = "subscribe to" if after else "unsubscribe from"
                out.append((f"{verb} notifications", "~", now))
        elif top == "attributes":
            name = fc.path.split(".", 1)[1] if "." in fc.path else "attributes"
            out.append((f"attribute {name} differs" if drift else f"change attribute {name}", "~", now))
        else:
            out.append((f"{fc.path} differs" if drift else f"change {fc.path}", "~", now))
    return out or [("differs" if drift else "change", "~", now)]


def worker_rows(changes: list[Change], drift: bool = False, show_members: bool = False) -> list[WorkerRow]:
    """Worker changes grouped by kind of change (a worker update may count in several rows)."""
    rows: dict[str, WorkerRow] = {}

    def row(label: str, symbol: str) -> WorkerRow:
        return rows.setdefault(label, WorkerRow(label, symbol))

    for change in changes:
        who = change.address.name if show_members else mask_text(change.address.name)
        if change.action is Action.CREATE:
            label = "missing from the pool (deleted outside gtops)" if drift else "invite"
            row(label, "-" if drift else "+").add(who, _groups(change.after))
        elif change.action is Action.DELETE:
            label = "in the pool, not in the roster" if drift else "remove"
            row(label, "+" if drift else "-").add(who, _groups(change.before))
        else:
            for label, symbol, groups in _kinds_of_update(change, drift):
                row(label, symbol).add(who, groups)
    ordered = list(rows.values())
    if len(ordered) > MAX_ROWS:
        other = WorkerRow("other changes", "~")
        for extra in ordered[MAX_ROWS - 1 :]:
            other.count += extra.count
            other.groups.update(extra.groups)
            other.examples = (other.examples + extra.examples)[:EXAMPLES]
        ordered = ordered[: MAX_ROWS - 1] + [other]
    return ordered


def worker_headline(changes: list[Change], drift: bool = False) -> str:
    """`1,000 workers (cognito_user): 990 to invite, 10 to change, 0 to remove`, or the drift phrasing."""
    kind = changes[0].address.kind if changes else "cognito_user"
    n = Counter(c.action for c in changes)
    workers = f"{len(changes):,} worker{'' if len(changes) == 1 else 's'} ({kind})"
    if drift:
        return (
            f"{workers} differ{'s' if len(changes) == 1 else ''} from the roster: {n[Action.UPDATE]:,} "
            f"changed, {n[Action.CREATE]:,} missing from the pool, {n[Action.DELETE]:,} added outside gtops"
        )
    return (
        f"{workers}: {n[Action.CREATE]:,} to invite, {n[Action.UPDATE]:,} to change, "
        f"{n[Action.DELETE]:,} to remove"
    )
