"""One apply at a time per setup: a shared S3 lock when the spec names one, else a local lock file.

The shared lock is an S3 object created with a conditional put (`If-None-Match: *`, as Terraform's S3
backend does with `use_lockfile`): S3 creates it only when no object has that key, so exactly one of several
runners on different machines wins. The object says who holds the lock (user@host, pid, CI run), since when,
and for which plan. After winning, gtops waits a moment (SETTLE) and reads the object back: it must still hold
this run's lock id. Real S3 makes that check redundant; on a store whose check-and-write is not atomic (an
emulator), a racing writer's overwrite lands within that moment, so the first writer sees it and backs off
and only the last writer proceeds. `gtops unlock` removes a lock left by a run that died.

Without `lock:` in the spec, a local lock file (~/.cache/gtops/locks/<setup>-...lock, held with fcntl) still
keeps two applies on this machine apart; it cannot see other machines, and the commands say so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gtops.errors import GtopsError

SETTLE = 0.2  # seconds between winning the put and reading the lock back


class LockHeld(GtopsError):
    """Another run holds the setup's lock."""


@dataclass
class Holder:
    id: str
    who: str
    pid: int
    since: str
    operation: str
    plan_id: str | None = None
    run: str | None = None  # a CI run URL when there is one
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        text = f"{self.who} (pid {self.pid}, {self.operation}) since {self.since}"
        if self.plan_id:
            text += f", plan {self.plan_id}"
        if self.run:
            text += f", {self.run}"
        return text

    @classmethod
    def from_json(cls, text: str | bytes) -> Holder:
        try:
            data = json.loads(text)
            return cls(
                id=str(data.get("id", "?")),
                who=str(data.get("who", "unknown")),
                pid=int(data.get("pid", 0)),
                since=str(data.get("since", "?")),
                operation=str(data.get("operation", "?")),
                plan_id=data.get("plan_id"),
                run=data.get("run"),
            )
        except (ValueError, TypeError, AttributeError):
            return cls(id="?", who="unknown (unreadable lock)", pid=0, since="?", operation="?")


def me(operation: str, plan_id: str | None) -> Holder:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    run = None
    if os.environ.get("GITHUB_RUN_ID") and os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        run = f"{server}/{os.environ['GITHUB_REPOSITORY']}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
    return Holder(
        id=uuid.uuid4().hex,
        who=f"{user}@{socket.gethostname()}",
        pid=os.getpid(),
        since=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        operation=operation,
        plan_id=plan_id,
        run=run,
    )


def parse_timeout(text: str | None) -> int:
    from gtops.spec.durations import parse_duration

    seconds = parse_duration(text if text is not None else "0s")
    if seconds is None:
        raise GtopsError(f"--lock-timeout wants a duration such as 0s, 30s or 5m, not {text!r}")
    return seconds


def setup_key(data: dict) -> str:
    name = data.get("name") or (data.get("pool") or {}).get("name") or "gtops"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def lock_location(data: dict) -> tuple[str, str] | None:
    lock = data.get("lock") or {}
    if not lock.get("bucket"):
        return None
    return lock["bucket"], lock.get("key") or f"gtops/locks/{setup_key(data)}.json"


def local_path(aws, data: dict) -> Path:
    """~/.cache/gtops/locks/<setup>-<region>-<account>[-sandbox-<port>].lock: one file per target.

    The key names what is changed (account, region, setup), never how it was reached: `--sandbox`,
    `--endpoint-url http://localhost:5150` and `http://127.0.0.1:5150/` are one target, and so are AWS's
    own endpoint and a VPC endpoint of the same account. Only a local emulator's port tells two targets
    apart that share the sandbox's fixed account id.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = f"{setup_key(data)}-{aws.region}-{aws.account}"
    port = loopback_port(aws.endpoint_url)
    if port is not None:
        name += f"-sandbox-{port}"
    return base / "gtops" / "locks" / f"{name}.lock"


def loopback_port(endpoint: str | None) -> int | None:
    """The port of an endpoint on this machine (localhost, 127.x, ::1), or None for anything else."""
    import ipaddress
    from urllib.parse import urlsplit

    if not endpoint:
        return None
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return None
    try:
        return parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None


def _code(err: Exception) -> str:
    from gtops.aws import error_code

    return error_code(err)


def _status(err: Exception) -> int:
    return int(
        ((getattr(err, "response", None) or {}).get("ResponseMetadata") or {}).get("HTTPStatusCode", 0)
    )


class S3Lock:
    """The shared lock: one S3 object, created only if absent."""

    def __init__(self, aws, bucket: str, key: str, settle: float = SETTLE):
        self.s3 = aws.client("s3")
        self.settle = settle
        self.bucket, self.key = bucket, key
        self.mine: Holder | None = None

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def read(self) -> Holder | None:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        except Exception as err:
            if _code(err) in ("NoSuchKey", "404", "NotFound"):
                return None
            if _code(err) == "NoSuchBucket":
                raise GtopsError(
                    f"the lock bucket {self.bucket} does not exist (spec `lock.bucket`)"
                ) from None
            raise
        return Holder.from_json(body)

    def try_acquire(self, holder: Holder) -> Holder | None:
        """None when acquired, else the current holder."""
        body = json.dumps(asdict(holder), sort_keys=True).encode()
        try:
            self.s3.put_object(
                Bucket=self.bucket, Key=self.key, Body=body, IfNoneMatch="*", ContentType="application/json"
            )
        except Exception as err:
            code = _code(err)
            if code == "NoSuchBucket":
                raise GtopsError(
                    f"the lock bucket {self.bucket} does not exist (spec `lock.bucket`)"
                ) from None
            # 412: someone holds it; 409: another conditional write is in flight (retry).
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or _status(err) in (409, 412):
                return self.read() or Holder("?", "another run (released while looking)", 0, "now", "?")
            raise
        time.sleep(self.settle)
        current = self.read()
        if current is None or current.id != holder.id:
            return current or Holder("?", "another run (released while looking)", 0, "now", "?")
        self.mine = holder
        return None

    def release(self) -> None:
        if self.mine is None:
            return
        current = self.read()
        if current is not None and current.id == self.mine.id:
            self.s3.delete_object(Bucket=self.bucket, Key=self.key)
        self.mine = None

    def force_release(self) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=self.key)


class FileLock:
    """A local lock: fcntl on a file under ~/.cache; the kernel releases it when the process dies."""

    def __init__(self, path: Path):
        self.path = path
        self.fh: Any = None

    @property
    def where(self) -> str:
        return str(self.path)

    def read(self) -> Holder | None:
        import fcntl

        if not self.path.exists():
            return None
        with open(self.path, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.seek(0)
                return Holder.from_json(fh.read() or "{}")
            fcntl.flock(fh, fcntl.LOCK_UN)
        return None

    def try_acquire(self, holder: Holder) -> Holder | None:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")  # noqa: SIM115 - held open for as long as the lock is held
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            text = fh.read()
            fh.close()
            return Holder.from_json(text or "{}")
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(asdict(holder), sort_keys=True))
        fh.flush()
        self.fh = fh
        return None

    def release(self) -> None:
        import fcntl

        if self.fh is not None:
            self.fh.seek(0)
            self.fh.truncate()
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None

    def force_release(self) -> None:
        """A local lock is never stale: the kernel drops it with its process."""


def lock_for(aws, data: dict) -> S3Lock | FileLock:
    where = lock_location(data)
    if where:
        return S3Lock(aws, *where)
    return FileLock(local_path(aws, data))


@contextlib.contextmanager
def held(
    aws,
    data: dict,
    operation: str,
    plan_id: str | None,
    timeout: int,
    say: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Holder]:
    """Hold the setup's lock for the duration of the block, waiting up to `timeout` seconds for it."""
    lock = lock_for(aws, data)
    if isinstance(lock, FileLock):
        say(
            f"Lock: the spec has no `lock:`, so only runs on this machine are kept apart ({lock.where}); "
            "add `lock: {bucket: ...}` to the spec for pipelines."
        )
    holder = me(operation, plan_id)
    deadline = time.monotonic() + timeout
    delay = 0.5
    announced = False
    while True:
        other = lock.try_acquire(holder)
        if other is None:
            break
        if time.monotonic() >= deadline:
            waited = f" after waiting {timeout}s" if timeout else ""
            raise LockHeld(
                f"the setup is locked{waited} by {other.describe()} ({lock.where}). Wait for that run "
                "(--lock-timeout 5m), or if it is gone, remove the lock with `gtops unlock`."
            )
        if not announced:
            say(f"Lock: held by {other.describe()}; waiting up to {timeout}s...")
            announced = True
        sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 1.5, 5.0)
    if not isinstance(lock, FileLock):
        say(f"Lock: acquired {lock.where}")
    try:
        yield holder
    finally:
        lock.release()
