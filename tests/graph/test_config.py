from __future__ import annotations

from graph.config import Settings


def test_an_empty_auth_secret_or_jwks_means_unset() -> None:
    settings = Settings(auth_jwt_secret="", auth_jwks="")
    assert (settings.auth_jwt_secret, settings.auth_jwks) == (None, None)


def test_local_server_address_and_auth_follow_the_settings() -> None:
    local = Settings(neo4j_uri=None, neo4j_bolt_port=17999, neo4j_auth=False)
    assert (local.local, local.bolt_uri, local.auth) == (True, "bolt://127.0.0.1:17999", None)
    remote = Settings(neo4j_uri="neo4j://cluster:7687", neo4j_auth=False)
    assert (remote.local, remote.bolt_uri) == (False, "neo4j://cluster:7687")
    assert (
        remote.auth is not None and remote.auth[0] == remote.neo4j_user
    )  # remote always authenticates
