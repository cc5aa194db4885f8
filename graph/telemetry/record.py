"""The record of one request: what its log line, metrics and span report.

The HTTP middleware opens one per request (`begin`); the GraphQL layer names the operation
(`note_operation`); every statement timed by `graph.telemetry.statements` adds its count and time.
A context variable carries it, so asyncio tasks started by the request (gathered root fields) add
to the same record.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
from dataclasses import dataclass, field

_CURRENT: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar(
    "c360_request", default=None
)
_PLAIN_SUBJECT = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass(slots=True)
class RequestRecord:
    request_id: str
    operation_name: str | None = None
    operation_type: str | None = None
    role: str | None = None
    subject: str | None = None
    statements: int = 0
    neo4j_ms: float = 0.0
    codes: list[str] = field(default_factory=list)


def begin(request_id: str) -> tuple[RequestRecord, contextvars.Token[RequestRecord | None]]:
    record = RequestRecord(request_id)
    return record, _CURRENT.set(record)


def end(token: contextvars.Token[RequestRecord | None]) -> None:
    _CURRENT.reset(token)


def current() -> RequestRecord | None:
    return _CURRENT.get()


def note_operation(kind: str, name: str | None) -> None:
    """The GraphQL operation a request runs (`query`, `mutation`; its name or None)."""
    found = _CURRENT.get()
    if found is not None:
        found.operation_type, found.operation_name = kind, name


def safe_subject(subject: str) -> str:
    """A principal's subject fit for logs: API key ids, broker ids and opaque token subjects as
    they are; anything else (an e-mail address an identity provider put in `sub`, free text) as
    a short SHA-256 digest, so no personal data reaches the logs."""
    if _PLAIN_SUBJECT.fullmatch(subject) and "@" not in subject:
        return subject
    return "sha256:" + hashlib.sha256(subject.encode()).hexdigest()[:16]
