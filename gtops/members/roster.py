"""The roster diff: spec workers against live Cognito users, in the spec's vocabulary. No AWS here.

Workers are matched by e-mail, case-insensitively. Only what the spec declares is compared: groups the spec
defines, attribute keys a worker gives, the phone when given, and the notification subscription when the
spec has a notified team. Users missing from the roster are deleted only with `prune.members`; otherwise
they are reported once, as one warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.model import Address
from gtops.plan import Action, Change, FieldChange

if TYPE_CHECKING:
    from gtops.kinds.user import WorkerSpec
    from gtops.setup import Safety, Setup

KIND = "cognito_user"
PRUNE_REASON = "not in the roster, and prune.members is on"
# Attributes Cognito manages itself or that have their own spec field: never diffed as `attributes`.
SYSTEM_ATTRIBUTES = frozenset({"sub", "email", "email_verified", "phone_number", "phone_number_verified"})
PENDING = "PendingConfirmation"
LISTED = 10  # e-mails named in a warning before "and N more"


@dataclass(slots=True)
class LiveWorker:
    """One Cognito user as ListUsers and ListUsersInGroup describe it."""

    username: str
    email: str | None
    enabled: bool = True
    status: str = ""
    phone: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)  # managed groups only
    subscribed: bool = False  # e-mail subscription to the notifications topic (confirmed or pending)
    created: float = 0.0  # UserCreateDate, epoch seconds

    @property
    def key(self) -> str:
        return (self.email or "").lower()

    @property
    def label(self) -> str:
        return self.email or f"(username {self.username}, no e-mail)"


@dataclass
class LiveRoster:
    """Every user of the pool; `by_email` holds the one gtops manages per e-mail."""

    users: list[LiveWorker] = field(default_factory=list)
    # lower-cased e-mail -> endpoint's subscription ARN ("PendingConfirmation" until the worker confirms)
    subscriptions: dict[str, str] = field(default_factory=dict)

    def pending(self, key: str) -> bool:
        return self.subscriptions.get(key) == PENDING

    @property
    def by_email(self) -> dict[str, LiveWorker]:
        out: dict[str, LiveWorker] = {}
        for user in self.users:
            if user.email and user.key not in out:
                out[user.key] = user
        return out


@dataclass
class RosterDiff:
    changes: list[Change]
    warnings: list[str]
    # Users in the pool but not in the roster (kept unless prune.members): what `drift` reports.
    unmanaged: list[LiveWorker]


def managed_groups(setup: Setup) -> list[str]:
    return [g.name for g in setup.groups]


def notified_groups(setup: Setup) -> set[str] | None:
    """Groups whose members get team notifications; None when the spec has no notified team."""
    if setup.topic is None:
        return None
    teams = [t for t in setup.teams if t.notifications]
    if not teams:
        return None
    return {g for t in teams for g in t.groups}


def desired_record(worker: WorkerSpec, managed: set[str], notified: set[str] | None) -> dict[str, Any]:
    groups = sorted(set(worker.groups) & managed)
    enabled = worker.enabled
    record: dict[str, Any] = {"email": worker.email}
    if worker.phone:
        record["phone"] = worker.phone
    record["groups"] = groups
    record["enabled"] = enabled
    if worker.attributes:
        record["attributes"] = {str(k): str(v) for k, v in sorted(worker.attributes.items())}
    if notified is not None:
        # A disabled worker cannot take tasks, so it is not told about them either.
        record["notified"] = enabled and bool(notified & set(groups))
    return record


def live_record(user: LiveWorker, want: dict[str, Any] | None, notified: set[str] | None) -> dict[str, Any]:
    """The live user projected onto what the spec declares (everything it has, for a deletion)."""
    record: dict[str, Any] = {"email": user.email}
    if want is None:
        if user.phone:
            record["phone"] = user.phone
    elif "phone" in want:
        record["phone"] = user.phone
    record["groups"] = sorted(user.groups)
    record["enabled"] = user.enabled
    if want is None:
        if user.attributes:
            record["attributes"] = dict(sorted(user.attributes.items()))
    elif "attributes" in want:
        record["attributes"] = {k: user.attributes.get(k) for k in want["attributes"]}
    if notified is not None:
        record["notified"] = user.subscribed
    return record


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    out = []
    for key in ("phone", "groups", "enabled", "notified"):
        if key in after and before.get(key) != after[key]:
            out.append(FieldChange(key, before.get(key), after[key]))
    for name, value in (after.get("attributes") or {}).items():
        was = (before.get("attributes") or {}).get(name)
        if was != value:
            out.append(FieldChange(f"attributes.{name}", was, value))
    return out


def _listing(labels: list[str]) -> str:
    shown = ", ".join(labels[:LISTED])
    more = len(labels) - LISTED
    return shown + (f", and {more} more" if more > 0 else "")


def diff_roster(setup: Setup, live: LiveRoster) -> RosterDiff:
    workers = setup.members.workers if setup.members is not None else ()
    managed = set(managed_groups(setup))
    notified = notified_groups(setup)
    prune = setup.prune.members
    by_email = live.by_email

    changes: list[Change] = []
    pending: list[str] = []
    wanted: set[str] = set()
    for worker in workers:
        key = worker.key
        wanted.add(key)
        after = desired_record(worker, managed, notified)
        user = by_email.get(key)
        address = Address(KIND, key)
        if user is None:
            changes.append(Change(address, Action.CREATE, None, after))
            continue
        before = live_record(user, after, notified)
        if before.get("notified") and not after.get("notified") and live.pending(key):
            before["notified"] = False  # AWS cannot remove an unconfirmed subscription
            pending.append(user.email or key)
        fields = field_changes(before, after)
        if fields:
            changes.append(Change(address, Action.UPDATE, before, after, fields))

    warnings: list[str] = []
    unmanaged = [u for u in live.users if u.key not in wanted or by_email.get(u.key) is not u]
    duplicates = [u for u in live.users if u.email and by_email.get(u.key) is not u]
    if duplicates:
        warnings.append(
            f"{len(duplicates)} users share an e-mail with another user and are left alone: "
            + _listing([f"{u.email} (username {u.username})" for u in duplicates])
        )
    # Only users gtops can address by e-mail are removed; the others are reported.
    removable = [u for u in unmanaged if u.email and by_email.get(u.key) is u]
    skip = {id(u) for u in duplicates} | ({id(u) for u in removable} if prune else set())
    kept = [u for u in unmanaged if id(u) not in skip]
    if prune:
        for user in removable:
            before = live_record(user, None, notified)
            changes.append(Change(Address(KIND, user.key), Action.DELETE, before, None, reason=PRUNE_REASON))
        if kept:
            warnings.append(
                f"{len(kept)} users in the pool have no e-mail, so gtops cannot match them to the roster and "
                f"keeps them: {_listing([u.label for u in kept])}"
            )
    elif kept:
        warnings.append(
            f"{len(kept)} workers in the pool are not in the spec: {_listing([u.label for u in kept])} "
            "(prune.members is off, so they are kept)"
        )
    if pending:
        warnings.append(
            f"{len(pending)} notification subscriptions await confirmation and cannot be removed until "
            f"confirmed or expired (AWS drops them after 3 days): {_listing(sorted(pending))}"
        )
    apply_safety(changes, len(live.users), setup.safety)
    return RosterDiff(changes, warnings, unmanaged)


def is_risky(change: Change) -> bool:
    """Removing a worker or disabling one (both stop someone's work)."""
    if change.action is Action.DELETE:
        return True
    return change.action is Action.UPDATE and any(
        f.path == "enabled" and f.before is True and f.after is False for f in change.fields
    )


def apply_safety(changes: list[Change], existing: int, safety: Safety) -> str | None:
    """octoDNS-style brake: too large a share of removals and disables needs --force. Returns the reason."""
    share = float(safety.max_worker_change)
    minimum = int(safety.min_workers)
    risky = [c for c in changes if is_risky(c)]
    if not risky or existing < minimum or existing == 0:
        return None
    ratio = len(risky) / existing
    if ratio <= share:
        return None
    reason = (
        f"would remove or disable {ratio:.0%} of {existing} existing workers "
        f"(over the {share:.0%} limit set by safety.max_worker_change)"
    )
    for change in risky:
        change.needs_force = reason
    return reason
