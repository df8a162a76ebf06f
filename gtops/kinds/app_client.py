"""cognito_user_pool_client: the app client the worker portal signs in through.

Clients are found by name within the pool. Its secret is never kept: only whether it has one (which is
create-only). Its OAuth settings and portal URLs are a kind of their own (client_oauth), written after the
workforce exists. UpdateUserPoolClient resets every field it is not sent, so updates read, modify, write.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.errors import AmbiguousResource
from gtops.kinds import cognito
from gtops.kinds.base import APPLY, DESTROY, AwsHandle, Export, Kind, Use
from gtops.model import Address, Resource
from gtops.spec import fields as f

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.setup import Setup

NAME = "cognito_user_pool_client"
SPEC_KEY = "client"
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Cognito's default unit per token when TokenValidityUnits does not say.
DEFAULT_UNITS = {"access": "hours", "id": "hours", "refresh": "days"}
TOKEN_FIELDS = {"access": "AccessTokenValidity", "id": "IdTokenValidity", "refresh": "RefreshTokenValidity"}
UNIT_KEYS = {"access": "AccessToken", "id": "IdToken", "refresh": "RefreshToken"}
DEFAULT_OAUTH = {
    "flows": ("code", "implicit"),
    "scopes": ("email", "openid", "profile"),
    "identity_providers": ("COGNITO",),
}
URL = r"^(https://\S+|http://(localhost|127\.0\.0\.1|\[::1\])([:/]\S*)?)$"
URL_HINT = "must be an https URL (Cognito allows http only for localhost)"


@dataclass(frozen=True)
class ClientSpec:
    name: str
    generate_secret: bool = True
    auth_flows: tuple[str, ...] | None = None
    token_revocation: bool = True
    token_validity: Mapping[str, int] | None = None  # seconds
    oauth: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_OAUTH))
    callback_urls: tuple[str, ...] | None = None  # None: the portal's
    logout_urls: tuple[str, ...] | None = None


def parse(raw: Mapping[str, Any] | None) -> ClientSpec | None:
    from gtops.spec.durations import parse_duration

    if not raw:
        return None
    oauth = {k: tuple((raw.get("oauth") or {}).get(k, v)) for k, v in DEFAULT_OAUTH.items()}
    validity = raw.get("token_validity")
    return ClientSpec(
        name=raw["name"],
        generate_secret=raw.get("generate_secret", True),
        auth_flows=tuple(raw["auth_flows"]) if "auth_flows" in raw else None,
        token_revocation=raw.get("token_revocation", True),
        token_validity={k: int(parse_duration(v) or 0) for k, v in validity.items()} if validity else None,
        oauth=oauth,
        callback_urls=tuple(raw["callback_urls"]) if raw.get("callback_urls") else None,
        logout_urls=tuple(raw["logout_urls"]) if raw.get("logout_urls") else None,
    )


def schema() -> dict[str, Any]:
    validity = {
        "access": f.duration("Access token lifetime.", "5m", "1d"),
        "id": f.duration("ID token lifetime.", "5m", "1d"),
        "refresh": f.duration("Refresh token lifetime.", "1h", "3650d"),
    }
    url = f.text(
        "An https URL (http only for localhost, as Cognito requires).", URL, URL_HINT, maxLength=1024
    )
    return f.obj(
        "The Cognito app client the worker portal signs in through.",
        {
            "name": f.text(
                "Client name, 1-128 characters.",
                f.POOL_NAME,
                "use letters, digits, spaces and +=,.@-",
                minLength=1,
                maxLength=128,
            ),
            "generate_secret": f.boolean("Give the client a secret. Create-only. Default true."),
            "auth_flows": f.array(
                "Explicit auth flows (ExplicitAuthFlows).", {"enum": list(f.AUTH_FLOWS)}, uniqueItems=True
            ),
            "token_revocation": f.boolean("Allow refresh tokens to be revoked. Default true."),
            "token_validity": f.obj("Token lifetimes.", validity),
            "oauth": f.obj(
                "OAuth settings of the hosted UI. Default flows [code, implicit], scopes [email, openid, "
                "profile], identity providers [COGNITO].",
                {
                    "flows": f.array(
                        "Allowed OAuth flows.",
                        {"enum": ["code", "implicit", "client_credentials"]},
                        minItems=1,
                        uniqueItems=True,
                    ),
                    "scopes": f.array(
                        "Allowed OAuth scopes (at most 50).",
                        f.text(
                            "A scope such as openid.",
                            r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$",
                            "scopes are printable characters without spaces, quotes or \\",
                        ),
                        minItems=1,
                        maxItems=50,
                        uniqueItems=True,
                    ),
                    "identity_providers": f.array(
                        "Identity providers, e.g. COGNITO.",
                        f.text("Provider name.", minLength=1, maxLength=32),
                        minItems=1,
                        uniqueItems=True,
                    ),
                },
            ),
            "callback_urls": f.array(
                "Sign-in callback URLs (default: https://<portal>/oauth2/idpresponse).",
                url,
                maxItems=100,
                uniqueItems=True,
            ),
            "logout_urls": f.array(
                "Sign-out URLs (default: https://<portal>/logout).", url, maxItems=100, uniqueItems=True
            ),
        },
        ("name",),
    )


def address(setup: Setup) -> Address | None:
    return Address(NAME, setup.client.name) if setup.client else None


def desired(setup: Setup) -> list[Resource]:
    from gtops.kinds import user_pool

    client = setup.client
    if client is None:
        return []
    attrs: dict[str, Any] = {
        "name": client.name,
        "generate_secret": client.generate_secret,
        "token_revocation": client.token_revocation,
    }
    if client.auth_flows is not None:
        attrs["auth_flows"] = sorted(client.auth_flows)
    if client.token_validity is not None:
        attrs["token_validity"] = dict(client.token_validity)
    pool = user_pool.address(setup)
    return [Resource(Address(NAME, client.name), attrs, depends_on=(pool,) if pool else ())]


# --- live -------------------------------------------------------------------------------------------------


def token_validity_seconds(client: Mapping[str, Any]) -> dict[str, int]:
    units = client.get("TokenValidityUnits") or {}
    out = {}
    for key, name in TOKEN_FIELDS.items():
        value = client.get(name)
        if value is None:
            continue
        unit = units.get(UNIT_KEYS[key]) or DEFAULT_UNITS[key]
        out[key] = int(value) * UNIT_SECONDS[unit]
    return out


def live_attrs(client: Mapping[str, Any], has_secret: bool) -> dict[str, Any]:
    return {
        "name": client["ClientName"],
        "generate_secret": has_secret,
        "auth_flows": sorted(client.get("ExplicitAuthFlows") or []),
        "token_revocation": bool(client.get("EnableTokenRevocation")),
        "token_validity": token_validity_seconds(client),
    }


def clients(aws: AwsHandle, pool_id: str) -> list[dict[str, Any]]:
    """The pool's app clients, as ListUserPoolClients describes them (ClientId, ClientName)."""
    idp = aws.client("cognito-idp")
    pages = idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool_id, PaginationConfig={"PageSize": cognito.PAGE}
    )
    return [c for page in pages for c in page.get("UserPoolClients", [])]


def find(aws: AwsHandle, pool_id: str, name: str) -> str | None:
    """The id of the pool's client named `name`; two of that name are an error naming both."""
    ids = [c["ClientId"] for c in clients(aws, pool_id) if c.get("ClientName") == name]
    if len(ids) > 1:
        raise AmbiguousResource(
            f"{len(ids)} app clients are named {name!r} in pool {pool_id}: {', '.join(sorted(ids))}. "
            "Rename or delete the extra one; gtops manages clients by name."
        )
    return ids[0] if ids else None


def describe(aws: AwsHandle, pool_id: str, client_id: str) -> tuple[dict[str, Any], bool]:
    """The client's configuration without its secret (never kept, never logged), and whether it has one."""
    client: dict[str, Any] = aws.client("cognito-idp").describe_user_pool_client(
        UserPoolId=pool_id, ClientId=client_id
    )["UserPoolClient"]
    has_secret = client.pop("ClientSecret", None) is not None
    return client, has_secret


def read(aws: AwsHandle, setup: Setup, state: LiveState) -> None:
    if setup.client is None or not state.ids.pool_id:
        return
    found = find(aws, state.ids.pool_id, setup.client.name)
    if found is None:
        return
    client, has_secret = describe(aws, state.ids.pool_id, found)
    state.ids.client_id = found
    state.ids.client_raw = client
    state.add(Resource(Address(NAME, setup.client.name), live_attrs(client, has_secret), meta={"id": found}))


def export(run: Export) -> dict[str, Any] | None:
    """The client's settings, token lifetimes as durations (its OAuth settings are client_oauth's)."""
    from gtops.spec.durations import format_duration

    spec = run.setup.client
    res = run.live.get(Address(NAME, spec.name)) if spec else None
    if res is None:
        return None
    attrs = res.attrs
    out: dict[str, Any] = {"name": attrs["name"], "generate_secret": attrs["generate_secret"]}
    if attrs["auth_flows"]:
        out["auth_flows"] = attrs["auth_flows"]
    out["token_revocation"] = attrs["token_revocation"]
    if attrs["token_validity"]:
        out["token_validity"] = {k: format_duration(int(v)) for k, v in attrs["token_validity"].items()}
    return {SPEC_KEY: out}


# --- steps ------------------------------------------------------------------------------------------------


def update_request(idp: Any, client: Mapping[str, Any]) -> dict[str, Any]:
    """An UpdateUserPoolClient request equal to the client's current configuration."""
    allowed = cognito.update_members(idp, "UpdateUserPoolClient")
    return {k: copy.deepcopy(v) for k, v in client.items() if k in allowed}


def best_unit(seconds: int) -> tuple[int, str]:
    for unit in ("days", "hours", "minutes"):
        if seconds % UNIT_SECONDS[unit] == 0:
            return seconds // UNIT_SECONDS[unit], unit
    return seconds, "seconds"


def apply_fields(request: dict[str, Any], attrs: Mapping[str, Any]) -> dict[str, Any]:
    if "auth_flows" in attrs:
        request["ExplicitAuthFlows"] = list(attrs["auth_flows"])
    if "token_revocation" in attrs:
        request["EnableTokenRevocation"] = attrs["token_revocation"]
    for key, seconds in (attrs.get("token_validity") or {}).items():
        value, unit = best_unit(int(seconds))
        request[TOKEN_FIELDS[key]] = value
        request.setdefault("TokenValidityUnits", {})[UNIT_KEYS[key]] = unit
    return request


def live_client(ctx: ApplyContext) -> dict[str, Any]:
    client, _ = describe(ctx.aws, cognito.pool_id(ctx), cognito.client_id(ctx))
    return client


def _find(ctx: ApplyContext, name: str) -> str | None:
    return find(ctx.aws, cognito.pool_id(ctx), name)


def create(ctx: ApplyContext, change: Change) -> None:
    from gtops.aws import create_exactly_once

    attrs = change.after or {}
    existing = _find(ctx, attrs["name"])
    if existing:
        ctx.ids.client_id = existing
        update(ctx, change)
        return
    request = {
        "UserPoolId": cognito.pool_id(ctx),
        "ClientName": attrs["name"],
        "GenerateSecret": bool(attrs.get("generate_secret", True)),
    }
    apply_fields(request, attrs)
    answer = create_exactly_once(
        ctx.aws, "cognito-idp", "create_user_pool_client", request, lambda: _find(ctx, attrs["name"])
    )
    if "found" in answer:
        ctx.ids.client_id = answer["found"]
        update(ctx, change)
        return
    ctx.ids.client_id = answer["UserPoolClient"]["ClientId"]


def update(ctx: ApplyContext, change: Change) -> None:
    idp = ctx.aws.client("cognito-idp")
    request = update_request(idp, live_client(ctx))
    apply_fields(request, change.after or {})
    idp.update_user_pool_client(**request)


def delete(ctx: ApplyContext, change: Change) -> None:
    client_id = ctx.ids.client_id or _find(ctx, change.address.name)
    if client_id:
        ctx.aws.client("cognito-idp").delete_user_pool_client(
            UserPoolId=cognito.pool_id(ctx), ClientId=client_id
        )
    ctx.ids.client_id = None


KIND = Kind(
    NAME,
    spec_key=SPEC_KEY,
    schema=schema,
    create_only=frozenset({"generate_secret"}),
    cascades=True,
    desired=desired,
    read=read,
    reads_after=("cognito_user_pool",),
    export=export,
    steps={"create": create, "update": update, "delete": delete},
    iam=(
        Use(f"{__name__}:clients", "cognito-idp", ("ListUserPoolClients",), "pool", "client"),
        Use(f"{__name__}:describe", "cognito-idp", ("DescribeUserPoolClient",), "pool", "client"),
        Use(
            f"{__name__}:create",
            "cognito-idp",
            ("CreateUserPoolClient", "UpdateUserPoolClient"),
            "pool",
            "client",
            APPLY,
        ),
        Use(f"{__name__}:delete", "cognito-idp", ("DeleteUserPoolClient",), "owned_pool", "client", DESTROY),
    ),
)
