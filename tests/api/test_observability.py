"""What an operator sees: the request log line, the slow-statement line, failures logged with the
request id, /metrics (guarded, present, moving) and a request's span tree."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator

import orjson
import pytest
from neo4j import Driver
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.middleware import sign
from graph.config import Settings
from graph.security.principal import Kind, Principal, Role
from graph.telemetry import logs, statements, tracing
from graph.telemetry.record import safe_subject
from tests.conftest import auth_headers, without_cost
from tests.factories import Graph, Party

WHO = "query Who($s: String) { customer(sourceId: $s) { key name } }"


@pytest.fixture(scope="module")
def person(driver: Driver, settings: Settings) -> Iterator[Party]:
    graph = Graph()
    found = graph.person("Ada", "Observed", email="ada.observed@example.com")
    graph.save(driver, settings.neo4j_database)
    yield found
    graph.delete(driver, settings.neo4j_database)


def lines(caplog: pytest.LogCaptureFixture, message: str) -> list[dict[str, object]]:
    """The JSON lines (as the configured formatter writes them) of the records with `message`."""
    formatter = logs.JsonFormatter()
    return [orjson.loads(formatter.format(r)) for r in caplog.records if r.getMessage() == message]


def test_one_request_line_with_its_fields(
    client: TestClient, person: Party, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="customer360")
    answer = client.post(
        "/graphql",
        json={"query": WHO, "variables": {"s": person.id}, "operationName": "Who"},
        headers={"x-request-id": "obs-line-1"},
    )
    assert without_cost(answer.json()) == {
        "data": {"customer": {"key": person.id, "name": "Ada Observed"}}
    }
    [line] = [x for x in lines(caplog, "request") if x["request_id"] == "obs-line-1"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", str(line["time"]))
    neo4j_ms, ms = line.pop("neo4j_ms"), line.pop("ms")
    assert isinstance(neo4j_ms, float) and isinstance(ms, float)
    assert 0 < neo4j_ms <= ms
    line.pop("time")
    assert line == {
        "level": "info",
        "logger": "customer360.request",
        "message": "request",
        "request_id": "obs-line-1",
        "method": "POST",
        "path": "/graphql",
        "operation_name": "Who",
        "operation_type": "query",
        "role": "admin",
        "subject": "tests",
        "status": 200,
        "error_codes": [],
        "statements": 1,  # the compiled path: one statement for the root field
    }
    assert "ada.observed" not in caplog.text and "Observed" not in caplog.text


def test_errors_are_in_the_line_and_ids_are_made(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="customer360")
    answer = client.post("/graphql", json={"query": "{ nope }"}, headers={"x-request-id": "a b"})
    made = answer.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)  # an ill-formed id is replaced, once for all layers
    assert answer.json()["errors"][0]["extensions"]["requestId"] == made
    [line] = [x for x in lines(caplog, "request") if x["request_id"] == made]
    assert (line["status"], line["error_codes"], line["statements"]) == (
        200,
        ["GRAPHQL_VALIDATION_FAILED"],
        0,
    )
    assert line["operation_type"] == "query" and line["operation_name"] is None


def test_a_refused_caller_is_logged_without_a_principal(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="customer360")
    with TestClient(create_app(settings)) as anonymous:
        answer = anonymous.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "obs-401"}
        )
    assert answer.status_code == 401
    [line] = [x for x in lines(caplog, "request") if x["request_id"] == "obs-401"]
    assert (line["status"], line["error_codes"], line["role"]) == (401, ["UNAUTHENTICATED"], None)


def test_read_failures_during_an_outage_are_logged_with_the_request_id(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="customer360")
    down = settings.model_copy(
        update={"neo4j_uri": "bolt://127.0.0.1:9", "api_migrate_on_start": False}
    )
    with TestClient(create_app(down), headers=auth_headers(down)) as client:
        answer = client.post(
            "/graphql",
            json={"query": 'query Down { customer(sourceId: "x") { key } }'},
            headers={"x-request-id": "obs-outage"},
        )
    assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    [line] = [x for x in lines(caplog, "request") if x["request_id"] == "obs-outage"]
    assert line["level"] == "warning"
    assert line["error_codes"] == ["SERVICE_UNAVAILABLE"]
    assert line["statements"] == 3  # the read was tried three times
    failures = [x for x in lines(caplog, "statement failed") if x["request_id"] == "obs-outage"]
    assert [x["error"] for x in failures] == ["GraphUnavailable"] * 3
    assert {str(x["statement"]).split("#")[0] for x in failures} == {"read:SourceRecord"}


def test_slow_statements_show_parameter_shapes_not_values(
    client: TestClient, person: Party, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="customer360")
    statements.set_slow_threshold(0.0)  # every statement is slow
    try:
        client.post(
            "/graphql",
            json={"query": WHO, "variables": {"s": person.id}},
            headers={"x-request-id": "obs-slow"},
        )
    finally:
        statements.set_slow_threshold(500.0)
    [slow] = [x for x in lines(caplog, "slow statement") if x["request_id"] == "obs-slow"]
    assert slow["level"] == "warning" and slow["outcome"] == "ok"
    assert str(slow["statement"]).startswith("read:")
    params = slow["params"]
    assert isinstance(params, dict) and set(params.values()) <= {"str", "int", "bool", "NoneType"}
    assert person.id in params.values() or "str" in params.values()
    assert person.id not in orjson.dumps(slow).decode()


def test_subjects_that_may_be_personal_data_are_digested() -> None:
    assert safe_subject("partners:b1") == "partners:b1"
    assert safe_subject("key_0a1b") == "key_0a1b"
    digest = safe_subject("ada@example.com")
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", digest) and digest == safe_subject(
        "ada@example.com"
    )


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value in a Prometheus exposition (0.0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for row in text.splitlines():
        if row.startswith("#"):
            continue
        metric, _, value = row.rpartition(" ")
        base, _, rest = metric.partition("{")
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if base == name and found == wanted:
            return float(value)
    return 0.0


def test_metrics_are_guarded_present_and_move(
    client: TestClient, settings: Settings, person: Party, broker_id: str
) -> None:
    partner = Principal("p-obs", Role.PARTNER, Kind.TOKEN, broker_id=broker_id)
    token, _ = sign(settings, partner, dt.timedelta(minutes=5))
    refused = client.get("/metrics", headers={"authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    before = client.get("/metrics")
    assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
    labels = {"operation": "query:Who", "status": "200", "code": "OK"}
    counted = sample(before.text, "c360_http_requests_total", **labels)
    for _ in range(3):
        client.post("/graphql", json={"query": WHO, "variables": {"s": person.id}})
    after = client.get("/metrics").text
    assert sample(after, "c360_http_requests_total", **labels) == counted + 3
    latency = {"operation": "query:Who", "code": "OK"}
    assert sample(after, "c360_http_request_duration_seconds_count", **latency) >= 3
    names = {
        row.split("{")[0].split(" ")[0] for row in after.splitlines() if not row.startswith("#")
    }
    assert {
        "c360_cypher_statements_total",
        "c360_cypher_statement_duration_seconds_bucket",
        "c360_neo4j_pool_connections_in_use",
        "c360_neo4j_pool_connections_idle",
    } <= names
    assert sample(after, "c360_neo4j_pool_connections_idle") >= 1  # the driver's pool is read
    assert sample(after, "c360_neo4j_pool_connections_in_use") >= 0


def test_the_span_tree_of_one_request(
    client: TestClient, person: Party, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="customer360")
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    try:
        client.post(
            "/graphql",
            json={"query": WHO, "variables": {"s": person.id}},
            headers={"x-request-id": "obs-trace"},
        )
    finally:
        tracing.use(None)
    spans = exporter.get_finished_spans()
    [root] = [s for s in spans if s.name == "POST /graphql"]
    assert root.parent is None and root.attributes is not None
    assert root.attributes["c360.request_id"] == "obs-trace"
    assert root.attributes["http.response.status_code"] == 200
    children = sorted(
        (s.name.split("#")[0], s.parent.span_id if s.parent else None)
        for s in spans
        if s is not root
    )
    assert children == [
        ("cypher read:SourceRecord", root.context.span_id),
        ("graphql.parse_validate", root.context.span_id),
    ]
    assert {s.context.trace_id for s in spans} == {root.context.trace_id}
    [line] = [x for x in lines(caplog, "request") if x["request_id"] == "obs-trace"]
    assert line["trace_id"] == format(root.context.trace_id, "032x")


def test_spans_go_to_the_provider_in_use_and_nowhere_without_one(
    client: TestClient, person: Party
) -> None:
    """A provider installed, then removed, then another: each request's spans reach the provider
    in use then, and a request without one starts no span at all (the log line has no trace id)."""
    first, second = InMemorySpanExporter(), InMemorySpanExporter()
    providers = []
    for exporter in (first, second):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        providers.append(provider)

    def ask(request_id: str) -> None:
        client.post(
            "/graphql",
            json={"query": WHO, "variables": {"s": person.id}},
            headers={"x-request-id": request_id},
        )

    def ids(exporter: InMemorySpanExporter) -> set[object]:
        return {
            (s.attributes or {}).get("c360.request_id")
            for s in exporter.get_finished_spans()
            if s.name == "POST /graphql"
        }

    try:
        tracing.use(providers[0])
        ask("obs-first")
        tracing.use(None)
        ask("obs-none")
        with tracing.span("outside") as outside:
            assert not outside.is_recording()
            assert outside.get_span_context().is_valid is False
        tracing.use(providers[1])
        ask("obs-second")
    finally:
        tracing.use(None)
    assert ids(first) == {"obs-first"}
    assert ids(second) == {"obs-second"}
