"""A small text progress bar (one per job) for terminals, and plain lines for logs."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    """``update(done, note)`` redraws at most every ``interval`` seconds on a terminal; on a
    non-terminal stream (CI logs) only ``close`` prints, one line per job."""

    def __init__(self, title: str, total: int, stream=None, width: int = 24,
                 interval: float = 0.1):
        self.title, self.total, self.width, self.interval = title, max(1, int(total)), width, interval
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.done, self.note = 0, ""

    def _line(self) -> str:
        fraction = min(1.0, self.done / self.total)
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self.start
        return (f"{self.title} [{bar}] {self.done:>{len(str(self.total))}}/{self.total} it "
                f"{elapsed:6.1f}s elapsed {self.note}")

    def update(self, done: int, note: str = "") -> None:
        self.done, self.note = done, note
        now = time.perf_counter()
        if self.live and now - self.last_draw >= self.interval:
            self.last_draw = now
            self.stream.write("\r" + self._line()[:160].ljust(80))
            self.stream.flush()

    def close(self, note: str | None = None) -> None:
        if note is not None:
            self.note = note
        line = self._line()
        self.stream.write(("\r" + line.ljust(80) if self.live else line) + "\n")
        self.stream.flush()
