"""Progress for long worker applies: a bar redrawn in place on a terminal, plain lines in pipelines.

In a pipeline (stderr not a terminal) a line goes out every `every` seconds, or at a 10% step when the
last line is at least a second old, so logs stay short for 20 workers and informative for 20,000.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import IO

BAR = 28


class Progress:
    def __init__(
        self,
        total: int,
        say: Callable[[str], None] | None,
        stream: IO[str] | None = None,
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        label: str = "workers",
    ):
        self.total = total
        self.say = say
        self.stream = stream if stream is not None else sys.stderr
        self.tty = say is not None and bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every
        self.clock = clock
        self.label = label
        self.done = 0
        self.failed = 0
        self.started = clock()
        self._last_line = self.started
        self._last_decile = 0
        self._last_draw = 0.0
        self._lock = threading.Lock()

    def rate(self) -> float:
        elapsed = self.clock() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def text(self) -> str:
        pct = 100 * self.done // self.total if self.total else 100
        rate = self.rate()
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        failed = f", {self.failed} failed" if self.failed else ""
        return f"{self.label}: {self.done}/{self.total} ({pct}%){failed}, {rate:.1f}/s, about {eta:.0f}s left"

    def step(self, failed: bool = False) -> None:
        if self.say is None:
            with self._lock:
                self.done += 1
                self.failed += failed
            return
        with self._lock:
            self.done += 1
            self.failed += failed
            now = self.clock()
            if self.tty:
                if now - self._last_draw >= 0.1 or self.done == self.total:
                    self._last_draw = now
                    self._draw()
                return
            decile = 10 * self.done // self.total if self.total else 10
            since = now - self._last_line
            due = since >= self.every or (decile > self._last_decile and since >= 1.0)
            if self.done < self.total and due:
                self._last_line = now
                self._last_decile = decile
                self.say(self.text())

    def _draw(self) -> None:
        filled = BAR * self.done // self.total if self.total else BAR
        bar = "#" * filled + "-" * (BAR - filled)
        self.stream.write(f"\r[{bar}] {self.text()}\033[K")
        self.stream.flush()

    def finish(self, summary: str) -> None:
        if self.say is None:
            return
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()
        self.say(summary)
