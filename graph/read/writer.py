"""Accumulates the parameters and fresh variable names of one statement being rendered."""

from __future__ import annotations

from typing import Any, LiteralString


class Writer:
    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self._vars = 0
        self._shared: dict[object, LiteralString] = {}

    def param(self, value: Any) -> LiteralString:
        """Bind a value; returns its `$name` to place in the statement."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        return "$" + name  # the name is ours: p<number>

    def named(self, name: LiteralString, value: Any) -> LiteralString:
        """Bind a value under a fixed name (a lookup's key), so the text does not depend on it."""
        self.params[name] = value
        return "$" + name

    def shared(self, key: object, value: Any) -> LiteralString:
        """Bind a value once per statement under `key` (a scope's id, an enum table...)."""
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = self.param(value)
        return found

    def var(self, prefix: LiteralString) -> LiteralString:
        self._vars += 1
        return prefix + str(self._vars)  # a prefix of ours and a counter
