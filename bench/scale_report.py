"""The `make bench-scale` report: bench/results/scale-<size>.json -> a Markdown table and PNG plots.

Writes bench/results/scale-load.png (load seconds, rows/s and loader peak RSS against size) and
bench/results/scale-reads.png (p50 and p95 of each read workload against size, one client), and prints
the Markdown section (table + plot links) for BENCHMARKS.md; `--write` replaces the section between
`<!-- scale:begin -->` and `<!-- scale:end -->` in BENCHMARKS.md (or appends it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ORDER = ["10k", "100k", "1m"]
BEGIN, END = "<!-- scale:begin -->", "<!-- scale:end -->"


def results() -> list[dict[str, Any]]:
    return [json.loads((RESULTS / f"scale-{s}.json").read_text()) for s in ORDER
            if (RESULTS / f"scale-{s}.json").exists()]  # fmt: skip


def _get(r: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(r, dict) or key not in r:
            return None
        r = r[key]
    return r


def _fmt(value: Any, pattern: str = "{:,.1f}") -> str:
    return "—" if value is None else pattern.format(value)


def plots(found: list[dict[str, Any]]) -> None:
    sizes = [r["customers"] for r in found]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for ax, (label, path) in zip(axes, [
        ("load, s", ("load", "seconds")), ("source rows/s", ("load", "rows_per_second")),
        ("loader peak RSS, MB", ("load", "peak_rss_mb")),
    ], strict=True):  # fmt: skip
        points = [(s, _get(r, *path)) for s, r in zip(sizes, found, strict=True)]
        points = [(s, v) for s, v in points if v is not None]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o")
        ax.set_xscale("log")
        ax.set_xlabel("customers")
        ax.set_title(label)
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(RESULTS / "scale-load.png", dpi=90)
    plt.close(fig)

    names = sorted({n for r in found for n, v in (r.get("reads") or {}).items() if "p50" in v})
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), sharey=True)
    for ax, key in zip(axes, ("p50", "p95"), strict=True):
        for name in names:
            points = [(s, _get(r, "reads", name, key)) for s, r in zip(sizes, found, strict=True)]
            points = [(s, v) for s, v in points if v is not None]
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("customers")
        ax.set_ylabel("ms, one request at a time")
        ax.set_title(key)
        ax.grid(True, alpha=0.3)
    axes[1].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(RESULTS / "scale-reads.png", dpi=90)
    plt.close(fig)


def table(found: list[dict[str, Any]]) -> str:
    head = "| | " + " | ".join(r["size"] for r in found) + " |\n|---|" + "---|" * len(found) + "\n"
    lines = [
        ("source rows", [_fmt(_get(r, "load", "rows"), "{:,}") for r in found]),
        ("load, s", [_fmt(_get(r, "load", "seconds")) for r in found]),
        ("source rows/s", [_fmt(_get(r, "load", "rows_per_second"), "{:,.0f}") for r in found]),
        ("loader peak RSS, MB", [_fmt(_get(r, "load", "peak_rss_mb"), "{:,.0f}") for r in found]),
        ("metrics compute, s", [_fmt(_get(r, "metrics", "seconds")) for r in found]),
        ("delta of 1,000 rows, s", [_fmt(_get(r, "delta", "seconds")) for r in found]),
    ]
    names = sorted({n for r in found for n in (r.get("reads") or {})})
    for name in names:
        lines.append((f"{name}: p50 / p95 ms (1 client)", [
            "error" if _get(r, "reads", name, "error") else
            f"{_fmt(_get(r, 'reads', name, 'p50'))} / {_fmt(_get(r, 'reads', name, 'p95'))}"
            for r in found
        ]))  # fmt: skip
        lines.append((f"{name}: p95 ms, req/s (16 clients)", [
            "error" if _get(r, "reads", name, "error") else
            f"{_fmt(_get(r, 'reads', name, 'p95_16'))}, {_fmt(_get(r, 'reads', name, 'rps_16'))}"
            for r in found
        ]))  # fmt: skip
    body = "".join(f"| {label} | " + " | ".join(values) + " |\n" for label, values in lines)
    meta = "; ".join(
        f"{r['size']}: commit {r.get('commit', '?')}, {r.get('at', '?')}, load average "
        + "/".join(f"{x:.1f}" for x in r.get("load_average") or [])
        for r in found
    )
    return head + body + f"\nRuns: {meta}.\n"


def section(found: list[dict[str, Any]]) -> str:
    return (
        f"{BEGIN}\n## Loads at scale (`make bench-scale`)\n\n"
        + table(found)
        + "\n![load](bench/results/scale-load.png)\n\n![reads](bench/results/scale-reads.png)\n"
        + f"{END}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    found = results()
    if not found:
        raise SystemExit("no bench/results/scale-*.json: run bench/scale.py first")
    plots(found)
    text = section(found)
    print(text)
    if args.write:
        target = ROOT / "BENCHMARKS.md"
        old = target.read_text() if target.exists() else "# Benchmarks\n"
        if BEGIN in old and END in old:
            new = old[: old.index(BEGIN)] + text + old[old.index(END) + len(END) + 1 :]
        else:
            new = old.rstrip("\n") + "\n\n" + text
        target.write_text(new)


if __name__ == "__main__":
    main()
