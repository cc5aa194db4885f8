"""Backups of the local server's database: `neo4j-admin database dump` and `load` from the
project's jars (Neo4j Community dumps only a stopped database).

`backup` stops the server when it runs, dumps the database to `<folder>/<database>.dump`, and
starts it again; `restore` stops it, loads the dump over the database (replacing it) and starts it
again. Both say what they did in the returned `Done`. A server elsewhere (`NEO4J_URI`: Docker,
Aura) is backed up with its own tools: see docs/operations.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from graph import local_server as server
from graph.config import Settings


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Done:
    path: Path  # the dump file
    bytes: int
    seconds: float  # the dump or load alone
    stopped: bool  # the server was running, was stopped and started again


def dump_path(folder: Path, database: str) -> Path:
    return folder / f"{database}.dump"


def _local(settings: Settings) -> None:
    if not settings.local:
        raise BackupError(
            f"NEO4J_URI is set ({settings.neo4j_uri}): back that server up with its own tools "
            "(docs/operations.md); `c360 db backup` handles the local server only"
        )


def _admin(settings: Settings, *args: str) -> float:
    began = time.monotonic()
    proc = server.admin(settings, *args)
    if proc.returncode != 0:
        raise BackupError(f"neo4j-admin {' '.join(args[:2])} failed:\n{proc.stdout}{proc.stderr}")
    return time.monotonic() - began


def backup(settings: Settings, folder: Path, *, restart: bool = True) -> Done:
    """Dump the database into `folder` (created; an older dump there is replaced)."""
    _local(settings)
    folder.mkdir(parents=True, exist_ok=True)
    was_running = server.running(settings)
    if was_running:
        server.stop(settings)
    try:
        seconds = _admin(
            settings, "database", "dump", settings.neo4j_database,
            f"--to-path={folder.resolve()}", "--overwrite-destination=true",
        )  # fmt: skip
    finally:
        if was_running and restart:
            server.start(settings)
    path = dump_path(folder, settings.neo4j_database)
    return Done(path, path.stat().st_size, seconds, was_running)


def restore(settings: Settings, folder: Path, *, restart: bool = True) -> Done:
    """Replace the database with the dump in `folder`; the server is started afterwards when it
    was running before (or when `restart` and it is a fresh instance: see the CLI)."""
    _local(settings)
    path = dump_path(folder, settings.neo4j_database)
    if not path.is_file():
        raise BackupError(f"no dump of {settings.neo4j_database!r} in {folder} ({path.name})")
    was_running = server.running(settings)
    if was_running:
        server.stop(settings)
    try:
        seconds = _admin(
            settings, "database", "load", settings.neo4j_database,
            f"--from-path={folder.resolve()}", "--overwrite-destination=true",
        )  # fmt: skip
    finally:
        if was_running and restart:
            server.start(settings)
    return Done(path, path.stat().st_size, seconds, was_running)
