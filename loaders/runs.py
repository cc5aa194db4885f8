"""A load run as data: what `--report FILE` writes (JSON) and what the load history keeps in the graph.

The same dict serves both, so the history and the report never disagree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson

from loaders.load import LoadReport, SourceReport
from loaders.mapping import Mapping

OK = "ok"
FAILED_FILES = "failed_files"  # a file could not be read: exit 1
MAPPING_ERROR = "mapping_error"  # a mapped column is missing from a header: exit 1
TOO_MANY_REJECTS = "too_many_rejects"  # the rejected share is over the limit: exit 2
ERROR = "error"  # the load stopped on an unexpected error (`error` says which)


def mapping_hash(path: Path) -> str:
    """The SHA-256 of the mapping file's bytes: which version of the mapping a run used."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source(s: SourceReport) -> dict[str, Any]:
    found = asdict(s)
    del found["seen"]
    found["loaded"] = s.loaded
    found["seconds"] = round(s.seconds, 3)
    return found


def run_record(
    mapping: Mapping,
    mapping_path: Path,
    report: LoadReport,
    *,
    started: dt.datetime,
    state: str,
    rejects_file: Path | None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """The run as flat properties (per-source details as JSON text under `sources`; nulls left out)."""
    finished = started + dt.timedelta(seconds=report.seconds)
    resolution = report.resolution
    run = {
        "id": uuid.uuid4().hex,
        "mapping": mapping.name,
        "mappingPath": str(mapping_path.resolve()),
        "mappingHash": mapping_hash(mapping_path),
        "files": [str(mapping.path(s)) for s in mapping.sources],
        "startedAt": _instant(started),
        "finishedAt": _instant(finished),
        "seconds": round(report.seconds, 3),
        "state": state,
        "dryRun": dry_run,
        "read": report.read,
        "created": sum(s.created for s in report.sources),
        "updated": sum(s.updated for s in report.sources),
        "unchanged": sum(s.unchanged for s in report.sources),
        "merged": sum(s.merged for s in report.sources),
        "rejected": report.rejected,
        "erased": report.erased,
        "fieldIssues": report.field_issues,
        "duplicates": sum(s.duplicates for s in report.sources),
        "ended": sum(s.ended for s in report.sources),
        "rejectsFile": str(rejects_file) if rejects_file else None,
        "identitySeconds": round(resolution.seconds, 3) if resolution else None,
        "parties": resolution.parties if resolution else None,
        "sources": orjson.dumps([_source(s) for s in report.sources]).decode(),
    }
    return {key: value for key, value in run.items() if value is not None}


def _instant(value: dt.datetime) -> str:
    """ISO 8601 in UTC with a `Z`, as Neo4j's `toString` gives it back."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def as_json(run: dict[str, Any]) -> bytes:
    """The report file: the run with its sources as a JSON list, not text."""
    return orjson.dumps(
        {**run, "sources": orjson.loads(run["sources"])}, option=orjson.OPT_INDENT_2
    )
