"""cognito_invitation: the e-mail and SMS Cognito sends new workers, with the worker portal's URL in it.

It is the pool's AdminCreateUserConfig.InviteMessageTemplate, kept as a kind of its own because its
`{portal_url}` is known only once the workforce (or a team) exists: it is written after them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gtops.errors import GtopsError
from gtops.kinds import cognito
from gtops.kinds.base import APPLY, Export, Kind, Use
from gtops.model import Address, Ref, Resource
from gtops.spec import fields as f

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.setup import Setup

NAME = "cognito_invitation"
PORTAL = "{portal_url}"
TEMPLATE_FIELDS = (("subject", "EmailSubject"), ("message", "EmailMessage"), ("sms", "SMSMessage"))


@dataclass(frozen=True)
class InvitationSpec:
    subject: str | None = None
    message: str | None = None
    sms: str | None = None


def parse(raw: Mapping[str, Any] | None) -> InvitationSpec | None:
    if not raw:
        return None
    return InvitationSpec(raw.get("subject"), raw.get("message"), raw.get("sms"))


def schema() -> dict[str, Any]:
    return f.obj(
        "The invitation sent to new workers. Cognito fills in {username} and {####} (the temporary "
        "password); gtops fills in {portal_url} once the worker portal exists.",
        {
            "subject": f.text("E-mail subject, 1-140 characters.", minLength=1, maxLength=140),
            "message": f.text(
                "E-mail body (HTML allowed), 6-20000 characters; must contain {####}.",
                minLength=6,
                maxLength=20000,
            ),
            "sms": f.text("SMS text, 6-140 characters; must contain {####}.", minLength=6, maxLength=140),
        },
    )


def _with_portal(text: str, portal: Address | None) -> Any:
    """Fill {portal_url} from the portal's subdomain (a Ref until the portal exists)."""
    if PORTAL not in text or portal is None:
        return text
    # `{}` in the template receives the subdomain; other braces ({username}, {####}) are doubled to survive.
    template = text.replace("{", "{{").replace("}", "}}").replace("{{portal_url}}", "https://{}")
    return Ref(portal, "subdomain", template)


def desired(setup: Setup) -> list[Resource]:
    from gtops.kinds import user_pool, workforce, workteam

    pool = setup.pool
    if pool is None or pool.invitation is None:
        return []
    # The portal URL comes from the workforce, or from a team when the spec adopts the region's workforce
    # implicitly (teams without `workforce:`): the subdomain is the workforce's either way.
    portal = workforce.address(setup) or next(iter(workteam.addresses(setup)), None)
    attrs = {}
    for key, _ in TEMPLATE_FIELDS:
        value = getattr(pool.invitation, key)
        if value is not None:
            attrs[key] = _with_portal(value, portal)
    deps = tuple(a for a in (user_pool.address(setup), portal) if a)
    return [Resource(Address(NAME, pool.name), attrs, depends_on=deps)]


def live_attrs(pool: Mapping[str, Any]) -> dict[str, str]:
    template = (pool.get("AdminCreateUserConfig") or {}).get("InviteMessageTemplate") or {}
    return {key: template[name] for key, name in TEMPLATE_FIELDS if template.get(name) is not None}


def read(aws: AwsHandle, setup: Setup, state: LiveState) -> None:
    pool = state.ids.pool_raw
    if pool is None or setup.pool is None or setup.pool.invitation is None:
        return
    state.add(Resource(Address(NAME, pool["Name"]), live_attrs(pool)))


def export(run: Export) -> dict[str, Any] | None:
    """The invitation, into `pool:`, with the worker portal's URL written back as {portal_url}."""
    from gtops.kinds import user_pool, workforce

    pool = run.setup.pool
    res = run.live.get(Address(NAME, pool.name)) if pool else None
    if res is None or not res.attrs:
        return None
    portal = workforce.portal(run.setup, run.live)
    found = {k: v.replace(f"https://{portal}", PORTAL) if portal else v for k, v in res.attrs.items()}
    return {user_pool.SPEC_KEY: {"invitation": found}}


def apply(ctx: ApplyContext, change: Change) -> None:
    idp = ctx.aws.client("cognito-idp")
    attrs = ctx.resolve(change.after or {})
    if any(not isinstance(v, str) for v in attrs.values()):
        raise GtopsError("the worker portal URL is not known yet (the workforce step failed or was skipped)")
    request = cognito.pool_update_request(idp, cognito.describe_pool(ctx))
    template = request.setdefault("AdminCreateUserConfig", {}).setdefault("InviteMessageTemplate", {})
    for key, name in TEMPLATE_FIELDS:
        if key in attrs:
            template[name] = attrs[key]
    idp.update_user_pool(**request)


KIND = Kind(
    NAME,
    with_parent="the user pool",
    desired=desired,
    read=read,
    reads_after=("cognito_user_pool",),
    export=export,
    steps={"create": apply, "update": apply},
    iam=(Use(f"{__name__}:apply", "cognito-idp", ("UpdateUserPool",), "pool", "pool", APPLY),),
)
