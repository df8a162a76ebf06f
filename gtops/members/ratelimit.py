"""Client-side rate limits per Cognito quota category, so gtops writes at the quota and not above it.

Cognito throttles per account and region by category (UserCreation 50/s, UserUpdate 25/s, ...). Each
category gets a GCRA token bucket with a small burst: callers reserve a slot under a lock and sleep
outside it, so many threads share one steady rate. Override the rates with
GTOPS_COGNITO_QUOTAS="UserCreation=50,UserUpdate=25" (after a quota increase, or to leave room for other
tools on the account) or with the spec key `members.quotas`.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gtops.errors import GtopsError

if TYPE_CHECKING:
    from gtops.setup import Setup

ENV = "GTOPS_COGNITO_QUOTAS"

# AWS's published defaults (requests per second). SnsSubscription is gtops's own cap for Subscribe and
# Unsubscribe, well under SNS's per-account limits.
DEFAULT_QUOTAS: dict[str, float] = {
    "UserCreation": 50,
    "UserUpdate": 25,
    "UserList": 30,
    "UserRead": 120,
    "UserResourceRead": 50,
    "SnsSubscription": 100,
}

CATEGORY: dict[str, str] = {
    "AdminCreateUser": "UserCreation",
    "AdminAddUserToGroup": "UserUpdate",
    "AdminRemoveUserFromGroup": "UserUpdate",
    "AdminEnableUser": "UserUpdate",
    "AdminDisableUser": "UserUpdate",
    "AdminUpdateUserAttributes": "UserUpdate",
    "AdminDeleteUser": "UserUpdate",
    "ListUsers": "UserList",
    "ListUsersInGroup": "UserList",
    "AdminGetUser": "UserRead",
    "AdminListGroupsForUser": "UserResourceRead",
    "Subscribe": "SnsSubscription",
    "Unsubscribe": "SnsSubscription",
}


class QuotaConfigError(GtopsError):
    """A quota override is malformed."""


def parse_quotas(text: str, source: str = ENV) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in DEFAULT_QUOTAS:
            known = ", ".join(DEFAULT_QUOTAS)
            raise QuotaConfigError(
                f"{source}: want Category=rate pairs with a category among {known}, got {item!r}"
            )
        try:
            rate = float(value)
        except ValueError:
            raise QuotaConfigError(
                f"{source}: {name} must be a number of requests per second, not {value!r}"
            ) from None
        if rate <= 0:
            raise QuotaConfigError(f"{source}: {name} must be above 0")
        out[name] = rate
    return out


def quotas_for(setup: Setup | None = None, environ: Mapping[str, str] | None = None) -> dict[str, float]:
    """Defaults, then the spec's `members.quotas`, then the environment (highest)."""
    quotas = dict(DEFAULT_QUOTAS)
    members = setup.members if setup is not None else None
    spec = members.quotas if members is not None else {}
    for name, rate in spec.items():
        quotas.update(parse_quotas(f"{name}={rate}", "members.quotas"))
    env = (os.environ if environ is None else environ).get(ENV, "")
    quotas.update(parse_quotas(env))
    return quotas


class Bucket:
    """GCRA: `rate` per second with bursts of at most `burst` calls; thread-safe, sleeps outside the lock."""

    def __init__(self, rate: float, burst: int | None = None, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / rate
        self.burst = max(1, burst if burst is not None else int(rate // 10))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tat = clock()  # theoretical arrival time of the next call

    def reserve(self) -> float:
        """Book the next slot; returns how long the caller must wait for it."""
        with self._lock:
            now = self._clock()
            tolerance = (self.burst - 1) * self.interval
            start = max(now, self._tat - tolerance)
            self._tat = max(self._tat, now) + self.interval
            return start - now

    def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)


class PriorityBucket:
    """A GCRA bucket like `Bucket` whose waiting callers are served by priority: highest first, then in the
    order they came. For concurrent chains of pages (each a round trip per page) that share one quota: give
    each request its chain's expected pages left, and the longest chain never queues behind short ones, so
    the read ends when the quota, not a chain's round trips, says it can. Callers wait on a condition, not
    on a booked slot, so a late high-priority caller still goes first."""

    def __init__(self, rate: float, burst: int | None = None, clock=time.monotonic):
        self.interval = 1.0 / rate
        self.burst = max(1, burst if burst is not None else int(rate // 10))
        self._clock = clock
        self._cond = threading.Condition()
        self._waiting: list[tuple[float, int]] = []  # heap of (-priority, ticket)
        self._tickets = itertools.count()
        self._tat = clock()

    def acquire(self, priority: float = 0.0) -> None:
        with self._cond:
            me = (-priority, next(self._tickets))
            heapq.heappush(self._waiting, me)
            while True:
                if self._waiting[0] != me:
                    self._cond.wait()  # woken whenever the head of the queue takes its slot
                    continue
                now = self._clock()
                start = max(now, self._tat - (self.burst - 1) * self.interval)
                if start <= now:
                    heapq.heappop(self._waiting)
                    self._tat = max(self._tat, now) + self.interval
                    self._cond.notify_all()
                    return
                self._cond.wait(start - now)  # a higher-priority arrival may take the slot meanwhile


class RateLimiter:
    """One bucket per category; operations without a category pass freely."""

    def __init__(self, quotas: Mapping[str, float] | None = None):
        self.quotas = dict(quotas or DEFAULT_QUOTAS)
        self.buckets = {name: Bucket(rate) for name, rate in self.quotas.items()}

    def acquire(self, operation: str) -> None:
        bucket = self.buckets.get(CATEGORY.get(operation, ""))
        if bucket is not None:
            bucket.acquire()

    def floor_seconds(self, operations: Mapping[str, int]) -> float:
        """The quota-bound seconds for a batch of operation counts (the slowest category decides)."""
        per_category: dict[str, int] = {}
        for op, count in operations.items():
            cat = CATEGORY.get(op)
            if cat:
                per_category[cat] = per_category.get(cat, 0) + count
        return max((n / self.quotas[c] for c, n in per_category.items()), default=0.0)
