"""Workers planned and applied against the in-process sandbox: convergence, read cost, throttling, prune,
idempotent creates, failure reports and notification subscriptions."""

from __future__ import annotations

import math

import boto3
from members_helpers import apply, aws, idp, plan, pool_id, setup, stack, users, worker

from gtops.members.plan import plan_members
from gtops.plan import Action

GROUPS = ("g1", "g2", "g3")


def roster(n: int, start: int = 0) -> list[dict]:
    return [
        worker(f"w{i}@example.com", groups=(GROUPS[i % 3],), attributes={"given_name": f"W{i}"})
        for i in range(start, start + n)
    ]


def worker_changes(planned) -> dict[str, str]:
    return {
        c.address.name: c.action.value for c in planned.plan.actionable if c.address.kind == "cognito_user"
    }


def test_a_roster_of_300_converges_in_one_apply_and_plans_clean(sandbox):
    first = stack(roster(300))
    _, report = apply(first)
    assert report.ok and report.counts["added"] == 300 + 4  # workers, the pool and 3 groups

    workers = roster(300)
    kept = workers[30:]  # 30 removed (10%)
    kept += roster(30, start=300)  # 30 added
    for w in kept[:40]:  # 40 group moves
        w["groups"] = ["g2", "g3"] if w["groups"] == ["g1"] else ["g1"]
    for w in kept[40:60]:  # 20 disabled
        w["enabled"] = False
    for w in kept[60:80]:  # 20 attribute changes
        w["attributes"] = {"given_name": "Renamed", "family_name": "Added"}
    second = stack(kept, prune=True)

    planned = plan(second)
    changes = worker_changes(planned)
    assert sum(a == "delete" for a in changes.values()) == 30
    assert sum(a == "create" for a in changes.values()) == 30
    assert sum(a == "update" for a in changes.values()) == 80
    assert not planned.plan.needs_force()  # (30 removed + 20 disabled) / 300 = 17%, under 30%

    from gtops.engine import apply as run

    report = run(planned)
    assert report.ok, report.summary()
    assert report.counts == {"added": 30, "changed": 80, "destroyed": 30}

    again = plan(second)
    assert again.plan.empty, [str(c.address) for c in again.plan.actionable]
    live = users()
    assert len(live) == 300
    assert "w0@example.com" not in live and "w329@example.com" in live
    for w in kept:
        got = live[w["email"]]
        assert got["groups"] == set(w["groups"]), w["email"]
        assert got["enabled"] is w["enabled"]
        for name, value in w["attributes"].items():
            assert got["attrs"][name] == value
        assert got["attrs"]["email_verified"] == "true"


def test_plan_reads_pages_not_people(sandbox):
    n = 300
    apply(stack(roster(n)))
    data = stack(roster(n))
    planned = plan(data)
    assert planned.plan.empty

    client = aws()
    from gtops.live import read_live

    live = read_live(client, setup(data))
    before = dict(client.stats.calls)
    changes, warnings = plan_members(client, setup(data), live)
    spent = {
        op: count - before.get(op, 0) for op, count in client.stats.calls.items() if count - before.get(op, 0)
    }
    assert changes == [] and warnings == []
    per_group = [sum(1 for i in range(n) if GROUPS[i % 3] == g) for g in GROUPS]
    floor = math.ceil(n / 60) + sum(math.ceil(k / 60) for k in per_group)
    assert set(spent) == {"cognito-idp:ListUsers", "cognito-idp:ListUsersInGroup"}
    assert sum(spent.values()) <= floor + 4


def test_a_pool_that_does_not_exist_costs_no_calls(sandbox):
    from gtops.live import LiveState

    client = aws()
    changes, _ = plan_members(client, setup(stack(roster(5))), LiveState())
    assert client.stats.total == 0
    assert [c.action for c in changes] == [Action.CREATE] * 5


def test_throttling_on_30_percent_of_calls_still_converges(sandbox):
    apply(stack(roster(60)))
    workers = roster(60) + roster(60, start=60)
    for w in workers[:30]:
        w["groups"] = ["g1", "g2"]
    data = stack(workers)
    planned = plan(data)
    from gtops.sandbox.realism import REALISM

    sandbox.configure(fault_rate=0.3, fault_kinds=["throttle"], seed=7)
    try:
        from gtops.engine import apply as run

        report = run(planned)
        throttled = REALISM.stats["faults"]
    finally:
        sandbox.configure(fault_rate=0.0)
    assert report.ok, report.summary()
    assert throttled > 30  # about 0.3 x 200 writes (+ their retries) were refused
    assert plan(data).plan.empty


def test_prune_off_never_deletes(sandbox):
    apply(stack(roster(40)))
    data = stack(roster(10))  # 30 workers dropped from the roster
    planned = plan(data)
    assert worker_changes(planned) == {}
    (warning,) = planned.plan.warnings
    assert warning.startswith("30 workers in the pool are not in the spec:")
    apply(data)
    assert len(users()) == 40


def test_too_many_removals_need_force(sandbox):
    apply(stack(roster(20)))
    planned = plan(stack(roster(10), prune=True))
    risky = planned.plan.needs_force()
    assert len(risky) == 10
    assert risky[0].needs_force.startswith(
        "would remove or disable 50% of 20 existing workers (over the 30% limit"
    )
    from gtops.engine import check_safety
    from gtops.errors import UnsafePlan

    try:
        check_safety(planned.plan, force=False)
    except UnsafePlan as err:
        assert "--force" in str(err)
    else:
        raise AssertionError("the plan went through without --force")


def test_a_create_that_meets_an_existing_user_converges_by_updating(sandbox):
    apply(stack(roster(3)))
    data = stack(
        roster(3) + [worker("Late@Example.com", groups=("g2", "g3"), attributes={"given_name": "L"})]
    )
    planned = plan(data)
    assert worker_changes(planned) == {"late@example.com": "create"}
    # Someone (or an interrupted run) creates the user between plan and apply, in another group.
    pid = pool_id()
    made = idp().admin_create_user(
        UserPoolId=pid,
        Username="late@example.com",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "late@example.com"}],
    )["User"]["Username"]
    idp().admin_add_user_to_group(UserPoolId=pid, Username=made, GroupName="g1")
    from gtops.engine import apply as run

    report = run(planned)
    assert report.ok, report.summary()
    assert plan(data).plan.empty
    live = users()
    assert len(live) == 4
    assert live["late@example.com"]["groups"] == {"g2", "g3"}


def test_failures_name_the_worker_and_what_was_done_and_a_rerun_finishes(sandbox):
    apply(stack(roster(3)))
    data = stack(roster(3) + [worker("new@example.com", groups=("g2",))])
    planned = plan(data)
    idp().delete_group(UserPoolId=pool_id(), GroupName="g2")  # gone between plan and apply
    from gtops.engine import apply as run

    report = run(planned)
    assert not report.ok
    ((address, why),) = report.failed
    assert address == "cognito_user.new@example.com"
    assert "AdminAddUserToGroup failed: ResourceNotFoundException" in why
    assert "(done first: invited)" in why
    _, report = apply(data)  # recreates g2, finds the user, adds it
    assert report.ok, report.summary()
    assert plan(data).plan.empty
    assert users()["new@example.com"]["groups"] == {"g2"}


def test_invitations_are_emailed_or_suppressed(sandbox):
    from gtops.sandbox.cognito import sent_invitations

    apply(stack(roster(3)))
    data = stack(roster(5))
    data["members"]["invitation"] = "suppress"
    apply(data)
    live = users()
    sent = sent_invitations(pool_id())
    assert {live[f"w{i}@example.com"]["username"] for i in range(3)} == set(sent)
    assert all(live[f"w{i}@example.com"]["username"] not in sent for i in (3, 4))


NOTIFY = {
    "notifications": {"topic": "label-notify"},
    "client": {"name": "c", "generate_secret": True},
    "domain": "label-members",
    "workforce": {"name": "default"},
    "teams": [
        {"name": "told", "description": "told", "groups": ["g1"], "notifications": True},
        {"name": "quiet", "description": "quiet", "groups": ["g2"], "notifications": False},
    ],
}


def subscribed() -> set[str]:
    sns = boto3.client("sns", region_name="us-east-1")
    (topic,) = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":label-notify")]
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    return {s["Endpoint"] for s in subs if s["Protocol"] == "email"}


def test_workers_of_notified_teams_are_subscribed_and_unsubscribed_when_they_leave(sandbox):
    workers = roster(9)
    _, report = apply(stack(workers, **NOTIFY))
    assert report.ok, report.summary()
    assert subscribed() == {f"w{i}@example.com" for i in (0, 3, 6)}  # the g1 workers

    workers[0]["groups"] = ["g2"]  # leaves the notified team
    workers[1]["groups"] = ["g1", "g2"]  # joins it
    workers[3]["enabled"] = False  # disabled: no more notices
    data = stack(workers, **NOTIFY)
    planned = plan(data)
    fields = {c.address.name: [(f.path, f.after) for f in c.fields] for c in planned.plan.actionable}
    assert ("notified", False) in fields["w0@example.com"]
    assert ("notified", True) in fields["w1@example.com"]
    from gtops.engine import apply as run

    assert run(planned).ok
    assert subscribed() == {"w1@example.com", "w6@example.com"}
    assert plan(data).plan.empty
