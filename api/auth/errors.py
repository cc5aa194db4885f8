"""Why a request was not authenticated."""

from __future__ import annotations


class AuthError(Exception):
    """A missing, malformed or invalid credential: 401 with `message` for the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthUnavailable(Exception):
    """A credential that cannot be checked right now (Neo4j or the JWKS unreachable): 503."""
