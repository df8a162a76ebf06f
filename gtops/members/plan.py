"""Entry point the engine calls: read the live roster in pages, diff it, and leave what apply needs in ids.

After `plan_members`, `live.ids` holds:
  worker_usernames:      lower-cased e-mail -> Cognito Username (the sub in e-mail pools), for every user
  worker_subscriptions:  lower-cased e-mail -> SNS subscription ARN on the notifications topic
  unmanaged_workers:     [LiveWorker] in the pool but not in the roster (what a `drift` command reports)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from gtops.members.read import read_changed, read_roster
from gtops.members.roster import KIND, RosterDiff, diff_roster
from gtops.plan import Change, Plan

if TYPE_CHECKING:
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveState
    from gtops.members.roster import LiveWorker
    from gtops.setup import Setup


# Set by the check after an apply (gtops.engine.verify): the workers that apply changed, lower-cased e-mail ->
# the e-mails as written before and after. None: the whole roster.
_ONLY: ContextVar[dict[str, set[str]] | None] = ContextVar("gtops_members_only", default=None)


@contextmanager
def only_changed(plan: Plan) -> Iterator[None]:
    """Within this block, plan only the workers `plan` changed, reading only them when that is cheaper."""
    emails: dict[str, set[str]] = {}
    for change in plan.actionable:
        if change.address.kind == KIND:
            written = {(r or {}).get("email") for r in (change.before, change.after)}
            emails[change.address.name] = {e for e in written if isinstance(e, str)}
    token = _ONLY.set(emails)
    try:
        yield
    finally:
        _ONLY.reset(token)


# Set by the check after an apply too: the groups (group -> usernames) and the users' listing the apply read
# back after its last write to them (gtops.members.settle), used instead of reading them again.
_SETTLED: ContextVar[tuple[dict[str, list[str]], list[LiveWorker] | None]] = ContextVar(
    "gtops_members_settled", default=({}, None)
)


@contextmanager
def read_back(groups: dict[str, list[str]], users: list[LiveWorker] | None) -> Iterator[None]:
    """Within this block the roster read uses what the apply read back (gtops.members.settle)."""
    token = _SETTLED.set((groups, users))
    try:
        yield
    finally:
        _SETTLED.reset(token)


def roster_diff(aws: AwsHandle, setup: Setup, live: LiveState) -> RosterDiff:
    only = _ONLY.get()
    roster = read_changed(aws, setup, live, only) if only is not None else None
    if roster is not None and only is not None and setup.members is not None:
        workers = tuple(w for w in setup.members.workers if w.key in only)
        setup = dataclasses.replace(setup, members=dataclasses.replace(setup.members, workers=workers))
    if roster is None:
        roster = read_roster(aws, setup, live, *_SETTLED.get())
    diff = diff_roster(setup, roster)
    live.ids.worker_usernames = {u.key: u.username for u in reversed(roster.users) if u.email}
    live.ids.worker_subscriptions = dict(roster.subscriptions)
    live.ids.unmanaged_workers = diff.unmanaged
    return diff


def plan_members(aws: AwsHandle, setup: Setup, live: LiveState) -> tuple[list[Change], list[str]]:
    diff = roster_diff(aws, setup, live)
    return diff.changes, diff.warnings
