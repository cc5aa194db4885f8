"""A local, unmodified Neo4j Community server run from Maven Central jars.

`install` fetches `org.neo4j:neo4j` and its runtime closure with Maven into `<neo4j_home>/<version>/lib`.
`start` writes a `neo4j.conf` for one instance folder (data, logs, run, conf below `data_dir`), launches
`org.neo4j.server.CommunityEntryPoint` with explicit JVM flags, waits until Bolt answers, and reports
the crash recovery Neo4j ran while starting, if any (`graph.recovery`, logged as a warning).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from graph import recovery
from graph.config import Settings

MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"

JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+AlwaysPreTouch",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>customer360</groupId>
  <artifactId>neo4j-server</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId>
      <artifactId>neo4j</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


# Servers started by this process, kept so their exit status is collected (no zombies, no warnings).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}

log = logging.getLogger("customer360.neo4j")


class ServerError(RuntimeError):
    """The local Neo4j server could not be installed, started or stopped."""


@dataclass(frozen=True)
class Status:
    running: bool
    pid: int | None
    address: str
    version: str | None
    edition: str | None
    store_bytes: int
    # `start` only: the crash recovery this start ran (None after a clean stop or if it ran already)
    recovered: recovery.Recovery | None = None
    # the last crash recovery any start of this instance ran (local servers only)
    last_recovery: recovery.Recovery | None = None


def lib_dir(settings: Settings) -> Path:
    return settings.neo4j_home / settings.neo4j_version / "lib"


def install(settings: Settings) -> Path:
    """Fetch the Neo4j jars with Maven unless they are already cached. Returns the lib folder."""
    target = lib_dir(settings)
    if (target / ".complete").exists():
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerError("Maven (mvn) is not on PATH; it is needed once to fetch the Neo4j jars")
    build = target.parent / "build"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    (build / "pom.xml").write_text(POM.format(version=settings.neo4j_version))
    staging = build / "lib"
    proc = subprocess.run(
        [
            mvn, "-B", "-q", "-f", str(build / "pom.xml"),
            f"{MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={staging}", "-DincludeScope=runtime",
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise ServerError(f"Maven could not fetch Neo4j {settings.neo4j_version}:\n{proc.stdout}")
    if not any(staging.glob(f"neo4j-{settings.neo4j_version}.jar")):
        raise ServerError(
            f"Maven finished but {staging} holds no neo4j-{settings.neo4j_version}.jar"
        )
    (staging / ".complete").touch()
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    shutil.rmtree(build, ignore_errors=True)
    return target


def _conf(settings: Settings) -> str:
    base = settings.data_dir.resolve()
    lines = {
        "server.directories.data": base / "data",
        "server.directories.logs": base / "logs",
        "server.directories.run": base / "run",
        "server.directories.import": base / "import",
        "server.directories.plugins": base / "plugins",
        "server.default_listen_address": "127.0.0.1",
        "server.bolt.enabled": "true",
        "server.bolt.listen_address": f"127.0.0.1:{settings.neo4j_bolt_port}",
        "server.http.enabled": "false",
        "server.https.enabled": "false",
        "dbms.security.auth_enabled": str(settings.neo4j_auth).lower(),
        "server.memory.heap.initial_size": settings.neo4j_heap,
        "server.memory.heap.max_size": settings.neo4j_heap,
        "server.memory.pagecache.size": settings.neo4j_pagecache,
        "dbms.usage_report.enabled": "false",
        "db.tx_log.rotation.retention_policy": "2 files",
        "db.transaction.timeout": "60s",
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")  # the JVM's own convention, not a project setting
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java:
        raise ServerError("Java 17 is needed to run Neo4j 5.26 and no `java` is on PATH")
    return java


def _pid_file(settings: Settings) -> Path:
    return settings.data_dir / "neo4j.pid"


def _read_pid(settings: Settings) -> int | None:
    try:
        pid = int(_pid_file(settings).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:  # ours and dead (killed): reaped now
        del _CHILDREN[pid]
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _bolt_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def log_tail(settings: Settings, lines: int = 40) -> str:
    logs = settings.data_dir / "logs"
    chunks = []
    for name in ("console.log", "neo4j.log"):
        path = logs / name
        if path.exists():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            chunks.append(f"--- {path} ---\n" + "\n".join(text))
    return "\n".join(chunks) or f"(no logs in {logs})"


def _set_initial_password(settings: Settings, lib: Path) -> None:
    if not settings.neo4j_auth or (settings.data_dir / "data" / "dbms" / "auth.ini").exists():
        return
    env = {
        **os.environ,
        "NEO4J_HOME": str(settings.data_dir),
        "NEO4J_CONF": str(_conf_dir(settings)),
    }
    proc = subprocess.run(
        [_java(), "-cp", f"{lib}/*", ADMIN_TOOL, "dbms", "set-initial-password",
         settings.neo4j_password.get_secret_value()],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise ServerError(f"neo4j-admin set-initial-password failed:\n{proc.stdout}{proc.stderr}")


def _conf_dir(settings: Settings) -> Path:
    return settings.data_dir / "conf"


def admin(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `neo4j-admin` (the jars' AdminTool) on this instance folder, writing its configuration
    first (an instance never started can be loaded into). The caller checks `returncode`."""
    lib = install(settings)
    for sub in ("conf", "data", "logs", "run", "import", "plugins"):
        (settings.data_dir / sub).mkdir(parents=True, exist_ok=True)
    (_conf_dir(settings) / "neo4j.conf").write_text(_conf(settings))
    env = {
        **os.environ,
        "NEO4J_HOME": str(settings.data_dir.resolve()),
        "NEO4J_CONF": str(_conf_dir(settings).resolve()),
    }
    return subprocess.run(
        [_java(), "-cp", f"{lib}/*", ADMIN_TOOL, *args],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip


def running(settings: Settings) -> bool:
    """Whether this instance folder's server process is alive."""
    return _read_pid(settings) is not None


def start(settings: Settings, *, fresh: bool = False) -> Status:
    """Start the local server (idempotent). With `fresh`, its instance folder is wiped first."""
    if not settings.local:
        raise ServerError(f"NEO4J_URI is set ({settings.neo4j_uri}): no local server to start")
    if _read_pid(settings) is not None:
        if fresh:
            stop(settings)
        else:
            _wait_ready(settings, None)
            return status(settings)
    if _bolt_open(settings.neo4j_bolt_port):
        raise ServerError(f"port {settings.neo4j_bolt_port} is taken by another process")
    lib = install(settings)
    if fresh:
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    for sub in ("conf", "data", "logs", "run", "import", "plugins"):
        (settings.data_dir / sub).mkdir(parents=True, exist_ok=True)
    (_conf_dir(settings) / "neo4j.conf").write_text(_conf(settings))
    _set_initial_password(settings, lib)
    offset = recovery.log_offset(settings)
    command = [
        _java(), f"-Xms{settings.neo4j_heap}", f"-Xmx{settings.neo4j_heap}", *JVM_FLAGS,
        "-cp", f"{lib}/*", ENTRY_POINT,
        f"--home-dir={settings.data_dir.resolve()}", f"--config-dir={_conf_dir(settings).resolve()}",
    ]  # fmt: skip
    with (settings.data_dir / "logs" / "console.log").open("ab") as console:
        proc = subprocess.Popen(
            command, stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    _CHILDREN[proc.pid] = proc
    _pid_file(settings).write_text(f"{proc.pid}\n")
    _wait_ready(settings, proc)
    recovered = recovery.scan(settings, offset)
    if recovered is not None:
        recovery.save(settings, recovered)
        log.warning(
            "neo4j crash recovery",
            extra={"fields": {"data_dir": str(settings.data_dir), **recovered.fields()}},
        )
    return replace(status(settings), recovered=recovered)


def _wait_ready(settings: Settings, proc: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + settings.neo4j_start_timeout_s
    last_error = "Bolt port not open"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            _CHILDREN.pop(proc.pid, None)
            _pid_file(settings).unlink(missing_ok=True)
            raise ServerError(
                f"Neo4j exited with code {proc.returncode} while starting\n{log_tail(settings)}"
            )
        if _bolt_open(settings.neo4j_bolt_port):
            try:
                with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
                    driver.verify_connectivity()
                return
            except AuthError as exc:
                raise ServerError(
                    f"Neo4j is up but refused the configured credentials: {exc}"
                ) from exc
            except (ServiceUnavailable, OSError) as exc:
                last_error = str(exc)
        time.sleep(0.25)
    raise ServerError(
        f"Neo4j did not answer on {settings.bolt_uri} within {settings.neo4j_start_timeout_s:.0f}s "
        f"({last_error})\n{log_tail(settings)}"
    )


def stop(settings: Settings, timeout_s: float = 60.0) -> bool:
    """Stop the local server with SIGTERM (SIGKILL after `timeout_s`). False if it was not running."""
    pid = _read_pid(settings)
    if pid is None:
        _pid_file(settings).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.1)
    _pid_file(settings).unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _store_bytes(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def status(settings: Settings) -> Status:
    """Report the server's version, address and store size (local or remote)."""
    pid = _read_pid(settings) if settings.local else None
    version = edition = None
    try:
        with GraphDatabase.driver(
            settings.bolt_uri,
            auth=settings.auth,
            connection_timeout=settings.neo4j_connection_timeout_s,
        ) as driver:
            with driver.session(database="system") as session:  # one attempt: no retries
                row = session.run(
                    "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS v, edition"
                ).single(strict=True)
            version, edition = row["v"], row["edition"]
    except (ServiceUnavailable, AuthError, OSError):
        pass
    store = _store_bytes(settings.data_dir / "data") if settings.local else 0
    return Status(
        running=version is not None,
        pid=pid,
        address=settings.bolt_uri,
        version=version,
        edition=edition,
        store_bytes=store,
        last_recovery=recovery.last(settings) if settings.local else None,
    )
