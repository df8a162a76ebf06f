"""Retries without the wait, for tests against fault-injecting sandboxes.

botocore's standard retry mode sleeps up to 20 s between attempts (1 s base for throttles), gtops's
create-exactly-once retries up to 5 s and its members writer up to 10 s; a test that makes calls fail would
wait it all out. What is under test is the number of attempts and what happens after them, not the
sleeping, so tests keep the attempts and drop the delay:

- in this process: `patch(monkeypatch)` (the in-process sandbox fixture does it);
- in a child process: `env(environment)` puts tests/no_backoff/ first on PYTHONPATH, whose
  sitecustomize.py applies the same patches when their modules are imported.

gtops itself has no switch for this.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

import pytest

FOLDER = Path(__file__).parent / "no_backoff"

_spec = importlib.util.spec_from_file_location("tests_no_backoff_site", FOLDER / "sitecustomize.py")
assert _spec is not None and _spec.loader is not None
site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site)


def env(environment: dict[str, str]) -> dict[str, str]:
    """`environment` for a child Python process whose retries do not wait."""
    paths = [str(FOLDER), *[p for p in environment.get("PYTHONPATH", "").split(os.pathsep) if p]]
    return {**environment, "PYTHONPATH": os.pathsep.join(paths)}


def patch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries in this process do not wait (undone after the test)."""
    for name, (path, replacement) in site.PATCHES.items():
        owner, attribute = site.target(importlib.import_module(name), path)
        monkeypatch.setattr(owner, attribute, replacement(getattr(owner, attribute)))
