"""Make moto's Cognito as strict as AWS where gtops depends on it.

moto (5.0.28-5.2.x) is lenient in ways that turn reconciler bugs into false greens: UpdateUserPool drops
the create-only sign-in settings, UpdateUserPoolClient merges instead of resetting, deletion protection and
domains do not block DeleteUserPool, case-insensitive pools accept duplicates, RESEND creates a second user,
page sizes are unbounded, and user lookups scan every user (quadratic creates, and a race under threads).

`install()` patches the backend and model classes in place (idempotent), so the fix reaches every moto entry
point: `mock_aws`, the threaded server and `/moto-api/reset`. Only backend methods whose signatures are the
same across the supported moto range are wrapped; response classes are left alone.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import copy
import functools
import json
import re
import sys
import threading
import zlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from gtops.sandbox import validation

# One re-entrant lock serialises every Cognito user/group/pool operation. The GIL already serialises the
# Python work, so this costs nothing measurable and removes moto's check-then-insert and iterate-while-insert
# races (concurrent AdminCreateUser calls could otherwise create duplicates or fail with RuntimeError).
_LOCK = threading.RLock()
_MARK = "_gtops_strict_installed"

MAX_PAGE = 60
CREATE_ONLY_POOL_FIELDS = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "Schema")
DEFAULT_TEMP_PASSWORD_DAYS = 7
DEFAULT_EXPLICIT_AUTH_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH"]
# What a client looks like when a field is not sent (CreateUserPoolClient and UpdateUserPoolClient alike).
CLIENT_DEFAULTS: dict[str, Any] = {
    "AllowedOAuthFlowsUserPoolClient": False,
    "AuthSessionValidity": 3,
    "EnablePropagateAdditionalUserContextData": False,
    "EnableTokenRevocation": True,
    "RefreshTokenValidity": 30,
    "ExplicitAuthFlows": DEFAULT_EXPLICIT_AUTH_FLOWS,
}
# request members moto passes along inside the client config (they are not client settings)
_CLIENT_REQUEST_KEYS = ("UserPoolId", "ClientId", "GenerateSecret")
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
_USER_METHODS = (
    "admin_get_user",
    "admin_delete_user",
    "admin_disable_user",
    "admin_enable_user",
    "admin_add_user_to_group",
    "admin_remove_user_from_group",
    "admin_list_groups_for_user",
    "admin_update_user_attributes",
    "admin_delete_user_attributes",
    "admin_confirm_sign_up",
    "admin_set_user_password",
    "admin_reset_user_password",
    "list_users",
    "list_users_in_group",
    "create_group",
    "delete_group",
    "update_group",
    "list_groups",
    "sign_up",
    "confirm_sign_up",
    "describe_user_pool",
    "list_user_pools",
    "describe_user_pool_client",
    "list_user_pool_clients",
    "delete_user_pool_client",
    "delete_user_pool_domain",
    "describe_user_pool_domain",
)
# backend method -> (pagination keyword, wire name of the request member)
_PAGE_LIMITS = {
    "list_users": ("limit", "limit"),
    "list_users_in_group": ("limit", "limit"),
    "list_groups": ("limit", "limit"),
    "admin_list_groups_for_user": ("limit", "limit"),
    "list_user_pool_clients": ("max_results", "maxResults"),
    "list_user_pools": ("max_results", "maxResults"),
}


def _invalid(message: str) -> Exception:
    from moto.cognitoidp.exceptions import InvalidParameterException

    return InvalidParameterException(message)


def _unsupported_state(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("UnsupportedUserStateException", message)


# ----------------------------------------------------------------------------------------------------
# user index: O(1) lookups by username / sign-in attribute, case-folded for case-insensitive pools


def _case_insensitive(pool: Any) -> bool:
    config = pool.extended_config.get("UsernameConfiguration") or {}
    return config.get("CaseSensitive") is False


class _IndexedUsers(dict):
    """moto's `pool.users` (username -> user) plus an index by sign-in attribute, kept in step on every write,
    and the listing order (`_Listing`): each user keeps the position it got when first stored, so a page of
    ListUsers starts where its token says without scanning the users before it.

    moto only uses item assignment, `del`, `get`, `values` and `len` on this mapping; anything else marks the
    index stale and it is rebuilt on the next lookup.
    """

    def __init__(self, pool: Any, items: dict[str, Any] | None = None):
        super().__init__()
        self._pool = pool
        self._stale = True
        self._names: dict[str, Any] = {}
        self._attrs: dict[str, list[Any]] = {}
        self._keys: dict[int, list[tuple[str, str]]] = {}
        self._collisions = 0
        self._signature: tuple[Any, ...] = ()
        self.listing = _Listing()
        for key, user in (items or {}).items():
            self[key] = user

    # writes
    def __setitem__(self, key: str, user: Any) -> None:
        with _LOCK:
            old = super().get(key)
            if old is not None:
                self._unindex(old)
            super().__setitem__(key, user)
            user._gtops_users = self
            self.listing.put(key, user)
            self._index(user)

    def __delitem__(self, key: str) -> None:
        with _LOCK:
            user = super().__getitem__(key)
            super().__delitem__(key)
            self.listing.remove(key)
            self._unindex(user)

    def pop(self, key: str, *default: Any) -> Any:
        with _LOCK:
            if key in self:
                user = super().__getitem__(key)
                del self[key]
                return user
            return super().pop(key, *default)

    def _mark_stale(self) -> None:
        self._stale = True

    def clear(self) -> None:
        with _LOCK:
            super().clear()
            self.listing = _Listing()
            self._stale = True

    def popitem(self) -> tuple[str, Any]:
        with _LOCK:
            self._stale = True
            key, user = super().popitem()
            self.listing.remove(key)
            return key, user

    def update(self, *args: Any, **kwargs: Any) -> None:
        with _LOCK:
            for key, user in dict(*args, **kwargs).items():
                self[key] = user

    def setdefault(self, key: str, default: Any = None) -> Any:
        with _LOCK:
            if key not in self:
                self[key] = default
            return super().__getitem__(key)

    # index
    def _norm(self, value: str) -> str:
        return value.lower() if self._signature and self._signature[1] else value

    def _current_signature(self) -> tuple[Any, ...]:
        attrs = tuple(self._pool.extended_config.get("UsernameAttributes") or ())
        return (attrs, _case_insensitive(self._pool))

    def _index(self, user: Any) -> None:
        if self._stale or self._signature != self._current_signature():
            self._stale = True
            return
        keys: list[tuple[str, str]] = [("name", self._norm(user.username))]
        lookup = getattr(user, "attribute_lookup", None) or {}
        for attr in self._signature[0]:
            value = lookup.get(attr)
            if value:
                keys.append(("attr", self._norm(value)))
        for kind, key in keys:
            if kind == "name":
                if self._names.setdefault(key, user) is not user:
                    self._collisions += 1  # two names folding alike: only from before install()
            else:
                self._attrs.setdefault(key, []).append(user)
        self._keys[id(user)] = keys

    def _unindex(self, user: Any) -> None:
        if self._stale:
            return
        for kind, key in self._keys.pop(id(user), []):
            if kind == "name":
                if self._names.get(key) is user:
                    del self._names[key]
                    if self._collisions:
                        self._stale = True  # another user may share the folded name
            else:
                bucket = self._attrs.get(key, [])
                if user in bucket:
                    bucket.remove(user)
                if not bucket:
                    self._attrs.pop(key, None)

    def reindex(self, user: Any) -> None:
        """Called after a user's attributes changed (an e-mail change moves its sign-in key)."""
        with _LOCK:
            if dict.get(self, user.username) is user:
                self._unindex(user)
                self._index(user)

    def _rebuild(self) -> None:
        self._signature = self._current_signature()
        self._names, self._attrs, self._keys = {}, {}, {}
        self._collisions = 0
        self._stale = False
        for user in list(dict.values(self)):
            self._index(user)

    def find(self, username: str) -> Any:
        """moto's `_get_user`: a sign-in attribute match first, then the username (or sub) itself."""
        with _LOCK:
            if self._stale or self._signature != self._current_signature():
                self._rebuild()
            key = self._norm(username)
            bucket = self._attrs.get(key)
            if bucket:
                return bucket[0]
            if self._signature[1]:
                return self._names.get(key)
            return dict.get(self, username)


def _users(pool: Any) -> _IndexedUsers:
    with _LOCK:
        if not isinstance(pool.users, _IndexedUsers):
            pool.users = _IndexedUsers(pool, dict(pool.users))
        return pool.users


def _reindex_after(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        owner = getattr(self, "_gtops_users", None)
        if owner is not None:
            owner.reindex(self)
        return result

    return wrapper


# ----------------------------------------------------------------------------------------------------
# listing: ListUsers and ListUsersInGroup pages found by position, not by scanning from the first user
#
# moto pages by building the whole list and then scanning it for the token's user: every page costs O(N), a
# full pass O(N^2) (200 pages of 50,000 users: 3.6M comparisons), so past ~10,000 users the emulator, not the
# code under test, set the figures. AWS's cost per page does not grow with the pool. Here every user keeps the
# position it got when first stored; a token names the position to resume from, so a page costs what it holds
# (plus, with a Filter, the users it skips), the order is stable while users come and go, and a token stays
# good after its next user is deleted (the page starts at the following one).


class _Listing:
    """Stored users in the order they were first stored: position -> user, positions ascending."""

    def __init__(self) -> None:
        self._position: dict[str, int] = {}  # key in pool.users -> its position
        self.positions: list[int] = []  # ascending
        self.at: dict[int, Any] = {}
        self._next = 0

    def put(self, key: str, user: Any) -> None:
        position = self._position.get(key)
        if position is None:
            position = self._position[key] = self._next
            self._next += 1
            self.positions.append(position)  # always the largest so far: stays sorted
        self.at[position] = user
        user._gtops_position = position

    def remove(self, key: str) -> None:
        position = self._position.pop(key, None)
        if position is not None:
            del self.at[position]
            del self.positions[bisect.bisect_left(self.positions, position)]


class _Members(set[Any]):
    """A group's `users` set that knows when it changed, so its members' listing order is sorted once per
    change rather than once per page."""

    version = 0

    def _changed(self) -> None:
        self.version += 1

    def add(self, item: Any) -> None:
        super().add(item)
        self._changed()

    def discard(self, item: Any) -> None:
        super().discard(item)
        self._changed()

    def remove(self, item: Any) -> None:
        super().remove(item)
        self._changed()

    def pop(self) -> Any:
        item = super().pop()
        self._changed()
        return item

    def clear(self) -> None:
        super().clear()
        self._changed()

    def update(self, *others: Any) -> None:
        super().update(*others)
        self._changed()

    def difference_update(self, *others: Any) -> None:
        super().difference_update(*others)
        self._changed()

    def intersection_update(self, *others: Any) -> None:
        super().intersection_update(*others)
        self._changed()

    def symmetric_difference_update(self, other: Any) -> None:
        super().symmetric_difference_update(other)
        self._changed()

    def __ior__(self, other: Any) -> _Members:  # type: ignore[misc]
        self.update(other)
        return self

    def __iand__(self, other: Any) -> _Members:  # type: ignore[misc]
        self.intersection_update(other)
        return self

    def __isub__(self, other: Any) -> _Members:  # type: ignore[misc]
        self.difference_update(other)
        return self

    def __ixor__(self, other: Any) -> _Members:  # type: ignore[misc]
        self.symmetric_difference_update(other)
        return self

    def ordered(self) -> tuple[list[int], dict[int, Any]]:
        """(positions ascending, position -> user) of the members, rebuilt only after a change."""
        cached = self.__dict__.get("_ordered")
        if cached is None or cached[0] != self.version:
            users = sorted(self, key=lambda u: getattr(u, "_gtops_position", sys.maxsize))
            at = {getattr(u, "_gtops_position", sys.maxsize): u for u in users}
            cached = self.__dict__["_ordered"] = (self.version, [*at], at)
        return cached[1], cached[2]


def _members(group: Any) -> _Members:
    with _LOCK:
        if not isinstance(group.users, _Members):
            group.users = _Members(group.users)
        return group.users


def _group_init(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.users = _Members(self.users)

    return __init__


# The attributes ListUsers can filter on (the Filter member's documentation), moto's parsing of the filter,
# and the attributes that are not user attributes. cognito:user_status compares case-insensitively (AWS: "
# cognito:user_status (called Status in the Console) (case-insensitive)"); the others as written.
_FILTER = re.compile(r"([\w:]+)\s*(=|\^=)\s*\"(.*)\"")
_SEARCHABLE = (
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
)
_INHERENT: dict[str, Callable[[Any], str]] = {
    "cognito:user_status": lambda u: str(getattr(u.status, "value", u.status)),  # an Enum in moto 5.2
    "status": lambda u: "Enabled" if u.enabled else "Disabled",
    "username": lambda u: str(u.username),
}


def _filter(expression: str | None) -> Callable[[Any], bool] | None:
    if not expression:
        return None
    match = _FILTER.match(expression)
    if not match:
        raise _invalid("Error while parsing filter")
    name, op, value = match.groups()
    if name not in _SEARCHABLE:
        raise _invalid(f"Invalid search attribute: {name}")
    # The status is case-insensitive (model, ListUsersRequest.Filter: "cognito:user_status (called Status in
    # the Console) (case-insensitive)"); username and the other attributes are not.
    fold = name == "cognito:user_status"
    value = value.lower() if fold else value

    def compare(actual: str) -> bool:
        actual = actual.lower() if fold else actual
        return actual == value if op == "=" else actual.startswith(value)

    inherent = _INHERENT.get(name)

    def matches(user: Any) -> bool:
        if any(a["Name"] == name and compare(a["Value"]) for a in user.attributes):
            return True
        return inherent is not None and compare(inherent(user))

    return matches


def _token(position: int, request: str) -> str:
    raw = json.dumps({"position": position, "request": zlib.crc32(request.encode())})
    return base64.b64encode(raw.encode()).decode()


def _resume_at(token: str | None, request: str) -> int:
    """The position a token resumes at (0 without one). A token is good only for the request that gave it.
    Bad tokens: InvalidParameterException (ListUsers models no InvalidToken error; assumed)."""
    if not token:
        return 0
    try:
        data = json.loads(base64.b64decode(token, validate=True))
        position, checksum = data["position"], data["request"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise _invalid("Invalid pagination token") from None
    if not isinstance(position, int) or checksum != zlib.crc32(request.encode()):
        raise _invalid("Invalid pagination token")
    return position


def _page(
    positions: list[int],
    at: dict[int, Any],
    start: int,
    limit: int,
    keep: Callable[[Any], bool] | None,
) -> tuple[list[Any], int | None]:
    """Up to `limit` users from position `start` on that `keep` accepts, and the position of the next one
    (None when there is none: the last page carries no token)."""
    page: list[Any] = []
    for index in range(bisect.bisect_left(positions, start), len(positions)):
        user = at[positions[index]]
        if keep is None or keep(user):
            if len(page) == limit:
                return page, positions[index]
            page.append(user)
    return page, None


def _list_users(
    self: Any,
    user_pool_id: str,
    filt: str | None,
    limit: int | None = None,
    pagination_token: str | None = None,
) -> tuple[list[Any], str | None]:
    pool = self.describe_user_pool(user_pool_id)
    keep = _filter(filt)
    request = f"ListUsers {user_pool_id} {filt or ''}"
    start = _resume_at(pagination_token, request)
    listing = _users(pool).listing
    page, following = _page(listing.positions, listing.at, start, int(limit or MAX_PAGE), keep)
    return page, None if following is None else _token(following, request)


def _list_users_in_group(
    self: Any,
    user_pool_id: str,
    group_name: str,
    limit: int | None = None,
    next_token: str | None = None,
) -> tuple[list[Any], str | None]:
    self.describe_user_pool(user_pool_id)
    group = self.get_group(user_pool_id, group_name)
    request = f"ListUsersInGroup {user_pool_id} {group_name}"
    start = _resume_at(next_token, request)
    positions, at = _members(group).ordered()
    page, following = _page(positions, at, start, int(limit or MAX_PAGE), None)
    return page, None if following is None else _token(following, request)


def _list_users_response(self: Any) -> str:
    """ListUsers answered without moto's generic serializer, which took ~30 ms a page, more than the rest
    of the call: the same members (only the modeled ones), timestamps as epoch seconds."""
    users, token = self.backend.list_users(
        self._get_param("UserPoolId"),
        self._get_param("Filter"),
        limit=self._get_param("Limit"),
        pagination_token=self._get_param("PaginationToken"),
    )
    wanted = self._get_param("AttributesToGet")
    body: dict[str, Any] = {"Users": [u.to_json(extended=True, attributes_to_get=wanted) for u in users]}
    if token:
        body["PaginationToken"] = token
    return json.dumps(validation.output_for("cognito-idp", "ListUsers", body))


def _list_users_in_group_response(self: Any) -> str:
    users, token = self.backend.list_users_in_group(
        self._get_param("UserPoolId"),
        self._get_param("GroupName"),
        limit=self._get_param("Limit"),
        next_token=self._get_param("NextToken"),
    )
    body: dict[str, Any] = {"Users": [u.to_json(extended=True) for u in users]}
    if token:
        body["NextToken"] = token
    return json.dumps(validation.output_for("cognito-idp", "ListUsersInGroup", body))


# ----------------------------------------------------------------------------------------------------
# invitations (counts only: a temporary password is never stored here nor logged)


def _record_invitation(pool: Any, user: Any) -> None:
    sent: dict[str, int] = pool.__dict__.setdefault("_gtops_invitations", {})
    sent[user.username] = sent.get(user.username, 0) + 1


# Cognito's default e-mail (EmailSendingAccount COGNITO_DEFAULT) sends at most 50 e-mails a day per AWS
# account, all pools together; the day resets at 09:00 UTC (Cognito Developer Guide, "Quotas in Amazon
# Cognito", user pool resource quotas, note 2). Past it AdminCreateUser fails, with this real message
# (rahulpsd18/cognito-backup-restore#46, aws-amplify/amplify-studio#884); LimitExceededException is not in
# AdminCreateUser's modelled errors. The quota is the realism setting `daily_emails`; the sandbox counts it
# per account and region (Cognito's quotas are regional; the guide says only "per AWS account").
DAILY_EMAIL_MESSAGE = (
    "Exceeded daily email limit for the operation or the account. If a higher limit is required, please "
    "configure your user pool to use your own Amazon SES configuration for sending email."
)


def _quota_day() -> str:
    import datetime as dt

    return (dt.datetime.now(dt.UTC) - dt.timedelta(hours=9)).date().isoformat()


def _send_email(backend: Any, pool: Any, user: Any) -> None:
    """Count one invitation e-mail against the account's daily quota of Cognito's default e-mail."""
    from moto.core.exceptions import JsonRESTError

    from gtops.sandbox.realism import REALISM

    email = pool.extended_config.get("EmailConfiguration") or {}
    has_email = any(a.get("Name") == "email" for a in getattr(user, "attributes", None) or [])
    if email.get("EmailSendingAccount", "COGNITO_DEFAULT") != "COGNITO_DEFAULT" or not has_email:
        return
    sent: dict[str, int] = backend.__dict__.setdefault("_gtops_emails_sent", {})  # quota day -> e-mails
    day = _quota_day()
    if sent.get(day, 0) >= REALISM.config.daily_emails:
        raise JsonRESTError("LimitExceededException", DAILY_EMAIL_MESSAGE)
    sent[day] = sent.get(day, 0) + 1


def sent_invitations(user_pool_id: str, account_id: str = "123456789012", region: str = "") -> dict[str, int]:
    """Invitation messages "sent" per Username (sub for e-mail pools) in a sandbox pool; for tests."""
    from moto.cognitoidp.models import cognitoidp_backends

    region = region or user_pool_id.split("_", 1)[0]
    pool = cognitoidp_backends[account_id][region].describe_user_pool(user_pool_id)
    return dict(pool.__dict__.get("_gtops_invitations", {}))


# ----------------------------------------------------------------------------------------------------
# user pools


def _check_validity_days(request: dict[str, Any]) -> None:
    legacy = (request.get("AdminCreateUserConfig") or {}).get("UnusedAccountValidityDays")
    current = ((request.get("Policies") or {}).get("PasswordPolicy") or {}).get(
        "TemporaryPasswordValidityDays"
    )
    if legacy is not None and current is not None:
        raise _invalid(
            "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays"
        )


# The real message of CreateUserPool's refusal (aws/aws-cdk#11478, #12075; aws-cloudformation/
# cloudformation-coverage-roadmap#769, #2221).
SMS_REQUIRED = (
    "SMS configuration and Auto verification for phone_number are required when MFA is required/optional"
)


def _check_create_mfa(request: dict[str, Any]) -> None:
    """CreateUserPool (botocore model, CreateUserPoolRequest.MfaConfiguration): "The CreateUserPool operation
    supports only SMS MFA configuration. If you set MfaConfiguration to either of these values, include an
    SmsConfiguration in the same request ... If you omit SmsConfiguration, the operation returns an
    InvalidParameterException. To configure TOTP or email MFA, use the SetUserPoolMfaConfig operation."
    """
    if request.get("MfaConfiguration") in ("ON", "OPTIONAL") and not request.get("SmsConfiguration"):
        raise _invalid(SMS_REQUIRED)


def _totp_enabled(pool: Any) -> bool:
    return bool((getattr(pool, "token_mfa_config", None) or {}).get("Enabled"))


def _check_update_mfa(pool: Any, request: dict[str, Any]) -> None:
    """UpdateUserPool with MFA ON/OPTIONAL: the model says nothing. Accepted when the request carries an
    SmsConfiguration or the pool already has a factor set through SetUserPoolMfaConfig (Terraform re-sends
    MfaConfiguration=ON without SMS on every update of a TOTP pool, and its acceptance tests pass on AWS;
    panther-labs/panther#637 saw the update path work on an existing pool). Turning it on with no factor at
    all is refused as CreateUserPool refuses it (assumed, low confidence: no source shows that answer)."""
    if request.get("MfaConfiguration") not in ("ON", "OPTIONAL") or request.get("SmsConfiguration"):
        return
    if _totp_enabled(pool) or getattr(pool, "sms_mfa_config", None):
        return
    raise _invalid(SMS_REQUIRED)


def _normalise_pool(pool: Any, request: dict[str, Any]) -> None:
    """Give a stored pool the shape AWS describes after a create or a full-replacement update."""
    from moto.cognitoidp.models import DEFAULT_USER_POOL_CONFIG

    config = copy.deepcopy(pool.extended_config)
    for key in ("UserPoolId", "PoolName"):
        config.pop(key, None)
    mfa = config.pop("MfaConfiguration", None) or "OFF"
    pool.mfa_config = mfa
    config.setdefault("DeletionProtection", "INACTIVE")
    config["EmailConfiguration"] = {
        "EmailSendingAccount": "COGNITO_DEFAULT",
        **(config.get("EmailConfiguration") or {}),
    }

    legacy_days = (request.get("AdminCreateUserConfig") or {}).get("UnusedAccountValidityDays")
    policies = config.get("Policies") or copy.deepcopy(DEFAULT_USER_POOL_CONFIG["Policies"])
    password = policies.setdefault("PasswordPolicy", {})
    days = password.get("TemporaryPasswordValidityDays") or legacy_days or DEFAULT_TEMP_PASSWORD_DAYS
    password["TemporaryPasswordValidityDays"] = days
    config["Policies"] = policies

    if "AdminCreateUserConfig" in request:
        admin = copy.deepcopy(request["AdminCreateUserConfig"] or {})
    else:
        admin = {}  # AWS keeps no invitation template unless one was sent
    admin.setdefault("AllowAdminCreateUserOnly", False)
    admin["UnusedAccountValidityDays"] = days  # AWS mirrors the legacy field (the round-trip trap)
    config["AdminCreateUserConfig"] = admin
    pool.extended_config = config


def _create_user_pool(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def create_user_pool(self: Any, name: str, extended_config: dict[str, Any]) -> Any:
        request = copy.deepcopy(extended_config or {})
        _check_validity_days(request)
        _check_create_mfa(request)
        with _LOCK:
            pool = original(self, name, extended_config)
            _normalise_pool(pool, request)
            _users(pool)
            return pool

    return create_user_pool


def _update_user_pool(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def update_user_pool(self: Any, user_pool_id: str, extended_config: dict[str, Any]) -> None:
        request = copy.deepcopy(extended_config or {})
        request.pop("UserPoolId", None)
        _check_validity_days(request)
        with _LOCK:
            pool = self.describe_user_pool(user_pool_id)
            _check_update_mfa(pool, request)
            kept = {
                k: copy.deepcopy(pool.extended_config[k])
                for k in CREATE_ONLY_POOL_FIELDS
                if k in pool.extended_config
            }
            if "UserPoolTier" not in request and "UserPoolTier" in pool.extended_config:
                kept["UserPoolTier"] = pool.extended_config[
                    "UserPoolTier"
                ]  # the one field AWS does not reset
            for key in CREATE_ONLY_POOL_FIELDS:
                request.pop(key, None)
            new_name = request.pop("PoolName", None)
            original(self, user_pool_id, {**request, **kept})
            if new_name:
                pool.name = new_name
            _normalise_pool(pool, request)
            from moto.core.utils import utcnow

            pool.last_modified_date = utcnow()

    return update_user_pool


def _delete_user_pool(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def delete_user_pool(self: Any, user_pool_id: str) -> None:
        with _LOCK:
            pool = self.describe_user_pool(user_pool_id)
            if pool.extended_config.get("DeletionProtection") == "ACTIVE":
                raise _invalid(
                    "The user pool cannot be deleted because deletion protection is activated. "
                    "Deletion protection must be inactivated first."
                )
            if any(d.user_pool_id == user_pool_id for d in self.user_pool_domains.values()):
                raise _invalid(
                    "User pool cannot be deleted. It has a domain configured that should be deleted first."
                )
            original(self, user_pool_id)

    return delete_user_pool


# ----------------------------------------------------------------------------------------------------
# groups


def _teams_using(account_id: str, region: str, pool_id: str, group: str) -> list[str]:
    """Work teams of the emulated SageMaker whose Cognito member definitions name this pool's group.

    Read without the sagemaker lock (the lock order is sagemaker -> cognito-idp, and this runs holding the
    Cognito one): a snapshot of the teams is enough for a refusal."""
    from gtops.sandbox.sagemaker import gt_backends

    regions = gt_backends.get(account_id)
    backend = regions.get(region) if regions is not None else None
    if backend is None:
        return []
    found = []
    for team in list(backend.workteams.values()):
        for member in team.get("MemberDefinitions") or []:
            cognito = member.get("CognitoMemberDefinition") or {}
            if cognito.get("UserPool") == pool_id and cognito.get("UserGroup") == group:
                found.append(team["WorkteamName"])
                break
    return sorted(found)


def _delete_group(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def delete_group(self: Any, user_pool_id: str, group_name: str) -> None:
        with _LOCK:
            self.describe_user_pool(user_pool_id)
            # Ground Truth developer guide, "Manage a Private Workforce (Amazon Cognito Console)"
            # (https://docs.aws.amazon.com/sagemaker/latest/dg/sms-workforce-management-private-cognito.html):
            # "Deleting a Amazon Cognito user group that is associated with an Amazon SageMaker AI work team
            # will result in an error." AWS documents no code or message: InvalidParameterException is the
            # only modelled DeleteGroup error that fits, and the wording is the sandbox's own (assumed).
            teams = _teams_using(self.account_id, self.region_name, user_pool_id, group_name)
            if teams:
                raise _invalid(
                    f"Group {group_name} is associated with the SageMaker work team(s) {', '.join(teams)}; "
                    "remove it from the work team first (gtops sandbox wording, not AWS's)."
                )
            return original(self, user_pool_id, group_name)

    return delete_group


# ----------------------------------------------------------------------------------------------------
# domains


def _is_custom(custom_domain_config: dict[str, Any] | None) -> bool:
    return bool(custom_domain_config and custom_domain_config.get("CertificateArn"))


def _create_user_pool_domain(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def create_user_pool_domain(
        self: Any, user_pool_id: str, domain: str, custom_domain_config: dict[str, Any] | None = None
    ) -> Any:
        with _LOCK:
            self.describe_user_pool(user_pool_id)
            custom = _is_custom(custom_domain_config)
            if not custom:
                for word in ("aws", "amazon", "cognito"):
                    if word in domain.lower():
                        raise _invalid(f"Domain cannot contain reserved word: {word}")
            existing = self.user_pool_domains.get(domain)
            if existing is not None and existing.user_pool_id != user_pool_id:
                raise _invalid("Domain already associated with another user pool")
            for other in self.user_pool_domains.values():
                if other.user_pool_id == user_pool_id and _is_custom(other.custom_domain_config) == custom:
                    raise _invalid("User pool already has a domain configured.")
            return original(self, user_pool_id, domain, custom_domain_config)

    return create_user_pool_domain


# ----------------------------------------------------------------------------------------------------
# app clients


def _check_url(url: str, field: str) -> None:
    parts = urlsplit(url)
    if not parts.scheme or "#" in url or (parts.scheme in ("http", "https") and not parts.netloc):
        raise _invalid(f"{field} must be absolute URIs without a fragment: {url}")
    if parts.scheme == "http" and (parts.hostname or "") not in _LOOPBACK_HOSTS:
        raise _invalid(f"{field} must use HTTPS (http is allowed only for localhost): {url}")


def _check_client(config: dict[str, Any]) -> None:
    for field in ("CallbackURLs", "LogoutURLs"):
        for url in config.get(field) or []:
            _check_url(url, field)
    default = config.get("DefaultRedirectURI")
    if default:
        _check_url(default, "DefaultRedirectURI")
        if default not in (config.get("CallbackURLs") or []):
            raise _invalid("DefaultRedirectURI must be one of the CallbackURLs.")
    flows = config.get("AllowedOAuthFlows") or []
    scopes = config.get("AllowedOAuthScopes") or []
    if config.get("AllowedOAuthFlowsUserPoolClient"):
        if not flows or not scopes:
            raise _invalid(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use "
                "OAuth flows."
            )
    elif flows or scopes:
        raise _invalid(
            "AllowedOAuthFlowsUserPoolClient must be true to use AllowedOAuthFlows or AllowedOAuthScopes."
        )
    if "client_credentials" in flows and len(flows) > 1:
        raise _invalid("client_credentials flow can not be selected if there are other flows selected.")


def _create_user_pool_client(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def create_user_pool_client(
        self: Any, user_pool_id: str, generate_secret: bool, extended_config: dict[str, Any]
    ) -> Any:
        request = {k: v for k, v in (extended_config or {}).items() if k not in _CLIENT_REQUEST_KEYS}
        _check_client(request)
        with _LOCK:
            return original(
                self, user_pool_id, generate_secret, {**copy.deepcopy(CLIENT_DEFAULTS), **request}
            )

    return create_user_pool_client


def _update_user_pool_client(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def update_user_pool_client(
        self: Any, user_pool_id: str, client_id: str, extended_config: dict[str, Any]
    ) -> Any:
        request = {k: v for k, v in (extended_config or {}).items() if k not in _CLIENT_REQUEST_KEYS}
        _check_client(request)
        with _LOCK:
            client = self.describe_user_pool_client(user_pool_id, client_id)
            config = copy.deepcopy(CLIENT_DEFAULTS)
            if client.extended_config.get("ClientName") is not None:
                config["ClientName"] = client.extended_config["ClientName"]
            config.update(copy.deepcopy(request))
            client.extended_config = config  # omitted fields reset; the secret lives outside the config
            return client

    return update_user_pool_client


# ----------------------------------------------------------------------------------------------------
# users


_VERIFICATION_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified"})


def _check_schema(pool: Any, attributes: list[dict[str, str]] | None) -> None:
    """AWS refuses attributes outside the pool's schema (moto stores them). The message is the one AWS
    returns ("Attributes did not conform to the schema: Type for attribute {custom:x} could not be
    determined"), as reported in public issue threads; a standard attribute is always in the schema."""
    from gtops.spec.aws_rules import STANDARD_ATTRIBUTES

    for attribute in attributes or []:
        name = attribute.get("Name", "")
        if name in STANDARD_ATTRIBUTES or name in _VERIFICATION_ATTRIBUTES:
            continue
        if name not in pool.schema_attributes:
            raise _invalid(
                "Attributes did not conform to the schema: "
                f"Type for attribute {{{name}}} could not be determined"
            )


def _admin_update_user_attributes(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def admin_update_user_attributes(
        self: Any, user_pool_id: str, username: str, attributes: list[dict[str, str]]
    ) -> None:
        _check_schema(self.describe_user_pool(user_pool_id), attributes)
        return original(self, user_pool_id, username, attributes)

    return admin_update_user_attributes


def _admin_create_user(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def admin_create_user(
        self: Any,
        user_pool_id: str,
        username: str,
        message_action: str | None,
        temporary_password: str | None,
        attributes: list[dict[str, str]],
    ) -> Any:
        from moto.cognitoidp.exceptions import UsernameExistsException, UserNotFoundError
        from moto.cognitoidp.models import UserStatus
        from moto.core.utils import utcnow

        with _LOCK:
            pool = self.describe_user_pool(user_pool_id)
            if message_action != "RESEND":
                _check_schema(pool, attributes)
            existing = _users(pool).find(username)
            if message_action == "RESEND":
                if existing is None:
                    raise UserNotFoundError("User does not exist.")
                if existing.status == UserStatus.CONFIRMED:
                    raise _unsupported_state("Resend not possible. User status is CONFIRMED.")
                _send_email(self, pool, existing)
                if temporary_password:
                    existing.password = temporary_password
                existing.last_modified_date = utcnow()  # the temporary-password clock restarts
                _record_invitation(pool, existing)
                return existing
            if existing is not None:
                raise UsernameExistsException("User account already exists")
            if message_action != "SUPPRESS":
                _send_email(self, pool, SimpleNamespace(attributes=attributes))
            user = original(self, user_pool_id, username, message_action, temporary_password, attributes)
            if message_action != "SUPPRESS":
                _record_invitation(pool, user)
            return user

    return admin_create_user


def _get_user(self: Any, username: str) -> Any:
    return _users(self).find(username)


def _verify_email_is_not_used(self: Any, user_pool_id: str, email: str | None) -> None:
    """moto's check, via the index: O(1) and case-folded like sign-in in case-insensitive pools."""
    from moto.cognitoidp.exceptions import AliasExistsException

    if not email:
        return
    pool = self.describe_user_pool(user_pool_id)
    if "email" in (pool.extended_config.get("UsernameAttributes") or []):
        users = _users(pool)
        with _LOCK:
            users.find(email)  # brings the index up to date
            if users._attrs.get(users._norm(email)):
                raise AliasExistsException()


def _pool_init(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.users = _IndexedUsers(self, dict(self.users))

    return __init__


# ----------------------------------------------------------------------------------------------------
# generic wrappers


def _locked(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return original(*args, **kwargs)

    return wrapper


def _page_limited(original: Callable[..., Any], keyword: str, member: str) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value = kwargs.get(keyword)
        if value is not None and int(value) > MAX_PAGE:
            raise _invalid(
                f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {MAX_PAGE}"
            )
        return original(*args, **kwargs)

    return wrapper


def _patch(cls: type, name: str, factory: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = cls.__dict__.get(name)
    if callable(original):
        setattr(cls, name, factory(original))


def _tagged_pool(response: Any) -> Any:
    """The pool a TagResource-family request names by ARN (moto has no Cognito tag operations)."""
    from moto.cognitoidp.exceptions import ResourceNotFoundError

    arn = response._get_param("ResourceArn") or ""
    pool_id = arn.rsplit("userpool/", 1)[-1] if ":userpool/" in arn else ""
    pool = response.backend.user_pools.get(pool_id)
    if pool is None:
        raise ResourceNotFoundError(f"Resource {arn} does not exist.")
    return pool


def _tag_resource(self: Any) -> str:
    with _LOCK:
        pool = _tagged_pool(self)
        tags = dict(pool.extended_config.get("UserPoolTags") or {})
        tags.update(self._get_param("Tags") or {})
        pool.extended_config["UserPoolTags"] = tags
    return "{}"


def _untag_resource(self: Any) -> str:
    with _LOCK:
        pool = _tagged_pool(self)
        tags = dict(pool.extended_config.get("UserPoolTags") or {})
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
        pool.extended_config["UserPoolTags"] = tags
    return "{}"


def _list_tags_for_resource(self: Any) -> str:
    with _LOCK:
        tags = dict(_tagged_pool(self).extended_config.get("UserPoolTags") or {})
    return json.dumps({"Tags": tags})


# ----------------------------------------------------------------------------------------------------
# MFA: SetUserPoolMfaConfig and GetUserPoolMfaConfig (moto's checks and messages are its own)

# Real messages: aws/aws-sdk-js#4186 and anomalyco/sst#5177 (no factor), and the comment in Terraform's
# internal/service/cognitoidp/user_pool.go (OFF with a factor).
NO_FACTOR = (
    "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."
)
OFF_WITH_FACTOR = "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."


def _set_user_pool_mfa_config(self: Any) -> str:
    """SetUserPoolMfaConfig as AWS answers it. ON or OPTIONAL needs a factor (SMS with its SmsConfiguration,
    TOTP enabled, or e-mail); OFF with a factor configured is refused (for SMS and e-mail per the sources
    above; for TOTP enabled with OFF, assumed). OFF -> ON on an existing pool is allowed: the UserPoolType doc
    "You can only specify required when you're initially creating a user pool" is stale (Terraform's
    TestAccCognitoIDPUserPool_MFA_softwareTokenMFA goes ON -> OFF -> ON against AWS). An SmsConfiguration
    given here becomes the pool's (SmsMfaConfigType: "You can set SmsConfiguration in CreateUserPool and
    UpdateUserPool, or in SetUserPoolMfaConfig")."""
    import json

    mode = self._get_param("MfaConfiguration") or "OFF"
    sms = self._get_param("SmsMfaConfiguration")
    token = self._get_param("SoftwareTokenMfaConfiguration")
    email = self._get_param("EmailMfaConfiguration")
    has_sms = bool(sms and sms.get("SmsConfiguration"))
    has_totp = bool(token and token.get("Enabled"))
    if mode in ("ON", "OPTIONAL") and not (has_sms or has_totp or email):
        raise _invalid(NO_FACTOR)
    if mode == "OFF" and (has_sms or has_totp or email):
        raise _invalid(OFF_WITH_FACTOR)
    with _LOCK:
        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        pool.mfa_config = mode
        pool.sms_mfa_config = sms if has_sms else None
        pool.token_mfa_config = {"Enabled": has_totp} if token is not None else None
        if has_sms:
            pool.extended_config["SmsConfiguration"] = copy.deepcopy(sms["SmsConfiguration"])
        answer = self.backend.get_user_pool_mfa_config(pool.id)
    return json.dumps({k: v for k, v in answer.items() if v is not None})


def _get_user_pool_mfa_config(self: Any) -> str:
    import json

    with _LOCK:
        answer = self.backend.get_user_pool_mfa_config(self._get_param("UserPoolId"))
    return json.dumps({k: v for k, v in answer.items() if v is not None})


def install() -> None:
    """Patch moto's Cognito classes once per process; later calls do nothing."""
    from moto.cognitoidp import models

    backend_cls = models.CognitoIdpBackend
    with _LOCK:
        if getattr(backend_cls, _MARK, False):
            return
        pool_cls = models.CognitoIdpUserPool
        user_cls = models.CognitoIdpUser

        _patch(pool_cls, "__init__", _pool_init)
        _patch(models.CognitoIdpGroup, "__init__", _group_init)
        # Pages by position (the wrappers below add the lock and the page-size check to these).
        backend_cls.list_users = _list_users  # type: ignore[method-assign,assignment]
        backend_cls.list_users_in_group = _list_users_in_group  # type: ignore[method-assign,assignment]
        # Replacing moto's methods on its classes is the point of this module.
        pool_cls._get_user = _get_user  # type: ignore[method-assign]
        if callable(backend_cls.__dict__.get("_verify_email_is_not_used")):
            backend_cls._verify_email_is_not_used = _verify_email_is_not_used  # type: ignore[method-assign]
        _patch(user_cls, "update_attributes", _reindex_after)
        _patch(user_cls, "delete_attributes", _reindex_after)

        _patch(backend_cls, "create_user_pool", _create_user_pool)
        _patch(backend_cls, "update_user_pool", _update_user_pool)
        _patch(backend_cls, "delete_user_pool", _delete_user_pool)
        _patch(backend_cls, "create_user_pool_domain", _create_user_pool_domain)
        _patch(backend_cls, "create_user_pool_client", _create_user_pool_client)
        _patch(backend_cls, "update_user_pool_client", _update_user_pool_client)
        _patch(backend_cls, "admin_create_user", _admin_create_user)
        _patch(backend_cls, "admin_update_user_attributes", _admin_update_user_attributes)
        _patch(backend_cls, "delete_group", _delete_group)
        for name in _USER_METHODS:
            _patch(backend_cls, name, _locked)
        for name, (keyword, member) in _PAGE_LIMITS.items():
            _patch(backend_cls, name, functools.partial(_page_limited, keyword=keyword, member=member))
        from moto.cognitoidp.responses import CognitoIdpResponse

        CognitoIdpResponse.list_users = _list_users_response  # type: ignore[method-assign,assignment]
        CognitoIdpResponse.list_users_in_group = _list_users_in_group_response  # type: ignore[method-assign,assignment]
        CognitoIdpResponse.tag_resource = _tag_resource  # type: ignore[attr-defined]
        CognitoIdpResponse.untag_resource = _untag_resource  # type: ignore[attr-defined]
        CognitoIdpResponse.list_tags_for_resource = _list_tags_for_resource  # type: ignore[attr-defined]
        setattr(CognitoIdpResponse, "set_user_pool_mfa_config", _set_user_pool_mfa_config)  # noqa: B010
        setattr(CognitoIdpResponse, "get_user_pool_mfa_config", _get_user_pool_mfa_config)  # noqa: B010
        setattr(backend_cls, _MARK, True)
