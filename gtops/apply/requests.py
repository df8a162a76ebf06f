"""Read-modify-write request builders: AWS resets omitted fields on UpdateUserPool/UpdateUserPoolClient,
so every update starts from the full described configuration, keeps only what the Update call accepts,
and overlays the fields the spec manages."""

from __future__ import annotations

import copy
from typing import Any

from gtops.live.cognito import EMAIL_FIELDS, PASSWORD_FIELDS, UNIT_KEYS, UNIT_SECONDS


def update_members(client, operation: str) -> set[str]:
    return set(client.meta.service_model.operation_model(operation).input_shape.members)


def pool_update_request(idp, pool: dict) -> dict:
    """UpdateUserPool request equal to the pool's current configuration."""
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


def apply_pool_fields(request: dict, attrs: dict) -> dict:
    """Overlay the spec's managed pool fields (in spec vocabulary) on an Update/Create request."""
    if "deletion_protection" in attrs:
        request["DeletionProtection"] = "ACTIVE" if attrs["deletion_protection"] else "INACTIVE"
    if "admin_only_create" in attrs:
        request.setdefault("AdminCreateUserConfig", {})["AllowAdminCreateUserOnly"] = attrs[
            "admin_only_create"
        ]
    if "mfa" in attrs:
        request["MfaConfiguration"] = attrs["mfa"].upper()
    if "password_policy" in attrs:
        policy = request.setdefault("Policies", {}).setdefault("PasswordPolicy", {})
        for key, field in PASSWORD_FIELDS.items():
            if key in attrs["password_policy"]:
                policy[field] = attrs["password_policy"][key]
        request.get("AdminCreateUserConfig", {}).pop("UnusedAccountValidityDays", None)
    if "email" in attrs:
        email = request.setdefault("EmailConfiguration", {})
        for key, field in EMAIL_FIELDS.items():
            if key in attrs["email"]:
                email[field] = attrs["email"][key]
    if "tags" in attrs:
        tags = dict(request.get("UserPoolTags") or {})
        tags.update(attrs["tags"])
        request["UserPoolTags"] = tags
    return request


def apply_invitation(request: dict, attrs: dict) -> dict:
    template = request.setdefault("AdminCreateUserConfig", {}).setdefault("InviteMessageTemplate", {})
    for key, field in (("subject", "EmailSubject"), ("message", "EmailMessage"), ("sms", "SMSMessage")):
        if key in attrs:
            template[field] = attrs[key]
    return request


def client_update_request(idp, client: dict) -> dict:
    allowed = update_members(idp, "UpdateUserPoolClient")
    return {k: copy.deepcopy(v) for k, v in client.items() if k in allowed}


def best_unit(seconds: int) -> tuple[int, str]:
    for unit in ("days", "hours", "minutes"):
        if seconds % UNIT_SECONDS[unit] == 0:
            return seconds // UNIT_SECONDS[unit], unit
    return seconds, "seconds"


def apply_client_fields(request: dict, attrs: dict) -> dict:
    if "auth_flows" in attrs:
        request["ExplicitAuthFlows"] = list(attrs["auth_flows"])
    if "token_revocation" in attrs:
        request["EnableTokenRevocation"] = attrs["token_revocation"]
    fields = {"access": "AccessTokenValidity", "id": "IdTokenValidity", "refresh": "RefreshTokenValidity"}
    for key, seconds in (attrs.get("token_validity") or {}).items():
        value, unit = best_unit(int(seconds))
        request[fields[key]] = value
        request.setdefault("TokenValidityUnits", {})[UNIT_KEYS[key]] = unit
    return request


def apply_oauth_fields(request: dict, attrs: dict[str, Any]) -> dict:
    flows = list(attrs.get("flows") or [])
    request["AllowedOAuthFlowsUserPoolClient"] = bool(flows)
    request["AllowedOAuthFlows"] = flows
    request["AllowedOAuthScopes"] = list(attrs.get("scopes") or [])
    if "identity_providers" in attrs:
        request["SupportedIdentityProviders"] = list(attrs["identity_providers"])
    if "callback_urls" in attrs:
        request["CallbackURLs"] = list(attrs["callback_urls"])
    if "logout_urls" in attrs:
        request["LogoutURLs"] = list(attrs["logout_urls"])
    if not flows:
        for key in ("AllowedOAuthFlows", "AllowedOAuthScopes"):
            request.pop(key, None)
    return request
