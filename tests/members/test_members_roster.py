"""The roster diff, pure: (spec data, live users) -> worker changes, warnings and the safety brake."""

from __future__ import annotations

import pytest

from gtops.members.roster import LiveRoster, LiveWorker, diff_roster
from gtops.plan import Action
from gtops.setup import Setup


def spec(workers: list[dict], prune: bool = False, safety: dict | None = None, **extra) -> Setup:
    data = {
        "pool": {"name": "LabelUserPool", "sign_in": "email"},
        "groups": [{"name": "g1"}, {"name": "g2"}, {"name": "g3"}],
        "members": {"invitation": "email", "workers": workers},
        "prune": {"members": prune},
        "safety": safety or {"max_worker_change": 0.3, "min_workers": 10},
    }
    data.update(extra)
    return Setup.from_data(data)


def worker(email: str, groups=("g1",), enabled=True, **kw) -> dict:
    return {
        "email": email,
        "groups": list(groups),
        "enabled": enabled,
        "attributes": kw.pop("attributes", {}),
        **kw,
    }


def user(email: str | None, groups=("g1",), enabled=True, username=None, **kw) -> LiveWorker:
    return LiveWorker(
        username=username or f"sub-{email}",
        email=email,
        enabled=enabled,
        status="CONFIRMED",
        groups=set(groups),
        **kw,
    )


def by_name(diff) -> dict[str, object]:
    return {c.address.name: c for c in diff.changes}


def test_new_workers_are_invited_with_their_spec_record():
    diff = diff_roster(
        spec([worker("a@x.com", phone="+14155550100", attributes={"given_name": "A"})]), LiveRoster()
    )
    (change,) = diff.changes
    assert change.action is Action.CREATE
    assert str(change.address) == "cognito_user.a@x.com"
    assert change.after == {
        "email": "a@x.com",
        "phone": "+14155550100",
        "groups": ["g1"],
        "enabled": True,
        "attributes": {"given_name": "A"},
    }
    assert diff.warnings == []


def test_matching_workers_plan_nothing():
    live = LiveRoster([user("a@x.com", attributes={"given_name": "A", "family_name": "unmanaged"})])
    diff = diff_roster(spec([worker("a@x.com", attributes={"given_name": "A"})]), live)
    assert diff.changes == []


def test_emails_match_case_insensitively_and_address_is_lower_case():
    live = LiveRoster([user("Alice@Example.COM")])
    assert diff_roster(spec([worker("alice@example.com")]), live).changes == []
    diff = diff_roster(spec([worker("Bob@Example.com")]), LiveRoster())
    assert [c.address.name for c in diff.changes] == ["bob@example.com"]


def test_group_move_is_one_update_with_sorted_groups():
    live = LiveRoster([user("a@x.com", groups=("g1", "g2"))])
    diff = diff_roster(spec([worker("a@x.com", groups=("g3", "g2"))]), live)
    (change,) = diff.changes
    assert change.action is Action.UPDATE
    assert [(f.path, f.before, f.after) for f in change.fields] == [("groups", ["g1", "g2"], ["g2", "g3"])]


def test_leaving_every_group_updates_and_never_deletes():
    live = LiveRoster([user("a@x.com", groups=("g1",))])
    (change,) = diff_roster(spec([worker("a@x.com", groups=())]), live).changes
    assert change.action is Action.UPDATE
    assert change.after["groups"] == []


def test_unmanaged_groups_are_invisible():
    # The reader only reports spec groups, and a worker naming another group does not manage it.
    live = LiveRoster([user("a@x.com", groups=("g1",))])
    assert diff_roster(spec([worker("a@x.com", groups=("g1", "console-made"))]), live).changes == []


def test_disable_enable_and_attribute_changes_are_field_changes():
    live = LiveRoster(
        [
            user("a@x.com", enabled=True),
            user("b@x.com", enabled=False),
            user("c@x.com", attributes={"given_name": "Old"}, phone="+14155550100"),
        ]
    )
    data = spec(
        [
            worker("a@x.com", enabled=False),
            worker("b@x.com", enabled=True),
            worker("c@x.com", attributes={"given_name": "New", "custom:site": "lyon"}, phone="+14155550199"),
        ]
    )
    changes = by_name(diff_roster(data, live))
    assert [(f.path, f.before, f.after) for f in changes["a@x.com"].fields] == [("enabled", True, False)]
    assert [(f.path, f.before, f.after) for f in changes["b@x.com"].fields] == [("enabled", False, True)]
    assert [(f.path, f.before, f.after) for f in changes["c@x.com"].fields] == [
        ("phone", "+14155550100", "+14155550199"),
        ("attributes.custom:site", None, "lyon"),
        ("attributes.given_name", "Old", "New"),
    ]
    # before shows only what the spec declares
    assert changes["c@x.com"].before["attributes"] == {"custom:site": None, "given_name": "Old"}


def test_workers_not_in_the_roster_are_one_warning_when_prune_is_off():
    live = LiveRoster([user("keep@x.com")] + [user(f"extra{i}@x.com") for i in range(12)])
    diff = diff_roster(spec([worker("keep@x.com")]), live)
    assert diff.changes == []
    (warning,) = diff.warnings
    assert warning.startswith("12 workers in the pool are not in the spec: extra0@x.com, extra1@x.com")
    assert "and 2 more" in warning
    assert warning.endswith("(prune.members is off, so they are kept)")
    assert sorted(u.email for u in diff.unmanaged) == sorted(f"extra{i}@x.com" for i in range(12))


def test_prune_on_deletes_workers_not_in_the_roster_with_a_reason():
    live = LiveRoster([user("keep@x.com"), user("Gone@x.com", groups=("g2",))])
    diff = diff_roster(spec([worker("keep@x.com")], prune=True), live)
    (change,) = diff.changes
    assert change.action is Action.DELETE
    assert change.address.name == "gone@x.com"
    assert change.reason == "not in the roster, and prune.members is on"
    assert change.before["groups"] == ["g2"]
    assert change.needs_force is None  # 1 of 2 existing: under min_workers, no brake


def test_users_without_email_are_reported_never_deleted():
    live = LiveRoster([user(None, username="phone-only")])
    diff = diff_roster(spec([], prune=True), live)
    assert diff.changes == []
    assert "phone-only" in diff.warnings[0]


def test_duplicate_emails_are_reported_and_left_alone():
    live = LiveRoster([user("a@x.com", username="u1"), user("A@x.com", username="u2", groups=())])
    diff = diff_roster(spec([worker("a@x.com")], prune=True), live)
    assert diff.changes == []  # u1 matches; u2 is not deleted
    assert "u2" in diff.warnings[0]


@pytest.mark.parametrize(
    ("existing", "removed", "disabled", "needs_force"),
    [
        (20, 6, 0, False),  # 30%: at the limit, allowed
        (20, 7, 0, True),  # 35%
        (20, 3, 3, False),  # removals and disables add up: 30%
        (20, 4, 3, True),  # 35%
        (9, 9, 0, False),  # under min_workers: no brake
        (10, 4, 0, True),  # at min_workers: 40%
    ],
)
def test_safety_brake_on_the_share_of_removed_or_disabled_workers(existing, removed, disabled, needs_force):
    emails = [f"w{i}@x.com" for i in range(existing)]
    live = LiveRoster([user(e) for e in emails])
    kept = emails[removed:]
    roster = [worker(e, enabled=not (i < disabled)) for i, e in enumerate(kept)]
    diff = diff_roster(spec(roster, prune=True), live)
    risky = [
        c for c in diff.changes if c.action is Action.DELETE or any(f.path == "enabled" for f in c.fields)
    ]
    assert len(risky) == removed + disabled
    if needs_force:
        share = round(100 * (removed + disabled) / existing)
        expected = f"would remove or disable {share}% of {existing} existing workers (over the 30% limit"
        assert all(c.needs_force and c.needs_force.startswith(expected) for c in risky)
    else:
        assert all(c.needs_force is None for c in diff.changes)


def test_safety_limit_is_configurable_and_ignores_harmless_changes():
    live = LiveRoster([user(f"w{i}@x.com") for i in range(10)])
    roster = [worker(f"w{i}@x.com", groups=("g2",)) for i in range(9)] + [worker("new@x.com")]
    diff = diff_roster(spec(roster, prune=True, safety={"max_worker_change": 0.05, "min_workers": 10}), live)
    forced = [c for c in diff.changes if c.needs_force]
    assert [c.address.name for c in forced] == ["w9@x.com"]  # only the removal; group moves and invites pass
    assert "10% of 10 existing workers (over the 5% limit" in forced[0].needs_force


NOTIFY = {
    "notifications": {"topic": "label-notify"},
    "teams": [
        {"name": "t1", "groups": ["g1"], "notifications": True},
        {"name": "t2", "groups": ["g2"], "notifications": False},
    ],
}


def test_notified_field_follows_notified_teams():
    live = LiveRoster(
        [
            user("sub@x.com", groups=("g1",), subscribed=True),
            user("joins@x.com", groups=("g2",)),
            user("leaves@x.com", groups=("g1",), subscribed=True),
        ],
        subscriptions={"sub@x.com": "arn:1", "leaves@x.com": "arn:2"},
    )
    data = spec(
        [
            worker("sub@x.com", groups=("g1",)),
            worker("joins@x.com", groups=("g1", "g2")),
            worker("leaves@x.com", groups=("g2",)),
            worker("new@x.com", groups=("g2",)),
            worker("off@x.com", groups=("g1",), enabled=False),
        ],
        **NOTIFY,
    )
    changes = by_name(diff_roster(data, live))
    assert "sub@x.com" not in changes
    assert ("notified", False, True) in [(f.path, f.before, f.after) for f in changes["joins@x.com"].fields]
    assert ("notified", True, False) in [(f.path, f.before, f.after) for f in changes["leaves@x.com"].fields]
    assert changes["new@x.com"].after["notified"] is False
    assert changes["off@x.com"].after["notified"] is False  # disabled workers are not told about tasks


def test_pending_subscriptions_are_warned_about_not_planned():
    live = LiveRoster(
        [user("a@x.com", groups=("g2",), subscribed=True)], subscriptions={"a@x.com": "PendingConfirmation"}
    )
    diff = diff_roster(spec([worker("a@x.com", groups=("g2",))], **NOTIFY), live)
    assert diff.changes == []
    assert "await confirmation" in diff.warnings[0]


def test_without_notified_teams_there_is_no_notified_field():
    (change,) = diff_roster(spec([worker("a@x.com")]), LiveRoster()).changes
    assert "notified" not in change.after
