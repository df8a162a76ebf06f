"""Re-send invitations to roster workers who never signed in, and list the live roster.

A resend is AdminCreateUser with MessageAction=RESEND on the existing Username: the same user gets a new
temporary password by e-mail (its clock restarts); no user is created. Cognito's answer never carries the
password, and gtops never asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gtops.errors import GtopsError
from gtops.members.apply import Caller, CallFailed
from gtops.members.ratelimit import RateLimiter, quotas_for
from gtops.members.read import list_users, read_roster
from gtops.members.roster import LiveRoster, LiveWorker

if TYPE_CHECKING:
    from gtops.kinds.base import AwsHandle
    from gtops.setup import Setup

AWAITING = "FORCE_CHANGE_PASSWORD"


@dataclass
class ResendResult:
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def pool_id_for(aws: AwsHandle, setup: Setup) -> str:
    from gtops.kinds.cognito import find_pool_id

    pool = setup.pool
    if pool is None:
        raise GtopsError("the spec has no `pool`, so it has no workers to invite")
    pool_id = find_pool_id(aws, pool.name, pool.id)
    if pool_id is None:
        name = pool.name
        raise GtopsError(f"user pool {name!r} does not exist in {aws.region} yet; run `gtops apply` first")
    return pool_id


def resend_invitations(
    aws: AwsHandle,
    setup: Setup,
    only: list[str] | None = None,
    dry_run: bool = False,
    say: Callable[[str], None] | None = None,
) -> ResendResult:
    """Invite again every roster worker (or those in `only`) still in FORCE_CHANGE_PASSWORD."""
    result = ResendResult()
    roster = {w.key: w for w in (setup.members.workers if setup.members is not None else ())}
    wanted = [e.strip().lower() for e in only or []]
    for email in wanted:
        if email not in roster:
            result.notes.append(f"{email}: not in the roster, so no invitation is sent")
    pool_id = pool_id_for(aws, setup)
    # One filtered listing: only users who never signed in come back.
    waiting = list_users(aws, pool_id, f'cognito:user_status = "{AWAITING}"')
    by_email: dict[str, LiveWorker] = {}
    for user in waiting:
        if user.email and user.key in roster:
            by_email.setdefault(user.key, user)
    targets: list[LiveWorker] = []
    for key in wanted or sorted(by_email):
        target = by_email.get(key)
        if target is None:
            if key in roster and wanted:
                result.notes.append(f"{key}: has signed in already or is not in the pool yet")
            continue
        if not target.enabled:
            result.notes.append(f"{target.email}: is disabled, so no invitation is sent")
            continue
        targets.append(target)
    if dry_run or not targets:
        result.sent = [u.email or u.username for u in targets]
        return result
    limiter = RateLimiter(quotas_for(setup))
    threads = min(16, len(targets))
    caller = Caller({"cognito-idp": aws.dedicated("cognito-idp", threads)}, limiter)

    def one(user: LiveWorker) -> tuple[LiveWorker, str | None]:
        try:
            caller(
                "cognito-idp",
                "AdminCreateUser",
                UserPoolId=pool_id,
                Username=user.username,
                MessageAction="RESEND",
                DesiredDeliveryMediums=["EMAIL"],
            )  # the answer (a UserType) is dropped unread: nothing secret is kept
        except CallFailed as err:
            return user, str(err)
        return user, None

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gtops-resend") as pool:
        for user, why in pool.map(one, targets):
            if why is None:
                result.sent.append(user.email or user.username)
            else:
                result.failed.append((user.email or user.username, why))
    return result


def live_roster(aws: AwsHandle, setup: Setup) -> LiveRoster:
    """The pool's users with managed groups and subscriptions, read the same way `plan` reads them."""
    from gtops.kinds import sns_topic, user_group, user_pool
    from gtops.live import LiveState

    if setup.pool is None:
        raise GtopsError("the spec has no `pool`, so it has no workers to list")
    state = LiveState()
    # Only what the roster reader looks at: the topic, the pool and its groups (in that order, as plan does).
    for read in (sns_topic.read, user_pool.read, user_group.read):
        read(aws, setup, state)
    if not state.ids.pool_id:
        raise GtopsError(f"user pool {setup.pool.name!r} does not exist in {aws.region} yet")
    return read_roster(aws, setup, state)
