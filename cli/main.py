"""`c360`: the operator's command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import os
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from cli import collector, ops
from cli.clock import db_today
from cli.documents import app as documents_app
from cli.identity import identity_app
from graph import local_server as server
from graph.config import Settings, get_settings
from graph.driver import open_driver, run_with
from graph.migrations import migrate
from graph.security import apikeys, receipts
from graph.security.audit import Actor
from graph.security.principal import SCOPES, Kind, Role, principal

app = typer.Typer(help="customer360: a GraphQL customer-360 API over Neo4j.", no_args_is_help=True)
neo4j_app = typer.Typer(help="Run the local Neo4j server (ignored when NEO4J_URI is set).")
db_app = typer.Typer(help="Database schema tasks.")
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(db_app, name="db")
app.add_typer(identity_app, name="identity")
db_app.command("backup")(ops.db_backup)
db_app.command("restore")(ops.db_restore)
db_app.command("today")(db_today)

console = Console()
err = Console(stderr=True)

DataDir = Annotated[
    Path | None, typer.Option(help="Instance folder (data, logs, conf); default .neo4j/data.")
]
Port = Annotated[int | None, typer.Option(help="Bolt port on 127.0.0.1.")]


def _settings(data_dir: Path | None = None, port: int | None = None) -> Settings:
    base = get_settings()
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["neo4j_data_dir"] = data_dir
    if port is not None:
        overrides["neo4j_bolt_port"] = port
    return base.model_copy(update=overrides)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", markup=True, highlight=False)
    return typer.Exit(code=1)


@neo4j_app.command("install")
def neo4j_install() -> None:
    """Fetch the Neo4j jars from Maven Central into the cache folder (once)."""
    settings = _settings()
    try:
        lib = server.install(settings)
    except server.ServerError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"Neo4j {settings.neo4j_version} jars in {lib}")


@neo4j_app.command("start")
def neo4j_start(
    data_dir: DataDir = None,
    port: Port = None,
    fresh: Annotated[bool, typer.Option(help="Wipe the instance folder first.")] = False,
) -> None:
    """Start the local Neo4j and wait until Bolt answers (does nothing if it runs already)."""
    settings = _settings(data_dir, port)
    if not settings.local:
        console.print(f"NEO4J_URI is set ({settings.neo4j_uri}); nothing local to start.")
        return
    began = time.monotonic()
    ops.configure_job_logs(settings)  # the crash-recovery line, if Neo4j replays its log
    try:
        found = server.start(settings, fresh=fresh)
    except server.ServerError as exc:
        raise _fail(str(exc)) from exc
    console.print(
        f"Neo4j {found.version} ({found.edition}) answering on {found.address}, pid {found.pid}, "
        f"ready in {time.monotonic() - began:.1f}s"
    )
    if found.recovered is not None:
        console.print(found.recovered.summary(), soft_wrap=True)


@neo4j_app.command("stop")
def neo4j_stop(data_dir: DataDir = None) -> None:
    """Stop the local Neo4j (SIGTERM, then wait)."""
    settings = _settings(data_dir)
    if not settings.local:
        console.print(f"NEO4J_URI is set ({settings.neo4j_uri}); nothing local to stop.")
        return
    stopped = server.stop(settings)
    console.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@neo4j_app.command("status")
def neo4j_status(data_dir: DataDir = None, port: Port = None) -> None:
    """Print the server version, address and store size; exit 1 when it does not answer."""
    settings = _settings(data_dir, port)
    found = server.status(settings)
    if not found.running:
        console.print(f"Neo4j not answering on {found.address}")
        raise typer.Exit(code=1)
    size = f", store {found.store_bytes / 2**20:.1f} MiB" if settings.local else ""
    pid = f", pid {found.pid}" if found.pid else ""
    console.print(f"Neo4j {found.version} ({found.edition}) on {found.address}{pid}{size}")
    if found.last_recovery is not None:
        console.print(
            f"last {found.last_recovery.summary()}, completed {found.last_recovery.completed_at}",
            soft_wrap=True,
        )


@db_app.command("migrate")
def db_migrate() -> None:
    """Create the constraints and indexes (idempotent)."""
    settings = _settings()
    applied = run_with(settings, lambda d: migrate(d, settings.neo4j_database))
    console.print(f"{len(applied)} migrations applied to {settings.neo4j_database}")


@db_app.command("prune-receipts")
def db_prune_receipts(
    older_than: Annotated[
        str, typer.Option(help="Age of the receipts to delete: 90d, 12h, ... (default 30d).")
    ] = "30d",
) -> None:
    """Delete mutation receipts older than the idempotency window (a resend then runs again)."""
    settings = _settings()
    before = dt.datetime.now(dt.UTC) - _duration(older_than)
    deleted = run_with(
        settings, lambda driver: receipts.prune(driver, settings.neo4j_database, before)
    )
    console.print(f"{deleted} mutation receipts older than {older_than} deleted")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port.")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: one per core).")
    ] = None,
) -> None:
    """Serve the API with uvicorn: one worker process per core unless told (a worker is one
    Python thread, CPU-bound under load; the workers share nothing but the database). On SIGTERM
    in-flight requests get API_GRACEFUL_SHUTDOWN_S to finish."""
    import uvicorn

    settings = get_settings()
    ops.prepare_workers(settings)
    uvicorn.run(
        "api.main:app",
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers or os.cpu_count() or 1,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=int(settings.api_graceful_shutdown_s),
        timeout_worker_healthcheck=settings.api_worker_healthcheck_s,
    )


from cli.loading import load_app  # noqa: E402  (after `console`, which `load_app` shares)

app.add_typer(load_app, name="load")


@app.command("sample")
def sample_command(
    directory: Annotated[Path, typer.Argument(help="Folder to write the source files into.")],
    customers: Annotated[int, typer.Option(min=1, help="Customer parties to generate.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 42,
) -> None:
    """Write a realistic, deterministic sample data set from several source systems."""
    from loaders.sample.generate import write_sample

    began = time.monotonic()
    summary = write_sample(directory, customers, seed)
    console.print(
        f"{summary}\nwritten to {directory} in {time.monotonic() - began:.1f}s", markup=False
    )


metrics_app = typer.Typer(help="Value metrics: fit the models, write per-node metrics.")
app.add_typer(metrics_app, name="metrics")


@metrics_app.command("compute")
def metrics_compute(
    as_of: Annotated[
        str | None, typer.Option(help="Score as of this date (YYYY-MM-DD); default today.")
    ] = None,
    calibration_end: Annotated[
        str | None, typer.Option(help="Fit the models on orders up to this date; default: as-of.")
    ] = None,
    horizon: Annotated[int, typer.Option(min=1, help="CLV horizon in periods.")] = 52,
    period_days: Annotated[float, typer.Option(min=1, help="Days per period (7 = weeks).")] = 7.0,
    discount: Annotated[float, typer.Option(min=0, help="Annual discount rate.")] = 0.10,
    system: Annotated[
        str | None, typer.Option(help="Only customers from this source system.")
    ] = None,
) -> None:
    """Fit BG/NBD and Gamma-Gamma, then write every customer, account, broker, household, product metric."""
    import datetime as dt

    from cli.summaries import metrics_lines
    from graph.metrics.compute import Options, Summary, compute

    settings = _settings()
    options = Options(
        as_of=dt.date.fromisoformat(as_of) if as_of else dt.date.today(),
        calibration_end=dt.date.fromisoformat(calibration_end) if calibration_end else None,
        horizon=horizon,
        period_days=period_days,
        annual_discount=discount,
        system=system,
    )

    async def run() -> Summary:
        driver = open_driver(settings)
        try:
            return await compute(driver, settings.neo4j_database, options)
        finally:
            await driver.close()

    ops.configure_logs()
    began = time.monotonic()
    with collector.for_batches():
        summary = asyncio.run(run())
    ops.metrics_finished(settings, time.monotonic() - began, summary)
    for line in metrics_lines(summary):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


schema_app = typer.Typer(help="GraphQL schema tasks.")
app.add_typer(schema_app, name="schema")
app.add_typer(documents_app, name="documents")


@schema_app.command("print")
def schema_print(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = Path("schema.graphql"),
) -> None:
    """Write the GraphQL schema (SDL) to `schema.graphql`; a test fails when it drifts."""
    from schema.sdl import sdl

    output.write_text(sdl(), encoding="utf-8")
    console.print(f"schema written to {output}", markup=False)


token_app = typer.Typer(
    help="Bearer tokens (HS256, signed with AUTH_JWT_SECRET); every issue is audited."
)
apikey_app = typer.Typer(help="API keys for server-to-server callers; every operation is audited.")
app.add_typer(token_app, name="token")
app.add_typer(apikey_app, name="apikey")

Scopes = Annotated[
    list[str] | None, typer.Option("--scope", help="A scope to grant (repeatable): pii, write.")
]
Broker = Annotated[str | None, typer.Option(help="The broker party id (partners only).")]


def _operator() -> Actor:
    """The audit actor of a CLI command: the operating-system user, acting as admin."""
    return Actor(f"cli:{getpass.getuser()}", Role.ADMIN.value, uuid.uuid4().hex)


def _duration(text: str) -> dt.timedelta:
    """`90` (seconds), `30s`, `15m`, `12h` or `90d`."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    if not number.isdigit() or int(number) == 0:
        raise typer.BadParameter(f"{text!r} is not a duration like 90, 30s, 15m, 12h or 90d")
    return dt.timedelta(seconds=int(number) * units[unit])


def _scopes(given: list[str] | None) -> frozenset[str]:
    unknown = set(given or ()) - SCOPES
    if unknown:
        raise typer.BadParameter(f"unknown scope(s) {sorted(unknown)}; known: {sorted(SCOPES)}")
    return frozenset(given or ())


@token_app.command("issue")
def token_issue(
    role: Annotated[Role, typer.Option(help="The caller's role.")],
    broker: Broker = None,
    scope: Scopes = None,
    ttl: Annotated[
        str | None, typer.Option(help="Lifetime: 3600, 15m, 12h, 7d; default AUTH_TOKEN_TTL_S.")
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option(help="The `sub` (who it is for); default: the broker id, else the role."),
    ] = None,
    owned_accounts: Annotated[
        bool,
        typer.Option(help="account_team only: just the accounts the employee `subject` owns."),
    ] = False,
) -> None:
    """Print a signed bearer token (stdout: the token alone) and audit its issue."""
    from api.auth.middleware import issue_token

    settings = _settings()
    lifetime = _duration(ttl) if ttl else dt.timedelta(seconds=settings.auth_token_ttl_s)
    try:
        who = principal(
            subject or broker or role.value,
            role,
            Kind.TOKEN,
            broker_id=broker,
            scopes=_scopes(scope),
            owned_accounts_only=owned_accounts,
        )
        token, claims = run_with(
            settings, lambda d: issue_token(d, settings, _operator(), who, lifetime)
        )
    except ValueError as exc:  # PrincipalError, an unknown broker, no secret configured
        raise _fail(str(exc)) from exc
    expires = dt.datetime.fromtimestamp(claims["exp"], dt.UTC).isoformat()
    err.print(
        f"{role.value} token for sub {who.id!r}, expires {expires}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    typer.echo(token)


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="What the key is for (shown in listings).")],
    role: Annotated[Role, typer.Option(help="The caller's role.")] = Role.PARTNER,
    broker: Broker = None,
    scope: Scopes = None,
    expires: Annotated[
        str, typer.Option(help="Expiry: a date (2026-12-31) or a duration from now (90d).")
    ] = "90d",
) -> None:
    """Create a key and print it once (stdout: the key alone); only its hash is stored."""
    settings = _settings()
    try:
        expires_at = dt.datetime.combine(dt.date.fromisoformat(expires), dt.time(), dt.UTC)
    except ValueError:
        expires_at = dt.datetime.now(dt.UTC) + _duration(expires)
    pepper = settings.auth_apikey_pepper.get_secret_value()
    scopes = _scopes(scope)
    try:
        key, text = run_with(
            settings,
            lambda d: apikeys.create(
                d,
                settings.neo4j_database,
                _operator(),
                name=name,
                role=role,
                expires_at=expires_at,
                pepper=pepper,
                broker_id=broker,
                scopes=scopes,
            ),
        )
    except apikeys.ApiKeyError as exc:
        raise _fail(str(exc)) from exc
    err.print(
        f"key {key.id} ({key.name!r}, {key.role.value}) expires {key.expires_at.isoformat()}; "
        "store it now: it cannot be shown again",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    typer.echo(text)


@apikey_app.command("list")
def apikey_list() -> None:
    """List every key (never the secrets) with its status, one tab-separated line each."""
    settings = _settings()
    keys = run_with(settings, lambda d: apikeys.list_keys(d, settings.neo4j_database, _operator()))
    now = dt.datetime.now(dt.UTC)
    typer.echo("id\tname\trole\tbroker\tscopes\tcreated\texpires\tstatus")
    for k in keys:
        row = [
            k.id,
            k.name,
            k.role.value,
            k.broker_id or "-",
            ",".join(sorted(k.scopes)) or "-",
            k.created_at.isoformat(timespec="seconds"),
            k.expires_at.isoformat(timespec="seconds"),
            k.status(now),
        ]
        typer.echo("\t".join(row))


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[str, typer.Argument(help="The key's id.")]) -> None:
    """Revoke a key; running API processes stop accepting it within AUTH_APIKEY_CACHE_S."""
    settings = _settings()
    key = run_with(
        settings, lambda d: apikeys.revoke(d, settings.neo4j_database, _operator(), key_id)
    )
    if key is None:
        raise _fail(f"no API key has the id {key_id!r}")
    assert key.revoked_at is not None
    revoked = key.revoked_at.isoformat()
    console.print(f"key {key.id} ({key.name!r}) revoked at {revoked}", markup=False, soft_wrap=True)
