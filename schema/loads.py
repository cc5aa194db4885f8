"""`loads`: the load history (`c360 load` runs, newest first), for admins (`schema/access.py`)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import strawberry
from strawberry.types import Info

from graph.ingest.history import recent_runs
from schema.context import Context
from schema.errors import ClientError

MAX_LOADS = 100

READ = "Rows read: created + updated + unchanged + rejected."
CREATED = "Rows that created a record."
UPDATED = "Rows that changed a stored record."
UNCHANGED = "Rows identical to the stored record (hash unchanged), not rewritten."
MERGED = "Party records resolved into a party holding other records too."
REJECTED = "Rows refused whole (listed in the rejects file)."


@strawberry.type(description="One source file of a load and what became of its rows.")
class LoadSource:
    file: str = strawberry.field(description="The file read.")
    entity: str = strawberry.field(
        description="The kind of record it holds (`person`, `order`...)."
    )
    system: str = strawberry.field(description="The source system its records come from.")
    read: int = strawberry.field(description=READ)
    created: int = strawberry.field(description=CREATED)
    updated: int = strawberry.field(description=UPDATED)
    unchanged: int = strawberry.field(description=UNCHANGED)
    merged: int = strawberry.field(description=MERGED)
    rejected: int = strawberry.field(description=REJECTED)
    field_issues: int = strawberry.field(description="Values set to null in loaded records.")
    duplicates: int = strawberry.field(description="Rows repeating an earlier id with other data.")
    ended: int = strawberry.field(description="Snapshots: stored records the file no longer holds.")
    seconds: float = strawberry.field(description="Time spent on this file, in seconds.")
    error: str | None = strawberry.field(description="Why the whole file could not be read.")


@strawberry.type(description="One run of `c360 load`: its mapping, counts, timings and exit state.")
class LoadRun:
    id: str = strawberry.field(description="The run's id.")
    mapping: str = strawberry.field(description="The mapping's name.")
    mapping_hash: str = strawberry.field(description="SHA-256 of the mapping file.")
    files: list[str] = strawberry.field(description="The files the run read.")
    started_at: str = strawberry.field(description="ISO 8601, UTC.")
    finished_at: str = strawberry.field(description="ISO 8601, UTC.")
    seconds: float = strawberry.field(description="The run's duration, in seconds.")
    state: str = strawberry.field(
        description="ok, failed_files (a file could not be read), too_many_rejects or "
        "mapping_error (a mapped column missing from a header: nothing was loaded), or error "
        "(the load stopped on an unexpected error)."
    )
    read: int = strawberry.field(description=READ)
    created: int = strawberry.field(description=CREATED)
    updated: int = strawberry.field(description=UPDATED)
    unchanged: int = strawberry.field(description=UNCHANGED)
    merged: int = strawberry.field(description=MERGED)
    rejected: int = strawberry.field(description=REJECTED)
    field_issues: int = strawberry.field(description="Values set to null in loaded records.")
    duplicates: int = strawberry.field(description="Rows repeating an earlier id with other data.")
    ended: int = strawberry.field(description="Snapshots: stored records the files no longer hold.")
    rejects_file: str | None = strawberry.field(
        description="The JSON Lines file of rejected rows, field issues and duplicates."
    )
    sources: list[LoadSource] = strawberry.field(description="Each source file's counts.")


def _source(s: dict[str, Any]) -> LoadSource:
    return LoadSource(
        file=s["file"], entity=s["entity"], system=s["system"], read=s["read"],
        created=s["created"], updated=s["updated"], unchanged=s["unchanged"], merged=s["merged"],
        rejected=s["rejected"], field_issues=s["field_issues"], duplicates=s["duplicates"],
        ended=s.get("ended", 0), seconds=s["seconds"], error=s.get("error"),
    )  # fmt: skip


def load_run(run: dict[str, Any]) -> LoadRun:
    return LoadRun(
        id=run["id"], mapping=run["mapping"], mapping_hash=run["mappingHash"],
        files=list(run["files"]), started_at=run["startedAt"], finished_at=run["finishedAt"],
        seconds=run["seconds"], state=run["state"], read=run["read"], created=run["created"],
        updated=run["updated"], unchanged=run["unchanged"], merged=run["merged"],
        rejected=run["rejected"], field_issues=run["fieldIssues"], duplicates=run["duplicates"],
        ended=run.get("ended", 0), rejects_file=run.get("rejectsFile"),
        sources=[_source(s) for s in orjson.loads(run["sources"])],
    )  # fmt: skip


async def resolve_loads(
    info: Info[Context, None],
    first: Annotated[int, strawberry.argument(description="How many runs (1 to 100).")] = 20,
    mapping: Annotated[
        str | None, strawberry.argument(description="Only the runs of this mapping (by name).")
    ] = None,
) -> list[LoadRun]:
    if not 1 <= first <= MAX_LOADS:
        raise ClientError(f"`first` must be between 1 and {MAX_LOADS}")
    ctx = info.context
    return [load_run(r) for r in await recent_runs(ctx.driver, ctx.database, first, mapping)]
