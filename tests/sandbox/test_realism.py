"""Realism switches: latency, Cognito quotas, injected faults (retry-classified like AWS's), thread safety."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from gtops.sandbox.realism import COGNITO_CATEGORY, QUOTAS, ConfigError, Realism


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries at once: the tests look at what is retried, not at how long it waits (tests/no_backoff.py)."""
    from tests.no_backoff import patch

    patch(monkeypatch)


def _code(err: ClientError) -> str:
    return err.response["Error"]["Code"]


def _outcomes(call: Any, count: int) -> list[str]:
    results = []
    for _ in range(count):
        try:
            call()
            results.append("ok")
        except ClientError as err:
            results.append(_code(err))
        except ConnectionClosedError:
            results.append("dropped")
    return results


def test_every_cognito_call_gtops_makes_has_a_quota_category() -> None:
    used = [
        "CreateUserPool",
        "UpdateUserPool",
        "DescribeUserPool",
        "ListUserPools",
        "DeleteUserPool",
        "CreateGroup",
        "GetGroup",
        "ListGroups",
        "DeleteGroup",
        "CreateUserPoolClient",
        "UpdateUserPoolClient",
        "DescribeUserPoolClient",
        "ListUserPoolClients",
        "CreateUserPoolDomain",
        "DescribeUserPoolDomain",
        "AdminCreateUser",
        "AdminGetUser",
        "AdminAddUserToGroup",
        "AdminRemoveUserFromGroup",
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminDeleteUser",
        "AdminUpdateUserAttributes",
        "ListUsers",
        "ListUsersInGroup",
        "AdminListGroupsForUser",
        "TagResource",
    ]
    assert {op: COGNITO_CATEGORY.get(op) for op in used if COGNITO_CATEGORY.get(op) not in QUOTAS} == {}
    assert (QUOTAS["UserCreation"], QUOTAS["UserUpdate"], QUOTAS["UserList"]) == (50, 25, 30)
    assert COGNITO_CATEGORY["AdminCreateUser"] == "UserCreation"
    assert COGNITO_CATEGORY["AdminAddUserToGroup"] == "UserUpdate"
    assert COGNITO_CATEGORY["ListUsersInGroup"] == "UserList"


def test_quota_exceeded_gives_too_many_requests(sandbox: Any) -> None:
    idp = sandbox.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    assert set(_outcomes(lambda: idp.describe_user_pool(UserPoolId=pool), 25)) == {"ok"}  # quotas off
    sandbox.configure(quotas=True)
    outcomes = _outcomes(lambda: idp.describe_user_pool(UserPoolId=pool), 30)  # UserPoolRead: 15/s
    assert outcomes[:10] == ["ok"] * 10
    assert "TooManyRequestsException" in outcomes
    assert set(outcomes) == {"ok", "TooManyRequestsException"}
    # other categories have their own buckets, and SageMaker has no Cognito quota
    assert idp.list_users(UserPoolId=pool)["Users"] == []
    sm = sandbox.client("sagemaker")
    assert set(_outcomes(lambda: sm.list_workteams(), 30)) == {"ok"}
    time.sleep(1.0)  # the bucket refills
    idp.describe_user_pool(UserPoolId=pool)


@pytest.mark.parametrize(
    ("kind", "cognito_code", "sagemaker_code", "status"),
    [
        ("throttle", "TooManyRequestsException", "ThrottlingException", 400),
        ("error", "InternalErrorException", "InternalFailure", 500),
    ],
)
def test_faults_are_retried_like_aws_errors(
    sandbox: Any, no_backoff: None, kind: str, cognito_code: str, sagemaker_code: str, status: int
) -> None:
    sandbox.configure(fault_rate=1.0, fault_kinds=[kind])
    for service, code, call in (
        ("cognito-idp", cognito_code, lambda c: c.list_user_pools(MaxResults=10)),
        ("sagemaker", sagemaker_code, lambda c: c.list_workteams()),
    ):
        client = sandbox.client(service, attempts=3)
        with pytest.raises(ClientError) as excinfo:
            call(client)
        assert _code(excinfo.value) == code
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
        assert (
            excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 2
        )  # botocore classed it retryable


def test_dropped_connection(sandbox: Any, no_backoff: None) -> None:
    sandbox.configure(fault_rate=1.0, fault_kinds=["drop"])
    idp = sandbox.client("cognito-idp", attempts=2)
    with pytest.raises(ConnectionClosedError):
        idp.list_user_pools(MaxResults=10)
    assert sandbox.stats()["faults"] == 2  # botocore retried the dropped call once
    sandbox.configure(fault_rate=0.0)
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []


def test_fault_rate_and_seed_are_deterministic(sandbox: Any) -> None:
    idp = sandbox.client("cognito-idp")
    runs = []
    for _ in range(2):
        sandbox.configure(fault_rate=0.5, fault_kinds=["throttle", "error"], seed=42)
        runs.append(_outcomes(lambda: idp.list_user_pools(MaxResults=10), 40))
    assert runs[0] == runs[1]
    assert 8 <= runs[0].count("ok") <= 32
    assert {"TooManyRequestsException", "InternalErrorException"} <= set(runs[0])


def test_targeted_fault_fails_the_nth_call(sandbox: Any) -> None:
    idp = sandbox.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="p", UsernameAttributes=["email"])["UserPool"]["Id"]
    sandbox.configure(targets=[{"operation": "AdminCreateUser", "nth": 2, "kind": "error"}])

    def create(i: int) -> Any:
        return lambda: idp.admin_create_user(
            UserPoolId=pool, Username=f"u{i}@example.com", MessageAction="SUPPRESS"
        )

    outcomes = [_outcomes(create(i), 1)[0] for i in range(3)]
    assert outcomes == ["ok", "InternalErrorException", "ok"]
    assert len(idp.list_users(UserPoolId=pool)["Users"]) == 2


def test_latency_is_added_per_call_and_overlaps(sandbox: Any) -> None:
    sm = sandbox.client("sagemaker", max_pool_connections=8)
    sm.list_workteams()
    start = time.perf_counter()
    for _ in range(3):
        sm.list_workteams()
    fast = time.perf_counter() - start
    sandbox.configure(latency_ms=100)
    start = time.perf_counter()
    for _ in range(3):
        sm.list_workteams()
    slow = time.perf_counter() - start
    assert slow >= 0.3 and slow - fast >= 0.28
    start = time.perf_counter()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: sm.list_workteams(), range(6)))
    assert time.perf_counter() - start < 0.5  # six 100 ms waits overlap, as on AWS


def test_bad_settings_are_refused(sandbox: Any) -> None:
    with pytest.raises(Exception, match="fault_rate"):
        sandbox.configure(fault_rate=2)
    with pytest.raises(Exception, match="fault kinds"):
        sandbox.configure(fault_kinds=["explode"])
    with pytest.raises(Exception, match="unknown sandbox setting"):
        sandbox.configure(speed=3)


def test_realism_configure_keeps_unchanged_settings() -> None:
    engine = Realism()
    engine.configure(latency_ms=20, seed=1)
    config = engine.configure(quotas=True)
    assert (config.latency_ms, config.seed, config.quotas) == (20, 1, True)
    with pytest.raises(ConfigError):
        engine.configure(targets=[{"operation": "X", "nth": 0}])


def test_concurrent_member_writes_never_race(inprocess_sandbox: Any) -> None:
    """moto's Cognito alone fails ~5% of these calls with 'OrderedDict mutated during iteration'."""
    idp = inprocess_sandbox.client("cognito-idp", max_pool_connections=8)
    pool = idp.create_user_pool(PoolName="p", UsernameAttributes=["email"])["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="g")

    def member(i: int) -> str | None:
        try:
            name = f"user{i}@example.com"
            idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
            idp.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName="g")
            idp.list_users_in_group(UserPoolId=pool, GroupName="g", Limit=5)
        except Exception as err:  # noqa: BLE001 - any failure is what this test counts
            return f"{type(err).__name__}: {err}"
        return None

    with ThreadPoolExecutor(8) as executor:
        failures = [f for f in executor.map(member, range(400)) if f]
    assert failures == []
    listed = idp.get_paginator("list_users").paginate(UserPoolId=pool, PaginationConfig={"PageSize": 60})
    assert sum(len(page["Users"]) for page in listed) == 400
