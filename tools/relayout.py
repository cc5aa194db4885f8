"""Rewrite module paths after the regrouping of issue 11 (one folder per capability).

Run from the repository root: `python tools/relayout.py [--move] FILES...`. With `--move`, the old
files are moved (git mv) first; without it, only the module paths in the given files (or every
tracked text file) are rewritten, which is what a branch started before the move needs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

# old module -> new module
MOVES: dict[str, str] = {
    "graph._traversal": "graph.traversals.common",
    "graph.referrals": "graph.traversals.referrals",
    "graph.referral_tree": "graph.traversals.referral_tree",
    "graph.partners": "graph.traversals.partners",
    "graph.committees": "graph.traversals.committees",
    "graph.paths": "graph.traversals.paths",
    "graph.affinity": "graph.traversals.affinity",
    "graph.identity": "graph.identity.store",
    "graph.reconcile": "graph.identity.reconcile",
    "graph.merges": "graph.identity.merges",
    "graph.erase": "graph.identity.erase",
    "graph.records": "graph.ingest.records",
    "graph.normalize": "graph.ingest.normalize",
    "graph.prepare": "graph.ingest.rows",
    "graph.ingest": "graph.ingest.upsert",
    "graph.writes": "graph.ingest.api_writes",
    "graph.principal": "graph.security.principal",
    "graph.apikeys": "graph.security.apikeys",
    "graph.audit": "graph.security.audit",
    "graph.receipts": "graph.security.receipts",
    "graph.server": "graph.local_server",
    "loaders.sample": "loaders.sample.generate",
    "loaders._sample_b2b": "loaders.sample.b2b",
    "loaders._sample_commerce": "loaders.sample.commerce",
    "loaders._sample_context": "loaders.sample.state",
    "loaders._sample_io": "loaders.sample.files",
    "loaders._sample_people": "loaders.sample.people",
    "loaders._sample_words": "loaders.sample.words",
    "loaders.read": "loaders.files",
    "api._auth_errors": "api.auth.errors",
    "api._auth_jwt": "api.auth.tokens",
    "api._auth_keys": "api.auth.keys",
    "api.auth": "api.auth.middleware",
    "api.cli": "cli.main",
    "api.loading": "cli.loading",
    "schema.mutations": "schema.mutations.root",
    "schema.mutation_inputs": "schema.mutations.inputs",
    "schema.mutation_run": "schema.mutations.run",
    "schema.resolve": "schema.resolvers",
    "schema.server": "schema.server_info",
    "tests.graph.test_affinity": "tests.graph.traversals.test_affinity",
    "tests.graph.test_committees": "tests.graph.traversals.test_committees",
    "tests.graph.test_partners": "tests.graph.traversals.test_partners",
    "tests.graph.test_paths": "tests.graph.traversals.test_paths",
    "tests.graph.test_referrals": "tests.graph.traversals.test_referrals",
    "tests.graph.traversal_factories": "tests.graph.traversals.factories",
    "tests.graph.traversal_reference": "tests.graph.traversals.reference",
    "tests.graph.test_erase": "tests.graph.identity.test_erase",
    "tests.graph.test_merges": "tests.graph.identity.test_merges",
    "tests.graph.test_normalize": "tests.graph.ingest.test_normalize",
    "tests.graph.test_apikeys": "tests.graph.security.test_apikeys",
    "tests.graph.test_audit": "tests.graph.security.test_audit",
    "tests.graph.test_server": "tests.graph.test_local_server",
    "tests.graph.test_value_models": "tests.graph.metrics.test_value_models",
    "tests.graph.test_metrics": "tests.graph.metrics.test_compute",
    "tests.graph.test_kpis": "tests.graph.metrics.test_kpis",
    "tests.loaders.test_sample": "tests.loaders.sample.test_generate",
    "tests.api.test_auth": "tests.api.auth.test_auth",
}

_OLD = sorted(MOVES, key=len, reverse=True)
_MODULE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(m) for m in _OLD) + r")(?![\w])")
_PATH = re.compile(
    r"(?<![\w./])(" + "|".join(re.escape(m.replace(".", "/")) for m in _OLD) + r")\.py\b"
)
_FROM = re.compile(r"^(\s*)from (graph|loaders|api|schema) import ([\w, ]+)$", re.M)


def _split_from(match: re.Match[str]) -> str:
    indent, package, names = match.groups()
    kept: list[str] = []
    lines: list[str] = []
    for name in (n.strip() for n in names.split(",")):
        new = MOVES.get(f"{package}.{name}")
        if new is None:
            kept.append(name)
            continue
        parent, _, leaf = new.rpartition(".")
        alias = "" if leaf == name else f" as {name}"
        lines.append(f"{indent}from {parent} import {leaf}{alias}")
    if kept:
        lines.insert(0, f"{indent}from {package} import {', '.join(kept)}")
    return "\n".join(lines)


_NEW = set(MOVES.values())
_IMPORTED = re.compile(r"\s+import\s+(\w+)")
_DOTTED = re.compile(r"\.(\w+)")


def _module_match(match: re.Match[str]) -> str:
    """The new path of an old module, unless the text already names a new one (a second run)."""
    old, end, text = match.group(1), match.end(), match.string
    dotted = _DOTTED.match(text, end)
    if dotted and f"{old}.{dotted.group(1)}" in _NEW:
        return old  # `graph.ingest.records` is already new
    imported = _IMPORTED.match(text, end)
    if imported and f"{old}.{imported.group(1)}" in _NEW:
        return old  # `from graph.ingest import records` is already new
    return MOVES[old]


def rewrite(text: str) -> str:
    text = _FROM.sub(_split_from, text)
    text = _MODULE.sub(_module_match, text)
    return _PATH.sub(lambda m: MOVES[m.group(1).replace("/", ".")].replace(".", "/") + ".py", text)


def move() -> None:
    for old, new in MOVES.items():
        src = Path(old.replace(".", "/") + ".py")
        dst = Path(new.replace(".", "/") + ".py")
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "mv", str(src), str(dst)], check=True)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--move"]:
        move()
        argv = argv[1:]
    files = (
        argv
        or subprocess.run(
            [
                "git",
                "ls-files",
                "*.py",
                "*.md",
                "*.toml",
                "*.yml",
                "*.yaml",
                "Makefile",
                "Dockerfile",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    )
    for name in files:
        path = Path(name)
        if not path.is_file() or path.name == "relayout.py":
            continue
        old = path.read_text()
        new = rewrite(old)
        if new != old:
            path.write_text(new)


if __name__ == "__main__":
    main(sys.argv[1:])
