"""Instants read in bulk, sent by the statement as their UTC ISO text (what
`schema.scalars.format_datetime` writes): decoding a DateTime in the driver and formatting it in
Python costs about 50 us each."""

from __future__ import annotations

from typing import LiteralString

from graph.read.positions import Position

# The instant properties of the nodes read this way.
INSTANTS: dict[Position, tuple[LiteralString, ...]] = {
    Position.INTERACTION: ("at",),
    Position.SURVEY_RESPONSE: ("at",),
    Position.SOURCE_RECORD: ("sourceTs", "loadedAt"),
}


def utc_text(expr: LiteralString) -> LiteralString:
    """An instant as `2026-11-20T09:30:05.12Z` (UTC, seconds always, no trailing zeros), or null."""
    return (
        f"CASE WHEN {expr} IS NULL THEN null "
        f"ELSE toString(datetime({{datetime: {expr}, timezone: 'Z'}})) END"
    )
