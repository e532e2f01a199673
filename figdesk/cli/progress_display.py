"""Live upload progress on a terminal: one line per file and a total, redrawn in place.

On a terminal the lines are redrawn with ANSI cursor moves at most ~10 times a second; when
the output is not a terminal (a log, a pipe, CI) each file's state changes are printed as
plain lines instead, so the output reads well in a file.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from figdesk.cli.output import clean, human_size
from figdesk.core.queue import JobChanged, JobKind, JobProgress, RunnerEvent, RunnerStatus

MAX_FILE_LINES = 12     # more files than this: the rest are summed up in one line
BAR = 20


def format_eta(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "--:--"
    s = int(seconds + 0.5)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


@dataclass
class _Row:
    name: str
    state: str = "queued"
    done: int = 0
    total: int = 0
    speed: float = 0.0
    eta: float | None = None
    error: str = ""
    said: str = ""     # the last line printed for it (plain mode)


class ProgressDisplay:
    """Feed it runner events (``handle``); call ``close()`` at the end for the final picture."""

    def __init__(self, out: TextIO, *, tty: bool | None = None, max_rate: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.tty = out.isatty() if tty is None else tty
        self._gap = 1.0 / max_rate
        self._clock = clock
        self._rows: dict[int, _Row] = {}
        self._status = ""
        self._drawn = 0
        self._last = -1e9
        self._mu = threading.Lock()

    def add_job(self, job_id: int, name: str, total: int) -> None:
        with self._mu:
            self._rows.setdefault(job_id, _Row(clean(name), total=total))

    def handle(self, event: RunnerEvent) -> None:
        with self._mu:
            force = False
            if isinstance(event, JobProgress):
                row = self._rows.get(event.job_id)
                if row is None:
                    return
                p = event.progress
                force = p.state != row.state
                row.state, row.done, row.total = p.state, p.bytes_done, p.total or row.total
                row.speed, row.eta, row.error = p.speed, p.eta, p.error
                # "done" is said once the queue has stored it (as "done (verified)")
                if force and not self.tty and p.state != "done":
                    self._say(row, p.state)
            elif isinstance(event, JobChanged):
                job = event.job
                if job.kind is not JobKind.UPLOAD_FILE or job.id not in self._rows:
                    if not self.tty and job.kind is not JobKind.UPLOAD_FILE:
                        self._line(f"{job.describe()}: {job.state.value}"
                                   + (f" ({clean(job.error)})" if job.error else ""))
                    return
                row = self._rows[job.id]
                state = job.state.value
                force = state != row.state
                row.state = state
                row.error = job.error
                if state == "done":
                    row.done = row.total
                if not self.tty and state != "running":
                    if state == "done":
                        self._say(row, "done (verified)")
                    elif job.error:
                        self._say(row, f"{state}: {clean(job.error)}")
                    else:
                        self._say(row, state)
            elif isinstance(event, RunnerStatus):
                text = ""
                if event.state in ("offline", "paused"):
                    text = f"{event.state}: {clean(event.reason)}"
                force = text != self._status
                self._status = text
                if force and not self.tty and text:
                    self._line(text)
            if self.tty:
                self._draw(force)

    def close(self) -> None:
        with self._mu:
            if self.tty:
                self._draw(True)

    # -- drawing ---------------------------------------------------------------------------

    def _say(self, row: _Row, what: str) -> None:
        if what != row.said:
            row.said = what
            self._line(f"{row.name}: {what}")

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _draw(self, force: bool) -> None:
        now = self._clock()
        if not force and now - self._last < self._gap:
            return
        self._last = now
        lines = self.render()
        buf = []
        if self._drawn:
            buf.append(f"\x1b[{self._drawn}F")     # back to the first line we drew
        for line in lines:
            buf.append("\x1b[2K" + line + "\n")
        for _ in range(self._drawn - len(lines)):   # fewer lines than last time
            buf.append("\x1b[2K\n")
        self.out.write("".join(buf))
        self.out.flush()
        self._drawn = max(self._drawn, len(lines))

    def render(self) -> list[str]:
        """The lines of the current picture (without ANSI codes)."""
        rows = list(self._rows.values())
        width = min(40, max([len(r.name) for r in rows] + [5]))
        # busy files first, then the rest in order, so the interesting ones stay visible
        shown = sorted(rows, key=lambda r: r.state not in ("uploading", "hashing",
                                                           "completing", "running"))
        lines = [self._row_line(r, width) for r in shown[:MAX_FILE_LINES]]
        if len(rows) > MAX_FILE_LINES:
            lines.append(f"... and {len(rows) - MAX_FILE_LINES} more files")
        total = sum(r.total for r in rows)
        done = sum(min(r.done, r.total) for r in rows)
        speed = sum(r.speed for r in rows if r.state == "uploading")
        eta = (total - done) / speed if speed > 0 else None
        finished = sum(1 for r in rows if r.state == "done")
        lines.append(self._bar_line(f"total {finished}/{len(rows)} files".ljust(width), done,
                                    total, speed, eta, ""))
        if self._status:
            lines.append(self._status)
        return lines

    def _row_line(self, r: _Row, width: int) -> str:
        name = r.name if len(r.name) <= width else r.name[: width - 1] + "…"
        # "done" means Figshare's md5 of the stored bytes equals ours: say so.
        state = ("done (verified)" if r.state == "done"
                 else f"{r.state}: {clean(r.error)}" if r.error else r.state)
        return self._bar_line(name.ljust(width), r.done, r.total,
                              r.speed if r.state == "uploading" else 0.0,
                              r.eta if r.state == "uploading" else None, state)

    @staticmethod
    def _bar_line(label: str, done: int, total: int, speed: float, eta: float | None,
                  state: str) -> str:
        frac = 1.0 if total <= 0 else min(1.0, done / total)
        filled = int(frac * BAR)
        bar = "#" * filled + "-" * (BAR - filled)
        rate = f"{human_size(speed)}/s" if speed > 0 else "-"
        return (f"{label} [{bar}] {frac * 100:5.1f}%  {human_size(done)}/{human_size(total)}"
                f"  {rate:>11}  ETA {format_eta(eta)}  {state}").rstrip()
