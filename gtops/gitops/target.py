"""`--target ADDRESS`: limit a plan to some resources and everything they depend on.

Like Terraform's -target, this is an exception for emergencies and debugging, not a way of working: the
commands print a warning that the rest of the setup was not considered.
"""

from __future__ import annotations

from collections.abc import Iterable

from gtops.errors import GtopsError
from gtops.model import KINDS, Address, Resource
from gtops.plan import Plan

# Kinds planned outside `desired` (members, jobs): what they hang off, for the dependency closure.
_IMPLIED = {
    "cognito_user": ("cognito_user_pool", "cognito_user_group"),
    "labeling_job": ("sagemaker_workteam",),
}
BULK_KINDS = frozenset({"cognito_user", "labeling_job", "iam_role", "lambda_function"})


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
        for kind in _IMPLIED.get(target.kind, ()):
            todo += [r.address for r in desired if r.kind == kind]
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
    """Whether the members or jobs planners must run at all for these targets."""
    if not targets:
        return True
    return any(t.kind == kind for t in targets) or (
        kind == "labeling_job" and any(t.kind in ("iam_role", "lambda_function") for t in targets)
    )


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
