"""Progress of a load: bars with rows/s and ETA on a terminal, a log line every few seconds otherwise
(cron, CI, `make run` write logs: a spinner there says nothing)."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from loaders.mapping import Mapping, Source

LOG_EVERY_S = 5.0


def count_lines(path: Path) -> int | None:
    """Physical lines of a file (the ETA's estimate of its rows), or None when it cannot be read."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as stream:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    except (OSError, EOFError):
        return None


class LogProgress:
    """One line per source every `every` seconds (file, rows, rows/s), and one when it ends."""

    def __init__(self, console: Console, every: float = LOG_EVERY_S) -> None:
        self.console = console
        self.every = every
        self.started: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def __call__(self, source: Source, read: int, done: bool = False) -> None:
        now = time.monotonic()
        key = id(source)
        began = self.started.setdefault(key, now)
        if not done and key in self.last and now - self.last[key] < self.every:
            return  # the first call of a source always logs
        self.last[key] = now
        rate = read / (now - began) if now > began else 0.0
        stamp = time.strftime("%H:%M:%S")
        state = "done" if done else "loading"
        self.console.print(
            f"{stamp} {state} {source.file}: {read:,} rows, {rate:,.0f} rows/s",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


class BarProgress:
    """A rich bar per source, with rows, rows/s and time remaining."""

    def __init__(self, progress: Progress, mapping: Mapping) -> None:
        self.progress = progress
        self.mapping = mapping
        self.tasks: dict[int, TaskID] = {}

    def __call__(self, source: Source, read: int, done: bool = False) -> None:
        key = id(source)
        if key not in self.tasks:
            total = count_lines(self.mapping.path(source))
            if total is not None and source.header and source.kind == "csv":
                total -= 1
            self.tasks[key] = self.progress.add_task(escape(source.file), total=total)
        task = self.tasks[key]
        self.progress.update(task, completed=read)
        if done:
            self.progress.update(task, total=read)


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


@contextmanager
def progress_for(console: Console, mapping: Mapping) -> Iterator[LogProgress | BarProgress]:
    """Bars on a terminal, log lines otherwise."""
    if not console.is_terminal:
        yield LogProgress(console)
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        yield BarProgress(progress, mapping)
