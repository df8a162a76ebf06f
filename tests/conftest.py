"""Fixtures every suite shares, and the rules behind the test markers.

- `sandbox_url`: the endpoint of ONE sandbox server for the whole session (under pytest-xdist, one per
  worker), on a free loopback port, its labeling jobs moving only when a test advances them.
- `server`: that server for one test: emptied, every realism switch off before it and again after it.
- `inprocess_aws`: moto in this process with gtops's sandbox installed (Ground Truth emulation, AWS's
  validation, realism switches), dummy credentials, fast Cognito quotas, no color, caches under the test's
  tmp_path, retries without backoff (tests/no_backoff.py) and nothing that could reach real AWS; emptied
  before and after the test.

Markers (registered in pyproject.toml): `e2e`, `aws`, `browser`, `slow`. A test that uses the sandbox server
is marked e2e here, and one that uses the in-process sandbox `aws`, whether or not its module says so; a
`browser` test is skipped when there is no Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import browser
from tests.sandbox_server import DEFAULT_REALISM, FAST_QUOTAS, control, running_server


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Before `-m` selects: whatever uses the sandbox server is end to end. Then the longest tests first
    (slow, then e2e, each in file order), so that pytest-xdist's workers do not finish on one long test."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "sandbox_url" in fixtures:
            item.add_marker(pytest.mark.e2e)
        if "inprocess_aws" in fixtures:
            item.add_marker(pytest.mark.aws)
    items.sort(
        key=lambda item: (item.get_closest_marker("slow") is None, item.get_closest_marker("e2e") is None)
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") and browser.chromium() is None:
        pytest.skip(browser.MISSING)


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("sandbox") / "server.log") as url:
        yield url


@pytest.fixture
def server(sandbox_url: str) -> Iterator[str]:
    """The session's sandbox server, emptied and with every realism switch off (and off again after)."""
    control(sandbox_url, "config", DEFAULT_REALISM)
    control(sandbox_url, "reset")
    yield sandbox_url
    control(sandbox_url, "config", DEFAULT_REALISM)


@pytest.fixture
def inprocess_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """moto in this process with gtops's sandbox installed; yields the `gtops.sandbox` module."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "GTOPS_COGNITO_QUOTAS": FAST_QUOTAS,  # the quota pacing itself is tested without AWS
        "GTOPS_SANDBOX_JOB_SECONDS": "0",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_SESSION_TOKEN",
        "AWS_CONFIG_FILE",
        "GTOPS_DEBUG",
        "GTOPS_SANDBOX",
    ):
        monkeypatch.delenv(name, raising=False)
    from moto import mock_aws

    import gtops.sandbox as sb
    from tests import no_backoff, speedups

    speedups.aws()
    no_backoff.patch(monkeypatch)
    sb.install()
    sb.reset()
    with mock_aws():
        yield sb
    sb.reset()
