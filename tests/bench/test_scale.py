"""`bench/scale.py`: each size keeps a graph of its own."""

from __future__ import annotations

from bench.scale import size_env


def test_each_size_runs_on_a_data_folder_of_its_own() -> None:
    """A quick `SIZES=10k` run after the 1M one started its Neo4j `--fresh` on the same folder
    and erased the 1M graph, a 37-minute load."""
    env = {"NEO4J_DATA_DIR": ".neo4j/scale", "NEO4J_BOLT_PORT": "17689"}
    folders = {size: size_env(env, size)["NEO4J_DATA_DIR"] for size in ("10k", "100k", "1m")}
    assert folders == {
        "10k": ".neo4j/scale-10k",
        "100k": ".neo4j/scale-100k",
        "1m": ".neo4j/scale-1m",
    }
    assert size_env(env, "1m")["NEO4J_BOLT_PORT"] == "17689"
    assert env["NEO4J_DATA_DIR"] == ".neo4j/scale"  # the caller's environment is left as it was
