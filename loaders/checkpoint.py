"""A test hook for crash safety: `C360_KILL_AT=name[:n]` kills the process with SIGKILL the n-th time
(default: the first) it reaches the checkpoint `name`, as a power cut or the OOM killer would.

Checkpoints: `batch` (a batch of rows committed), `resolve` (party files written, identity resolution
about to start), `moved` (a resolution's links stored and its first records moved, parties not yet
rebuilt). Unset, the hook costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_reached: Counter[str] = Counter()


def checkpoint(name: str) -> None:
    wanted = os.environ.get("C360_KILL_AT")
    if not wanted:
        return
    target, _, nth = wanted.partition(":")
    if target != name:
        return
    _reached[name] += 1
    if _reached[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
