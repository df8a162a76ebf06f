"""Entry point the engine calls: read the live roster in pages, diff it, and leave what apply needs in ids.

After `plan_members`, `live.ids` holds:
  worker_usernames:      lower-cased e-mail -> Cognito Username (the sub in e-mail pools), for every user
  worker_subscriptions:  lower-cased e-mail -> SNS subscription ARN on the notifications topic
  unmanaged_workers:     [LiveWorker] in the pool but not in the roster (what a `drift` command reports)
"""

from __future__ import annotations

from typing import Any

from gtops.members.read import read_roster
from gtops.members.roster import RosterDiff, diff_roster
from gtops.plan import Change


def legacy_data(setup: Any) -> dict:
    """The spec as the dict the roster code reads: a typed Setup is turned into one, a dict is kept."""
    if isinstance(setup, dict):
        return setup
    members = setup.members
    return {
        "name": setup.name,
        "pool": {"name": setup.pool.name, "sign_in": setup.pool.sign_in} if setup.pool else None,
        "groups": [{"name": g.name} for g in setup.groups],
        "teams": [
            {"name": t.name, "groups": list(t.groups), "notifications": t.notifications} for t in setup.teams
        ],
        "notifications": {"topic": setup.topic.name} if setup.topic else None,
        "members": None
        if members is None
        else {
            "invitation": members.invitation,
            "quotas": dict(members.quotas),
            "workers": [
                {
                    "email": w.email,
                    **({"phone": w.phone} if w.phone else {}),
                    "groups": list(w.groups),
                    "enabled": w.enabled,
                    "attributes": dict(w.attributes),
                }
                for w in members.workers
            ],
        },
        "prune": {"members": setup.prune.members},
        "safety": {
            "max_worker_change": setup.safety.max_worker_change,
            "min_workers": setup.safety.min_workers,
        },
    }


def roster_diff(aws, data: Any, live) -> RosterDiff:
    data = legacy_data(data)
    roster = read_roster(aws, data, live)
    diff = diff_roster(data, roster)
    live.ids.worker_usernames = {u.key: u.username for u in reversed(roster.users) if u.email}
    live.ids.worker_subscriptions = dict(roster.subscriptions)
    live.ids.unmanaged_workers = diff.unmanaged
    return diff


def plan_members(aws, data: Any, live) -> tuple[list[Change], list[str]]:
    diff = roster_diff(aws, data, live)
    return diff.changes, diff.warnings
