"""Cognito reader: the pool (by name or pinned id), its groups, app client, domain and invitation."""

from __future__ import annotations

import re

from gtops.errors import AmbiguousResource, GtopsError
from gtops.model import Address, Resource

UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Cognito's default unit per token when TokenValidityUnits does not say.
DEFAULT_UNITS = {"access": "hours", "id": "hours", "refresh": "days"}
TOKEN_FIELDS = {"access": "AccessTokenValidity", "id": "IdTokenValidity", "refresh": "RefreshTokenValidity"}
UNIT_KEYS = {"access": "AccessToken", "id": "IdToken", "refresh": "RefreshToken"}

PASSWORD_FIELDS = {
    "min_length": "MinimumLength",
    "require_uppercase": "RequireUppercase",
    "require_lowercase": "RequireLowercase",
    "require_numbers": "RequireNumbers",
    "require_symbols": "RequireSymbols",
    "temporary_password_days": "TemporaryPasswordValidityDays",
}
EMAIL_FIELDS = {
    "sending_account": "EmailSendingAccount",
    "source_arn": "SourceArn",
    "from": "From",
    "reply_to": "ReplyToEmailAddress",
}


# Cognito groups carry no tags, so gtops marks the groups it manages at the end of their description. Only
# a marked group can be pruned (a hand-made group behind a hand-made team must never be).
_GROUP_MARK = re.compile(r"\s*\[managed by gtops setup ([A-Za-z0-9_.\-]+)\]$")


def group_marker(setup: str) -> str:
    return f"[managed by gtops setup {setup}]"


def split_description(text: str | None) -> tuple[str | None, str | None]:
    """(the description as the spec writes it, the setup that manages the group or None)."""
    if not text:
        return text, None
    found = _GROUP_MARK.search(text)
    if found is None:
        return text, None
    return (text[: found.start()] or None), found.group(1)


def with_marker(description: str | None, setup: str) -> str:
    return f"{description} {group_marker(setup)}" if description else group_marker(setup)


def sign_in_of(pool: dict) -> str:
    attrs = pool.get("UsernameAttributes") or []
    if "email" in attrs:
        return "email"
    if "phone_number" in attrs:
        return "phone_number"
    return "username"


def token_validity_seconds(client: dict) -> dict[str, int]:
    units = client.get("TokenValidityUnits") or {}
    out = {}
    for key, field in TOKEN_FIELDS.items():
        value = client.get(field)
        if value is None:
            continue
        unit = units.get(UNIT_KEYS[key]) or DEFAULT_UNITS[key]
        out[key] = int(value) * UNIT_SECONDS[unit]
    return out


def pool_attrs(pool: dict) -> dict:
    attrs: dict = {
        "name": pool["Name"],
        "sign_in": sign_in_of(pool),
        "case_sensitive": (pool.get("UsernameConfiguration") or {}).get("CaseSensitive", True),
        "deletion_protection": pool.get("DeletionProtection") == "ACTIVE",
        "admin_only_create": bool((pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly")),
        "mfa": (pool.get("MfaConfiguration") or "OFF").lower(),
        "tags": dict(pool.get("UserPoolTags") or {}),
        "custom_attributes": custom_attributes(pool),
    }
    policy = (pool.get("Policies") or {}).get("PasswordPolicy") or {}
    attrs["password_policy"] = {k: policy[v] for k, v in PASSWORD_FIELDS.items() if v in policy}
    email = pool.get("EmailConfiguration") or {}
    attrs["email"] = {k: email[v] for k, v in EMAIL_FIELDS.items() if v in email}
    attrs["email"].setdefault("sending_account", "COGNITO_DEFAULT")
    return attrs


def custom_attributes(pool: dict) -> list[str]:
    names = (a.get("Name", "") for a in pool.get("SchemaAttributes") or [])
    return sorted(n[len("custom:") :] for n in names if n.startswith("custom:"))


def invitation_attrs(pool: dict) -> dict:
    template = (pool.get("AdminCreateUserConfig") or {}).get("InviteMessageTemplate") or {}
    out = {}
    for key, field in (("subject", "EmailSubject"), ("message", "EmailMessage"), ("sms", "SMSMessage")):
        if template.get(field) is not None:
            out[key] = template[field]
    return out


def client_attrs(client: dict, has_secret: bool) -> dict:
    return {
        "name": client["ClientName"],
        "generate_secret": has_secret,
        "auth_flows": sorted(client.get("ExplicitAuthFlows") or []),
        "token_revocation": bool(client.get("EnableTokenRevocation")),
        "token_validity": token_validity_seconds(client),
    }


def oauth_attrs(client: dict) -> dict:
    enabled = bool(client.get("AllowedOAuthFlowsUserPoolClient"))
    return {
        "flows": sorted(client.get("AllowedOAuthFlows") or []) if enabled else [],
        "scopes": sorted(client.get("AllowedOAuthScopes") or []) if enabled else [],
        "identity_providers": sorted(client.get("SupportedIdentityProviders") or []),
        "callback_urls": sorted(client.get("CallbackURLs") or []),
        "logout_urls": sorted(client.get("LogoutURLs") or []),
    }


def find_pool_id(aws, name: str, pinned: str | None) -> str | None:
    from botocore.exceptions import ClientError

    idp = aws.client("cognito-idp")
    if pinned:
        try:
            found = idp.describe_user_pool(UserPoolId=pinned)["UserPool"]
        except ClientError as err:
            if "ResourceNotFound" in str(err):
                raise GtopsError(f"pool.id {pinned} does not exist in {aws.region}") from None
            raise
        if found["Name"] != name:
            raise GtopsError(f"pool.id {pinned} is named {found['Name']!r}, not {name!r} as the spec says")
        return pinned
    matches = []
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        matches += [p["Id"] for p in page.get("UserPools", []) if p.get("Name") == name]
    if len(matches) > 1:
        raise AmbiguousResource(
            f"{len(matches)} user pools are named {name!r} in {aws.region}: {', '.join(sorted(matches))}. "
            f"Pin the one gtops manages with `pool: {{id: <pool id>}}` in the spec."
        )
    return matches[0] if matches else None


def read_pool_stack(aws, data: dict, state) -> None:
    spec_pool = data["pool"]
    pool_id = find_pool_id(aws, spec_pool["name"], spec_pool.get("id"))
    if pool_id is None:
        return
    idp = aws.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    state.ids["pool_id"] = pool_id
    state.ids["pool_arn"] = pool.get("Arn")
    state.ids["pool_raw"] = pool  # read-modify-write base for UpdateUserPool
    attrs = pool_attrs(pool)
    if "custom_attributes" in spec_pool:  # Cognito never removes one: only the declared ones are compared
        attrs["custom_attributes"] = sorted(
            set(attrs["custom_attributes"]) & set(spec_pool["custom_attributes"])
        )
    state.add(Resource(Address("cognito_user_pool", pool["Name"]), attrs, meta={"id": pool_id}))
    if spec_pool.get("invitation"):
        state.add(Resource(Address("cognito_invitation", pool["Name"]), invitation_attrs(pool)))

    for page in idp.get_paginator("list_groups").paginate(
        UserPoolId=pool_id, PaginationConfig={"PageSize": 60}
    ):
        for group in page.get("Groups", []):
            attrs = {"name": group["GroupName"]}
            description, owner = split_description(group.get("Description"))
            if description is not None:
                attrs["description"] = description
            attrs["managed_by"] = owner
            if group.get("Precedence") is not None:
                attrs["precedence"] = group["Precedence"]
            state.add(Resource(Address("cognito_user_group", group["GroupName"]), attrs))

    if pool.get("Domain"):
        state.ids["domain"] = pool["Domain"]
        state.add(
            Resource(
                Address("cognito_user_pool_domain", pool["Domain"]),
                {"domain": pool["Domain"], "user_pool": pool["Name"]},
            )
        )

    spec_client = data.get("client")
    if spec_client:
        read_client(aws, pool_id, spec_client["name"], state)


def read_client(aws, pool_id: str, name: str, state) -> None:
    idp = aws.client("cognito-idp")
    ids = []
    for page in idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool_id, PaginationConfig={"PageSize": 60}
    ):
        ids += [c["ClientId"] for c in page.get("UserPoolClients", []) if c.get("ClientName") == name]
    if len(ids) > 1:
        raise AmbiguousResource(
            f"{len(ids)} app clients are named {name!r} in pool {pool_id}: {', '.join(sorted(ids))}. "
            "Rename or delete the extra one; gtops manages clients by name."
        )
    if not ids:
        return
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=ids[0])["UserPoolClient"]
    # The secret is never kept: only whether one exists (it decides create-only `generate_secret`).
    has_secret = client.pop("ClientSecret", None) is not None
    state.ids["client_id"] = ids[0]
    state.ids["client_raw"] = client
    state.add(
        Resource(
            Address("cognito_user_pool_client", name), client_attrs(client, has_secret), meta={"id": ids[0]}
        )
    )
    state.add(Resource(Address("cognito_client_oauth", name), oauth_attrs(client)))
