"""What the Cognito kinds share: finding the pool by name (or pinned id), the ids a run learns, and the
read-modify-write base of UpdateUserPool (AWS resets every field an update omits)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from gtops.errors import AmbiguousResource, GtopsError
from gtops.kinds.base import AwsHandle

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext

PAGE = 60  # the largest page Cognito's List* operations accept


def user_pools(aws: AwsHandle) -> list[dict[str, Any]]:
    """Every user pool of the region, as ListUserPools describes it (Id, Name)."""
    idp = aws.client("cognito-idp")
    return [
        p
        for page in idp.get_paginator("list_user_pools").paginate(MaxResults=PAGE)
        for p in page.get("UserPools", [])
    ]


def find_pool_id(aws: AwsHandle, name: str, pinned: str | None) -> str | None:
    """The id of the pool named `name` (Cognito does not keep names unique: two is an error naming both)."""
    from gtops.aws import error_code

    idp = aws.client("cognito-idp")
    if pinned:
        try:
            found = idp.describe_user_pool(UserPoolId=pinned)["UserPool"]
        except Exception as err:
            if error_code(err) == "ResourceNotFoundException":
                raise GtopsError(f"pool.id {pinned} does not exist in {aws.region}") from None
            raise
        if found["Name"] != name:
            raise GtopsError(f"pool.id {pinned} is named {found['Name']!r}, not {name!r} as the spec says")
        return pinned
    matches = [p["Id"] for p in user_pools(aws) if p.get("Name") == name]
    if len(matches) > 1:
        raise AmbiguousResource(
            f"{len(matches)} user pools are named {name!r} in {aws.region}: {', '.join(sorted(matches))}. "
            f"Pin the one gtops manages with `pool: {{id: <pool id>}}` in the spec."
        )
    return matches[0] if matches else None


def pool_id(ctx: ApplyContext) -> str:
    if not ctx.ids.pool_id:
        raise GtopsError("the user pool does not exist yet (its step failed or was skipped)")
    return ctx.ids.pool_id


def client_id(ctx: ApplyContext) -> str:
    if not ctx.ids.client_id:
        raise GtopsError("the app client does not exist yet (its step failed or was skipped)")
    return ctx.ids.client_id


def update_members(client: Any, operation: str) -> set[str]:
    return set(client.meta.service_model.operation_model(operation).input_shape.members)


def describe_pool(ctx: ApplyContext) -> dict[str, Any]:
    pool: dict[str, Any] = ctx.aws.client("cognito-idp").describe_user_pool(UserPoolId=pool_id(ctx))[
        "UserPool"
    ]
    ctx.ids.pool_raw = pool
    return pool


def pool_update_request(idp: Any, pool: dict[str, Any]) -> dict[str, Any]:
    """An UpdateUserPool request equal to the pool's current configuration (read-modify-write)."""
    allowed = update_members(idp, "UpdateUserPool")
    request = {k: copy.deepcopy(v) for k, v in pool.items() if k in allowed}
    request["UserPoolId"] = pool["Id"]
    admin = request.get("AdminCreateUserConfig")
    policy = (request.get("Policies") or {}).get("PasswordPolicy") or {}
    # AWS refuses the legacy field next to its replacement (a known round-trip trap).
    if admin and "TemporaryPasswordValidityDays" in policy:
        admin.pop("UnusedAccountValidityDays", None)
    # Deprecated message fields are echoed by Describe but conflict with VerificationMessageTemplate.
    if request.get("VerificationMessageTemplate"):
        for legacy in ("EmailVerificationMessage", "EmailVerificationSubject", "SmsVerificationMessage"):
            request.pop(legacy, None)
    return request
