"""Debian's Chromium for the `browser` tests (Playwright drives it; no browser download)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from typing import Any

MISSING = "needs Chromium (apt-get install -y chromium; .ci/run installs it)"


def chromium() -> str | None:
    """`chromium` on PATH, else /usr/bin/chromium if it is there; None without either."""
    return shutil.which(shutil.which("chromium") or "/usr/bin/chromium")


FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def offline_page(executable: str) -> Iterator[tuple[Any, list[str]]]:
    """A headless Chromium page that may load only file: and data: URLs; every other request is refused and
    its URL appended to the list yielded with the page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            page = browser.new_page()
            blocked: list[str] = []

            def offline(route: Any) -> None:
                if route.request.url.startswith(("file:", "data:")):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", offline)
            yield page, blocked
        finally:
            browser.close()
