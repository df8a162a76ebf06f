"""The Plan: one object, three renderings (text, JSON, Markdown), safety checks and a checksum."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gtops.model import Address, plain

FORMAT_VERSION = "1"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"


SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.REPLACE: "-/+", Action.DELETE: "-", Action.NOOP: " "}
# Terraform-style action lists so pipelines can scan for "delete".
ACTIONS_LIST = {
    Action.CREATE: ["create"],
    Action.UPDATE: ["update"],
    Action.REPLACE: ["delete", "create"],
    Action.DELETE: ["delete"],
    Action.NOOP: ["no-op"],
}


@dataclass(frozen=True)
class FieldChange:
    path: str  # dotted, e.g. "password_policy.min_length"
    before: Any
    after: Any
    forces_replacement: bool = False


@dataclass
class Change:
    address: Address
    action: Action
    before: dict[str, Any] | None = None  # normalised live, None for create
    after: dict[str, Any] | None = None  # normalised desired (may hold Refs), None for delete
    fields: list[FieldChange] = field(default_factory=list)
    reason: str | None = None
    # Why --force is needed for this change, or None.
    needs_force: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": str(self.address),
            "kind": self.address.kind,
            "name": self.address.name,
            "action": self.action.value,
            "actions": ACTIONS_LIST[self.action],
            "before": plain(self.before),
            "after": plain(self.after),
            "fields": [
                {
                    "path": f.path,
                    "before": plain(f.before),
                    "after": plain(f.after),
                    "forces_replacement": f.forces_replacement,
                }
                for f in self.fields
            ],
            "reason": self.reason,
            "needs_force": self.needs_force,
        }


# Drift reads a plan backwards: what gtops would create was deleted outside it, what it would delete was
# created outside it, and a field goes from what the spec says (before) to what AWS has now (after).
DRIFT_ACTION = {
    Action.CREATE: Action.DELETE,
    Action.DELETE: Action.CREATE,
    Action.UPDATE: Action.UPDATE,
    Action.REPLACE: Action.UPDATE,
    Action.NOOP: Action.NOOP,
}


def as_drift(change: Change) -> Change:
    """`change` as what happened outside gtops: the action seen from AWS, from the spec to AWS."""
    fields = [FieldChange(f.path, f.after, f.before) for f in change.fields]
    action = DRIFT_ACTION[change.action]
    return Change(change.address, action, change.after, change.before, fields, change.reason)


def change_sort_key(change: Change) -> tuple[int, int, str]:
    """Deletes first in reverse dependency order, then everything else in dependency order."""
    rank, name = change.address.sort_key()
    if change.action is Action.DELETE:
        return (0, -rank, name)
    return (1, rank, name)


@dataclass
class Plan:
    changes: list[Change]
    region: str = ""
    account: str = ""
    warnings: list[str] = field(default_factory=list)
    # Live resources the plan was computed from, for saved-plan staleness checks.
    fingerprints: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.changes = sorted(self.changes, key=change_sort_key)

    def extend(self, changes: list[Change], warnings: list[str] | None = None) -> None:
        self.changes = sorted(self.changes + list(changes), key=change_sort_key)
        self.warnings += list(warnings or [])

    @property
    def actionable(self) -> list[Change]:
        return [c for c in self.changes if c.action is not Action.NOOP]

    @property
    def empty(self) -> bool:
        return not self.actionable

    def counts(self) -> dict[str, int]:
        """Terraform's rule: a replacement counts as one add and one destroy. A labeling job's delete stops
        it (AWS keeps its record and results): counted as a stop, not a destroy."""
        n = {a: sum(1 for c in self.changes if c.action is a) for a in Action}
        stops = sum(1 for c in self.changes if c.action is Action.DELETE and stops_instead(c.address.kind))
        return {
            "add": n[Action.CREATE] + n[Action.REPLACE],
            "change": n[Action.UPDATE],
            "destroy": n[Action.DELETE] + n[Action.REPLACE] - stops,
            "stop": stops,
        }

    def summary(self) -> str:
        """Plan: 1 to add, 0 to change, 2 to destroy. (and ", 1 to stop" when jobs are stopped)"""
        n = self.counts()
        text = f"{n['add']} to add, {n['change']} to change, {n['destroy']} to destroy"
        return text + (f", {n['stop']} to stop." if n["stop"] else ".")

    def needs_force(self) -> list[Change]:
        return [c for c in self.actionable if c.needs_force]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "region": self.region,
            "account": self.account,
            "changes": [c.to_dict() for c in self.actionable],
            "summary": self.counts(),
            "empty": self.empty,
            "warnings": list(self.warnings),
        }

    def checksum(self) -> str:
        body = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()


def stops_instead(kind: str) -> bool:
    """Whether deleting this kind stops it rather than destroying it (gtops.kinds: `stops`)."""
    from gtops.kinds import get

    found = get(kind)
    return bool(found and found.stops)


def protected_reason(address: Address, action: Action) -> str | None:
    from gtops.kinds import is_protected

    if action in (Action.DELETE, Action.REPLACE) and is_protected(address.kind):
        verb = "deleting" if action is Action.DELETE else "replacing"
        return f"{verb} {address} loses data that cannot be restored"
    return None
