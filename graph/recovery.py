"""Neo4j's crash recovery, as the local server reports it in `<instance>/logs/debug.log`.

After an unclean stop (the JVM killed, the machine lost) Neo4j replays its transaction log when it
next starts, once per database (`system`, then the default one), before Bolt opens. Each replay ends
with one line of Neo4j 5.26's debug.log, e.g.

    2026-12-06 20:36:24.307+0000 INFO  [o.n.k.d.Database] [neo4j/3b93ce62] Recovery in 'full' mode
    completed. Observed transactions range [first:4, last:55]: 52 transactions applied, 0 not
    completed transactions rolled back, skipped applying 0 previously rolled back transactions.
    Time spent: 1s 824ms.

(one line in the file). `graph.local_server.start` notes the log's size before it launches the
server, reads these lines written after it (`scan`), and keeps the last recovery next to the
instance (`last-recovery.json`) for `c360 neo4j status` (`last`). A clean start writes no such line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from graph.config import Settings

COMPLETED = re.compile(
    r"^(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d{4}) \w+\s+\[[^\]]+\] "
    r"\[(?P<database>[^/\]]+)/[^\]]*\] Recovery in '(?P<mode>\w+)' mode completed\. "
    r"Observed transactions range \[first:(?P<first>-?\d+), last:(?P<last>-?\d+)\]: "
    r"(?P<applied>\d+) transactions applied, (?P<rolled_back>\d+) not completed transactions "
    r"rolled back.*Time spent: (?P<spent>[^.]+)\.?\s*$"
)
DURATION_PART = re.compile(r"(\d+)\s*(ms|d|h|m|s)\b")
UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
LAST_FILE = "last-recovery.json"


@dataclass(frozen=True)
class DatabaseRecovery:
    """One database's replay: when it completed (ISO 8601), the transaction ids it observed, how
    many it applied and rolled back, and Neo4j's own measure of its duration."""

    database: str
    completed_at: str
    mode: str
    first_tx: int
    last_tx: int
    transactions: int
    rolled_back: int
    seconds: float


@dataclass(frozen=True)
class Recovery:
    """The replays of one start (every database that needed one)."""

    databases: tuple[DatabaseRecovery, ...]

    @property
    def transactions(self) -> int:
        return sum(d.transactions for d in self.databases)

    @property
    def seconds(self) -> float:
        """The databases are recovered one after the other: their times add up."""
        return round(sum(d.seconds for d in self.databases), 3)

    @property
    def completed_at(self) -> str:
        return max(d.completed_at for d in self.databases)

    def summary(self) -> str:
        each = ", ".join(
            f"{d.database}: {d.transactions} transactions in {d.seconds:.2f}s"
            for d in self.databases
        )
        return (
            f"crash recovery: Neo4j replayed {self.transactions} transactions in "
            f"{self.seconds:.2f}s ({each})"
        )

    def fields(self) -> dict[str, object]:
        """The structured log line's fields."""
        return {
            "transactions": self.transactions,
            "seconds": self.seconds,
            "completed_at": self.completed_at,
            "databases": [asdict(d) for d in self.databases],
        }


def seconds_of(spent: str) -> float:
    """Neo4j's duration text (`1s 824ms`, `2m 5s 3ms`, `0ms`) in seconds."""
    return round(sum(int(n) * UNIT_SECONDS[unit] for n, unit in DURATION_PART.findall(spent)), 3)


def _debug_log(settings: Settings) -> Path:
    return settings.data_dir / "logs" / "debug.log"


def log_offset(settings: Settings) -> int:
    """Where the debug log ends now: what a start writes comes after it."""
    try:
        return _debug_log(settings).stat().st_size
    except FileNotFoundError:
        return 0


def parse(lines: list[str]) -> Recovery | None:
    """The recoveries these debug.log lines report, or None when there is none."""
    found = []
    for line in lines:
        match = COMPLETED.match(line)
        if match is None:
            continue
        at = dt.datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S.%f%z")
        found.append(
            DatabaseRecovery(
                database=match["database"],
                completed_at=at.isoformat(timespec="milliseconds"),
                mode=match["mode"],
                first_tx=int(match["first"]),
                last_tx=int(match["last"]),
                transactions=int(match["applied"]),
                rolled_back=int(match["rolled_back"]),
                seconds=seconds_of(match["spent"]),
            )
        )
    return Recovery(tuple(found)) if found else None


def scan(settings: Settings, offset: int) -> Recovery | None:
    """The recoveries reported in the debug log after `offset` (from its start if it was rotated
    since: then it is shorter than `offset`)."""
    path = _debug_log(settings)
    try:
        with path.open("rb") as log:
            if log.seek(0, 2) >= offset:
                log.seek(offset)
            else:
                log.seek(0)
            text = log.read().decode(errors="replace")
    except FileNotFoundError:
        return None
    return parse(text.splitlines())


def save(settings: Settings, recovery: Recovery) -> None:
    (settings.data_dir / LAST_FILE).write_bytes(
        orjson.dumps([asdict(d) for d in recovery.databases], option=orjson.OPT_INDENT_2)
    )


def last(settings: Settings) -> Recovery | None:
    """The last recovery a start of this instance reported (None if it never needed one)."""
    try:
        rows = orjson.loads((settings.data_dir / LAST_FILE).read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None
    if not rows:
        return None
    return Recovery(tuple(DatabaseRecovery(**row) for row in rows))
