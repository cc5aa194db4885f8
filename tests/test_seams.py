"""Only `graph/` opens Neo4j sessions, runs transactions or handles the driver's exceptions; every
other package gets the domain's errors (`graph/errors.py`). A scan of the source, so a new module
that reaches past the seam fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = ("api", "schema", "cli", "loaders")
PAST_THE_SEAM = re.compile(
    r"neo4j\.exceptions|\.session\(|execute_write|execute_read|execute_query|begin_transaction"
    r"|unit_of_work"
)


def test_only_graph_opens_sessions_or_handles_neo4j_exceptions() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for package in OUTSIDE
        for path in sorted((ROOT / package).rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if PAST_THE_SEAM.search(line)
    ]
    assert found == []
    # and the scan sees what it looks for
    assert PAST_THE_SEAM.search((ROOT / "graph" / "writes.py").read_text())
