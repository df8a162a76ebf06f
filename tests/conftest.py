"""Rules behind the test markers (registered in pyproject.toml): a `browser` test is skipped when there is
no Chromium."""

from __future__ import annotations

import pytest

from tests import browser


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") and browser.chromium() is None:
        pytest.skip(browser.MISSING)
