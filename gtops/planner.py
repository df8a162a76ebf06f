"""desired + live -> Plan. Pure: no AWS calls, no boto3.

Only fields the spec declares are compared (absent = unmanaged); a changed create-only field makes the
change a replacement; deletions happen only where the spec's `prune` allows and gtops owns the resource.
"""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

from gtops.model import OWNER_TAG, SETUP_TAG, Address, Ref, Resource, has_refs, resolve_refs
from gtops.plan import Action, Change, FieldChange, Plan, protected_reason

KNOWN_AFTER_APPLY = "(known after apply)"

# Fields AWS will not change in place (create-only): changing one means delete + create.
IMMUTABLE: dict[str, frozenset[str]] = {
    "cognito_user_pool": frozenset({"sign_in", "case_sensitive"}),
    "cognito_user_pool_client": frozenset({"generate_secret"}),
    "cognito_user_pool_domain": frozenset({"user_pool"}),
    "sagemaker_workforce": frozenset({"name", "user_pool", "client"}),
    "sagemaker_workteam": frozenset({"workforce"}),
}
# When one of these is replaced, what hangs off it must be rebuilt too.
CASCADE_KINDS = frozenset(
    {
        "cognito_user_group",
        "cognito_user_pool_client",
        "cognito_user_pool_domain",
        "sagemaker_workforce",
        "sagemaker_workteam",
    }
)
PRUNE_KEYS = {"cognito_user_group": "groups", "sagemaker_workteam": "teams"}


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


def _get(tree: Any, path: tuple) -> Any:
    for key in path:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def field_changes(kind: str, before: dict, after: dict) -> list[FieldChange]:
    """Field-level differences, reported at the deepest mapping key (lists compare whole, unordered)."""
    diff = DeepDiff(before, _plainish(after), ignore_order=True, view="tree")
    paths: set[tuple] = set()
    for report in diff.values():
        for level in report:
            keys = []
            for part in level.path(output_format="list"):
                if isinstance(part, int):
                    break
                keys.append(part)
            if keys:
                paths.add(tuple(keys))
    immutable = IMMUTABLE.get(kind, frozenset())
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


def owned_by(resource: Resource | None, setup: str) -> bool:
    tags = (resource.attrs.get("tags") if resource else None) or {}
    return tags.get(OWNER_TAG) == "true" and tags.get(SETUP_TAG) == setup


def make_plan(
    desired: list[Resource],
    live,
    data: dict,
    *,
    region: str = "",
    account: str = "",
) -> Plan:
    """Compare desired resources with a LiveState (anything with .resources and .lookup)."""
    setup = data.get("name") or (data.get("pool") or {}).get("name") or "gtops"
    prune = data.get("prune") or {}
    changes: list[Change] = []
    by_address = {r.address: r for r in desired}

    for want in desired:
        have = live.resources.get(want.address)
        after = resolve_refs(want.attrs, live.lookup)
        if have is None:
            changes.append(Change(want.address, Action.CREATE, None, after))
            continue
        before = project(have.attrs, after)
        fields = field_changes(want.kind, before, after)
        if not fields:
            changes.append(Change(want.address, Action.NOOP, before, after))
        elif any(f.forces_replacement for f in fields):
            names = ", ".join(f.path for f in fields if f.forces_replacement)
            changes.append(
                Change(
                    want.address,
                    Action.REPLACE,
                    before,
                    after,
                    fields,
                    reason=f"{names} cannot be changed in place",
                    needs_force=protected_reason(want.address, Action.REPLACE),
                )
            )
        else:
            change = Change(want.address, Action.UPDATE, before, after, fields)
            if (
                want.kind == "cognito_user_pool"
                and before.get("deletion_protection")
                and not after.get("deletion_protection", True)
            ):
                change.needs_force = "turning off the pool's deletion protection"
            changes.append(change)

    _cascade_replacements(changes, by_address)
    warnings: list[str] = []
    changes += _prunes(desired, live, prune, setup, warnings)
    plan = Plan(changes, region=region, account=account, warnings=warnings)
    if data.get("workforce") is not None and not data["workforce"].get("source_ips"):
        plan.warnings.append(
            "the workforce has no source_ips: the worker portal is reachable from any IP address"
        )
    return plan


def _cascade_replacements(changes: list[Change], by_address: dict[Address, Resource]) -> None:
    replaced = {c.address for c in changes if c.action is Action.REPLACE}
    if not replaced:
        return
    for change in sorted(changes, key=lambda c: c.address.sort_key()):
        res = by_address.get(change.address)
        if res is None or change.action not in (Action.NOOP, Action.UPDATE):
            continue
        if change.address.kind not in CASCADE_KINDS:
            continue
        cause = next((d for d in res.depends_on if d in replaced), None)
        if cause is not None:
            change.action = Action.REPLACE
            change.reason = f"{cause} is replaced"
            change.needs_force = protected_reason(change.address, Action.REPLACE)
            replaced.add(change.address)


def _prunes(desired: list[Resource], live, prune: dict, setup: str, warnings: list[str]) -> list[Change]:
    wanted = {r.address for r in desired}
    out = []
    for address, have in sorted(live.resources.items()):
        if address in wanted:
            continue
        if address.kind == "cognito_user_pool_domain" and any(
            r.kind == "cognito_user_pool_domain" for r in desired
        ):
            out.append(
                Change(
                    address,
                    Action.DELETE,
                    have.attrs,
                    None,
                    reason="the spec names another domain for the pool",
                )
            )
        elif address.kind in PRUNE_KEYS and prune.get(PRUNE_KEYS[address.kind]):
            if address.kind == "cognito_user_group":
                # Groups carry no tags: only a group gtops marked as this setup's, and that no team
                # outside the spec builds on, is pruned (a hand-made group may back a hand-made team).
                users = _teams_using(live, address.name, wanted)
                if have.attrs.get("managed_by") != setup or users:
                    if users and have.attrs.get("managed_by") == setup:
                        warnings.append(
                            f"{address} is not pruned: the work team(s) {', '.join(users)}, which the spec "
                            "does not manage, use it"
                        )
                    continue
            elif not owned_by(have, setup):
                continue
            out.append(
                Change(
                    address,
                    Action.DELETE,
                    have.attrs,
                    None,
                    reason=f"not in the spec, and prune.{PRUNE_KEYS[address.kind]} is on",
                )
            )
    return out


def _teams_using(live, group: str, wanted: set[Address]) -> list[str]:
    return sorted(
        a.name
        for a, res in live.resources.items()
        if a.kind == "sagemaker_workteam" and a not in wanted and group in (res.attrs.get("groups") or [])
    )


def unresolved(change: Change) -> bool:
    return has_refs(change.after)
