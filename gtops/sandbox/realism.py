"""Realism switches: per-call latency, Cognito rate quotas and injected faults.

Real AWS answers in 20-100 ms, throttles Cognito per quota category and sometimes fails; code that only ever
met an instant, infallible emulator has never exercised its retry path. All switches are off by default and
can be changed at run time (in process with `configure`, or `POST /_gtops/config` on a server).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# "drop" closes the connection before the call is served; "lost" serves it, then drops the answer (the
# case that makes a blind retry of a create duplicate it). Random faults use the first three by default.
FAULT_KINDS = ("throttle", "error", "drop", "lost")
DEFAULT_FAULT_KINDS = ("throttle", "error", "drop")

# Cognito request-rate quotas (requests per second, per account and region, shared by all pools).
QUOTAS: dict[str, float] = {
    "UserCreation": 50,
    "UserUpdate": 25,
    "UserList": 30,
    "UserRead": 120,
    "UserResourceRead": 50,
    "UserPoolRead": 15,
    "UserPoolUpdate": 15,
    "UserPoolResourceRead": 20,
    "UserPoolResourceUpdate": 15,
    "UserPoolClientRead": 15,
    "UserPoolClientUpdate": 15,
    "UserAccountRecovery": 30,
}

_CATEGORY_OPS = {
    "UserCreation": ("AdminCreateUser", "SignUp", "ConfirmSignUp", "AdminConfirmSignUp"),
    "UserUpdate": (
        "AdminAddUserToGroup",
        "AdminRemoveUserFromGroup",
        "AdminDeleteUser",
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminUpdateUserAttributes",
        "AdminDeleteUserAttributes",
        "AdminUserGlobalSignOut",
    ),
    "UserList": ("ListUsers", "ListUsersInGroup"),
    "UserRead": ("AdminGetUser", "GetUser"),
    "UserResourceRead": ("AdminListGroupsForUser", "AdminGetDevice", "ResendConfirmationCode"),
    "UserPoolRead": ("DescribeUserPool", "ListUserPools"),
    "UserPoolUpdate": ("CreateUserPool", "UpdateUserPool", "DeleteUserPool"),
    "UserPoolResourceRead": ("GetGroup", "ListGroups", "DescribeUserPoolDomain", "ListTagsForResource"),
    "UserPoolResourceUpdate": (
        "CreateGroup",
        "UpdateGroup",
        "DeleteGroup",
        "CreateUserPoolDomain",
        "UpdateUserPoolDomain",
        "DeleteUserPoolDomain",
        "TagResource",
        "UntagResource",
    ),
    "UserPoolClientRead": ("DescribeUserPoolClient", "ListUserPoolClients"),
    "UserPoolClientUpdate": ("CreateUserPoolClient", "UpdateUserPoolClient", "DeleteUserPoolClient"),
    "UserAccountRecovery": (
        "AdminResetUserPassword",
        "AdminSetUserPassword",
        "ForgotPassword",
        "ChangePassword",
    ),
}
COGNITO_CATEGORY: dict[str, str] = {op: cat for cat, ops in _CATEGORY_OPS.items() for op in ops}


@dataclass
class Target:
    """Fail the `nth` call (1-based, counted from when the target was set) of `operation` with `kind`."""

    operation: str
    nth: int = 1
    kind: str = "error"
    count: int = 1  # how many consecutive calls from the nth on


@dataclass
class Config:
    latency_ms: float = 0.0
    quotas: bool = False
    fault_rate: float = 0.0
    fault_kinds: list[str] = field(default_factory=lambda: list(DEFAULT_FAULT_KINDS))
    seed: int | None = None
    targets: list[Target] = field(default_factory=list)
    # Seconds a workforce stays Initializing, Updating or Deleting before it is Active (or gone); 0: instant.
    workforce_seconds: float = 0.0
    # E-mails Cognito's default e-mail (COGNITO_DEFAULT) sends per account a day: AWS's quota is 50.
    daily_emails: int = 50

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ConfigError(ValueError):
    """A realism setting is out of range."""


class _Bucket:
    def __init__(self, rate: float):
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Realism:
    """Decides, per call, how long to wait and whether to throttle, fail or drop it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.config = Config()
        self._rng = random.Random()
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self._seen: dict[str, int] = {}
        self.stats: dict[str, int] = {"calls": 0, "throttled": 0, "faults": 0}

    def configure(self, **changes: Any) -> Config:
        """Change some settings; the others keep their values. Setting a seed (re)seeds the fault dice."""
        with self._lock:
            current = self.config.to_json()
            unknown = set(changes) - set(current)
            if unknown:
                raise ConfigError(f"unknown sandbox setting(s): {', '.join(sorted(unknown))}")
            current.update({k: v for k, v in changes.items()})
            config = _checked(current)
            self.config = config
            if "seed" in changes:
                self._rng = random.Random(config.seed)
            if "targets" in changes:
                self._seen = {}
            if "quotas" in changes:
                self._buckets = {}
            return config

    def reset(self) -> None:
        with self._lock:
            self.config = Config()
            self._rng = random.Random()
            self._buckets = {}
            self._seen = {}
            self.stats = {"calls": 0, "throttled": 0, "faults": 0}

    def reset_counters(self) -> None:
        """Forget call counts, targets' progress and quota buckets, keeping the settings."""
        with self._lock:
            self._buckets = {}
            self._seen = {}
            self.stats = {"calls": 0, "throttled": 0, "faults": 0}

    def latency(self) -> float:
        return self.config.latency_ms / 1000.0

    def decide(self, service: str, operation: str, account: str = "", region: str = "") -> str | None:
        """None to serve the call, else the fault to answer with: throttle, error, drop or quota."""
        with self._lock:
            self.stats["calls"] += 1
            config = self.config
            seen = self._seen[operation] = self._seen.get(operation, 0) + 1
            for target in config.targets:
                if target.operation == operation and target.nth <= seen < target.nth + target.count:
                    self.stats["faults"] += 1
                    return target.kind
            if config.fault_rate and config.fault_kinds and self._rng.random() < config.fault_rate:
                self.stats["faults"] += 1
                return self._rng.choice(config.fault_kinds)
            if config.quotas and service == "cognito-idp":
                category = COGNITO_CATEGORY.get(operation)
                if category is not None:
                    key = (account, region, category)
                    bucket = self._buckets.get(key)
                    if bucket is None:
                        bucket = self._buckets[key] = _Bucket(QUOTAS[category])
                    if not bucket.take():
                        self.stats["throttled"] += 1
                        return "quota"
            return None


def _checked(raw: dict[str, Any]) -> Config:
    try:
        latency = float(raw.get("latency_ms") or 0)
        rate = float(raw.get("fault_rate") or 0)
        workforce_seconds = float(raw.get("workforce_seconds") or 0)
    except (TypeError, ValueError) as err:
        raise ConfigError("latency_ms, fault_rate and workforce_seconds must be numbers") from err
    if not 0 <= workforce_seconds <= 3600:
        raise ConfigError("workforce_seconds must be between 0 and 3600")
    emails = raw.get("daily_emails", 50)
    if isinstance(emails, bool) or not isinstance(emails, int) or emails < 0:
        raise ConfigError("daily_emails must be a whole number, 0 or more")
    if latency < 0 or latency > 60_000:
        raise ConfigError("latency_ms must be between 0 and 60000")
    if not 0 <= rate <= 1:
        raise ConfigError("fault_rate must be between 0 and 1")
    kinds = list(raw.get("fault_kinds") or DEFAULT_FAULT_KINDS)
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad:
        raise ConfigError(f"fault kinds must be among {', '.join(FAULT_KINDS)}, not {', '.join(bad)}")
    targets = []
    for item in raw.get("targets") or []:
        try:
            target = item if isinstance(item, Target) else Target(**item)
        except TypeError as err:
            raise ConfigError(f"bad fault target {item!r}: {err}") from err
        if target.kind not in FAULT_KINDS or target.nth < 1 or target.count < 1:
            raise ConfigError(f"bad fault target {target}")
        targets.append(target)
    seed = raw.get("seed")
    return Config(
        latency_ms=latency,
        quotas=bool(raw.get("quotas")),
        fault_rate=rate,
        fault_kinds=kinds,
        seed=None if seed is None else int(seed),
        targets=targets,
        workforce_seconds=workforce_seconds,
        daily_emails=emails,
    )


REALISM = Realism()
