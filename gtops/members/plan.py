"""Entry point the engine calls: read the live roster in pages, diff it, and leave what apply needs in ids.

After `plan_members`, `live.ids` holds:
  worker_usernames:      lower-cased e-mail -> Cognito Username (the sub in e-mail pools), for every user
  worker_subscriptions:  lower-cased e-mail -> SNS subscription ARN on the notifications topic
  unmanaged_workers:     [LiveWorker] in the pool but not in the roster (what a `drift` command reports)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtops.members.read import read_roster
from gtops.members.roster import RosterDiff, diff_roster
from gtops.plan import Change

if TYPE_CHECKING:
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveState
    from gtops.setup import Setup


def roster_diff(aws: AwsHandle, setup: Setup, live: LiveState) -> RosterDiff:
    roster = read_roster(aws, setup, live)
    diff = diff_roster(setup, roster)
    live.ids.worker_usernames = {u.key: u.username for u in reversed(roster.users) if u.email}
    live.ids.worker_subscriptions = dict(roster.subscriptions)
    live.ids.unmanaged_workers = diff.unmanaged
    return diff


def plan_members(aws: AwsHandle, setup: Setup, live: LiveState) -> tuple[list[Change], list[str]]:
    diff = roster_diff(aws, setup, live)
    return diff.changes, diff.warnings
