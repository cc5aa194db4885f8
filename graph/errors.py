"""The graph layer's errors: what callers outside `graph/` catch instead of the driver's exceptions.

Only `graph/` opens sessions and handles `neo4j` exceptions; it turns them into these. Every
message is safe to show to a client (no Cypher, no server detail).
"""

from __future__ import annotations

# Neo4j codes of a transaction the server terminated: past its timeout while waiting for a lock, by
# an operator (TERMINATE TRANSACTION), or because the database is shutting down (every transaction
# in flight). The driver reports the server's TransientError codes as these ClientErrors. The
# transaction was rolled back: retrying is safe.
TERMINATED_CODES = (
    "Neo.ClientError.Transaction.LockClientStopped",
    "Neo.ClientError.Transaction.Terminated",
    "Neo.TransientError.Transaction.LockClientStopped",
    "Neo.TransientError.Transaction.Terminated",
)


class GraphError(Exception):
    """A graph operation that could not be done; the message is safe to show."""


class GraphUnavailable(GraphError):
    """The database cannot be reached (stopped, restarting, network down): try again later."""


class GraphTimeout(GraphError):
    """The statement or transaction ran past its time budget."""


class InputRefused(GraphError, ValueError):
    """The graph refuses an argument or a change (out of range, malformed cursor, a merge of two
    kinds of party...): the caller's input is at fault. A `ValueError` for callers that predate it."""


class WriteConflict(GraphError):
    """A write lost a race on a uniqueness constraint twice in a row."""
