"""`--target ADDRESS`: limit a plan to some resources and everything they depend on.

Like Terraform's -target, this is an exception for emergencies and debugging, not a way of working: the
commands print a warning that the rest of the setup was not considered.
"""

from __future__ import annotations

from collections.abc import Iterable

from gtops import kinds
from gtops.errors import GtopsError
from gtops.kinds import KINDS
from gtops.model import Address, Resource
from gtops.plan import Plan


def parse_targets(texts: Iterable[str] | None) -> list[Address]:
    out = []
    for text in texts or []:
        try:
            address = Address.parse(text.strip())
        except ValueError as err:
            raise GtopsError(f"--target {text!r}: {err}") from None
        if address.kind not in KINDS:
            raise GtopsError(f"--target {text!r}: unknown kind {address.kind!r} (kinds: {', '.join(KINDS)})")
        out.append(address)
    return out


def closure(targets: list[Address], desired: list[Resource]) -> set[Address]:
    """The targets and, transitively, what they depend on."""
    by_address = {r.address: r for r in desired}
    keep: set[Address] = set()
    todo = list(targets)
    for target in targets:
        found = kinds.get(target.kind)
        for implied in found.implies if found and found.bulk else ():
            todo += [r.address for r in desired if r.kind == implied]
    while todo:
        address = todo.pop()
        if address in keep:
            continue
        keep.add(address)
        res = by_address.get(address)
        if res is not None:
            todo += list(res.depends_on)
    return keep


def needs_bulk(targets: list[Address] | None, kind: str) -> bool:
    """Whether a bulk planner (members, jobs) must run at all for these targets: a target of its kind, or of a
    bulk kind planned with it (roles and functions are planned with the jobs)."""
    if not targets:
        return True
    for target in targets:
        found = kinds.get(target.kind)
        if target.kind == kind or (found and found.bulk and kind in found.implies):
            return True
    return False


def restrict(
    plan: Plan, targets: list[Address], desired: list[Resource], live_addresses: set[Address]
) -> None:
    """Keep only the changes of the targets and their dependencies; unknown targets are an error."""
    known = {r.address for r in desired} | live_addresses | {c.address for c in plan.changes}
    missing = [str(t) for t in targets if t not in known]
    if missing:
        raise GtopsError(
            f"--target names nothing in the spec or in AWS: {', '.join(missing)} "
            "(addresses look like sagemaker_workteam.<team name>)"
        )
    keep = closure(targets, desired)
    plan.changes = [c for c in plan.changes if c.address in keep]
    plan.fingerprints = {a: f for a, f in plan.fingerprints.items() if Address.parse(a) in keep}


def warning(targets: list[Address]) -> str:
    names = ", ".join(str(t) for t in targets)
    return (
        f"Resource targeting is in effect: only {names} and what it depends on were considered; the rest of "
        "the setup was not planned and may differ from the spec. Use targeting for exceptions, not routinely."
    )
