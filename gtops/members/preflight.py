"""Checks before apply for the roster (the cognito_user kind's `preflight`): Cognito limits an apply would
otherwise hit part-way through writing the workers.

- E-mail: through Cognito's default e-mail (`sending_account: COGNITO_DEFAULT`) an AWS account sends at most
  50 messages a day, across all its user pools: "Email messages sent daily per AWS account | 50 | No", "This
  quota applies only if you are using the default email feature for an Amazon Cognito user pool ... This
  restriction resets daily at 0900 UTC." (Cognito Developer Guide, Quotas in Amazon Cognito, user pools
  resource quotas). Past it AdminCreateUser fails with LimitExceededException ("Exceeded daily email limit
  for the operation or the account"), so a roster of 300 new workers would leave 250 uninvited. gtops cannot
  read how many were already sent today: more than 50 invitations in one plan is an error, more than half of
  them a warning.
- Groups: "Groups to which each user can belong | 100 | No" (same page). Only a pool with more than 100 groups
  can put a worker over it; gtops then reads the groups of each worker the plan adds to groups.
"""

from __future__ import annotations

from typing import Any

from gtops.plan import Action, Change
from gtops.preflight import Finding, Preflight, denied, error, warning

KIND = "cognito_user"
DAILY_EMAILS = 50
MAX_GROUPS = 100
QUOTAS = "Cognito Developer Guide, Quotas in Amazon Cognito"


def check(ctx: Preflight) -> list[Finding]:
    return invitations(ctx) + group_counts(ctx)


def sending_account(ctx: Preflight) -> str:
    """How the pool sends e-mail after this plan: the spec's `pool.email`, else the live pool's, else the
    default a new pool gets (COGNITO_DEFAULT)."""
    pool = ctx.setup.pool
    if pool is not None and pool.email and pool.email.get("sending_account"):
        return str(pool.email["sending_account"])
    raw = ctx.live.ids.pool_raw or {}
    return str((raw.get("EmailConfiguration") or {}).get("EmailSendingAccount") or "COGNITO_DEFAULT")


def invitations(ctx: Preflight) -> list[Finding]:
    members = ctx.setup.members
    if members is None or members.invitation != "email" or sending_account(ctx) != "COGNITO_DEFAULT":
        return []
    count = len(ctx.changes(KIND, Action.CREATE))
    if count <= DAILY_EMAILS // 2:
        return []
    subject = f"{KIND} ({count} new workers)"
    rule = (
        f"Cognito's default e-mail (sending_account: COGNITO_DEFAULT) sends at most {DAILY_EMAILS} messages "
        f"a day per AWS account, across all its user pools, resetting at 09:00 UTC ({QUOTAS}: 'Email "
        "messages sent daily per AWS account')"
    )
    fix = (
        "send through Amazon SES (pool.email: {sending_account: DEVELOPER, source_arn: <SES identity ARN>}), "
        f"or add the workers in batches of at most {DAILY_EMAILS} a day, or set members.invitation: suppress "
        "and invite them later with `gtops members resend --email ...` (the same quota applies)."
    )
    if count > DAILY_EMAILS:
        return [
            error(
                subject,
                f"the plan invites {count} workers by e-mail, but {rule}. AdminCreateUser fails with "
                f"LimitExceededException after the {DAILY_EMAILS}th, so at least {count - DAILY_EMAILS} "
                "would stay uninvited today.",
                fix,
            )
        ]
    return [
        warning(
            subject,
            f"the plan invites {count} workers by e-mail, more than half of what {rule}; e-mails other pools "
            "of the account send today count too.",
            fix,
        )
    ]


def _groups(change: Change, side: str) -> set[str]:
    record = (change.before if side == "before" else change.after) or {}
    return set(record.get("groups") or [])


def group_counts(ctx: Preflight) -> list[Finding]:
    changes = ctx.changes(KIND, Action.CREATE, Action.UPDATE)
    out: list[Finding] = []
    growing: list[tuple[Change, set[str], set[str]]] = []
    for change in changes:
        after = _groups(change, "after")
        if len(after) > MAX_GROUPS:
            out.append(_over(change, len(after)))
            continue
        added = after - _groups(change, "before")
        if change.action is Action.UPDATE and added:
            growing.append((change, added, _groups(change, "before") - after))
    pool_groups = {r.name for r in ctx.live.of_kind("cognito_user_group")}
    pool_groups |= {c.address.name for c in ctx.changes("cognito_user_group", Action.CREATE)}
    if len(pool_groups) <= MAX_GROUPS or not growing or not ctx.live.ids.pool_id:
        return out  # nobody can be in more groups than the pool has
    idp = ctx.aws.client("cognito-idp")
    for change, added, removed in growing:
        username = ctx.live.ids.worker_usernames.get(change.address.name, change.address.name)
        try:
            now = user_groups(idp, ctx.live.ids.pool_id, username)
        except Exception as err:
            if not denied(err):
                raise
            ctx.skipped(f"the group count of {change.address}", err)
            continue
        total = len((now - removed) | added)
        if total > MAX_GROUPS:
            out.append(_over(change, total))
    return out


def user_groups(idp: Any, pool_id: str, username: str) -> set[str]:
    """Every group a user is in (the roster reads only the spec's groups)."""
    groups: set[str] = set()
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Username": username, "Limit": 60}
    while True:
        page = idp.admin_list_groups_for_user(**kwargs)
        groups |= {g["GroupName"] for g in page.get("Groups") or []}
        if not page.get("NextToken"):
            return groups
        kwargs["NextToken"] = page["NextToken"]


def _over(change: Change, count: int) -> Finding:
    return error(
        str(change.address),
        f"the worker would be in {count} groups, but a Cognito user can be in at most {MAX_GROUPS} "
        f"({QUOTAS}: 'Groups to which each user can belong', not adjustable), so AdminAddUserToGroup "
        "fails past it.",
        "take the worker out of groups it no longer needs, or merge groups (a work team takes up to 10).",
    )
