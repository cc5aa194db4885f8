"""The GraphQL schema: root types assembled from the feature modules."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from schema.activity import Interaction, SurveyResponse
from schema.commerce import Order, OrderLine, Product
from schema.deals import Deal
from schema.mutations.root import Mutation
from schema.parties import Broker, Employee, Household, Organization, Person
from schema.provenance import SourceRecord
from schema.query import Query
from schema.scalars import SCALARS


class Schema(strawberry.Schema):
    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        """Errors are logged by the HTTP layer, with the request id (`api/graphql.py`)."""


schema = Schema(
    query=Query,
    mutation=Mutation,
    types=[
        Person,
        Household,
        Organization,
        Broker,
        Employee,
        Product,
        Order,
        OrderLine,
        Interaction,
        SurveyResponse,
        SourceRecord,
        Deal,
    ],
    config=StrawberryConfig(scalar_map=SCALARS),
    extensions=[lambda: ParserCache(maxsize=1024), lambda: ValidationCache(maxsize=1024)],
)
