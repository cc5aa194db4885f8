"""Limits shared by workers: two app instances (as two workers or replicas would be) on one Redis
allow a caller its budget once, not twice. Needs Debian's `redis-server` (`.ci/run` installs it);
the test starts its own on a free loopback port and stops it."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.middleware import sign
from graph.config import Settings
from graph.security.principal import Kind, Principal, Role

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert REDIS is not None
    port = free_port()
    folder: Path = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_instances_share_the_request_budget(
    settings: Settings, redis_url: str, broker_id: str
) -> None:
    shared = settings.model_copy(
        update={
            "redis_url": redis_url,
            "rate_limit_per_minute": dict.fromkeys(Role, 0) | {Role.PARTNER: 4},
        }
    )
    who = Principal(f"p-shared-{time.time_ns()}", Role.PARTNER, Kind.TOKEN, broker_id=broker_id)
    token, _ = sign(shared, who, dt.timedelta(minutes=5))
    headers = {"authorization": f"Bearer {token}"}
    body = {"query": "{ __typename }"}
    with TestClient(create_app(shared)) as one, TestClient(create_app(shared)) as two:
        answers = [c.post("/graphql", json=body, headers=headers) for c in (one, two, one, two)]
        assert [a.status_code for a in answers] == [200, 200, 200, 200]
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["3", "2", "1", "0"]
        refused = [c.post("/graphql", json=body, headers=headers) for c in (one, two)]
        assert [a.status_code for a in refused] == [429, 429]
        assert all(1 <= int(a.headers["retry-after"]) <= 60 for a in refused)
        # The same budget in memory (no REDIS_URL): each instance allows the whole of it.
    alone = shared.model_copy(update={"redis_url": None})
    with TestClient(create_app(alone)) as one, TestClient(create_app(alone)) as two:
        statuses = [c.post("/graphql", json=body, headers=headers).status_code for c in (one, two)]
        assert statuses == [200, 200]


def test_two_instances_share_the_cost_budget(settings: Settings, redis_url: str) -> None:
    query = {"query": "{ customers(first: 10) { edges { node { key } } } }"}
    shared = settings.model_copy(
        update={
            "redis_url": redis_url,
            "cost_limit_per_minute": dict.fromkeys(Role, 0) | {Role.ANALYST: 100},
        }
    )
    who = Principal(f"a-shared-{time.time_ns()}", Role.ANALYST, Kind.TOKEN)
    token, _ = sign(shared, who, dt.timedelta(minutes=5))
    headers = {"authorization": f"Bearer {token}"}
    with TestClient(create_app(shared)) as one, TestClient(create_app(shared)) as two:
        # 31 values a query (customers + edges x 10 + node x 10 + key x 10): three fit in 100.
        statuses = [
            c.post("/graphql", json=query, headers=headers).status_code
            for c in (one, two, one, two)
        ]
        assert statuses == [200, 200, 200, 429]


def test_redis_down_lets_requests_through(settings: Settings, broker_id: str) -> None:
    down = settings.model_copy(
        update={
            "redis_url": f"redis://127.0.0.1:{free_port()}/0",
            "rate_limit_per_minute": dict.fromkeys(Role, 0) | {Role.PARTNER: 1},
        }
    )
    who = Principal("p-down", Role.PARTNER, Kind.TOKEN, broker_id=broker_id)
    token, _ = sign(down, who, dt.timedelta(minutes=5))
    with TestClient(create_app(down)) as client:
        statuses = [
            client.post(
                "/graphql",
                json={"query": "{ __typename }"},
                headers={"authorization": f"Bearer {token}"},
            ).status_code
            for _ in range(2)
        ]
    assert statuses == [200, 200]  # fail open, logged and counted
