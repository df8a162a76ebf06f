"""Reading the live roster as concurrent page chains under one shared UserList quota
(gtops/members/read.py)."""

from __future__ import annotations

import threading
import time

import pytest
from members_helpers import apply, aws, setup, stack, worker

from gtops.members import read
from gtops.members.ratelimit import PriorityBucket

GROUPS = ("g1", "g2", "g3")


def test_small_pools_read_in_one_chain_large_ones_split_by_the_first_digit_of_sub():
    assert read.user_filters(0, 0, 30.0) == [None]
    assert read.user_filters(1_000, 20, 30.0) == [None]  # 17 pages: the quota, not round trips, sets the time
    split = read.user_filters(10_000, 170, 30.0)
    assert split == [f'sub ^= "{d}"' for d in "0123456789abcdef"]


class StoppedClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_serves_the_longest_chain_first_whoever_came_first():
    clock = StoppedClock()
    bucket = PriorityBucket(5, clock=clock)  # one call per 0.2 s of the clock, no burst
    bucket.acquire(0)  # takes the only slot at t=0
    order: list[str] = []

    def chain(name: str, priority: float) -> None:
        bucket.acquire(priority)
        order.append(name)

    short = threading.Thread(target=chain, args=("short chain", 1))
    short.start()
    while len(bucket._waiting) < 1:
        time.sleep(0.001)
    long = threading.Thread(target=chain, args=("long chain", 50))
    long.start()
    while len(bucket._waiting) < 2:
        time.sleep(0.001)
    assert order == []  # the clock has not moved: nobody may call yet
    clock.now = 0.2
    while not order:
        time.sleep(0.001)
    assert order == ["long chain"]
    time.sleep(0.05)
    assert order == ["long chain"]  # the next slot is at 0.4
    clock.now = 0.4
    short.join(5)
    long.join(5)
    assert order == ["long chain", "short chain"]


def test_many_chains_share_one_quota_in_real_time():
    bucket = PriorityBucket(100)  # burst 10
    started = time.monotonic()
    threads = [threading.Thread(target=lambda p=p: [bucket.acquire(p) for _ in range(10)]) for p in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 60 calls at 100/s after a burst of 10: at least 0.5 s however many threads asked
    assert time.monotonic() - started >= 0.49


def test_split_and_single_reads_give_the_same_roster(sandbox, monkeypatch):
    workers = [worker(f"w{i}@example.com", groups=(GROUPS[i % 3],)) for i in range(150)]
    workers += [worker(f"both{i}@example.com", groups=("g1", "g2")) for i in range(10)]
    data = stack(workers)
    apply(data)
    from gtops.live import read_live

    client = aws()
    live = read_live(client, setup(data))
    rosters = {}
    for chains in ("one", "split"):
        if chains == "split":
            monkeypatch.setattr(read, "user_filters", lambda *a: [f'sub ^= "{d}"' for d in read.HEX])
        before = dict(client.stats.calls)
        roster = read.read_roster(client, setup(data), live)
        calls = {op: n - before.get(op, 0) for op, n in client.stats.calls.items() if n - before.get(op, 0)}
        # 160 users: 3 pages, or 16 short ones; groups of 60, 60 and 50 members: a page each
        assert calls["cognito-idp:ListUsers"] == (3 if chains == "one" else 16)
        assert calls["cognito-idp:ListUsersInGroup"] == 3
        emails = [u.email for u in roster.users]
        assert sorted(emails) == sorted(w["email"] for w in workers)  # each user once
        by_email = {u.email: u for u in roster.users}
        for w in workers:
            assert by_email[w["email"]].groups == set(w["groups"]), w["email"]
        rosters[chains] = [(u.username, u.email, sorted(u.groups)) for u in roster.users]
    # the order does not depend on how the pool was read (oldest first: of two users sharing an e-mail, the
    # older is the managed one)
    assert rosters["one"] == rosters["split"]


def _calls(client, before):
    return {op: n - before.get(op, 0) for op, n in client.stats.calls.items() if n - before.get(op, 0)}


def test_the_check_after_apply_reads_only_the_workers_it_changed_unless_full(sandbox):
    from types import SimpleNamespace

    from members_helpers import idp, plan, pool_id

    from gtops.engine import apply as run
    from gtops.engine import verify
    from gtops.errors import NotConverged

    workers = [worker(f"w{i}@example.com", groups=(GROUPS[i % 3],)) for i in range(200)]
    apply(stack(workers))
    for i in (0, 1, 3, 4):  # (w2 is in g3 already)
        workers[i]["groups"] = ["g3"]
    workers.append(worker("new@example.com", groups=("g2",)))
    data = stack(workers)
    planned = plan(data)
    assert len(planned.plan.actionable) == 5
    assert run(planned).ok
    spec = SimpleNamespace(setup=setup(data))

    client = aws()
    verify(spec, client, None, planned.plan)
    calls = _calls(client, {})
    # one ListUsers by e-mail and one AdminListGroupsForUser per changed worker; no roster pages
    assert calls["cognito-idp:ListUsers"] == 5
    assert calls["cognito-idp:AdminListGroupsForUser"] == 5
    assert "cognito-idp:ListUsersInGroup" not in calls

    # a changed worker that does not match is caught; a drift elsewhere only by --verify=full
    cognito = idp()
    username = cognito.list_users(UserPoolId=pool_id(), Filter='email = "w0@example.com"')["Users"][0][
        "Username"
    ]
    cognito.admin_remove_user_from_group(UserPoolId=pool_id(), Username=username, GroupName="g3")
    with pytest.raises(NotConverged, match="cognito_user.w0@example.com"):
        verify(spec, aws(), None, planned.plan)
    cognito.admin_add_user_to_group(UserPoolId=pool_id(), Username=username, GroupName="g3")
    other = cognito.list_users(UserPoolId=pool_id(), Filter='email = "w50@example.com"')["Users"][0][
        "Username"
    ]
    cognito.admin_disable_user(UserPoolId=pool_id(), Username=other)
    verify(spec, aws(), None, planned.plan)
    with pytest.raises(NotConverged, match="cognito_user.w50@example.com"):
        verify(spec, aws())


def test_after_a_bulk_apply_the_check_reads_the_roster_by_pages(sandbox):
    from types import SimpleNamespace

    from members_helpers import plan

    from gtops.engine import apply as run
    from gtops.engine import verify

    data = stack([worker(f"w{i}@example.com", groups=(GROUPS[i % 3],)) for i in range(200)])
    planned = plan(data)
    assert run(planned).ok
    client = aws()
    verify(SimpleNamespace(setup=setup(data)), client, None, planned.plan)
    calls = _calls(client, {})
    assert "cognito-idp:AdminListGroupsForUser" not in calls  # 200 reads by e-mail cost more than 10 pages
    assert calls["cognito-idp:ListUsers"] + calls["cognito-idp:ListUsersInGroup"] <= 4 + 6  # 200; 67, 67, 66


def test_an_empty_pool_is_listed_once_and_its_groups_not_read(sandbox, monkeypatch):
    from gtops.live import read_live

    data = stack([])
    apply(data)  # the pool and its groups, nobody in them
    data = stack([worker(f"w{i}@example.com", groups=(GROUPS[i % 3],)) for i in range(30)])
    client = aws()
    live = read_live(client, setup(data))
    before = dict(client.stats.calls)
    roster = read.read_roster(client, setup(data), live)
    assert roster.users == []
    assert _calls(client, before) == {"cognito-idp:ListUsers": 1}  # no ListUsersInGroup: nobody to find

    # The pool's count is an estimate: when the listing finds users after all, their groups are read
    apply(stack([worker("late@example.com", groups=("g2",))]))
    live.ids.pool_raw = dict(live.ids.pool_raw or {}, EstimatedNumberOfUsers=0)
    before = dict(client.stats.calls)
    roster = read.read_roster(client, setup(data), live)
    assert [(u.email, u.groups) for u in roster.users] == [("late@example.com", {"g2"})]
    assert _calls(client, before)["cognito-idp:ListUsersInGroup"] == 3


def test_a_bulk_apply_reads_its_writes_back_while_writing_and_the_check_uses_them(sandbox):
    import dataclasses
    from types import SimpleNamespace

    from members_helpers import plan

    from gtops.engine import apply as run
    from gtops.engine import verify
    from gtops.errors import NotConverged
    from gtops.members.settle import groups_touched, in_group_order

    data = stack([worker(f"w{i}@example.com", groups=(GROUPS[i % 3],)) for i in range(200)])
    planned = plan(data)
    ordered = in_group_order(list(planned.plan.actionable))
    firsts = [sorted(groups_touched(c)) for c in ordered if c.address.kind == "cognito_user"]
    assert firsts == sorted(firsts)  # group by group
    assert run(planned).ok
    ids = planned.live.ids
    assert {g: len(names) for g, names in ids.settled_groups.items()} == {"g1": 67, "g2": 67, "g3": 66}
    assert ids.settled_users is not None and len(ids.settled_users) == 200
    client = aws()
    verify(SimpleNamespace(setup=setup(data)), client, None, planned.plan, ids)
    calls = _calls(client, {})
    # read during the apply, beside the writes: the check reads no roster page again
    assert "cognito-idp:ListUsersInGroup" not in calls and "cognito-idp:ListUsers" not in calls

    # What the apply read back is what the check compares: a group missing a worker, or a worker missing
    # from the listing, is caught
    short = {g: names[1:] if g == "g1" else names for g, names in ids.settled_groups.items()}
    for read_back in (
        dataclasses.replace(ids, settled_groups=short),
        dataclasses.replace(ids, settled_users=ids.settled_users[1:]),
    ):
        with pytest.raises(NotConverged):
            verify(SimpleNamespace(setup=setup(data)), aws(), None, planned.plan, read_back)


def test_a_small_apply_reads_nothing_back_early(sandbox):
    from members_helpers import plan

    from gtops.engine import apply as run

    apply(stack([worker(f"w{i}@example.com", groups=(GROUPS[i % 3],)) for i in range(200)]))
    workers = [worker(f"w{i}@example.com", groups=(GROUPS[i % 3],)) for i in range(200)]
    workers.append(worker("new@example.com", groups=("g2",)))
    planned = plan(stack(workers))
    assert run(planned).ok
    assert planned.live.ids.settled_groups == {}  # the check reads the one new worker by e-mail instead


def test_creates_run_at_most_their_lead_ahead_and_a_failed_create_frees_its_place(sandbox, monkeypatch):
    """The creates may not run more than `lead` workers ahead of the rest of their calls (a worker is not
    left long between its invitation and its groups), and a create that fails gives its place back: a batch
    of failures longer than the lead still ends."""
    import threading

    from gtops.members import apply as members_apply
    from gtops.members import settle

    assert settle.lead(1_000, 32) == 128 and settle.lead(50_000, 32) > 128  # a few rounds; more at scale
    monkeypatch.setattr(members_apply, "lead", lambda workers, threads, quotas: 3)
    apply(stack([]))
    real_create, real_converge = members_apply.WorkerWriter.create, members_apply.WorkerWriter.converge
    created, converged, most = [0], [0], [0]
    lock = threading.Lock()

    def create(self, change, steps):
        if change.address.name.startswith("bad"):
            raise members_apply.CallFailed("AdminCreateUser", "InvalidParameterException: refused")
        out = real_create(self, change, steps)
        with lock:
            created[0] += 1
            most[0] = max(most[0], created[0] - converged[0])
        return out

    def converge(self, *args):
        real_converge(self, *args)
        with lock:
            converged[0] += 1

    monkeypatch.setattr(members_apply.WorkerWriter, "create", create)
    monkeypatch.setattr(members_apply.WorkerWriter, "converge", converge)
    workers = [worker(f"bad{i}@example.com") for i in range(20)]
    workers += [worker(f"w{i}@example.com", groups=(GROUPS[i % 3],)) for i in range(60)]
    _, report = apply(stack(workers))
    assert not report.ok
    assert created[0] == converged[0] == 60
    assert most[0] <= 3
