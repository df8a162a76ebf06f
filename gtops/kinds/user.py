"""cognito_user: the workers, planned as a roster (gtops.members) from bulk reads, written in one batch.

No `members:` section means the roster is not managed at all; an empty roster is `members: {}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.kinds.base import APPLY, DESTROY, Export, Kind, Use
from gtops.spec import fields as f

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.preflight import Finding, Preflight
    from gtops.spec import Spec

NAME = "cognito_user"
SPEC_KEY = "members"
CSV_THRESHOLD = 25  # `gtops export`: more workers than this go to a roster file (with --out)
# Cognito quota categories gtops paces itself in (gtops.members.ratelimit), plus SNS subscriptions.
QUOTA_CATEGORIES = (
    "UserCreation",
    "UserUpdate",
    "UserList",
    "UserRead",
    "UserResourceRead",
    "SnsSubscription",
)


@dataclass(frozen=True, slots=True)  # (slots: a 50,000-worker roster holds 50,000 of them)
class WorkerSpec:
    email: str
    groups: tuple[str, ...] = ()
    enabled: bool = True
    phone: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.email.strip().lower()


@dataclass(frozen=True)
class MembersSpec:
    invitation: str = "email"  # or "suppress"
    workers: tuple[WorkerSpec, ...] = ()
    csv: tuple[str, ...] = ()  # the roster files (absolute paths), already merged into `workers`
    quotas: Mapping[str, float] = field(default_factory=dict)


def parse(raw: Mapping[str, Any] | None) -> MembersSpec | None:
    if raw is None:
        return None
    workers = tuple(
        WorkerSpec(
            email=w["email"],
            groups=tuple(w.get("groups") or ()),
            enabled=bool(w.get("enabled", True)),
            phone=w.get("phone"),
            attributes={str(k): str(v) for k, v in (w.get("attributes") or {}).items()},
        )
        for w in raw.get("workers") or []
    )
    csv = raw.get("csv")
    return MembersSpec(
        invitation=raw.get("invitation") or "email",
        workers=workers,
        csv=(csv,) if isinstance(csv, str) else tuple(csv or ()),
        quotas=dict(raw.get("quotas") or {}),
    )


def schema() -> dict[str, Any]:
    worker = f.obj(
        "One worker (a Cognito user).",
        {
            "email": f.text(
                "E-mail address; also the sign-in name.", f.EMAIL, "must be an e-mail address", maxLength=128
            ),
            "phone": {
                "type": "string",
                "pattern": f.PHONE,
                "description": 'Phone number in E.164 form, quoted, e.g. "+14155550100".',
                "x-message": 'must be a quoted E.164 phone number such as "+14155550100"',
            },
            "groups": f.array(
                "Groups the worker belongs to.", f.text("A group name.", minLength=1), uniqueItems=True
            ),
            "enabled": f.boolean("false disables the user (kept, but cannot sign in). Default true."),
            "attributes": {
                "type": "object",
                "description": "Other Cognito attributes, e.g. given_name or custom:site (strings).",
                "propertyNames": {
                    "pattern": r"^[^\s]{1,32}$",
                    "x-hint": "attribute names are 1-32 characters without spaces",
                },
                "additionalProperties": {
                    "type": "string",
                    "maxLength": 2048,
                    "description": "Attribute value (text).",
                },
            },
        },
        ("email",),
    )
    return f.obj(
        "The roster: workers inline and/or from CSV files.",
        {
            "invitation": {
                "description": "email: Cognito e-mails the invitation; suppress: create users "
                "silently. Default email.",
                "enum": ["email", "suppress"],
            },
            "csv": {
                "description": "CSV file(s) of workers, relative to this spec file. Columns: email "
                "(required), phone, groups (';'-separated), enabled (true/false/yes/no/1/0); any other "
                "column is a Cognito attribute.",
                "anyOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                ],
                "x-message": "must be a CSV file path or a list of them",
            },
            "workers": f.array("Workers given inline.", worker),
            "quotas": f.obj(
                "Client-side request rates (calls per second) per Cognito quota category, for accounts "
                "with raised quotas or tools sharing them. Defaults: AWS's published quotas. The "
                "GTOPS_COGNITO_QUOTAS environment variable overrides these.",
                {
                    name: {
                        "description": f"{name} calls per second.",
                        "type": "number",
                        "exclusiveMinimum": 0,
                    }
                    for name in QUOTA_CATEGORIES
                },
            ),
        },
    )


def plan(aws: AwsHandle, spec: Spec, live: LiveState) -> tuple[list[Change], list[str]] | None:
    """The roster is managed only when the spec has a `members:` section (and a pool to hold it)."""
    from gtops.members.plan import plan_members

    if spec.setup.members is None or spec.setup.pool is None:
        return None
    return plan_members(aws, spec.setup, live)


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or a tab or carriage return) would run
    as a formula when the roster is opened (CSV injection; OWASP's advice is a leading apostrophe, which the
    roster reader drops again)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def export(run: Export) -> dict[str, Any] | None:
    """The pool's users with their groups, adopted as they are (no invitation for existing accounts); more
    than CSV_THRESHOLD go to a roster file when the export is written to a folder."""
    import csv
    import io
    from dataclasses import replace

    from gtops.kinds.user_group import GroupSpec
    from gtops.members.read import read_roster

    # Every group of the pool is exported, so membership in each is read; no team: no subscriptions.
    groups = tuple(GroupSpec(res.name) for res in run.live.of_kind("cognito_user_group"))
    users = read_roster(run.aws, replace(run.setup, groups=groups, teams=()), run.live).users
    if not users:
        return None
    workers = []
    skipped = []
    for u in sorted(users, key=lambda u: (u.email or "").lower()):
        if not u.email:
            skipped.append(u.username)
            continue
        w: dict[str, Any] = {"email": u.email}
        if u.phone:
            w["phone"] = u.phone
        w["groups"] = sorted(u.groups)
        w["enabled"] = u.enabled
        if u.attributes:
            w["attributes"] = dict(sorted(u.attributes.items()))
        workers.append(w)
    if skipped:
        run.notes.append(
            f"{len(skipped)} users have no e-mail and are not exported: {', '.join(skipped[:10])}"
        )
    members: dict[str, Any] = {"invitation": "suppress"}
    if run.csv_name and len(workers) > CSV_THRESHOLD:
        attrs = sorted({k for w in workers for k in (w.get("attributes") or {})})
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([spreadsheet_safe(c) for c in ["email", "phone", "groups", "enabled", *attrs]])
        for w in workers:
            row = [w["email"], w.get("phone", ""), ";".join(w["groups"]), "true" if w["enabled"] else "false"]
            row += [(w.get("attributes") or {}).get(a, "") for a in attrs]
            writer.writerow([spreadsheet_safe(c) for c in row])
        run.files[run.csv_name] = buf.getvalue()
        members["csv"] = run.csv_name
    else:
        members["workers"] = workers
    return {SPEC_KEY: members}


def preflight(run: Preflight) -> list[Finding]:
    """Cognito's 50 e-mails a day (default e-mail) and 100 groups per user (gtops.members.preflight)."""
    from gtops.members.preflight import check

    return check(run)


def write_workers(ctx: ApplyContext, changes: list[Change]) -> Any:
    from gtops.members.apply import apply_members

    return apply_members(ctx, changes)


W = "gtops.members.apply:WorkerWriter"
KIND = Kind(
    NAME,
    spec_key=SPEC_KEY,
    schema=schema,
    protected=True,
    bulk=True,
    personal=True,
    implies=("cognito_user_pool", "cognito_user_group"),
    plan=plan,
    export=export,
    batch=write_workers,
    preflight=preflight,
    iam=(
        Use("gtops.members.read:list_users", "cognito-idp", ("ListUsers",), "pool", "members"),
        Use("gtops.members.read:group_members", "cognito-idp", ("ListUsersInGroup",), "pool", "members"),
        # Checks before apply: a worker's groups beyond the spec's, in a pool of more than 100 groups.
        Use(
            "gtops.members.preflight:user_groups",
            "cognito-idp",
            ("AdminListGroupsForUser",),
            "pool",
            "members",
        ),
        Use(
            "gtops.members.read:email_subscriptions",
            "sns",
            ("ListSubscriptionsByTopic",),
            "topic",
            "members_topic",
        ),
        Use(
            "gtops.members.read:read_changed",
            "cognito-idp",
            ("ListUsers", "AdminListGroupsForUser"),
            "pool",
            "members",
            APPLY,
        ),
        Use(
            f"{W}.read_user",
            "cognito-idp",
            ("AdminGetUser", "AdminListGroupsForUser"),
            "pool",
            "members",
            APPLY,
        ),
        Use(
            f"{W}.converge",
            "cognito-idp",
            (
                "AdminCreateUser",
                "AdminUpdateUserAttributes",
                "AdminEnableUser",
                "AdminDisableUser",
                "AdminAddUserToGroup",
                "AdminRemoveUserFromGroup",
            ),
            "pool",
            "members",
            APPLY,
        ),
        Use(f"{W}.converge", "sns", ("Subscribe", "Unsubscribe"), "topic", "members_topic", APPLY),
        Use(f"{W}.delete", "cognito-idp", ("AdminDeleteUser",), "owned_pool", "prune_members", DESTROY),
    ),
)
