"""Read back what a bulk apply wrote while it is still writing, so the check after it has little to read.

The check after a bulk apply reads the roster by pages at the UserList quota (30/s): for N new workers
about N/30 pages after N/25 seconds of writes, a few percent of the whole run. Those reads use a quota the
writes leave idle, so the writer orders its work group by group and reads a group back (ListUsersInGroup)
the moment its last change is done, and lists the pool's users (ListUsers) the moment no change left can
alter what ListUsers shows (the creates run ahead of the group adds: gtops.members.apply). The check then
uses those pages instead of reading them again (gtops.members.read.read_roster). Nothing later in the apply
writes what was read, so the check sees what it would have read at its own turn. Only for a batch the
check reads by pages (for a few workers it reads them by e-mail, and these pages would be wasted), and only
when every change succeeded (the check does not run otherwise).
"""

from __future__ import annotations

import functools
import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from gtops.members.ratelimit import DEFAULT_QUOTAS, PriorityBucket, quotas_for
from gtops.plan import Action, Change

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.members.roster import LiveWorker


def groups_touched(change: Change) -> set[str]:
    """The managed groups whose member list this change alters."""
    before = set((change.before or {}).get("groups") or [])
    after = set((change.after or {}).get("groups") or [])
    if change.action is Action.CREATE:
        return after
    if change.action is Action.DELETE:
        return before
    return before ^ after


def in_group_order(work: list[Change]) -> list[Change]:
    """The changes ordered by the groups they touch, so each group's last write comes early and its read can
    run while the other groups are written."""
    return sorted(work, key=lambda c: tuple(sorted(groups_touched(c))))


def lead(workers: int, threads: int, quotas: Mapping[str, float] = DEFAULT_QUOTAS) -> int:
    """How many workers the creates may run ahead of the rest of their calls: enough that the last create
    ends about as long before the last group add as listing the pool takes (a page per 60 users, one chain
    or 16, at the UserList quota), and never fewer than a few rounds of the writer's threads."""
    from gtops.members.read import HEX, ROUND_TRIP, pages_for

    pages = pages_for(workers)
    listing = min(pages * ROUND_TRIP, (pages + len(HEX)) / quotas["UserList"]) + 0.5
    return max(4 * threads, math.ceil(1.5 * listing * quotas["UserUpdate"]))


class Settler:
    """Counts what is left to write per group and for the users' listing; reads each in the background once
    nothing is left."""

    def __init__(self, ctx: ApplyContext, work: Iterable[Change], live_groups: set[str]):
        self._aws = ctx.aws
        self._setup = ctx.setup
        self._pool_id = ctx.ids.pool_id or ""
        changes = list(work)
        self._left: Counter[str] = Counter()
        for change in changes:
            self._left.update(g for g in groups_touched(change) if g in live_groups)
        # Workers the pool will hold once the apply is done: how many pages listing them takes.
        known = len(ctx.ids.worker_usernames)
        self._users = known + sum(c.action is Action.CREATE for c in changes)
        self._unlisted = {id(c) for c in changes}  # changes that may still alter what ListUsers shows
        self._bucket = PriorityBucket(quotas_for(ctx.setup)["UserList"])
        self._lock = threading.Lock()
        self._groups: dict[str, Future[list[str]]] = {}
        self._listing: Future[list[LiveWorker]] | None = None
        self._failed = False
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gtops-settle")

    def users_final(self, change: Change) -> None:
        """What ListUsers shows of this change's worker will not change again (its create is done)."""
        with self._lock:
            self._listed(change)

    def done(self, change: Change, ok: bool) -> None:
        """One change finished: a group it was the last writer of is read now, and the users once no change
        is left that could alter them. Never after a failure: the check does not run then."""
        from gtops.members.read import group_members

        with self._lock:
            self._failed |= not ok
            for group in groups_touched(change):
                if group in self._left:
                    self._left[group] -= 1
                    if self._left[group] == 0 and not self._failed:
                        self._groups[group] = self._pool.submit(
                            group_members, self._aws, self._pool_id, group, self._bucket
                        )
            self._listed(change)

    def _listed(self, change: Change) -> None:
        self._unlisted.discard(id(change))
        if not self._unlisted and self._listing is None and not self._failed:
            self._listing = self._pool.submit(self._list_users)

    def _list_users(self) -> list[LiveWorker]:
        from gtops.members.read import list_users, pages_for, run_chains, user_filters

        filters = user_filters(self._users, 0, quotas_for(self._setup)["UserList"])
        per_chain = pages_for(self._users // len(filters))
        parts = run_chains(
            [
                functools.partial(list_users, self._aws, self._pool_id, f, self._bucket, per_chain)
                for f in filters
            ]
        )
        return [user for part in parts for user in part]

    def finish(self) -> tuple[dict[str, list[str]], list[LiveWorker] | None]:
        """What was read back: group -> usernames, and the users' listing (None: not read). A read that
        failed is left to the check to redo."""
        self._pool.shutdown(wait=True)
        if self._failed:
            return {}, None
        groups = {g: f.result() for g, f in self._groups.items() if f.exception() is None}
        listing = self._listing
        users = listing.result() if listing is not None and listing.exception() is None else None
        return groups, users
