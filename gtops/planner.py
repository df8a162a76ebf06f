"""desired + live -> Plan. Pure: no AWS calls, no boto3.

Only fields the spec declares are compared (absent = unmanaged); a changed create-only field makes the
change a replacement; deletions happen only where the spec's `prune` allows and gtops owns the resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gtops import kinds
from gtops.model import Address, Ref, Resource, has_refs, resolve_refs
from gtops.plan import Action, Change, FieldChange, Plan, protected_reason

if TYPE_CHECKING:
    from gtops.live import LiveState
    from gtops.setup import Setup

KNOWN_AFTER_APPLY = "(known after apply)"


def project(live: Any, desired: Any) -> Any:
    """Keep only the parts of `live` the spec declares, so unmanaged fields never show as changes."""
    if isinstance(desired, dict) and isinstance(live, dict):
        return {k: project(live.get(k), v) for k, v in desired.items()}
    if isinstance(desired, dict) and live is None:
        return {k: None for k in desired}
    return live


def _plainish(value: Any) -> Any:
    if isinstance(value, Ref):
        return KNOWN_AFTER_APPLY
    if isinstance(value, dict):
        return {k: _plainish(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plainish(v) for v in value]
    return value


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def _canonical(value: Any) -> Any:
    """A hashable form in which equal values are equal and lists are unordered sets (repetitions ignored),
    types kept apart (1, 1.0 and True differ): what DeepDiff's `ignore_order=True` compares."""
    if isinstance(value, dict):
        return ("dict", frozenset((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return (type(value).__name__, frozenset(_canonical(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return (type(value).__name__, repr(value))
    return (type(value).__name__, value)


def _differing(before: Any, after: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths (mapping keys from the top) where `before` and `after` differ: a key only one side has, a
    value of another type, a different scalar, or a list with other items (compared whole, unordered)."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            if isinstance(key, int):  # a path ends at an int key, as at a list index
                if key not in before or key not in after or _canonical(before[key]) != _canonical(after[key]):
                    yield path
            elif key not in before or key not in after:
                yield (*path, key)
            else:
                yield from _differing(before[key], after[key], (*path, key))
    elif _canonical(before) != _canonical(after):
        yield path


def field_changes(kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Field-level differences, reported at the deepest mapping key (lists compare whole, unordered)."""
    paths = {p for p in _differing(before, _plainish(after)) if p}
    found = kinds.get(kind)
    immutable = found.create_only if found else frozenset()
    out = []
    for path in sorted(paths):
        out.append(
            FieldChange(
                path=".".join(str(p) for p in path),
                before=_get(before, path),
                after=_get(after, path),
                forces_replacement=str(path[0]) in immutable,
            )
        )
    return out


def make_plan(
    desired: list[Resource],
    live: LiveState,
    setup: Setup,
    *,
    region: str = "",
    account: str = "",
) -> Plan:
    """Compare desired resources with a LiveState (anything with .resources and .lookup)."""
    by_address = {r.address: r for r in desired}
    changes = [_compare(want, live.resources.get(want.address), live.lookup) for want in desired]
    _cascade_replacements(changes, by_address)
    # A value read from a resource that is about to be replaced (the worker portal of a renamed workforce)
    # is not known until the new one exists: compare what refers to it again with the value unknown, so
    # the client's URLs and the invitation are planned, and rewritten in the same apply.
    while True:
        replaced = {c.address for c in changes if c.action is Action.REPLACE}
        lookup = _unknown_for(replaced, live)
        again = False
        for i, change in enumerate(changes):
            want = by_address[change.address]
            if change.action is Action.REPLACE or not _refers_to(want.attrs, replaced):
                continue
            redone = _compare(want, live.resources.get(want.address), lookup)
            if redone.action is not change.action or redone.after != change.after:
                changes[i] = redone
                again = again or redone.action is Action.REPLACE
        if not again:
            break
        _cascade_replacements(changes, by_address)
    warnings: list[str] = []
    changes += _prunes(desired, live, setup, warnings)
    for kind in kinds.REGISTRY:
        if kind.warnings:
            warnings += kind.warnings(setup)
    return Plan(changes, region=region, account=account, warnings=warnings)


def _compare(want: Resource, have: Resource | None, lookup: Any) -> Change:
    """One desired resource against what is live: create, no-op, update or replace."""
    after = resolve_refs(want.attrs, lookup)
    if have is None:
        return Change(want.address, Action.CREATE, None, after)
    before = project(have.attrs, after)
    fields = field_changes(want.kind, before, after)
    if not fields:
        return Change(want.address, Action.NOOP, before, after)
    if any(f.forces_replacement for f in fields):
        names = ", ".join(f.path for f in fields if f.forces_replacement)
        return Change(
            want.address,
            Action.REPLACE,
            before,
            after,
            fields,
            reason=f"{names} cannot be changed in place",
            needs_force=protected_reason(want.address, Action.REPLACE),
        )
    change = Change(want.address, Action.UPDATE, before, after, fields)
    kind = kinds.get(want.kind)
    if kind and kind.risky_update:
        change.needs_force = kind.risky_update(before, after)
    return change


def _unknown_for(replaced: set[Address], live: LiveState) -> Any:
    """Live values, except those of resources about to be replaced (known only after apply)."""

    def lookup(address: Address, attr: str) -> Any:
        return None if address in replaced else live.lookup(address, attr)

    return lookup


def _refers_to(value: Any, addresses: set[Address]) -> bool:
    if isinstance(value, Ref):
        return value.address in addresses
    if isinstance(value, dict):
        return any(_refers_to(v, addresses) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_refers_to(v, addresses) for v in value)
    return False


def _cascade_replacements(changes: list[Change], by_address: dict[Address, Resource]) -> None:
    replaced = {c.address for c in changes if c.action is Action.REPLACE}
    if not replaced:
        return
    for change in sorted(changes, key=lambda c: c.address.sort_key()):
        res = by_address.get(change.address)
        if res is None or change.action not in (Action.NOOP, Action.UPDATE):
            continue
        kind = kinds.get(change.address.kind)
        if kind is None or not kind.cascades:
            continue
        cause = next((d for d in res.depends_on if d in replaced), None)
        if cause is not None:
            change.action = Action.REPLACE
            change.reason = f"{cause} is replaced"
            change.needs_force = protected_reason(change.address, Action.REPLACE)
            replaced.add(change.address)


def _prunes(desired: list[Resource], live: LiveState, setup: Setup, warnings: list[str]) -> list[Change]:
    """Deletions: a kind's second one where it allows one per parent, and what `prune` lets go that gtops
    owns (tags, or a group's marker) and nothing outside the spec still uses."""
    wanted = {r.address for r in desired}
    named = {r.kind for r in desired}
    out = []
    for address, have in sorted(live.resources.items()):
        kind = kinds.get(address.kind)
        if address in wanted or kind is None:
            continue
        if kind.one_per_parent and address.kind in named:
            other = next(r.name for r in desired if r.kind == address.kind)
            reason = f"the spec names {other} instead (one per {kind.one_per_parent})"
            out.append(Change(address, Action.DELETE, have.attrs, None, reason=reason))
            continue
        if not (kind.prune_key and getattr(setup.prune, kind.prune_key)):
            continue
        owned = kind.owned(have, setup) if kind.owned else setup.owns(have.attrs.get("tags"))
        if not owned:
            continue
        users = kind.used_by(have, live, wanted) if kind.used_by else []
        if users:
            warnings.append(f"{address} is not pruned: {', '.join(users)}, not in the spec, use it")
            continue
        out.append(
            Change(
                address,
                Action.DELETE,
                have.attrs,
                None,
                reason=f"not in the spec, and prune.{kind.prune_key} is on",
            )
        )
    return out


def unresolved(change: Change) -> bool:
    return has_refs(change.after)
