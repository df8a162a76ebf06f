"""Quota buckets, quota configuration, retries and progress output (no AWS)."""

from __future__ import annotations

import io
import threading
import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from gtops.members.apply import Caller, CallFailed
from gtops.members.progress import Progress
from gtops.members.ratelimit import Bucket, QuotaConfigError, RateLimiter, quotas_for
from gtops.setup import Setup


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_bucket_allows_a_small_burst_then_the_rate():
    clock = FakeClock()
    bucket = Bucket(50, clock=clock, sleep=clock.sleep)
    assert bucket.burst == 5
    starts = []
    for _ in range(105):
        bucket.acquire()
        starts.append(clock.now - 100.0)
    assert starts[:5] == [0.0] * 5
    # after the burst, exactly one call per 20 ms: 100 more calls take 2 s
    assert starts[104] == pytest.approx(2.0)
    assert all(b - a == pytest.approx(0.02) for a, b in zip(starts[5:], starts[6:], strict=False))


def test_bucket_does_not_bank_idle_time_beyond_the_burst():
    clock = FakeClock()
    bucket = Bucket(10, burst=2, clock=clock, sleep=clock.sleep)
    clock.now += 60  # a minute idle
    waits = [bucket.reserve() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.0, 0.1, 0.2])


def test_limiter_holds_many_threads_to_the_quota_in_real_time():
    limiter = RateLimiter({"UserUpdate": 100})
    start = time.monotonic()
    threads = [
        threading.Thread(target=lambda: [limiter.acquire("AdminAddUserToGroup") for _ in range(10)])
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    # 80 calls at 100/s with a burst of 10: at least 0.69 s, and not much more
    assert 0.65 <= elapsed < 1.2
    limiter.acquire("DescribeUserPool")  # no category: never waits


def test_quotas_come_from_defaults_spec_then_environment():
    assert quotas_for(None, {})["UserCreation"] == 50
    assert quotas_for(None, {})["UserUpdate"] == 25
    setup = Setup.from_data({"members": {"quotas": {"UserCreation": 80}}})
    assert quotas_for(setup, {})["UserCreation"] == 80
    env = {"GTOPS_COGNITO_QUOTAS": "UserCreation=120, UserUpdate=20"}
    got = quotas_for(setup, env)
    assert (got["UserCreation"], got["UserUpdate"]) == (120, 20)


@pytest.mark.parametrize("text", ["UserCreation", "Bogus=3", "UserUpdate=fast", "UserUpdate=0"])
def test_bad_quota_settings_say_what_is_wrong(text):
    with pytest.raises(QuotaConfigError, match="GTOPS_COGNITO_QUOTAS"):
        quotas_for(None, {"GTOPS_COGNITO_QUOTAS": text})


def test_floor_is_decided_by_the_slowest_category():
    limiter = RateLimiter({"UserCreation": 50, "UserUpdate": 25})
    assert limiter.floor_seconds({"AdminCreateUser": 1000, "AdminAddUserToGroup": 1000}) == 40.0


def _client_error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


class Flaky:
    """A fake client whose admin_add_user_to_group fails with the given errors first."""

    def __init__(self, errors: list[Exception]):
        self.errors = list(errors)
        self.calls = 0

    def admin_add_user_to_group(self, **params):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}


def _caller(client, attempts=5):
    sleeps: list[float] = []
    caller = Caller({"cognito-idp": client}, RateLimiter({}), attempts=attempts, sleep=sleeps.append)
    return caller, sleeps


def test_throttling_5xx_and_dropped_connections_are_retried_with_growing_jittered_backoff():
    errors = [
        _client_error("TooManyRequestsException"),
        _client_error("InternalErrorException", 500),
        ConnectionClosedError(endpoint_url="http://x"),
    ]
    client = Flaky(errors)
    caller, sleeps = _caller(client)
    assert caller("cognito-idp", "AdminAddUserToGroup", GroupName="g") == {"ok": True}
    assert client.calls == 4
    assert caller.retries == 3 and caller.throttled == 1
    assert [0 <= s <= 0.2 * 2**i for i, s in enumerate(sleeps)] == [True, True, True]


def test_retries_are_bounded_and_other_errors_are_not_retried():
    client = Flaky([_client_error("TooManyRequestsException")] * 10)
    caller, _ = _caller(client, attempts=3)
    with pytest.raises(CallFailed, match="TooManyRequestsException on all 3 attempts"):
        caller("cognito-idp", "AdminAddUserToGroup")
    assert client.calls == 3
    client = Flaky([_client_error("ResourceNotFoundException"), _client_error("LimitExceededException")])
    caller, _ = _caller(client)
    with pytest.raises(CallFailed, match="ResourceNotFoundException"):
        caller("cognito-idp", "AdminAddUserToGroup")
    with pytest.raises(CallFailed, match="LimitExceededException"):
        caller("cognito-idp", "AdminAddUserToGroup")
    assert client.calls == 2


class Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(("per_worker", "expected"), [(0.04, 9), (0.2, 39)])
def test_progress_in_a_pipeline_is_plain_lines_every_ten_percent_or_five_seconds(per_worker, expected):
    clock = FakeClock()
    lines: list[str] = []
    progress = Progress(1000, lines.append, stream=Stream(False), every=5.0, clock=clock)
    for _ in range(1000):
        clock.now += per_worker
        progress.step()
    progress.finish("done")
    # 25/s: a line per 10% (4 s); 5/s: a line per 5 s. Never one per worker.
    assert len(lines) - 1 == expected
    assert lines[0].startswith(
        "workers: 100/1000 (10%), 25.0/s" if per_worker == 0.04 else "workers: 25/1000 (2%)"
    )
    assert lines[-1] == "done"


def test_progress_is_quiet_for_quick_applies():
    clock = FakeClock()
    lines: list[str] = []
    progress = Progress(50, lines.append, stream=Stream(False), clock=clock)
    for _ in range(50):
        clock.now += 0.01
        progress.step()
    progress.finish("done")
    assert lines == ["done"]


def test_progress_on_a_terminal_is_a_bar_redrawn_in_place():
    clock = FakeClock()
    stream = Stream(True)
    lines: list[str] = []
    progress = Progress(10, lines.append, stream=stream, clock=clock)
    for _ in range(10):
        clock.now += 0.2
        progress.step()
    progress.finish("done")
    out = stream.getvalue()
    assert out.count("\r[") == 10
    assert "[############################] workers: 10/10 (100%)" in out
    assert lines == ["done"]
