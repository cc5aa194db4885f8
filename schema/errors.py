"""GraphQL error codes: every error a client sees carries `extensions.code`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Code(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # send the document with its hash
    NOT_FOUND = "NOT_FOUND"  # an id in `nodes` that names nothing this caller may see


class ClientError(Exception):
    """An error whose message is meant for the client, with its code."""

    def __init__(self, message: str, code: Code = Code.BAD_USER_INPUT) -> None:
        super().__init__(message)
        self.code = code

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code.value}


# The same message whatever the id: an entry outside a partner's network reads as an unknown one.
NOT_FOUND = "No object with this id."


def not_found() -> ClientError:
    """The error of a `nodes` entry whose id names nothing the caller may see."""
    return ClientError(NOT_FOUND, Code.NOT_FOUND)
