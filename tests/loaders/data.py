"""Where the real data sets live: `shared/data` beside the project (or beside a worktree's parent)."""

from __future__ import annotations

from pathlib import Path

from graph.config import PROJECT_ROOT


def _find() -> Path:
    for folder in PROJECT_ROOT.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    return PROJECT_ROOT.parent / "shared" / "data"


DATA = _find()
