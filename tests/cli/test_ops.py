"""The load and metrics jobs' log lines and metrics (cli/ops.py over graph/telemetry/jobs.py), and
a loader batch's span."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import uuid
from pathlib import Path

import orjson
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from cli.ops import load_finished, load_progress, metrics_finished
from graph.config import Settings
from graph.driver import open_driver
from graph.ingest.upsert import write_batch
from graph.telemetry import logs, tracing
from graph.telemetry.metrics import LOADER_BATCHES, LOADER_ROWS, RUN_LAST
from loaders.load import LoadReport, SourceReport


def json_lines(caplog: pytest.LogCaptureFixture, message: str) -> list[dict[str, object]]:
    formatter = logs.JsonFormatter()
    return [orjson.loads(formatter.format(r)) for r in caplog.records if r.getMessage() == message]


def test_a_load_logs_progress_and_summary_and_counts_rows(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="customer360")
    entity = f"thing_{uuid.uuid4().hex[:6]}"  # its own label values: the counters start at 0
    report = LoadReport(
        sources=[
            SourceReport("a.csv", entity, "crm", read=10, created=6, updated=2, rejected=2),
            SourceReport("b.csv", entity, "erp", read=5, unchanged=5),
        ],
        seconds=1.25,
    )
    load_progress("a.csv", 5000)
    textfiles = settings.model_copy(update={"metrics_textfile_dir": tmp_path / "prom"})
    load_finished(textfiles, report)
    [progress] = json_lines(caplog, "load progress")
    assert (progress["job"], progress["file"], progress["rows"]) == ("load", "a.csv", 5000)
    [summary] = json_lines(caplog, "load finished")
    assert {k: summary[k] for k in ("job", "seconds", "rows", "rejected", "failed_files")} == {
        "job": "load",
        "seconds": 1.25,
        "rows": 15,
        "rejected": 2,
        "failed_files": 0,
    }
    counted = {
        o: LOADER_ROWS.labels(entity, o)._value.get() for o in ("read", "written", "rejected")
    }
    assert counted == {"read": 15, "written": 13, "rejected": 2}
    assert RUN_LAST.labels("load")._value.get() > 1.7e9
    text = (tmp_path / "prom" / "c360_load.prom").read_text()
    assert f'c360_loader_rows_total{{entity="{entity}",outcome="written"}} 13.0' in text


def test_a_metrics_run_logs_its_summary(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="customer360")
    metrics_finished(settings, 2.5, "42 customers scored")
    [line] = json_lines(caplog, "metrics finished")
    assert (line["job"], line["seconds"], line["summary"]) == (
        "metrics",
        2.5,
        "42 customers scored",
    )


def test_a_loader_batch_is_a_span_with_its_statement(settings: Settings) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    ids = [f"opsbatch:{uuid.uuid4().hex}" for _ in range(3)]
    rows = [
        {"id": i, "props": {"name": "probe"}, "hash": "h", "ts": None, "system": "opsbatch"}
        for i in ids
    ]

    async def go() -> None:
        driver = open_driver(settings)
        try:
            written = await write_batch(driver, settings.neo4j_database, "product", rows)
            assert written.created == 3
            await driver.execute_query(
                "MATCH (n:Product) WHERE n.id IN $ids DETACH DELETE n",
                ids=ids,
                database_=settings.neo4j_database,
            )
        finally:
            await driver.close()

    try:
        asyncio.run(go())
    finally:
        tracing.use(None)
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert set(spans) == {"loader.batch", "cypher write:product"}
    batch, cypher = spans["loader.batch"], spans["cypher write:product"]
    assert batch.attributes is not None and batch.attributes["rows"] == 3
    assert cypher.parent is not None and cypher.parent.span_id == batch.context.span_id
    assert LOADER_BATCHES.labels("write:product")._value.get() >= 1


def test_logs_go_to_the_current_stderr(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command configures logging, and tests run many commands (and the API) in one
    process, each with its own stderr: a record goes to the stderr of the moment it is written,
    never to an earlier command's, closed by then."""
    first, second, third = io.StringIO(), io.StringIO(), io.StringIO()
    log = logging.getLogger(logs.ROOT)
    try:
        monkeypatch.setattr(sys, "stderr", first)
        logs.configure(settings)
        first.close()
        monkeypatch.setattr(sys, "stderr", second)
        logs.configure(settings)
        log.warning("second command")
        monkeypatch.setattr(sys, "stderr", third)
        log.warning("after it")
        assert [s.getvalue().count("Logging error") for s in (second, third)] == [0, 0]
        assert second.getvalue().count("second command") == 1
        assert third.getvalue().count("after it") == 1 and "second command" not in third.getvalue()
    finally:
        monkeypatch.undo()
        logs.configure(settings)
