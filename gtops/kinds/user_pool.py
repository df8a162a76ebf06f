"""cognito_user_pool: the pool that holds the workers (the private workforce's identity store).

Pools are found by name (Cognito does not keep names unique: `pool.id` pins one). Every update is
read-modify-write, because UpdateUserPool resets whatever it is not sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.kinds import cognito, invitation
from gtops.kinds.base import APPLY, DESTROY, AwsHandle, Export, Kind, Use
from gtops.model import Address, Resource, user_tags
from gtops.spec import fields as f

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.kinds.invitation import InvitationSpec
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.setup import Setup

NAME = "cognito_user_pool"
SPEC_KEY = "pool"

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


MFA_MODES = ("off", "optional", "on")


@dataclass(frozen=True)
class MfaSpec:
    """The pool's MFA: a mode and its factors. AWS wants a factor for optional or on (SetUserPoolMfaConfig:
    "can't disable all MFAs with a required or optional configuration"): TOTP (authenticator apps), or SMS
    through an IAM role Cognito assumes (SnsCallerArn) with its external id."""

    mode: str = "off"
    totp: bool = False
    sms_role_arn: str | None = None
    sms_external_id: str | None = None

    def attrs(self) -> dict[str, Any]:
        """In the plan's vocabulary; `off` compares the mode only (factors of a pool without MFA are moot)."""
        if self.mode == "off":
            return {"mode": "off"}
        sms = None
        if self.sms_role_arn:
            sms = {"role_arn": self.sms_role_arn, "external_id": self.sms_external_id}
        return {"mode": self.mode, "totp": self.totp, "sms": sms}


def _mode(value: Any) -> str:
    if isinstance(value, bool):  # YAML 1.1 reads `off` as false and `on` as true
        return "on" if value else "off"
    return str(value)


def parse_mfa(raw: Any) -> MfaSpec | None:
    """`mfa: off|optional|on` (optional and on mean TOTP), or `{mode, totp, sms: {role_arn, external_id}}`."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        mode = _mode(raw)
        return MfaSpec(mode, totp=mode != "off")
    sms = raw.get("sms") or {}
    return MfaSpec(
        _mode(raw.get("mode", "off")),
        totp=bool(raw.get("totp", False)),
        sms_role_arn=sms.get("role_arn"),
        sms_external_id=sms.get("external_id"),
    )


@dataclass(frozen=True)
class PoolSpec:
    name: str
    id: str | None = None  # pins one pool when two share the name
    sign_in: str = "email"
    case_sensitive: bool = False
    deletion_protection: bool = True
    admin_only_create: bool = True
    mfa: MfaSpec | None = None  # None: unmanaged
    password_policy: Mapping[str, Any] | None = None
    email: Mapping[str, Any] | None = None
    invitation: InvitationSpec | None = None
    custom_attributes: tuple[str, ...] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def parse(raw: Mapping[str, Any] | None) -> PoolSpec | None:
    if not raw:
        return None
    custom = raw.get("custom_attributes")
    return PoolSpec(
        name=raw["name"],
        id=raw.get("id"),
        sign_in=raw.get("sign_in", "email"),
        case_sensitive=raw.get("case_sensitive", False),
        deletion_protection=raw.get("deletion_protection", True),
        admin_only_create=raw.get("admin_only_create", True),
        mfa=parse_mfa(raw.get("mfa")),
        password_policy=dict(raw["password_policy"]) if "password_policy" in raw else None,
        email=dict(raw["email"]) if "email" in raw else None,
        invitation=invitation.parse(raw.get("invitation")),
        custom_attributes=tuple(custom) if custom is not None else None,
        tags=dict(raw.get("tags") or {}),
    )


def schema() -> dict[str, Any]:
    return f.obj(
        "The Cognito user pool that holds the workers (the private workforce's identity store).",
        {
            "name": f.text(
                "Pool name (1-128 letters, digits, spaces and +=,.@-). Pools are matched by name.",
                f.POOL_NAME,
                "use letters, digits, spaces and +=,.@-",
                minLength=1,
                maxLength=128,
            ),
            "id": f.text(
                "Pin one existing pool by id when two pools share the name, e.g. us-east-1_AbC123.",
                r"^[\w-]+_[0-9a-zA-Z]+$",
                "a pool id looks like us-east-1_AbC123",
                maxLength=55,
            ),
            "sign_in": {
                "description": "What workers sign in with (Cognito UsernameAttributes). Create-only: "
                "changing it means a new pool. Default email.",
                "enum": ["email", "phone_number", "username"],
            },
            "case_sensitive": f.boolean(
                "Whether user names are case sensitive. Create-only. Default false (AWS recommends false)."
            ),
            "deletion_protection": f.boolean("Refuse to delete the pool while on. Default true."),
            "admin_only_create": f.boolean(
                "Only administrators (gtops) create users; no self sign-up. Default true."
            ),
            "mfa": mfa_schema(),
            "password_policy": f.obj(
                "Password rules for workers.",
                {
                    "min_length": f.integer("Minimum length, 6-99.", 6, 99),
                    "require_uppercase": f.boolean("Require an upper-case letter."),
                    "require_lowercase": f.boolean("Require a lower-case letter."),
                    "require_numbers": f.boolean("Require a digit."),
                    "require_symbols": f.boolean("Require a symbol."),
                    "temporary_password_days": f.integer(
                        "Days a temporary (invitation) password stays valid, 0-365.", 0, 365
                    ),
                },
            ),
            "email": f.obj(
                "How Cognito sends e-mail. COGNITO_DEFAULT is capped at 50 e-mails a day per account; use "
                "DEVELOPER (Amazon SES) for real workforces.",
                {
                    "sending_account": {
                        "description": "COGNITO_DEFAULT or DEVELOPER (SES).",
                        "enum": ["COGNITO_DEFAULT", "DEVELOPER"],
                    },
                    "source_arn": f.text(
                        "ARN of the verified SES identity (DEVELOPER only).",
                        r"^arn:[\w+=/,.@-]+:ses:[\w+=/,.@-]*:[0-9]+:[\w+=/,.@-]+$",
                        "must be an SES identity ARN",
                    ),
                    "from": f.text(
                        "From address, e.g. 'Labeling <labeling@example.com>' (DEVELOPER only).", minLength=1
                    ),
                    "reply_to": f.text("Reply-to address.", f.EMAIL, "must be an e-mail address"),
                    "configuration_set": f.text("SES configuration set name.", minLength=1, maxLength=64),
                },
                ("sending_account",),
            ),
            "invitation": invitation.schema(),
            "custom_attributes": f.array(
                "Custom user attributes the pool declares (text, changeable), written custom:<name> in "
                "worker attributes. Cognito cannot remove one: gtops only adds what is missing.",
                f.text(
                    "Attribute name without the custom: prefix, 1-20 characters.",
                    r"^[\w.:-]{1,20}$",
                    "custom attribute names are 1-20 letters, digits and _.:-",
                ),
                maxItems=50,
                uniqueItems=True,
            ),
            "tags": f.tags("Tags on the user pool (added to the common tags)."),
        },
        ("name",),
    )


def mfa_schema() -> dict[str, Any]:
    mode = {"enum": [*MFA_MODES, False, True]}
    mapping = f.obj(
        "MFA with its factors.",
        {
            "mode": {"description": "off, optional or on.", **mode},
            "totp": f.boolean("Authenticator apps (time-based one-time passwords). Default false."),
            "sms": f.obj(
                "Codes by SMS, sent through Amazon SNS with an IAM role Cognito assumes.",
                {
                    "role_arn": f.text(
                        "The role Cognito assumes to send SMS (SnsCallerArn); it must trust "
                        "cognito-idp.amazonaws.com and may publish to SNS.",
                        f.ROLE_ARN,
                        "must be an IAM role ARN",
                    ),
                    "external_id": f.text(
                        "The external id the role's trust policy requires (ExternalId).", minLength=1
                    ),
                },
                ("role_arn", "external_id"),
            ),
        },
        ("mode",),
    )
    return {
        "description": "Multi-factor authentication, unmanaged when absent: off, optional or on (optional "
        "and on with authenticator apps, TOTP), or {mode, totp, sms: {role_arn, external_id}}. AWS needs a "
        "factor for optional and on; gtops sets them through SetUserPoolMfaConfig, on a new pool too.",
        "if": {"type": "object"},
        "then": mapping,
        "else": mode,
    }


def address(setup: Setup) -> Address | None:
    return Address(NAME, setup.pool.name) if setup.pool else None


def desired(setup: Setup) -> list[Resource]:
    pool = setup.pool
    if pool is None:
        return []
    attrs: dict[str, Any] = {
        "name": pool.name,
        "sign_in": pool.sign_in,
        "case_sensitive": pool.case_sensitive,
        "deletion_protection": pool.deletion_protection,
        "admin_only_create": pool.admin_only_create,
    }
    if pool.mfa is not None:
        attrs["mfa"] = pool.mfa.attrs()
    if pool.password_policy is not None:
        attrs["password_policy"] = dict(pool.password_policy)
    if pool.email is not None:
        attrs["email"] = dict(pool.email)
    if pool.custom_attributes is not None:
        attrs["custom_attributes"] = sorted(pool.custom_attributes)
    attrs["tags"] = setup.ownership_tags(pool.tags)
    return [Resource(Address(NAME, pool.name), attrs, meta={"pinned_id": pool.id})]


# --- live -------------------------------------------------------------------------------------------------


def sign_in_of(pool: Mapping[str, Any]) -> str:
    attrs = pool.get("UsernameAttributes") or []
    if "email" in attrs:
        return "email"
    if "phone_number" in attrs:
        return "phone_number"
    return "username"


def custom_attributes(pool: Mapping[str, Any]) -> list[str]:
    names = (a.get("Name", "") for a in pool.get("SchemaAttributes") or [])
    return sorted(n[len("custom:") :] for n in names if n.startswith("custom:"))


def live_attrs(pool: Mapping[str, Any]) -> dict[str, Any]:
    """A described pool in the spec's vocabulary (also what `gtops export` writes)."""
    attrs: dict[str, Any] = {
        "name": pool["Name"],
        "sign_in": sign_in_of(pool),
        "case_sensitive": (pool.get("UsernameConfiguration") or {}).get("CaseSensitive", True),
        "deletion_protection": pool.get("DeletionProtection") == "ACTIVE",
        "admin_only_create": bool((pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly")),
        "mfa": {"mode": (pool.get("MfaConfiguration") or "OFF").lower(), "totp": False, "sms": None},
        "tags": dict(pool.get("UserPoolTags") or {}),
        "custom_attributes": custom_attributes(pool),
    }
    policy = (pool.get("Policies") or {}).get("PasswordPolicy") or {}
    attrs["password_policy"] = {k: policy[v] for k, v in PASSWORD_FIELDS.items() if v in policy}
    email = pool.get("EmailConfiguration") or {}
    attrs["email"] = {k: email[v] for k, v in EMAIL_FIELDS.items() if v in email}
    attrs["email"].setdefault("sending_account", "COGNITO_DEFAULT")
    return attrs


def live_mfa(idp: Any, pool_id: str) -> dict[str, Any]:
    """The pool's MFA mode and factors, from GetUserPoolMfaConfig (DescribeUserPool has the mode only)."""
    config = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    sms = ((config.get("SmsMfaConfiguration") or {}).get("SmsConfiguration") or {}).get("SnsCallerArn")
    return {
        "mode": (config.get("MfaConfiguration") or "OFF").lower(),
        "totp": bool((config.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled")),
        "sms": {
            "role_arn": sms,
            "external_id": config["SmsMfaConfiguration"]["SmsConfiguration"].get("ExternalId"),
        }
        if sms
        else None,
    }


def read(aws: AwsHandle, setup: Setup, state: LiveState) -> None:
    spec = setup.pool
    if spec is None:
        return
    found = cognito.find_pool_id(aws, spec.name, spec.id)
    if found is None:
        return
    pool = aws.client("cognito-idp").describe_user_pool(UserPoolId=found)["UserPool"]
    state.ids.pool_id = found
    state.ids.pool_arn = pool.get("Arn")
    state.ids.pool_raw = pool  # read-modify-write base for UpdateUserPool, read by the pool's other kinds
    attrs = live_attrs(pool)
    if spec.mfa is not None or attrs["mfa"]["mode"] != "off":
        attrs["mfa"] = live_mfa(aws.client("cognito-idp"), found)
    if spec.custom_attributes is not None:  # Cognito never removes one: only the declared ones compare
        attrs["custom_attributes"] = sorted(set(attrs["custom_attributes"]) & set(spec.custom_attributes))
    state.add(Resource(Address(NAME, pool["Name"]), attrs, meta={"id": found}))


def export(run: Export) -> dict[str, Any] | None:
    """The pool's settings, written out in full (AWS's values, not gtops's defaults, are what is adopted)."""
    spec = run.setup.pool
    res = run.live.get(Address(NAME, spec.name)) if spec else None
    if spec is None or res is None:
        return None
    attrs = res.attrs
    out: dict[str, Any] = {"name": attrs["name"]}
    if spec.id:  # pinned only when another pool of the region has the same name
        out["id"] = spec.id
    for key in ("sign_in", "case_sensitive", "deletion_protection", "admin_only_create"):
        out[key] = attrs[key]
    out["mfa"] = _export_mfa(attrs["mfa"])
    for key in ("password_policy", "email", "custom_attributes"):
        if attrs.get(key):
            out[key] = attrs[key]
    if user_tags(attrs.get("tags")):
        out["tags"] = user_tags(attrs.get("tags"))
    return {SPEC_KEY: out}


def _export_mfa(mfa: Mapping[str, Any]) -> Any:
    if mfa["mode"] == "off":
        return "off"
    out: dict[str, Any] = {"mode": mfa["mode"], "totp": bool(mfa.get("totp"))}
    if mfa.get("sms"):
        out["sms"] = dict(mfa["sms"])
    return out


# --- steps ------------------------------------------------------------------------------------------------


def apply_fields(request: dict[str, Any], attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Overlay the spec's managed pool fields (in the spec's vocabulary) on a Create or Update request."""
    if "deletion_protection" in attrs:
        request["DeletionProtection"] = "ACTIVE" if attrs["deletion_protection"] else "INACTIVE"
    if "admin_only_create" in attrs:
        request.setdefault("AdminCreateUserConfig", {})["AllowAdminCreateUserOnly"] = attrs[
            "admin_only_create"
        ]
    if "mfa" in attrs:
        request["MfaConfiguration"] = attrs["mfa"]["mode"].upper()
        if attrs["mfa"].get("sms"):
            request["SmsConfiguration"] = _sms_configuration(attrs["mfa"]["sms"])
    if "password_policy" in attrs:
        policy = request.setdefault("Policies", {}).setdefault("PasswordPolicy", {})
        for key, name in PASSWORD_FIELDS.items():
            if key in attrs["password_policy"]:
                policy[name] = attrs["password_policy"][key]
        request.get("AdminCreateUserConfig", {}).pop("UnusedAccountValidityDays", None)
    if "email" in attrs:
        email = request.setdefault("EmailConfiguration", {})
        for key, name in EMAIL_FIELDS.items():
            if key in attrs["email"]:
                email[name] = attrs["email"][key]
    if "tags" in attrs:
        tags = dict(request.get("UserPoolTags") or {})
        tags.update(attrs["tags"])
        request["UserPoolTags"] = tags
    return request


def _sms_configuration(sms: Mapping[str, Any]) -> dict[str, Any]:
    return {"SnsCallerArn": sms["role_arn"], "ExternalId": sms["external_id"]}


def set_mfa(idp: Any, pool_id: str, mfa: Mapping[str, Any]) -> None:
    """SetUserPoolMfaConfig, the one call that sets MFA with TOTP (CreateUserPool "supports only SMS MFA
    configuration"), as Terraform does it: the mode and, unless it is off, the factors. AWS refuses OFF with a
    factor ("can't turn off MFA and configure an MFA together") and ON or OPTIONAL without one."""
    request: dict[str, Any] = {"UserPoolId": pool_id, "MfaConfiguration": mfa["mode"].upper()}
    if mfa["mode"] != "off":
        request["SoftwareTokenMfaConfiguration"] = {"Enabled": bool(mfa.get("totp"))}
        if mfa.get("sms"):
            request["SmsMfaConfiguration"] = {"SmsConfiguration": _sms_configuration(mfa["sms"])}
    idp.set_user_pool_mfa_config(**request)


def _custom_attribute(name: str) -> dict[str, Any]:
    return {"Name": name, "AttributeDataType": "String", "Mutable": True}


def create(ctx: ApplyContext, change: Change) -> None:
    from gtops.aws import create_exactly_once

    attrs = change.after or {}
    existing = cognito.find_pool_id(ctx.aws, attrs["name"], None)
    if existing:  # created by an interrupted earlier run: converge by updating instead
        ctx.ids.pool_id = existing
        update(ctx, change)
        return
    request: dict[str, Any] = {"PoolName": attrs["name"]}
    sign_in = attrs.get("sign_in", "email")
    if sign_in != "username":
        request["UsernameAttributes"] = [sign_in]
        request["AutoVerifiedAttributes"] = [sign_in]
    request["UsernameConfiguration"] = {"CaseSensitive": bool(attrs.get("case_sensitive", False))}
    if attrs.get("custom_attributes"):
        request["Schema"] = [_custom_attribute(n) for n in attrs["custom_attributes"]]
    apply_fields(request, attrs)
    # CreateUserPool takes MFA only with SMS; like Terraform, gtops creates the pool without MFA and sets it
    # (TOTP or SMS) through SetUserPoolMfaConfig. The SmsConfiguration stays: it also sends SMS messages.
    request.pop("MfaConfiguration", None)
    answer = create_exactly_once(
        ctx.aws,
        "cognito-idp",
        "create_user_pool",
        request,
        lambda: cognito.find_pool_id(ctx.aws, attrs["name"], None),
    )
    if "found" in answer:  # it was created, but the answer was lost: make it match the spec
        ctx.ids.pool_id = answer["found"]
        update(ctx, change)
        return
    ctx.ids.pool_id = answer["UserPool"]["Id"]
    ctx.ids.pool_raw = answer["UserPool"]
    if attrs.get("mfa", {}).get("mode", "off") != "off":
        set_mfa(ctx.aws.client("cognito-idp"), ctx.ids.pool_id, attrs["mfa"])


def update(ctx: ApplyContext, change: Change) -> None:
    idp = ctx.aws.client("cognito-idp")
    mfa = (change.after or {}).get("mfa")
    if mfa is not None and (change.before or {}).get("mfa") != mfa:
        # The factors first, so the UpdateUserPool below (which re-sends the mode) meets a pool that has one.
        set_mfa(idp, cognito.pool_id(ctx), mfa)
    pool = cognito.describe_pool(ctx)
    have = set(custom_attributes(pool))
    missing = [n for n in (change.after or {}).get("custom_attributes", []) if n not in have]
    if missing:  # AddCustomAttributes only adds; Cognito cannot remove a custom attribute
        added = [_custom_attribute(n) for n in missing]
        idp.add_custom_attributes(UserPoolId=pool["Id"], CustomAttributes=added)
    request = cognito.pool_update_request(idp, pool)
    apply_fields(request, change.after or {})
    idp.update_user_pool(**request)


def delete(ctx: ApplyContext, change: Change) -> None:
    idp = ctx.aws.client("cognito-idp")
    pool = cognito.describe_pool(ctx)
    if pool.get("DeletionProtection") == "ACTIVE":
        request = cognito.pool_update_request(idp, pool)
        request["DeletionProtection"] = "INACTIVE"
        idp.update_user_pool(**request)
    if pool.get("Domain"):
        idp.delete_user_pool_domain(Domain=pool["Domain"], UserPoolId=pool["Id"])
    idp.delete_user_pool(UserPoolId=pool["Id"])
    ctx.ids.pool_id = ctx.ids.pool_raw = ctx.ids.client_id = ctx.ids.domain = None


def risky_update(before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
    if before.get("deletion_protection") and not after.get("deletion_protection", True):
        return "turning off the pool's deletion protection"
    return None


def destroy_risks(pool: Resource, aws: AwsHandle, live: LiveState) -> list[str]:
    from gtops.members.read import list_users

    users = len(list_users(aws, live.ids.pool_id)) if live.ids.pool_id else 0
    risks = [f"deleting the user pool deletes its {users} user account(s) for good"]
    if pool.attrs.get("deletion_protection"):
        risks.append("the pool has deletion protection")
    return risks


KIND = Kind(
    NAME,
    spec_key=SPEC_KEY,
    schema=schema,
    destroy_risks=destroy_risks,
    create_only=frozenset({"sign_in", "case_sensitive"}),
    protected=True,
    risky_update=risky_update,
    tagged=True,
    desired=desired,
    read=read,
    export=export,
    steps={"create": create, "update": update, "delete": delete},
    iam=(
        Use("gtops.kinds.cognito:user_pools", "cognito-idp", ("ListUserPools",), "any", "pool"),
        Use("gtops.kinds.cognito:find_pool_id", "cognito-idp", ("DescribeUserPool",), "pool", "pool"),
        Use(f"{__name__}:read", "cognito-idp", ("DescribeUserPool",), "pool", "pool"),
        Use(f"{__name__}:live_mfa", "cognito-idp", ("GetUserPoolMfaConfig",), "pool", "pool"),
        Use(f"{__name__}:set_mfa", "cognito-idp", ("SetUserPoolMfaConfig",), "pool", "pool_mfa", APPLY),
        # Cognito assumes the SMS role (SnsCallerArn) these calls name: passing a role to a service is
        # iam:PassRole (assumed needed here as for every role a service assumes; granted only on that role,
        # only to cognito-idp.amazonaws.com).
        Use(f"{__name__}:set_mfa", "iam", ("PassRole",), "sms_role", "pool_mfa_sms", APPLY),
        Use(f"{__name__}:create", "cognito-idp", ("CreateUserPool",), "any", "pool", APPLY),
        Use(f"{__name__}:create", "cognito-idp", ("TagResource",), "pool", "pool", APPLY),
        Use("gtops.kinds.cognito:describe_pool", "cognito-idp", ("DescribeUserPool",), "pool", "pool", APPLY),
        Use(
            f"{__name__}:update",
            "cognito-idp",
            ("UpdateUserPool", "AddCustomAttributes"),
            "pool",
            "pool",
            APPLY,
        ),
        Use(f"{__name__}:destroy_risks", "cognito-idp", ("ListUsers",), "pool", "pool", DESTROY),
        Use(
            f"{__name__}:delete",
            "cognito-idp",
            ("DeleteUserPool", "UpdateUserPool", "DeleteUserPoolDomain"),
            "owned_pool",
            "pool",
            DESTROY,
        ),
    ),
)
