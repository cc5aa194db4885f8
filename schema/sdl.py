"""The schema's SDL as committed in `schema.graphql` (`c360 schema print`)."""

from __future__ import annotations

from schema.schema import schema


def sdl() -> str:
    return schema.as_str() + "\n"
