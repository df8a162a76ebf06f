"""Read each group back as soon as the apply has written it for the last time, while other groups are still
being written.

The check after a bulk apply reads the roster by pages at the UserList quota (30/s): for N new workers
about N/30 group pages after N/25 seconds of writes, a few percent of the whole run. Those reads use a quota
the writes leave idle, so the writer orders its work group by group and reads a group (ListUsersInGroup) the
moment its last change is done; the check then uses those members instead of reading the group again
(gtops.members.read.read_roster). Nothing later in the apply writes to a settled group, so what the check
sees is what it would have read at its own turn. Only for a batch the check will read by pages: for a few
workers it reads them by e-mail instead, and these pages would be wasted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from gtops.members.ratelimit import PriorityBucket, quotas_for
from gtops.plan import Action, Change

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext


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


class Settler:
    """Counts the changes left per group; reads a group in the background once none is left."""

    def __init__(self, ctx: ApplyContext, work: Iterable[Change], live_groups: set[str]):
        from gtops.members.read import group_members

        self._read = group_members
        self._aws = ctx.aws
        self._pool_id = ctx.ids.pool_id or ""
        self._left: Counter[str] = Counter()
        for change in work:
            self._left.update(g for g in groups_touched(change) if g in live_groups)
        self._bucket = PriorityBucket(quotas_for(ctx.setup)["UserList"])
        self._lock = threading.Lock()
        self._reads: dict[str, Future[list[str]]] = {}
        self._failed = False
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gtops-settle")

    def done(self, change: Change, ok: bool) -> None:
        """One change finished: a group it was the last writer of is read now (never after a failure: the
        check does not run then)."""
        with self._lock:
            self._failed |= not ok
            ready = []
            for group in groups_touched(change):
                if group in self._left:
                    self._left[group] -= 1
                    if self._left[group] == 0 and not self._failed:
                        ready.append(group)
            for group in ready:
                self._reads[group] = self._pool.submit(
                    self._read, self._aws, self._pool_id, group, self._bucket
                )

    def finish(self) -> dict[str, list[str]]:
        """The groups read back: group -> usernames. A read that failed is left to the check to redo."""
        self._pool.shutdown(wait=True)
        out: dict[str, list[str]] = {}
        for group, future in self._reads.items():
            if future.exception() is None:
                out[group] = future.result()
        return {} if self._failed else out
