"""Read the live roster in pages: one ListUsers pass, one ListUsersInGroup pass per managed group, and one
ListSubscriptionsByTopic pass when notifications are managed. Never a call per user.

Cost for N users in G groups: ceil(N/60) + sum_g ceil(n_g/60) Cognito calls (+ ceil(S/100) SNS calls).
A pool or group that does not exist yet costs nothing: it has no members. Each pass is a chain of pages
(one round trip each); the ListUsers chain and the group chains (one after another) run side by side,
which keeps two requests in flight: about the UserList quota (30/s) at AWS round-trip times, so neither
chain waits on the other. Both are paced by a shared UserList bucket all the same.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gtops.members.ratelimit import RateLimiter, quotas_for
from gtops.members.roster import SYSTEM_ATTRIBUTES, LiveRoster, LiveWorker, managed_groups, notified_groups
from gtops.model import Address

PAGE = 60  # the largest page ListUsers and ListUsersInGroup accept


def worker_from(user: dict[str, Any]) -> LiveWorker:
    attrs = {
        a["Name"]: a.get("Value", "") for a in user.get("Attributes") or user.get("UserAttributes") or []
    }
    return LiveWorker(
        username=user["Username"],
        email=attrs.get("email"),
        enabled=bool(user.get("Enabled", True)),
        status=user.get("UserStatus", ""),
        phone=attrs.get("phone_number"),
        attributes={k: v for k, v in attrs.items() if k not in SYSTEM_ATTRIBUTES},
    )


def list_users(
    aws, pool_id: str, filter_expr: str | None = None, limiter: RateLimiter | None = None
) -> list[LiveWorker]:
    idp = aws.client("cognito-idp")
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": PAGE}
    if filter_expr:
        kwargs["Filter"] = filter_expr
    users: list[LiveWorker] = []
    # Pages may come back short or empty while a token remains: follow the token, not the page size.
    while True:
        if limiter:
            limiter.acquire("ListUsers")
        page = idp.list_users(**kwargs)
        users += [worker_from(u) for u in page.get("Users", [])]
        token = page.get("PaginationToken")
        if not token:
            return users
        kwargs["PaginationToken"] = token


def group_members(aws, pool_id: str, group: str, limiter: RateLimiter | None = None) -> list[str]:
    idp = aws.client("cognito-idp")
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "GroupName": group, "Limit": PAGE}
    names: list[str] = []
    while True:
        if limiter:
            limiter.acquire("ListUsersInGroup")
        page = idp.list_users_in_group(**kwargs)
        names += [u["Username"] for u in page.get("Users", [])]
        token = page.get("NextToken")
        if not token:
            return names
        kwargs["NextToken"] = token


def email_subscriptions(aws, topic_arn: str) -> dict[str, str]:
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


def topic_exists(data: dict, live) -> bool:
    notif = data.get("notifications") or {}
    name = notif.get("topic") or (notif.get("topic_arn") or "").rsplit(":", 1)[-1]
    return bool(name) and live.get(Address("sns_topic", name)) is not None


def read_roster(aws, data: dict, live) -> LiveRoster:
    """The pool's users with their managed groups and subscriptions; empty when the pool does not exist."""
    roster = LiveRoster()
    pool_id = live.ids.pool_id
    if not pool_id:
        return roster
    limiter = RateLimiter({"UserList": quotas_for(data)["UserList"]})
    groups = [g for g in managed_groups(data) if live.get(Address("cognito_user_group", g)) is not None]
    # (groups the apply will create have nobody in them yet)

    def all_groups() -> dict[str, list[str]]:
        return {g: group_members(aws, pool_id, g, limiter) for g in groups}

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="gtops-read") as pool:
        users = pool.submit(list_users, aws, pool_id, None, limiter)
        members = pool.submit(all_groups)
        roster.users = users.result()
        by_username = {u.username: u for u in roster.users}
        for group, names in members.result().items():
            for name in names:
                user = by_username.get(name)
                if user is not None:  # a user created between the two reads shows up next time
                    user.groups.add(group)
    if notified_groups(data) is not None and topic_exists(data, live) and live.ids.topic_arn:
        roster.subscriptions = email_subscriptions(aws, live.ids.topic_arn)
        for user in roster.users:
            user.subscribed = user.key in roster.subscriptions
    return roster
