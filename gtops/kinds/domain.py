"""cognito_user_pool_domain: the hosted-UI domain prefix (<prefix>.auth.<region>.amazoncognito.com).

A pool has at most one domain: a spec naming another one replaces it (the old one is deleted first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gtops.errors import GtopsError
from gtops.kinds import cognito
from gtops.kinds.base import APPLY, DESTROY, AwsHandle, Export, Kind, Use
from gtops.model import Address, Resource
from gtops.spec import fields as f

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.setup import Setup

NAME = "cognito_user_pool_domain"
SPEC_KEY = "domain"


def parse(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and raw else None


def schema() -> dict[str, Any]:
    return f.text(
        "Cognito hosted-UI domain prefix (<prefix>.auth.<region>.amazoncognito.com), "
        "1-63 lower-case letters, digits and hyphens.",
        f.DOMAIN,
        "use lower-case letters, digits and hyphens, not at the start or end, at most 63 characters",
    )


def address(setup: Setup) -> Address | None:
    return Address(NAME, setup.domain) if setup.domain and setup.pool else None


def desired(setup: Setup) -> list[Resource]:
    from gtops.kinds import user_pool

    here = address(setup)
    pool = user_pool.address(setup)
    if here is None or pool is None or setup.pool is None:
        return []
    return [Resource(here, {"domain": here.name, "user_pool": setup.pool.name}, depends_on=(pool,))]


def read(aws: AwsHandle, setup: Setup, state: LiveState) -> None:
    pool = state.ids.pool_raw
    if not pool or not pool.get("Domain"):
        return
    state.ids.domain = pool["Domain"]
    state.add(Resource(Address(NAME, pool["Domain"]), {"domain": pool["Domain"], "user_pool": pool["Name"]}))


def export(run: Export) -> dict[str, Any] | None:
    found = run.live.of_kind(NAME)
    return {SPEC_KEY: found[0].name} if found else None


def create(ctx: ApplyContext, change: Change) -> None:
    idp = ctx.aws.client("cognito-idp")
    domain = change.address.name
    found = idp.describe_user_pool_domain(Domain=domain).get("DomainDescription") or {}
    if found.get("UserPoolId") == cognito.pool_id(ctx):
        return
    if found.get("UserPoolId"):
        raise GtopsError(f"the domain prefix {domain!r} belongs to another user pool ({found['UserPoolId']})")
    idp.create_user_pool_domain(Domain=domain, UserPoolId=cognito.pool_id(ctx))
    ctx.ids.domain = domain


def delete(ctx: ApplyContext, change: Change) -> None:
    idp = ctx.aws.client("cognito-idp")
    found = idp.describe_user_pool_domain(Domain=change.address.name).get("DomainDescription") or {}
    if found.get("UserPoolId"):
        idp.delete_user_pool_domain(Domain=change.address.name, UserPoolId=found["UserPoolId"])


KIND = Kind(
    NAME,
    spec_key=SPEC_KEY,
    schema=schema,
    create_only=frozenset({"user_pool"}),
    cascades=True,
    one_per_parent="pool",
    desired=desired,
    read=read,
    reads_after=("cognito_user_pool",),
    export=export,
    steps={"create": create, "update": create, "delete": delete},
    iam=(
        Use(f"{__name__}:create", "cognito-idp", ("DescribeUserPoolDomain",), "any", "domain", APPLY),
        Use(f"{__name__}:create", "cognito-idp", ("CreateUserPoolDomain",), "pool", "domain", APPLY),
        Use(f"{__name__}:delete", "cognito-idp", ("DescribeUserPoolDomain",), "any", "domain", DESTROY),
        Use(f"{__name__}:delete", "cognito-idp", ("DeleteUserPoolDomain",), "owned_pool", "domain", DESTROY),
    ),
)
