"""End to end on the demo sample (`c360 sample`, loaded through mappings/demo.yaml): the API
answers what the source files say, and both execution paths agree on real-looking data."""

from __future__ import annotations

import datetime as dt
import gzip
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from starlette.testclient import TestClient

from graph.read.positions import Family
from schema.ids import global_id
from tests.conftest import DemoData
from tests.schema.conftest import data, graphql_app
from tests.schema.test_statements import CUSTOMERS_360


def jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rb") as f:
        for line in f:
            yield orjson.loads(line)


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


PRODUCTS = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { key name category price currency } } }"""

ORDERS = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Order {
  key date amount currency quantity status
  lines(first: 30) { totalCount edges { node { lineNo quantity amount currency product { key } } } }
  customer { identities(first: 20) { edges { node { key } } } } } } }"""


def test_shop_products_orders_and_lines(client: TestClient, demo_loaded: DemoData) -> None:
    folder = demo_loaded.folder
    products = {p["sku"]: p for p in jsonl(folder / "shop" / "products.jsonl.gz")}
    keys = sorted(products)
    found = []
    for batch in chunks(keys, 100):
        ids = [global_id(Family.PRODUCT, f"shop:{sku}") for sku in batch]
        found += data(client, PRODUCTS, {"ids": ids})["nodes"]
    assert found == [
        {
            "key": f"shop:{sku}",
            "name": products[sku]["title"],
            "category": products[sku]["category"],
            "price": products[sku]["price"],
            "currency": "USD",
        }
        for sku in keys
    ]

    orders = {o["order_id"]: o for o in jsonl(folder / "shop" / "orders.jsonl.gz")}
    lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in jsonl(folder / "shop" / "order_lines.jsonl.gz"):
        lines[line["order_id"]].append(line)
    keys = sorted(orders)
    assert len(keys) > 100
    answers = []
    for batch in chunks(keys, 50):
        ids = [global_id(Family.ORDER, f"shop:{o}") for o in batch]
        answers += data(client, ORDERS, {"ids": ids})["nodes"]
    for key, answer in zip(keys, answers, strict=True):
        order = orders[key]
        placed = dt.datetime.strptime(order["placed_at"], "%Y-%m-%dT%H:%M:%S%z").date()
        its = sorted(lines[key], key=lambda line: line["line_no"])
        identities = {e["node"]["key"] for e in answer.pop("customer")["identities"]["edges"]}
        assert f"shop:{order['customer_id']}" in identities  # the order's customer, resolved
        assert answer == {
            "key": f"shop:{key}",
            "date": placed.isoformat(),
            "amount": order["total"],
            "currency": order["currency"],
            "quantity": order["items"],
            "status": order["status"],
            "lines": {
                "totalCount": len(its),
                "edges": [
                    {
                        "node": {
                            "lineNo": line["line_no"],
                            "quantity": line["qty"],
                            "amount": line["line_total"],
                            "currency": line["currency"],
                            "product": {"key": f"shop:{line['sku']}"},
                        }
                    }
                    for line in its
                ],
            },
        }


def test_both_paths_agree_on_the_demo(client: TestClient, demo_loaded: DemoData) -> None:
    query = CUSTOMERS_360.replace("filter: {segment: [$seg]}, ", "after: $after, ")
    query = query.replace("$seg: String!", "$after: String")
    app = graphql_app(client)
    after = None
    for _ in range(10):  # 500 customers
        bodies = []
        for compiled in (True, False):
            app.compiled = compiled
            try:
                response = client.post(
                    "/graphql",
                    json={"query": query, "variables": {"after": after, "n": 50}},
                    headers={"x-request-id": "demo"},
                )
            finally:
                app.compiled = True
            bodies.append(response.content)
        assert bodies[0] == bodies[1]
        page = orjson.loads(bodies[0])["data"]["customers"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
