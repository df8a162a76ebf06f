"""Static checks on gtops itself: mypy, as configured in pyproject.toml (strict on the core)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_reports_no_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from mypy import api

    monkeypatch.chdir(ROOT)  # mypy reads [tool.mypy] (files, strict modules) from ./pyproject.toml
    stdout, stderr, status = api.run([])
    assert status == 0, f"mypy found type errors:\n{stdout}{stderr}"
