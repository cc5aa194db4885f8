"""Provenance: the source records a party was built from."""

from __future__ import annotations

from typing import ClassVar

import strawberry

from graph.read.positions import Family
from schema import resolvers
from schema.meta import KEY_FIELD
from schema.relay import Node
from schema.scalars import DateTime


@strawberry.type(description="One record of one source system, as loaded.")
class SourceRecord(Node):
    FAMILY: ClassVar[Family] = Family.SOURCE_RECORD
    _key: strawberry.Private[str]
    key: str = strawberry.field(metadata=KEY_FIELD, description="`system:recordId`.")
    system: str | None = strawberry.field(description="The source system.")
    record_id: str | None = strawberry.field(description="Its id in that system.")
    entity: str | None = strawberry.field(description="What the record described (`person`...).")
    source_ts: DateTime | None = strawberry.field(description="The source's own timestamp.")
    loaded_at: DateTime | None = strawberry.field(description="When a load last wrote it.")
    data: str | None = strawberry.field(description="The validated record, as JSON text.")
    ended_at: DateTime | None = strawberry.field(
        description="When the record vanished from a full snapshot of its source (null: live)."
    )


resolvers.register(SourceRecord)
