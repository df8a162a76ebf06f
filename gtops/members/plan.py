"""Entry point the engine calls: read the live roster in pages, diff it, and leave what apply needs in ids.

After `plan_members`, `live.ids` holds:
  worker_usernames:      lower-cased e-mail -> Cognito Username (the sub in e-mail pools), for every user
  worker_subscriptions:  lower-cased e-mail -> SNS subscription ARN on the notifications topic
  unmanaged_workers:     [LiveWorker] in the pool but not in the roster (what a `drift` command reports)
"""

from __future__ import annotations

from gtops.members.read import read_roster
from gtops.members.roster import RosterDiff, diff_roster
from gtops.plan import Change


def roster_diff(aws, data: dict, live) -> RosterDiff:
    roster = read_roster(aws, data, live)
    diff = diff_roster(data, roster)
    live.ids["worker_usernames"] = {u.key: u.username for u in reversed(roster.users) if u.email}
    live.ids["worker_subscriptions"] = dict(roster.subscriptions)
    live.ids["unmanaged_workers"] = diff.unmanaged
    return diff


def plan_members(aws, data: dict, live) -> tuple[list[Change], list[str]]:
    diff = roster_diff(aws, data, live)
    return diff.changes, diff.warnings
