"""The resource kinds gtops manages, in dependency order, and every table derived from them.

Creates and updates run in this order and deletes in reverse. To add a kind: write its module (see
gtops/kinds/base.py for what a kind declares) and list it here; nothing else in gtops names kinds.
"""

from __future__ import annotations

from gtops.kinds import (
    app_client,
    client_oauth,
    domain,
    iam_role,
    invitation,
    labeling_job,
    lambda_function,
    sns_topic,
    user,
    user_group,
    user_pool,
    workforce,
    workteam,
)
from gtops.kinds.base import Export, Kind, Step, Use

REGISTRY: tuple[Kind, ...] = (
    sns_topic.KIND,
    user_pool.KIND,
    user_group.KIND,
    app_client.KIND,
    domain.KIND,
    workforce.KIND,
    workteam.KIND,
    client_oauth.KIND,
    invitation.KIND,
    user.KIND,
    iam_role.KIND,
    lambda_function.KIND,
    labeling_job.KIND,
)
BY_NAME: dict[str, Kind] = {k.name: k for k in REGISTRY}
KINDS: tuple[str, ...] = tuple(BY_NAME)
KIND_RANK: dict[str, int] = {name: i for i, name in enumerate(KINDS)}


def get(name: str) -> Kind | None:
    return BY_NAME.get(name)


def step(name: str, phase: str) -> Step | None:
    """The apply step of a kind for a phase (create, update, delete), or None."""
    found = BY_NAME.get(name)
    return found.steps.get(phase) if found else None


def is_protected(name: str) -> bool:
    found = BY_NAME.get(name)
    return bool(found and found.protected)


def uses() -> tuple[Use, ...]:
    """Every AWS operation the kinds call, for `gtops iam-policy`."""
    return tuple(u for k in REGISTRY for u in k.iam)


__all__ = [
    "BY_NAME",
    "Export",
    "KINDS",
    "KIND_RANK",
    "REGISTRY",
    "Kind",
    "Step",
    "Use",
    "get",
    "is_protected",
    "step",
    "uses",
]
