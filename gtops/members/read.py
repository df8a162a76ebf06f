"""Read the live roster in pages: the pool's users, the members of each managed group, and one
ListSubscriptionsByTopic pass when notifications are managed. Never a call per user.

Cost for N users in G groups: about ceil(N/60) + sum_g ceil(n_g/60) Cognito calls (+ ceil(S/100) SNS calls),
all in the UserList quota category (30/s by default). A pool or group that does not exist yet costs nothing:
it has no members.

A chain of pages costs a round trip per page, so one chain alone reads at most one page per round trip;
past a few thousand users that, not the quota, would set the time. So the reads run as concurrent chains
sharing one UserList bucket: one chain per group (ListUsersInGroup), and the users as one ListUsers chain or,
when that one chain would be the slower way, as 16 chains split by the first hex digit of the users' `sub`
(Filter `sub ^= "0"` ... `sub ^= "f"`). A sub is a UUID written in lower-case hex, so the 16 chains are
disjoint and their union is exactly the pool, whatever the users' e-mails look like; UUIDs are uniform, so
the chains are about equally long. Each split chain ends with a short page: up to 16 pages more.
The bucket serves the chain with the most pages left first (expected from the pool's EstimatedNumberOfUsers,
read by the DescribeUserPool the plan makes anyway, and the roster's group sizes), so no long chain waits
behind short ones and the read ends when the quota says it can.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gtops.members.ratelimit import PriorityBucket, quotas_for
from gtops.members.roster import SYSTEM_ATTRIBUTES, LiveRoster, LiveWorker, managed_groups, notified_groups
from gtops.model import Address

if TYPE_CHECKING:
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveState
    from gtops.setup import Setup

PAGE = 60  # the largest page ListUsers and ListUsersInGroup accept
HEX = "0123456789abcdef"
ROUND_TRIP = 0.075  # seconds a page takes to come back, for choosing the chains (AWS: 20-100 ms)
MAX_CHAINS = 32  # threads reading at once; more chains wait their turn


def worker_from(user: dict[str, Any]) -> LiveWorker:
    attrs = {
        a["Name"]: a.get("Value", "") for a in user.get("Attributes") or user.get("UserAttributes") or []
    }
    created = user.get("UserCreateDate")
    return LiveWorker(
        username=user["Username"],
        email=attrs.get("email"),
        enabled=bool(user.get("Enabled", True)),
        status=user.get("UserStatus", ""),
        phone=attrs.get("phone_number"),
        attributes={k: v for k, v in attrs.items() if k not in SYSTEM_ATTRIBUTES},
        created=created.timestamp() if isinstance(created, datetime) else 0.0,
    )


def _pages(
    call: Callable[..., dict[str, Any]],
    kwargs: dict[str, Any],
    token: tuple[str, str],
    keep: Callable[[dict[str, Any]], Any],
    bucket: PriorityBucket | None = None,
    expected: int = 0,
) -> list[Any]:
    """Follow one chain of pages (`token`: the request and answer member names of its token); `keep` maps
    each item. With a bucket, each page waits for its slot with the chain's expected pages left as priority.
    Pages may come back short or empty while a token remains: follow the token, not the page size."""
    out: list[Any] = []
    done = 0
    while True:
        if bucket is not None:
            bucket.acquire(max(expected - done, 0))
        page = call(**kwargs)
        done += 1
        out += [keep(item) for item in page.get("Users", [])]
        following = page.get(token[1])
        if not following:
            return out
        kwargs[token[0]] = following


def list_users(
    aws: AwsHandle,
    pool_id: str,
    filter_expr: str | None = None,
    bucket: PriorityBucket | None = None,
    expected: int = 0,
) -> list[LiveWorker]:
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": PAGE}
    if filter_expr:
        kwargs["Filter"] = filter_expr
    token = ("PaginationToken", "PaginationToken")
    call = aws.client("cognito-idp").list_users
    return _pages(call, kwargs, token, worker_from, bucket, expected)


def group_members(
    aws: AwsHandle, pool_id: str, group: str, bucket: PriorityBucket | None = None, expected: int = 0
) -> list[str]:
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "GroupName": group, "Limit": PAGE}
    call = aws.client("cognito-idp").list_users_in_group
    return _pages(call, kwargs, ("NextToken", "NextToken"), lambda u: u["Username"], bucket, expected)


def user_filters(users: int, group_pages: int, rate: float) -> list[str | None]:
    """The ListUsers chains for a pool of about `users` users (and `group_pages` pages of group members):
    one unfiltered chain, or 16 by the first digit of the sub, whichever should end sooner. A single chain
    takes a round trip per page; 16 chains take up to 16 pages more (each ends with a short page)."""
    pages = pages_for(users)
    one = max(pages * ROUND_TRIP, (pages + group_pages) / rate)
    split = max(pages_for(users // len(HEX) + 1) * ROUND_TRIP, (pages + len(HEX) + group_pages) / rate)
    if users and split < one:
        return [f'sub ^= "{digit}"' for digit in HEX]
    return [None]


def pages_for(users: int) -> int:
    return -(-users // PAGE)


def run_chains(chains: list[Callable[[], Any]]) -> list[Any]:
    """Run each chain of pages on its own thread (at most MAX_CHAINS at once); their results, in order."""
    from gtops.live import run_all

    return run_all(chains, limit=MAX_CHAINS)


def email_subscriptions(aws: AwsHandle, topic_arn: str) -> dict[str, str]:
    """lower-cased e-mail -> subscription ARN of the topic's e-mail subscriptions."""
    sns = aws.client("sns")
    out: dict[str, str] = {}
    kwargs: dict[str, Any] = {"TopicArn": topic_arn}
    while True:
        page = sns.list_subscriptions_by_topic(**kwargs)
        for sub in page.get("Subscriptions", []):
            if sub.get("Protocol") == "email" and sub.get("Endpoint"):
                key = sub["Endpoint"].lower()
                # A confirmed subscription wins over a pending duplicate.
                if key not in out or out[key] == "PendingConfirmation":
                    out[key] = sub.get("SubscriptionArn", "")
        token = page.get("NextToken")
        if not token:
            return out
        kwargs["NextToken"] = token


def topic_exists(setup: Setup, live: LiveState) -> bool:
    topic = setup.topic
    return topic is not None and live.get(Address("sns_topic", topic.name)) is not None


def expected_sizes(setup: Setup, live: LiveState) -> tuple[int, Counter[str]]:
    """About how many users the pool has (its own EstimatedNumberOfUsers, read by the DescribeUserPool the
    plan makes anyway; else the roster's size) and each group's members by the roster."""
    workers = setup.members.workers if setup.members is not None else ()
    estimate = (live.ids.pool_raw or {}).get("EstimatedNumberOfUsers")
    users = estimate if isinstance(estimate, int) else len(workers)
    return users, Counter(g for w in workers for g in w.groups)


def with_subscriptions(aws: AwsHandle, setup: Setup, live: LiveState, roster: LiveRoster) -> LiveRoster:
    """The roster with each user's e-mail subscription to the notifications topic, when those are managed."""
    topic_arn = live.ids.topic_arn
    if notified_groups(setup) is not None and topic_exists(setup, live) and topic_arn:
        roster.subscriptions = email_subscriptions(aws, topic_arn)
        for user in roster.users:
            user.subscribed = user.key in roster.subscriptions
    return roster


def read_roster(
    aws: AwsHandle,
    setup: Setup,
    live: LiveState,
    settled: Mapping[str, list[str]] | None = None,
    settled_users: list[LiveWorker] | None = None,
) -> LiveRoster:
    """The pool's users with their managed groups and subscriptions; empty when the pool does not exist.
    `settled`, `settled_users`: groups and the users' listing an apply already read back after its last
    write to them (gtops.members.settle)."""
    roster = LiveRoster()
    pool_id = live.ids.pool_id
    if not pool_id:
        return roster
    rate = quotas_for(setup)["UserList"]
    bucket = PriorityBucket(rate)
    groups = [g for g in managed_groups(setup) if live.get(Address("cognito_user_group", g)) is not None]
    # (groups the apply will create have nobody in them yet)
    # Expected pages per chain (the chains' priorities): a plan with few changes finds about these.
    users, wanted = expected_sizes(setup, live)
    group_pages = sum(pages_for(wanted[g]) for g in groups)
    filters = user_filters(users, group_pages, rate)
    per_chain = pages_for(users // len(filters))
    chains: list[Callable[[], Any]] = [
        functools.partial(list_users, aws, pool_id, f, bucket, per_chain) for f in filters
    ]
    if settled_users is not None:  # listed by the apply: copies, as the groups are added to them below
        copies = [dataclasses.replace(u, groups=set(u.groups)) for u in settled_users]
        chains = [lambda: copies]
        filters = [None]
    settled = settled or {}
    unread = [g for g in groups if g not in settled]
    group_chains: list[Callable[[], Any]] = [
        functools.partial(group_members, aws, pool_id, g, bucket, pages_for(wanted[g])) for g in unread
    ]
    if users == 0:
        # The pool says it is empty (a first onboarding): list its users first, and read the groups only if
        # that finds someone after all (the count is an estimate). Nobody in the pool, nobody in a group.
        firsts = run_chains(chains)
        found = any(firsts)
        results = firsts + (run_chains(group_chains) if found and group_chains else [[] for _ in unread])
    else:
        results = run_chains(chains + group_chains)
    read_now = dict(zip(unread, results[len(filters) :], strict=True))
    members = [settled[g] if g in settled else read_now[g] for g in groups]
    roster.users = [u for part in results[: len(filters)] for u in part]
    # Oldest first (ties by username), however the pool was read: of two users sharing an e-mail, the older
    # is the managed one.
    roster.users.sort(key=lambda u: (u.created, u.username))
    by_username = {u.username: u for u in roster.users}
    for group, names in zip(groups, members, strict=True):
        for name in names:
            user = by_username.get(name)
            if user is not None:  # a user created between the two reads shows up next time
                user.groups.add(group)
    return with_subscriptions(aws, setup, live, roster)


def reads_by_pages(setup: Setup, live: LiveState, workers: int) -> bool:
    """Whether re-reading `workers` workers one e-mail at a time costs more than the roster's pages."""
    users, wanted = expected_sizes(setup, live)
    groups = [g for g in managed_groups(setup) if live.get(Address("cognito_user_group", g)) is not None]
    return workers > pages_for(users) + sum(pages_for(wanted[g]) for g in groups)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def read_changed(
    aws: AwsHandle, setup: Setup, live: LiveState, emails: dict[str, set[str]]
) -> LiveRoster | None:
    """Only the users with these e-mails (lower-cased key -> the e-mails as the plan wrote them), with their
    managed groups and subscriptions: what the check after an apply needs to see. One ListUsers
    `email = "..."` per e-mail (UserList, 30/s) and one AdminListGroupsForUser per user found
    (UserResourceRead, 50/s), side by side under their quotas.

    None when that would not be the cheaper read: more e-mails than the pages of the whole roster (a bulk
    apply: the pages are cheaper), or a worker the spec keeps was not found by its e-mail as written (the
    pool may hold it in another case): then the caller reads the whole roster.
    """
    roster = LiveRoster()
    pool_id = live.ids.pool_id
    if not pool_id or not emails:
        return roster
    quotas = quotas_for(setup)
    groups = [g for g in managed_groups(setup) if live.get(Address("cognito_user_group", g)) is not None]
    asked = sorted({e for found in emails.values() for e in found})
    if reads_by_pages(setup, live, len(asked)):
        return None
    listing, grouping = PriorityBucket(quotas["UserList"]), PriorityBucket(quotas["UserResourceRead"])
    managed = set(groups)
    idp = aws.client("cognito-idp")

    def one(email: str) -> list[LiveWorker]:
        found = list_users(aws, pool_id, f"email = {_quoted(email)}", listing)
        for user in found:
            kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Username": user.username, "Limit": PAGE}
            while True:
                grouping.acquire()
                page = idp.admin_list_groups_for_user(**kwargs)
                user.groups |= {g["GroupName"] for g in page.get("Groups", [])} & managed
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
        return found

    with ThreadPoolExecutor(max_workers=min(8, len(asked)), thread_name_prefix="gtops-verify") as pool:
        parts = list(pool.map(one, asked))
    seen: dict[str, LiveWorker] = {}
    for part in parts:
        for user in part:
            seen.setdefault(user.username, user)
    roster.users = sorted(seen.values(), key=lambda u: (u.created, u.username))
    kept = {w.key for w in (setup.members.workers if setup.members is not None else ())}
    if kept & set(emails) - {u.key for u in roster.users}:
        return None
    return with_subscriptions(aws, setup, live, roster)
