"""The bad-input corpus runs the real CLI in process, on moto where a case needs AWS to get that far."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.inprocess import run_main

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases"


@dataclass
class Run:
    code: int
    out: str
    err: str


def gtops(*args: str) -> Run:
    return Run(*run_main(*args))


@pytest.fixture
def moto_cli(inprocess_aws, monkeypatch: pytest.MonkeyPatch):
    """The in-process sandbox, the repository as the working folder (fixture paths print relative to it)."""
    monkeypatch.chdir(REPO)
    return inprocess_aws
