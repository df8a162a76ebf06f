"""Write worker changes concurrently, at the Cognito quota: invites, group moves, enable/disable, attributes,
removals and notification subscriptions.

Each worker's calls run in order (a group add needs the user to exist): its AdminCreateUser on one of the
creating threads, then the rest on one of the writing threads; workers run in parallel, the creates a
bounded number of workers ahead of the rest. Every call first takes a token from its quota category's
bucket, so the whole run stays at the quota rather than above it. Retries are gtops's own (the client has
botocore's retries off), so every retry also takes a token: what gtops.aws calls transient (throttling,
5xx, dropped connections) is retried with capped, jittered backoff, a bounded number of times. Nothing is
rolled back; the result names each worker done or failed, with why, and a re-run plans only what is left.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.aws import THROTTLING, error_code, error_message, is_transient
from gtops.members.progress import Progress
from gtops.members.ratelimit import RateLimiter, quotas_for
from gtops.members.read import reads_by_pages
from gtops.members.roster import PENDING, managed_groups
from gtops.members.settle import Settler, in_group_order, lead
from gtops.model import Address
from gtops.plan import Action, Change

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext

THREADS = 32
CREATE_THREADS = 8  # AdminCreateUser callers, beside the THREADS that write the rest of each worker
ATTEMPTS = 10
BACKOFF_BASE = 0.2
BACKOFF_CAP = 10.0
PHASE = {Action.CREATE: "create", Action.UPDATE: "update", Action.DELETE: "delete"}


@dataclass
class MembersResult:
    done: list[tuple[Address, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)  # attempts, by operation
    retries: int = 0
    throttled: int = 0


# Cognito's default e-mail (COGNITO_DEFAULT) sends 50 e-mails a day per account, then AdminCreateUser fails
# with LimitExceededException (Cognito Developer Guide, "Quotas in Amazon Cognito"; README, sandbox rules).
DAILY_EMAILS = (
    "Cognito's daily e-mail quota is used up (LimitExceededException: COGNITO_DEFAULT sends 50 e-mails a day "
    "per account, reset at 09:00 UTC); the worker was not created. Run `gtops apply` again after the reset, "
    "or send through Amazon SES: pool.email.sending_account: DEVELOPER with source_arn"
)


class CallFailed(Exception):
    def __init__(self, operation: str, detail: str, err: Exception | None = None):
        super().__init__(f"{operation} failed: {detail}")
        self.operation = operation
        self.detail = detail
        self.code = error_code(err) if err is not None else ""


def failure(err: CallFailed, steps: list[str]) -> CallFailed:
    """The failure as reported for a worker: with the calls that had succeeded before it."""
    done = f" (done first: {', '.join(steps)})" if steps else ""
    return CallFailed(err.operation, f"{err.detail}{done}")


def _snake(operation: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


class Caller:
    """Rate-limited calls with bounded, jittered retries; thread-safe."""

    def __init__(
        self,
        clients: dict[str, Any],
        limiter: RateLimiter,
        attempts: int = ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        self.clients = clients
        self.limiter = limiter
        self.attempts = attempts
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.calls: Counter[str] = Counter()
        self.retries = 0
        self.throttled = 0
        self._lock = threading.Lock()

    def __call__(self, service: str, operation: str, **params: Any) -> dict:
        method = getattr(self.clients[service], _snake(operation))
        for attempt in range(1, self.attempts + 1):
            self.limiter.acquire(operation)
            with self._lock:
                self.calls[operation] += 1
            try:
                return method(**params)
            except Exception as err:
                if not is_transient(err):
                    detail = f"{error_code(err)}: {error_message(err)}" if error_code(err) else str(err)
                    raise CallFailed(operation, detail, err) from err
                with self._lock:
                    self.retries += 1
                    self.throttled += error_code(err) in THROTTLING
                if attempt == self.attempts:
                    what = error_code(err) or type(err).__name__
                    raise CallFailed(operation, f"{what} on all {self.attempts} attempts", err) from err
                with self._lock:
                    delay = self.rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))
                self.sleep(delay)
        raise AssertionError("unreachable")


def user_attributes(record: dict, names: list[str] | None = None) -> list[dict[str, str]]:
    """Cognito attributes for a worker record; `names` limits them to what changed."""
    out = []
    if "phone" in record and (names is None or "phone" in names) and record.get("phone"):
        out.append({"Name": "phone_number", "Value": record["phone"]})
    for key, value in (record.get("attributes") or {}).items():
        if names is None or f"attributes.{key}" in names:
            out.append({"Name": key, "Value": value})
    return out


class WorkerWriter:
    """The calls for one change, in an order that keeps each worker valid at every step."""

    def __init__(self, call: Caller, ctx: ApplyContext):
        setup = ctx.setup
        self.call = call
        self.pool_id = ctx.ids.pool_id
        self.topic_arn = ctx.ids.topic_arn
        self.usernames: dict[str, str] = ctx.ids.worker_usernames
        self.subscriptions: dict[str, str] = ctx.ids.worker_subscriptions
        self.suppress = setup.members is not None and setup.members.invitation == "suppress"
        self.sign_in = setup.pool.sign_in if setup.pool is not None else "email"
        self.managed = set(managed_groups(setup))

    def run(self, change: Change) -> None:
        steps: list[str] = []
        try:
            if change.action is Action.CREATE:
                rest, _ = self.create(change, steps)
                if rest is not None:
                    rest()
            elif change.action is Action.UPDATE:
                self._need_pool()
                username = self.usernames.get(change.address.name, change.address.name)
                self.converge(username, change.address.name, change.before or {}, change.after or {}, steps)
            elif change.action is Action.DELETE:
                self._need_pool()
                self.delete(change, steps)
        except CallFailed as err:
            raise failure(err, steps) from err

    def _need_pool(self) -> None:
        if not self.pool_id:
            raise CallFailed("AdminCreateUser", "the user pool does not exist")

    # -- one worker ---------------------------------------------------------------------------------------

    def create(self, change: Change, steps: list[str]) -> tuple[Callable[[], None] | None, bool]:
        """AdminCreateUser. Returns the rest of the worker's calls (its groups, a disable, a subscription) to
        run next, and whether what ListUsers shows of the worker is already final (nothing of the rest
        changes it)."""
        self._need_pool()
        after = change.after or {}
        email = after["email"]
        username = after.get("phone") if self.sign_in == "phone_number" else email
        if not username:
            raise CallFailed(
                "AdminCreateUser", "the pool signs in by phone number and this worker has no phone"
            )
        attrs = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        attrs += user_attributes(after)
        params: dict[str, Any] = {
            "UserPoolId": self.pool_id,
            "Username": username,
            "UserAttributes": attrs,
            "DesiredDeliveryMediums": ["EMAIL"],
        }
        if self.suppress:
            params["MessageAction"] = "SUPPRESS"
        try:
            created = self.call("cognito-idp", "AdminCreateUser", **params)
        except CallFailed as err:
            if err.code == "LimitExceededException":
                raise CallFailed("AdminCreateUser", DAILY_EMAILS) from err
            if err.code != "UsernameExistsException":
                raise
            # Created by an earlier, interrupted run (or by hand): read it once and converge by updating.
            before = self.read_user(username, change.address.name, after)
            steps.append("found existing user")
            name = before.pop("_username")
            return lambda: self.converge(name, change.address.name, before, after, steps), False
        steps.append("invited" if not self.suppress else "created")
        fresh = {"groups": [], "enabled": True, "attributes": dict(after.get("attributes") or {})}
        if "phone" in after:
            fresh["phone"] = after["phone"]
        if "notified" in after:
            fresh["notified"] = False
        made = created["User"]["Username"]
        rest = lambda: self.converge(made, change.address.name, fresh, after, steps)  # noqa: E731
        return rest, after.get("enabled") is not False

    def read_user(self, username: str, key: str, after: dict) -> dict:
        """The live record of one user, for the rare create that meets an existing user."""
        user = self.call("cognito-idp", "AdminGetUser", UserPoolId=self.pool_id, Username=username)
        attrs = {a["Name"]: a.get("Value", "") for a in user.get("UserAttributes") or []}
        groups: list[str] = []
        kwargs: dict[str, Any] = {"UserPoolId": self.pool_id, "Username": username, "Limit": 60}
        while True:
            page = self.call("cognito-idp", "AdminListGroupsForUser", **kwargs)
            groups += [g["GroupName"] for g in page.get("Groups", [])]
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        record: dict[str, Any] = {
            "_username": user["Username"],
            "groups": sorted(g for g in groups if g in self.managed),
            "enabled": bool(user.get("Enabled", True)),
            "attributes": {k: attrs.get(k) for k in (after.get("attributes") or {})},
        }
        if "phone" in after:
            record["phone"] = attrs.get("phone_number")
        if "notified" in after:
            record["notified"] = key in self.subscriptions
        return record

    def converge(self, username: str, key: str, before: dict, after: dict, steps: list[str]) -> None:
        changed = [n for n in ("phone",) if n in after and before.get(n) != after[n]]
        changed += [
            f"attributes.{k}"
            for k, v in (after.get("attributes") or {}).items()
            if (before.get("attributes") or {}).get(k) != v
        ]
        base = {"UserPoolId": self.pool_id, "Username": username}
        if changed:
            self.call(
                "cognito-idp",
                "AdminUpdateUserAttributes",
                **base,
                UserAttributes=user_attributes(after, changed),
            )
            steps.append("attributes set")
        if after.get("enabled") and before.get("enabled") is False:
            self.call("cognito-idp", "AdminEnableUser", **base)
            steps.append("enabled")
        have, want = set(before.get("groups") or []), set(after.get("groups") or [])
        for group in sorted(want - have):
            self.call("cognito-idp", "AdminAddUserToGroup", **base, GroupName=group)
            steps.append(f"added to {group}")
        for group in sorted(have - want):
            self.call("cognito-idp", "AdminRemoveUserFromGroup", **base, GroupName=group)
            steps.append(f"removed from {group}")
        if after.get("enabled") is False and before.get("enabled") is not False:
            self.call("cognito-idp", "AdminDisableUser", **base)
            steps.append("disabled")
        if "notified" in after and bool(before.get("notified")) != bool(after["notified"]):
            if after["notified"]:
                self.subscribe(after["email"])
                steps.append("subscribed")
            elif self.unsubscribe(key):
                steps.append("unsubscribed")

    def subscribe(self, email: str) -> None:
        if not self.topic_arn:
            raise CallFailed("Subscribe", "the notifications topic does not exist")
        self.call("sns", "Subscribe", TopicArn=self.topic_arn, Protocol="email", Endpoint=email)

    def unsubscribe(self, key: str) -> bool:
        arn = self.subscriptions.get(key)
        if not arn or arn == PENDING:
            return False  # nothing to remove, or AWS will not remove it until it is confirmed
        self.call("sns", "Unsubscribe", SubscriptionArn=arn)
        return True

    def delete(self, change: Change, steps: list[str]) -> None:
        key = change.address.name
        if (change.before or {}).get("notified") and self.unsubscribe(key):
            steps.append("unsubscribed")
        username = self.usernames.get(key, key)
        try:
            self.call("cognito-idp", "AdminDeleteUser", UserPoolId=self.pool_id, Username=username)
        except CallFailed as err:
            if err.code != "UserNotFoundException":  # already gone: the goal is met
                raise


def apply_members(
    ctx: ApplyContext, changes: list[Change], threads: int = THREADS, attempts: int = ATTEMPTS
) -> MembersResult:
    """Run every worker change; returns which workers were done and which failed (with the reason)."""
    result = MembersResult()
    work = [c for c in changes if c.action in PHASE]
    if not work:
        return result
    started = time.monotonic()
    quotas = quotas_for(ctx.setup)
    limiter = RateLimiter(quotas)
    threads = max(1, min(threads, len(work)))
    creates = [c for c in work if c.action is Action.CREATE]
    creators = max(1, min(CREATE_THREADS, len(creates)))
    clients = {"cognito-idp": ctx.aws.dedicated("cognito-idp", threads + creators)}
    if any("notified" in (c.after or c.before or {}) for c in work):
        clients["sns"] = ctx.aws.dedicated("sns", threads)
    caller = Caller(clients, limiter, attempts=attempts)
    writer = WorkerWriter(caller, ctx)
    settler = None
    if ctx.ids.pool_id and reads_by_pages(ctx.setup, ctx.live, len(work)):
        work = in_group_order(work)  # each group's last write early, its read-back beside the others' writes
        settler = Settler(ctx, work, set(managed_groups(ctx.setup)))
    counts = Counter(PHASE[c.action] for c in work)
    ctx.say(
        f"cognito_user: writing {len(work)} workers ({counts['create']} to invite, {counts['update']} to "
        f"change, {counts['delete']} to remove) with {threads} threads"
    )
    progress = Progress(len(work), ctx.say if ctx.log else None)
    finished: queue.SimpleQueue[tuple[Change, str | None]] = queue.SimpleQueue()
    # AdminCreateUser (UserCreation, 50/s) runs ahead of the group adds (UserUpdate, 25/s) that follow it,
    # by at most `ahead` workers: the creates end before the writes do, which is when a bulk apply can read
    # its new users back (gtops.members.settle), and no worker waits long between its invitation and its
    # groups.
    ahead = threading.BoundedSemaphore(lead(len(work), threads, quotas))

    def report(change: Change, steps: list[str], err: Exception | None) -> None:
        if err is None:
            finished.put((change, None))
        elif isinstance(err, CallFailed):
            finished.put((change, str(failure(err, steps))))
        else:  # a worker's failure is reported, never raised mid-batch
            finished.put((change, f"{type(err).__name__}: {err}"))

    def whole(change: Change) -> None:
        try:
            writer.run(change)  # (its failure names the steps done first already)
        except Exception as err:
            report(change, [], err)
        else:
            report(change, [], None)

    def then(change: Change, rest: Callable[[], None], steps: list[str]) -> None:
        try:
            rest()
        except Exception as err:
            report(change, steps, err)
        else:
            report(change, steps, None)
        finally:
            ahead.release()

    def create(change: Change, steps: list[str]) -> None:
        ahead.acquire()
        try:
            rest, final = writer.create(change, steps)
            if settler is not None and final:
                settler.users_final(change)
        except Exception as err:  # every change is reported exactly once: the loop below counts on it
            ahead.release()
            report(change, steps, err)
            return
        if rest is None:
            ahead.release()
            report(change, steps, None)
        else:
            rest_pool.submit(then, change, rest, steps)

    with (
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gtops-members") as rest_pool,
        ThreadPoolExecutor(max_workers=creators, thread_name_prefix="gtops-create") as create_pool,
    ):
        for change in work:
            if change.action is Action.CREATE:
                create_pool.submit(create, change, [])
            else:
                rest_pool.submit(whole, change)
        for _ in work:
            change, why = finished.get()
            if settler is not None:
                settler.done(change, why is None)
            if why is None:
                result.done.append((change.address, PHASE[change.action]))
            else:
                result.failed.append((str(change.address), why))
            progress.step(failed=why is not None)
    if settler is not None:
        ctx.ids.settled_groups, ctx.ids.settled_users = settler.finish()
    result.done.sort()
    result.failed.sort()
    result.seconds = time.monotonic() - started
    result.calls = caller.calls
    result.retries = caller.retries
    result.throttled = caller.throttled
    rate = sum(caller.calls.values()) / result.seconds if result.seconds else 0.0
    retried = f", {caller.retries} retried ({caller.throttled} throttled)" if caller.retries else ""
    progress.finish(
        f"cognito_user: {len(result.done)} workers done, {len(result.failed)} failed "
        f"in {result.seconds:.1f}s ({sum(caller.calls.values())} calls, {rate:.1f}/s{retried})"
    )
    return result
