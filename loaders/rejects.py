"""The rejects file of a load: one JSON object per line, for every row rejected and every value nulled.

Each entry has a `kind`:
- `row`: the row was rejected (`reasons`), with its raw values (or raw text when it could not be split);
- `field`: the row was loaded but one bad value was set to null (`field`, `value`, `reason`);
- `duplicate`: the row's id was already read from the same file with other data (`first_line`: where);
  the last row read wins. (A row repeated identically is not reported: some files repeat a customer on
  each of their orders.)
Every entry names the `file`, `entity`, `system` and 1-based `line` it comes from.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import orjson

from loaders.files import Row
from loaders.mapping import Source
from loaders.transform import FieldIssue


class Rejects:
    """Writes the entries; without a stream it only discards them (the counts live in the report)."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self.stream = stream

    def _entry(self, path: Path, source: Source, row: Row, **rest: Any) -> None:
        if self.stream is None:
            return
        entry = {
            "file": str(path),
            "entity": source.entity,
            "system": source.system,
            "line": row.line,
            **rest,
        }
        self.stream.write(orjson.dumps(entry, default=str) + b"\n")

    def write(
        self, path: Path, source: Source, row: Row, reasons: list[str], *, raw: bool = True
    ) -> None:
        """A rejected row (`raw=False` leaves its values out: an erased record's personal data)."""
        values = (row.values if row.values is not None else row.text) if raw else None
        self._entry(path, source, row, kind="row", raw=values, reasons=reasons)

    def issue(
        self, path: Path, source: Source, row: Row, record_id: str, issue: FieldIssue
    ) -> None:
        """A value set to null in a loaded record."""
        self._entry(
            path,
            source,
            row,
            kind="field",
            id=record_id,
            field=issue.field,
            value=issue.value,
            reason=issue.reason,
        )

    def duplicate(
        self, path: Path, source: Source, row: Row, record_id: str, first_line: int
    ) -> None:
        """A row whose id an earlier row of the same file had, with other data."""
        self._entry(path, source, row, kind="duplicate", id=record_id, first_line=first_line)
