"""cognito_user_group: a group of workers; a work team is built from 1-10 groups.

Cognito groups carry no tags, so gtops marks the groups it manages at the end of their description
(`[managed by gtops setup NAME]`). Only a marked group is ever pruned: a hand-made group may back a
hand-made team. The marker is stripped when reading, so the spec's description compares as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gtops.kinds import cognito
from gtops.kinds.base import APPLY, DESTROY, AwsHandle, Export, Kind, Use
from gtops.model import Address, Resource
from gtops.spec import fields as f

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.setup import Setup

NAME = "cognito_user_group"
SPEC_KEY = "groups"
_MARK = re.compile(r"\s*\[managed by gtops setup ([A-Za-z0-9_.\-]+)\]$")


@dataclass(frozen=True)
class GroupSpec:
    name: str
    description: str | None = None
    precedence: int | None = None


def parse(raw: list[Mapping[str, Any]] | None) -> tuple[GroupSpec, ...]:
    return tuple(GroupSpec(g["name"], g.get("description"), g.get("precedence")) for g in raw or [])


def schema() -> dict[str, Any]:
    group = f.obj(
        "A Cognito group. A work team is built from 1-10 groups; a worker in a group is on every team "
        "built on it.",
        {
            "name": f.text(
                "Group name, 1-128 characters without spaces.",
                f.NO_SPACE,
                "group names cannot contain spaces",
                minLength=1,
                maxLength=128,
            ),
            "description": f.text("Free text, at most 2048 characters.", maxLength=2048),
            "precedence": f.integer("Cognito group precedence (0 or more; lower wins).", 0),
        },
        ("name",),
    )
    return f.array("Cognito groups (names unique).", group)


def marker(setup_name: str) -> str:
    return f"[managed by gtops setup {setup_name}]"


def split_description(text: str | None) -> tuple[str | None, str | None]:
    """(the description as the spec writes it, the setup that manages the group or None)."""
    if not text:
        return text, None
    found = _MARK.search(text)
    if found is None:
        return text, None
    return (text[: found.start()] or None), found.group(1)


def with_marker(description: str | None, setup_name: str) -> str:
    return f"{description} {marker(setup_name)}" if description else marker(setup_name)


def address(name: str) -> Address:
    return Address(NAME, name)


def desired(setup: Setup) -> list[Resource]:
    from gtops.kinds import user_pool

    pool = user_pool.address(setup)
    out = []
    for group in setup.groups:
        attrs: dict[str, Any] = {"name": group.name}
        if group.description is not None:
            attrs["description"] = group.description
        if group.precedence is not None:
            attrs["precedence"] = group.precedence
        attrs["managed_by"] = setup.name
        out.append(Resource(address(group.name), attrs, depends_on=(pool,) if pool else ()))
    return out


def read(aws: AwsHandle, setup: Setup, state: LiveState) -> None:
    if not state.ids.pool_id:
        return
    idp = aws.client("cognito-idp")
    for page in idp.get_paginator("list_groups").paginate(
        UserPoolId=state.ids.pool_id, PaginationConfig={"PageSize": cognito.PAGE}
    ):
        for group in page.get("Groups", []):
            attrs: dict[str, Any] = {"name": group["GroupName"]}
            description, owner = split_description(group.get("Description"))
            if description is not None:
                attrs["description"] = description
            if group.get("Precedence") is not None:
                attrs["precedence"] = group["Precedence"]
            attrs["managed_by"] = owner
            state.add(Resource(address(group["GroupName"]), attrs))


def export(run: Export) -> dict[str, Any] | None:
    """Every group of the pool, as read (the reader has already taken gtops's marker off the description)."""
    groups = []
    for res in run.live.of_kind(NAME):
        entry: dict[str, Any] = {"name": res.attrs["name"]}
        if res.attrs.get("description"):
            entry["description"] = res.attrs["description"]
        if res.attrs.get("precedence") is not None:
            entry["precedence"] = res.attrs["precedence"]
        groups.append(entry)
    return {SPEC_KEY: groups} if groups else None


def apply(ctx: ApplyContext, change: Change) -> None:
    idp = ctx.aws.client("cognito-idp")
    attrs = change.after or {}
    pool_id = cognito.pool_id(ctx)
    try:
        current = idp.get_group(GroupName=attrs["name"], UserPoolId=pool_id)["Group"]
    except idp.exceptions.ResourceNotFoundException:
        current = None
    request: dict[str, Any] = {"GroupName": attrs["name"], "UserPoolId": pool_id}
    precedence = attrs.get("precedence", (current or {}).get("Precedence"))
    if precedence is not None:
        request["Precedence"] = precedence
    if role_arn := (current or {}).get("RoleArn"):
        request["RoleArn"] = role_arn
    live_description, _ = split_description((current or {}).get("Description"))
    description = attrs["description"] if "description" in attrs else live_description
    if attrs.get("managed_by"):
        description = with_marker(description, attrs["managed_by"])
    if description is not None:
        request["Description"] = description
    if current is None:
        idp.create_group(**request)
    else:
        idp.update_group(**request)


def delete(ctx: ApplyContext, change: Change) -> None:
    idp = ctx.aws.client("cognito-idp")
    try:
        idp.delete_group(GroupName=change.address.name, UserPoolId=cognito.pool_id(ctx))
    except idp.exceptions.ResourceNotFoundException:
        pass


def owned(group: Resource, setup: Setup) -> bool:
    return group.attrs.get("managed_by") == setup.name


def used_by(group: Resource, live: LiveState, wanted: set[Address]) -> list[str]:
    """Teams outside the spec built on this group (a hand-made group may back a hand-made team)."""
    return sorted(
        f"work team {a.name}"
        for a, res in live.resources.items()
        if a.kind == "sagemaker_workteam"
        and a not in wanted
        and group.name in (res.attrs.get("groups") or [])
    )


KIND = Kind(
    NAME,
    spec_key=SPEC_KEY,
    schema=schema,
    cascades=True,
    prune_key="groups",
    owned=owned,
    used_by=used_by,
    # A team still lists a pruned group until its update takes the group out, and Cognito refuses to delete a
    # group a work team uses: the delete waits for the updates, unless the pool goes too.
    delete_after_updates_unless="cognito_user_pool",
    desired=desired,
    read=read,
    reads_after=("cognito_user_pool",),
    export=export,
    steps={"create": apply, "update": apply, "delete": delete},
    iam=(
        Use(f"{__name__}:read", "cognito-idp", ("ListGroups",), "pool", "pool"),
        Use(
            f"{__name__}:apply",
            "cognito-idp",
            ("GetGroup", "CreateGroup", "UpdateGroup"),
            "pool",
            "groups",
            APPLY,
        ),
        Use(f"{__name__}:delete", "cognito-idp", ("DeleteGroup",), "owned_pool", "groups", DESTROY),
    ),
)
