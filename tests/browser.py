"""Debian's Chromium for the `browser` tests (Playwright drives it; no browser download)."""

from __future__ import annotations

import shutil

MISSING = "needs Chromium (apt-get install -y chromium; .ci/run installs it)"


def chromium() -> str | None:
    """`chromium` on PATH, else /usr/bin/chromium if it is there; None without either."""
    return shutil.which(shutil.which("chromium") or "/usr/bin/chromium")
