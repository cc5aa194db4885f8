"""Fixtures the API tests share with the schema tests."""

from tests.schema.conftest import counting

__all__ = ["counting"]
