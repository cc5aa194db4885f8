"""`c360 load` as an operator runs it: dry run, load history and `--report`, per-run rejects files,
mapping errors before any row, whole report tables and log-friendly progress when piped."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from cli.progress import BarProgress, LogProgress, progress_for
from loaders.mapping import Source, read_mapping
from tests.conftest import without_cost
from tests.loaders.conftest import Loader

FIELDS: dict[str, Any] = {
    "id": "id",
    "customer": "customer",
    "date": {"column": "date", "date": True},
    "amount": {"column": "amount", "number": {}},
}
ORDERS = "id,customer,date,amount\no1,c1,2024-01-02,10\no2,c1,2024-01-03,20\no3,c2,2024-01-04,30\n"


@pytest.fixture
def named(loader: Loader) -> Any:
    """The loader, with its runs' history deleted afterwards (the mapping is named after its system)."""
    yield loader
    loader.driver.execute_query(
        "MATCH (r:LoadRun {mapping: $name}) DELETE r",
        name=loader.system,
        database_=loader.settings.neo4j_database,
    )


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def mapping_file(loader: Loader, **extra: Any) -> Path:
    loader.mapping(
        [{"file": "orders.csv", "entity": "order", "fields": FIELDS, **extra}], name=loader.system
    )
    return loader.folder / "mapping.yaml"


def test_dry_run_says_what_a_load_would_do_and_writes_nothing(
    named: Loader, tmp_path: Path
) -> None:
    loader = named
    loader.write("orders.csv", ORDERS)
    path = mapping_file(loader)
    assert cli("load", str(path), "--rejects", str(tmp_path / "first.jsonl")).exit_code == 0
    before = loader.snapshot()
    loader.write(
        "orders.csv",
        "id,customer,date,amount\n"
        "o1,c1,2024-01-02,10\n"  # unchanged
        "o2,c1,2024-01-03,25\n"  # updated
        "o4,c3,2024-01-05,40\n"  # created
        "o5,c3,2024-01-05,-1\n",  # rejected
    )
    report = tmp_path / "dry.json"
    result = cli("load", str(path), "--dry-run", "--report", str(report))
    assert result.exit_code == 2, result.output  # 1 of 4 rejected: over the 5 % limit
    found = orjson.loads(report.read_bytes())
    assert found["dryRun"] is True
    assert {k: found[k] for k in ("read", "created", "updated", "unchanged", "rejected")} == {
        "read": 4,
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "rejected": 1,
    }
    assert "dry run: what a load would do (nothing written)" in result.output
    assert loader.snapshot() == before  # nothing written
    runs = loader.query("MATCH (r:LoadRun {mapping: $m}) RETURN r.dryRun AS dry", m=loader.system)
    assert runs == [{"dry": False}]  # only the real load is in the history


def test_each_load_is_recorded_and_reported(named: Loader, tmp_path: Path) -> None:
    loader = named
    loader.write("orders.csv", ORDERS)
    path = mapping_file(loader)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert cli("load", str(path), "--report", str(first)).exit_code == 0
    assert cli("load", str(path), "--report", str(second)).exit_code == 0
    reports = [orjson.loads(p.read_bytes()) for p in (first, second)]
    assert [(r["created"], r["unchanged"], r["state"]) for r in reports] == [
        (3, 0, "ok"),
        (0, 3, "ok"),
    ]
    # Each run wrote its own rejects file (default folder, timestamped): none overwritten.
    rejects = [Path(r["rejectsFile"]) for r in reports]
    assert rejects[0] != rejects[1] and all(p.exists() for p in rejects)
    for p in rejects:
        p.unlink()
    listed = cli("load", "history", "--json", "--mapping", loader.system)
    assert listed.exit_code == 0, listed.output
    history = [orjson.loads(line) for line in listed.output.splitlines()]
    assert [h["id"] for h in history] == [reports[1]["id"], reports[0]["id"]]  # newest first
    assert history[0] == reports[1]
    assert history[1]["mappingHash"] == reports[0]["mappingHash"] != ""
    assert history[1]["sources"][0]["created"] == 3
    table = cli("load", "history", "--mapping", loader.system)
    rows = [line for line in table.output.splitlines() if line.startswith("│")]
    assert table.exit_code == 0 and len(rows) == 2
    assert all(f"│ {loader.system} " in row and "│ ok " in row for row in rows)


def test_a_missing_column_stops_the_load_before_any_row(named: Loader, tmp_path: Path) -> None:
    loader = named
    loader.write("orders.csv", ORDERS)
    fields = {**FIELDS, "status": "[a-z]+"}  # rich markup would eat "[a-z]"
    loader.mapping(
        [{"file": "orders.csv", "entity": "order", "fields": fields}], name=loader.system
    )
    result = cli("load", str(loader.folder / "mapping.yaml"), "--rejects", str(tmp_path / "r"))
    assert result.exit_code == 1
    assert "column(s) ['[a-z]+'] not in the header of" in result.output.replace("\n", "")
    assert str(loader.folder / "orders.csv") in result.output.replace("\n", "")
    assert loader.snapshot() == {}
    assert not (tmp_path / "r").exists()
    history = cli("load", "history", "--json", "--mapping", loader.system)
    runs = [orjson.loads(line) for line in history.output.splitlines()]
    assert [(r["state"], r["read"], r["created"]) for r in runs] == [("mapping_error", 0, 0)]


def test_a_rejects_file_is_never_overwritten(named: Loader, tmp_path: Path) -> None:
    loader = named
    loader.write("orders.csv", ORDERS)
    rejects = tmp_path / "rejects.jsonl"
    rejects.write_text("keep me\n")
    result = cli("load", str(mapping_file(loader)), "--rejects", str(rejects))
    assert result.exit_code == 1
    assert "never overwritten" in result.output
    assert rejects.read_text() == "keep me\n"
    assert loader.snapshot() == {}


def test_the_piped_report_table_is_whole(named: Loader, tmp_path: Path) -> None:
    loader = named
    name = "a_rather_long_file_name_for_orders_2024.csv"
    loader.write(name, ORDERS)
    loader.mapping([{"file": name, "entity": "order", "fields": FIELDS}], name=loader.system)
    result = cli("load", str(loader.folder / "mapping.yaml"), "--rejects", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    # The report alone (stdout): log lines (a slow statement on a busy machine) go to stderr.
    header = next(line for line in result.stdout.splitlines() if "entity" in line)
    for column in ("file", "entity", "created", "updated", "unchanged", "field issues", "rows/s"):
        assert f" {column} " in header
    assert "…" not in result.stdout
    assert name in result.stdout


def test_progress_in_a_log_is_a_line_every_few_seconds() -> None:
    out = io.StringIO()
    progress = LogProgress(Console(file=out, width=200), every=0.0)
    source = Source.model_validate(
        {"file": "big.csv", "entity": "order", "system": "s", "fields": {"id": "id"}}
    )
    progress(source, 0)
    progress(source, 1000)
    progress(source, 2000)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(" loading big.csv: 0 rows, 0 rows/s")
    assert all(" loading big.csv: " in line and line.endswith(" rows/s") for line in lines)
    assert "2,000 rows" in lines[2]
    quiet = LogProgress(Console(file=io.StringIO()), every=3600.0)
    quiet(source, 0)
    quiet(source, 2)
    assert quiet.console.file.getvalue().count("\n") == 1  # type: ignore[attr-defined]


def test_admins_read_the_history_through_graphql(
    named: Loader, tmp_path: Path, client: TestClient
) -> None:
    loader = named
    loader.write("orders.csv", ORDERS + "o9,c1,2024-13-01,5\n")
    report = tmp_path / "report.json"
    result = cli(
        "load", str(mapping_file(loader)), "--report", str(report), "--max-reject-share", "0.5"
    )
    assert result.exit_code == 0, result.output
    expected = orjson.loads(report.read_bytes())
    Path(expected["rejectsFile"]).unlink()
    body = client.post(
        "/graphql",
        json={
            "query": "query($m: String) { loads(mapping: $m) { id mapping mappingHash state read "
            "created rejected fieldIssues startedAt sources { file read created rejected } } }",
            "variables": {"m": loader.system},
        },
    ).json()
    assert without_cost(body) == {
        "data": {
            "loads": [
                {
                    "id": expected["id"],
                    "mapping": loader.system,
                    "mappingHash": expected["mappingHash"],
                    "state": "ok",
                    "read": 4,
                    "created": 3,
                    "rejected": 1,
                    "fieldIssues": 0,
                    "startedAt": expected["startedAt"],
                    "sources": [{"file": "orders.csv", "read": 4, "created": 3, "rejected": 1}],
                }
            ]
        }
    }
    refused = client.post("/graphql", json={"query": "{ loads(first: 0) { id } }"}).json()
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_metrics_summary_is_readable_and_says_why_clv_is_null(named: Loader) -> None:
    loader = named
    loader.write("people.csv", "id,name\nc1,Ann\nc2,Bo\nc3,Cy\n")
    loader.write("orders.csv", ORDERS)
    loader.mapping(
        [
            {"file": "people.csv", "entity": "person", "fields": {"id": "id", "name": "name"}},
            {"file": "orders.csv", "entity": "order", "fields": FIELDS},
        ],
        name=loader.system,
    )
    path = loader.folder / "mapping.yaml"
    assert cli("load", str(path), "--rejects", str(loader.folder / "r.jsonl")).exit_code == 0
    result = cli("metrics", "compute", "--system", loader.system, "--as-of", "2024-06-30")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()  # (the log lines go to stderr)
    assert lines[0] == "3 customers scored, 2 with orders"
    assert lines[1] == "CLV left null: only 2 customers ordered by 2024-06-30: BG/NBD needs 10"
    assert lines[2].startswith("time: read ")
    assert "Summary(" not in result.stdout


def test_progress_on_a_terminal_is_a_bar_with_rate_and_eta(tmp_path: Path) -> None:
    (tmp_path / "big.csv").write_text("id\n" + "".join(f"o{i}\n" for i in range(4000)))
    (tmp_path / "m.yaml").write_text(
        "name: m\nsources:\n  - {file: big.csv, entity: order, system: s, fields: {id: id}}\n"
    )
    mapping = read_mapping(tmp_path / "m.yaml")
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with progress_for(console, mapping) as progress:
        assert isinstance(progress, BarProgress)
        progress(mapping.sources[0], 0)
        progress(mapping.sources[0], 2000)
        task = progress.progress.tasks[0]
        assert (task.total, task.completed) == (4000, 2000)  # the header is not a row
    assert "big.csv" in out.getvalue() and "2000/4000" in out.getvalue()


def test_a_load_the_graph_fails_stops_with_one_line(named: Loader, tmp_path: Path) -> None:
    """A graph failure mid-load (here: nothing answers) is one plain line and exit 3, not a
    traceback; the traceback goes to the structured log. Run as an operator runs it: a process."""
    named.write("orders.csv", ORDERS)
    path = mapping_file(named)
    env = {**os.environ, "NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_CONNECTION_TIMEOUT_S": "1"}
    c360 = Path(sys.executable).parent / "c360"  # the discard port above: nothing listens
    done = subprocess.run(
        [str(c360), "load", str(path), "--rejects", str(tmp_path / "rejects.jsonl")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "the load stopped: ServiceUnavailable" in done.stdout
    assert "run the same load again" in " ".join(done.stdout.split())
    assert "Traceback" not in done.stdout
    logged = [orjson.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(e["message"] == "load failed" and "Traceback" in str(e) for e in logged)


def test_batch_commands_run_with_rarer_collections(
    named: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`c360 load`, `c360 identity resolve` and `c360 metrics compute` raise the collector's
    youngest threshold while they work and restore it after: with the default, collections cost
    the 1M metrics read 9.3 s of its 14.0 s of Python (`cli/collector.py`)."""
    import gc

    from cli import loading
    from graph.metrics import compute
    from loaders import resolve

    seen: dict[str, tuple[int, int, int]] = {}
    real_load, real_resolve, real_compute = loading.run_load, resolve.resolve, compute.compute

    def watched_load(*args: Any, **kwargs: Any) -> int:
        seen["load"] = gc.get_threshold()
        return real_load(*args, **kwargs)

    async def watched_resolve(*args: Any, **kwargs: Any) -> Any:
        seen["resolve"] = gc.get_threshold()
        return await real_resolve(*args, **kwargs)

    async def watched_compute(*args: Any, **kwargs: Any) -> Any:
        seen["metrics"] = gc.get_threshold()
        return await real_compute(*args, **kwargs)

    monkeypatch.setattr(loading, "run_load", watched_load)
    monkeypatch.setattr(resolve, "resolve", watched_resolve)
    monkeypatch.setattr(compute, "compute", watched_compute)
    before = gc.get_threshold()
    named.write("orders.csv", ORDERS)
    path = mapping_file(named)
    assert cli("load", str(path), "--rejects", str(tmp_path / "r.jsonl")).exit_code == 0
    assert cli("identity", "resolve").exit_code == 0
    metrics = cli("metrics", "compute", "--system", named.system, "--as-of", "2024-06-30")
    assert metrics.exit_code == 0, metrics.output
    assert seen["load"] == (100_000, *before[1:])
    assert seen["resolve"] == seen["load"] and seen["metrics"] == seen["load"]
    assert gc.get_threshold() == before


PEOPLE_FIELDS: dict[str, Any] = {
    "id": "id", "given_name": "first", "surname": "last", "email": "email",
    "postcode": "postcode", "locality": "town",
}  # fmt: skip


def test_batch_statements_are_not_printed_for_the_drivers_debug_log(
    named: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The async driver formats every RUN message's parameters for its debug log before the log
    asks whether debug is on (`neo4j/_async/io/_bolt/_bolt5.py`). Printed, a batch of rows costs
    more than sending it: 5.9 s of a 1M metrics rerun, 8.2 s of a 100k load (py-spy). So a load, a
    resolution and a metrics run must hand it nothing longer to print than a statement."""
    from neo4j._async.io._bolt import _bolt5

    printed: list[str] = []

    class Spy:
        def __init__(self, real: Any) -> None:
            self.real = real

        def debug(self, message: str, *args: Any) -> None:
            if "C: RUN" in message:
                printed.append(args[-1])

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

    monkeypatch.setattr(_bolt5, "log", Spy(_bolt5.log))
    s = named.system
    people = "".join(
        f"p{i},given{i % 97},surname{i % 89},p{i}@{s}.invalid,{1000 + i % 50},town{i % 7}\n"
        for i in range(1500)
    )
    orders = "".join(
        f"o{i},p{i % 1500},2024-0{1 + i % 6}-1{i % 10},{10 + i % 90}\n" for i in range(3000)
    )
    named.write("people.csv", "id,first,last,email,postcode,town\n" + people)
    named.write("orders.csv", "id,customer,date,amount\n" + orders)
    named.mapping(
        [
            {"file": "people.csv", "entity": "person", "fields": PEOPLE_FIELDS},
            {"file": "orders.csv", "entity": "order", "fields": FIELDS},
        ],
        name=s,
    )
    path = named.folder / "mapping.yaml"
    assert cli("load", str(path), "--rejects", str(tmp_path / "r.jsonl")).exit_code == 0
    assert cli("identity", "resolve").exit_code == 0
    metrics = cli("metrics", "compute", "--system", s, "--as-of", "2024-06-30")
    assert metrics.exit_code == 0, repr(metrics.exception)
    assert len(printed) > 10
    longest = max(printed, key=len)
    # the longest of their statements, its batches unprinted, is under 3,000 characters; printed,
    # one batch of the reconciliation alone made 1.2 MB of these rows
    assert len(longest) < 8_000, longest[:300]
